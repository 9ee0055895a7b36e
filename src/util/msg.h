/* The languages finca speaks, and the catalogue of its messages.
 *
 * An error carries a stable reason and its parameters (util/err.h); here
 * each reason has its Chinese text, with the parameters placed as {1},
 * {2}…, and each field its Chinese name.  English is the message itself,
 * as the call site wrote it.  The doors choose the language: the API by
 * the caller's Accept-Language, the command line by LANG. */
#ifndef FINCA_MSG_H
#define FINCA_MSG_H

#include <stddef.h>

enum msg_lang { MSG_EN, MSG_ZH };

/* The language an HTTP Accept-Language header asks for: Chinese when a zh
 * tag comes before any en tag (q-values honoured), English otherwise and
 * when there is no header (NULL). */
enum msg_lang msg_lang_accept(const char *accept);
/* The language of the environment (LC_ALL, else LC_MESSAGES, else LANG):
 * Chinese under zh*, English otherwise. */
enum msg_lang msg_lang_env(void);

/* The Chinese text of reason, or NULL when the catalogue has none. */
const char *msg_zh(const char *reason);
/* The name of field in lang: its Chinese name ("身份证号"), or the field
 * itself (English, or a field the catalogue does not name). */
const char *msg_field(enum msg_lang lang, const char *field);
/* The current error in lang, into out (n bytes): English, err_msg();
 * Chinese, the field's name and "：" (when the English names the field
 * before the message, as err_why and err_in do; not after err_why_of or
 * err_field_set), and the reason's text with the error's parameters placed; an error of no catalogued reason: its class's
 * sentence (err_name's reason) and the English in brackets.  Returns out. */
const char *msg_error(enum msg_lang lang, char *out, size_t n);
/* What is wrong with the field (msg_error without the field's name): the
 * API's detail. */
const char *msg_detail(enum msg_lang lang, char *out, size_t n);
/* Places params (np of them) into the template t ({1}…) into out. */
void msg_place(const char *t, const char *const *params, unsigned np, char *out, size_t n);

#endif
