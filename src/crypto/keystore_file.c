/* CA keys as PKCS#8 PEM files encrypted under the CA passphrase. */
#include "crypto/keystore.h"
#include "crypto/key.h"
#include "util/err.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>

/* DIR/NAME.key (caller frees) */
static char *key_path(const struct keystore *ks, const char *name)
{
	char file[64];

	snprintf(file, sizeof file, "%s.key", name);
	return path_join(ks->dir, file);
}

static int file_load(struct keystore *ks, const char *name, const char *secret,
		     EVP_PKEY **out)
{
	char *p = key_path(ks, name);
	int rc = key_load(p, secret, out);

	free(p);
	return rc;
}

static int file_save(struct keystore *ks, const char *name, EVP_PKEY *key,
		     const char *secret)
{
	char *p = key_path(ks, name);
	int rc = key_save(p, key, secret);

	free(p);
	return rc;
}

static void file_free(struct keystore *ks)
{
	(void)ks;
}

static const struct keystore_ops file_ops = {
	"file", file_load, file_save, file_free,
};

int keystore_open_file(const char *dir, struct keystore **out)
{
	struct keystore *ks = xcalloc(1, sizeof *ks);

	ks->ops = &file_ops;
	ks->dir = xstrdup(dir);
	*out = ks;
	return FINCA_OK;
}

void keystore_free(struct keystore *ks)
{
	if (!ks)
		return;
	ks->ops->free(ks);
	free(ks->dir);
	free(ks->module);
	free(ks->token);
	free(ks);
}
