/* [token] of finca.conf: the token station (finca token ..., station/)
 * and the signing agent's SM2 mechanisms.  Parsed, checked and documented
 * here; registered with ca/config.c's section registry by the constructor
 * at the end. */
#include "token/token.h"
#include "crypto/key.h"
#include "util/err.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static int token_set(void *data, const char *key, const char *v)
{
	struct token_conf *t = data;

	if (!strcmp(key, "module") || !strcmp(key, "algorithm")) {
		char **dst = !strcmp(key, "module") ? &t->module : &t->algorithm;
		if (!strcmp(key, "algorithm") && key_alg_parse(v) < 0)
			return err_set(FINCA_ECONFIG,
				       "[token] algorithm: '%s' is not sm2, p256, rsa2048 or rsa3072",
				       v);
		free(*dst);
		*dst = *v ? xstrdup(v) : NULL;
	} else if (!strcmp(key, "sm2_keygen_mechanism") ||
		   !strcmp(key, "sm2_sign_mechanism") || !strcmp(key, "sm2_import_mechanism")) {
		char *end;
		unsigned long m = strtoul(v, &end, 0);
		if (!*v || *end)
			return err_set(FINCA_ECONFIG, "[token] %s: '%s' is not a number (0x8000xxxx)",
				       key, v);
		*(key[4] == 'k' ? &t->sm2_keygen : key[4] == 'i' ? &t->sm2_import
		  : &t->sm2_sign) = m;
	} else {
		return CONFIG_NO_KEY;
	}
	return FINCA_OK;
}

static void token_conf_free(void *data)
{
	struct token_conf *t = data;

	free(t->module);
	free(t->algorithm);
}

static const struct config_section token_section = {
	.name = "token",
	.rank = 30,
	.size = sizeof(struct token_conf),
	.set = token_set,
	.free = token_conf_free,
	.default_text =
"[token]\n"
"# The token station (finca token ...): the USBKeys' PKCS#11 module (--module\n"
"# overrides it), the key algorithm made on them, and for SM2 the vendor's\n"
"# mechanism numbers (PKCS#11 has no standard SM2 mechanism; the signing\n"
"# mechanism is given e = SM3(Z || M) and returns r || s).\n"
"# module = /usr/lib/vendor/libusbkey-pkcs11.so\n"
"# algorithm: sm2 once the vendor mechanisms below are set\n"
"algorithm = p256\n"
"# sm2_keygen_mechanism = 0x80000xxx\n"
"# sm2_sign_mechanism = 0x80000xxx\n"
"# The encryption key of a dual pair, imported onto the USBKey: the\n"
"# mechanism that C_UnwrapKey's a GM/T 0016 ENVELOPEDKEYBLOB (its parameter\n"
"# and wrapped key) with the SM2 signing key (P-256 pairs need none)\n"
"# sm2_import_mechanism = 0x80000xxx\n"
"\n",
};

const struct token_conf *token_conf(const struct config *c)
{
	return config_section(c, &token_section);
}

/* Before main: see config_section_register (ca/config.h) for why a
 * constructor. */
__attribute__((constructor)) static void token_conf_register(void)
{
	config_section_register(&token_section);
}
