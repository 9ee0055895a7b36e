/* mkcsr ALG N OUT.pem: N concatenated PEM CSRs, one fresh key each.
 * ALG is p256 or sm2; SM2 CSRs are signed with SM3 and the default
 * distinguishing ID "1234567812345678" (GM/T 0009).  Benchmark helper:
 * one process per core, each writes a slice, the parent joins them. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "mkcsr: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

/* Writes CSRs [from, to) to path. */
static void make(int sm2, int from, int to, const char *path)
{
	FILE *out = fopen(path, "w");

	if (!out)
		die(path);
	for (int i = from; i < to; i++) {
		EVP_PKEY *key = sm2 ? EVP_PKEY_Q_keygen(NULL, NULL, "SM2")
				    : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		X509_REQ *req = X509_REQ_new();
		X509_NAME *name = X509_NAME_new();
		EVP_MD_CTX *mctx = EVP_MD_CTX_new();
		EVP_PKEY_CTX *pctx = NULL;
		char cn[32];

		snprintf(cn, sizeof cn, "dev-%d", i);
		if (!key || !req || !name || !mctx ||
		    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
						(unsigned char *)cn, -1, -1, 0) ||
		    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
						(unsigned char *)"bench", -1, -1, 0) ||
		    !X509_REQ_set_subject_name(req, name) ||
		    !X509_REQ_set_pubkey(req, key) ||
		    EVP_DigestSignInit_ex(mctx, &pctx, sm2 ? "SM3" : "SHA256",
					  NULL, NULL, key, NULL) != 1 ||
		    (sm2 && EVP_PKEY_CTX_set1_id(pctx, "1234567812345678", 16) != 1) ||
		    X509_REQ_sign_ctx(req, mctx) <= 0 ||
		    !PEM_write_X509_REQ(out, req))
			die("making a CSR");
		EVP_MD_CTX_free(mctx);
		X509_NAME_free(name);
		X509_REQ_free(req);
		EVP_PKEY_free(key);
	}
	if (fclose(out) != 0)
		die(path);
}

int main(int argc, char **argv)
{
	int sm2, n, np = (int)sysconf(_SC_NPROCESSORS_ONLN), status;
	char part[4096], buf[65536];
	FILE *out;
	size_t r;

	if (argc != 4 || (strcmp(argv[1], "p256") && strcmp(argv[1], "sm2")) ||
	    (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: mkcsr p256|sm2 N OUT.pem\n");
		return 2;
	}
	sm2 = !strcmp(argv[1], "sm2");
	if (np < 1)
		np = 1;
	for (int k = 0; k < np; k++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			snprintf(part, sizeof part, "%s.%d", argv[3], k);
			make(sm2, (int)((long)n * k / np), (int)((long)n * (k + 1) / np), part);
			_exit(0);
		}
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die("a worker failed");
	if (!(out = fopen(argv[3], "w")))
		die(argv[3]);
	for (int k = 0; k < np; k++) {
		FILE *in;
		snprintf(part, sizeof part, "%s.%d", argv[3], k);
		if (!(in = fopen(part, "r")))
			die(part);
		while ((r = fread(buf, 1, sizeof buf, in)) > 0)
			fwrite(buf, 1, r, out);
		fclose(in);
		unlink(part);
	}
	if (fclose(out) != 0)
		die(argv[3]);
	return 0;
}
