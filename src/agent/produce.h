/* The operator's side of the agent (issue 15, items 4 and 5): USBKeys
 * made from the console's production queue.  The agent becomes a token
 * station (station/station.h) with the remote inventory, driven by the
 * console: the console hands it the server's signed instruction
 * (token/instruction.h) and the operator's session, and the agent
 * initialises the blank token (SO PIN random, sealed by the CA through the
 * token API), makes the key on it, has the certificate issued against the
 * accepted request, writes it next to the key, and renders the PIN
 * envelope.
 *
 *   GET  /v1/tokens     the tokens present (any --origin page)
 *   POST /v1/produce    {instruction, session}: one USBKey for one request
 *   POST /v1/pin-reset  {instruction, session}: a PIN reset (附件3)
 *
 * Where the envelope is made: here, in the agent, with doc/forms.c.  The
 * default PIN is made on the operator's computer and exists only in the
 * agent's memory and in the PDF bytes it answers to the console page; the
 * server gets neither (it only ever saw the sealed SO PIN and makes the
 * loss-report code, which it keeps as an argon2id hash).  A server-made
 * template filled in by the agent would need a PDF editor here and give
 * nothing: the layout is finca's own either way.
 *
 * Safety: only the console (the --server origin) may ask for a change,
 * every change needs an instruction signed with the service CA's key
 * (--ca-cert) naming the operation, the request and the token, unexpired
 * and not seen before; a PIN is never taken from the page. */
#ifndef FINCA_AGENT_PRODUCE_H
#define FINCA_AGENT_PRODUCE_H

#include <jansson.h>
#include <stddef.h>

struct agent;
struct agent_config;
struct produce;

/* Reads --ca-cert and checks --server (NULL *out when production is not
 * configured: the paths then answer 404).  *out: produce_free. */
int produce_start(const struct agent_config *cfg, struct produce **out);
void produce_free(struct produce *p);

/* 1 when path is one of the paths above. */
int produce_path(const char *path);
/* Answers method path with body (len bytes; too_big: over the limit) for
 * the page of origin allow (the --origin it matched, borrowed), whose
 * language (enum msg_lang) the server is asked to refuse in.  Returns
 * the HTTP status; *out (the caller's) is the answer, or NULL with the
 * error set (util/err.h) and *code its short name.  note gets what
 * happened, for the log (never a PIN). */
int produce_call(struct agent *a, const char *method, const char *path, const char *allow,
		 int lang, const char *body, size_t len, int too_big, json_t **out,
		 const char **code, char *note, size_t nlen);

#endif
