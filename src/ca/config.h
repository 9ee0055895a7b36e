/* finca.conf: the deployment's configuration, an INI file meant to be read
 * and edited by operators.  Loading validates everything; an error names
 * the file, the line or section, and the field. */
#ifndef FINCA_CONFIG_H
#define FINCA_CONFIG_H

#include <openssl/x509.h>
#include <stddef.h>

enum ident_kind { IDENT_NONE, IDENT_PERSON, IDENT_UNIT };

/* What a profile's certificates are for, and so who may have them made
 * (the table: profile.c, profile_may_issue). */
enum profile_class {
	PCLASS_SERVICE,          /* the default: the CA's own services (OCSP, TLS) */
	PCLASS_SUBSCRIBER,       /* people, units and devices (art. 2) */
	PCLASS_ACCOUNT,          /* certificates that bind finca's accounts */
	PCLASS_CA,               /* subordinate CAs */
};

/* enum profile_class of "subscriber" ... "ca"; -1 when none (profile.c). */
int profile_class_parse(const char *name);

struct profile {
	char name[32];
	int klass;              /* enum profile_class */
	char issuer[16];        /* "issuing" | "service" */
	int validity_days;      /* default and maximum */
	unsigned key_usage;     /* KU_* bits of <openssl/x509v3.h> */
	char *eku;              /* "clientAuth,emailProtection" or NULL */
	int ca, pathlen;        /* pathlen -1: none */
	char *subject_allowed;  /* comma list of attribute short names */
	char *subject_required;
	char *policies;         /* comma list of OIDs or NULL */
	int identity;           /* enum ident_kind */
	int genkey;             /* may finca generate the subscriber's key */
	int ocsp_nocheck;       /* id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1) */
	int san_from_cn;        /* copy CN into a dNSName (TLS servers) */
	int tokens;             /* USBKeys a holder may have in use at once */
	int basic_constraints;  /* 1 yes, 0 no, -1 auto: see profile_prepare */
	int dual;               /* dual certificates (ca/dual.c): 1 yes, 0 no,
				 * -1 auto (profile_may_pair's, under an SM2 CA) */
	char *title_zh, *title_en; /* display names, or NULL: profile_title */
	STACK_OF(X509_EXTENSION) *exts; /* fixed extensions, see profile.c */
};

/* Whether p's certificates may come in pairs (GM/T 0015, 0024): a
 * subscriber's, or a TLS server's of the issuing CA (TLCP's server has a
 * signing and an encryption certificate); never a CA's, an account's, the
 * OCSP signer's or the daemon's own (profile.c). */
int profile_may_pair(const struct profile *p);

struct config {
	char *path;
	char *name, *base_url;
	char *key_store;       /* "file" or "pkcs11" */
	char *pkcs11_module, *pkcs11_token;
	int crl_hours, delta_crl_hours;
	int workers, commit_group;
	int checkpoint_every;
	int renewal_days;     /* art. 14: tell holders this many days ahead */
	char *resident_id_oid, *unit_code_oid;
	/* The parsed data of each registered section (struct config_section),
	 * by its place in the registry; each module reads its own through its
	 * getter (auth_conf, server_conf, ...).  Owned. */
	void **sections;
	size_t nsections;
	struct profile *profiles;
	size_t nprofiles;
};

/* Loads and validates path into *out (caller frees with config_free). */
int config_load(const char *path, struct config **out);
void config_free(struct config *c);
/* NULL (with the error set) when there is no such profile. */
const struct profile *config_profile(const struct config *c, const char *name);
/* The commented default configuration written by 'finca init' (caller
 * frees). */
char *config_default_text(const char *name, const char *base_url,
			  const char *pkcs11_module, const char *pkcs11_token);

/* Sections of finca.conf parsed by the modules that use them.
 *
 * ca/ parses [ca], [identity] and [profile NAME] itself; every other
 * section belongs to the module that reads it ([server] and [console]:
 * http/conf.c, [auth]: auth/conf.c, [token]: token/conf.c, [notify]:
 * notify/conf.c).  Such a module describes its section in one struct
 * config_section and registers it from a constructor in its conf.c (see
 * config_section_register for why); config_load then gives each
 * registered section a zeroed struct of `size` bytes, its defaults, every
 * key=value line of the section, and a check once the file is read.  The
 * module's getter finds its struct again with config_section.  ca/ never
 * sees inside those structs. */
struct config_section {
	const char *name;      /* "server": the [name] of the file */
	int rank;              /* place in the default file, ascending, after [ca] */
	size_t size;           /* of the module's struct */
	/* Fills the zeroed struct with the defaults (NULL: all zero). */
	void (*defaults)(void *data);
	/* One line of the section: FINCA_OK; CONFIG_NO_KEY when key is not a
	 * setting of the section (config_load says "[name]: unknown setting");
	 * or FINCA_ECONFIG with err_set's message naming the section, the key
	 * and the rule, "[server] listen: 'x' is not ADDRESS:PORT" (config_load
	 * puts the file and line in front).  value is borrowed. */
	int (*set)(void *data, const char *key, const char *value);
	/* Rules across keys, once the file is read (NULL: none): FINCA_OK or
	 * FINCA_ECONFIG with the message "[name] key: ..." (the file in front). */
	int (*check)(void *data);
	/* Frees what the struct owns, not the struct (NULL: nothing). */
	void (*free)(void *data);
	/* The commented section 'finca init' writes, "[name]\n...\n\n". */
	const char *default_text;
};

/* set's answer for a key the section does not have. */
#define CONFIG_NO_KEY 1

/* Adds s (static, borrowed for the life of the process) to the registry,
 * in rank order.  Called before main by a constructor in each module's
 * conf.c (__attribute__((constructor))), before any thread and any
 * config_load.
 *
 * Why a constructor and not one explicit list of calls: the only place
 * every program reaches is config_load, in ca/, which may not call up into
 * http/, auth/, token/ or notify/; a list in cli/main.c would be missed by
 * the unit tests, bench/ and fuzz/ programs, each of which would need its
 * own copy.  A constructor registers a section exactly when its module is
 * linked in: every Makefile here links objects, not archives, so no
 * conf.o is dropped.  A program built without a module (fuzz_ocsp has no
 * http/, auth/, notify/) knows nothing of its section: 'finca init' there
 * writes a file without it, and refuses one that has it ("unknown section"),
 * which is right, as nothing in that program would read it.  Were the
 * library ever made a static archive, link it with --whole-archive (or
 * reference each conf.o) or the sections would silently vanish. */
void config_section_register(const struct config_section *s);
/* The parsed data of section s in c (borrowed from c); NULL when s was
 * not registered when c was loaded. */
const void *config_section(const struct config *c, const struct config_section *s);

/* Helpers for the modules' set functions. */
/* An integer setting: where it goes in the module's struct, and its range. */
struct config_int {
	const char *name;
	size_t off;            /* of the int in the section's struct */
	int lo, hi;
};
#define CONFIG_INT(name, type, field, lo, hi) { name, offsetof(type, field), lo, hi }
/* Sets key of section in data when it is one of the n keys: FINCA_OK, or
 * FINCA_ECONFIG naming the range; CONFIG_NO_KEY when key is not among
 * them. */
int config_set_int(const char *section, const struct config_int *k, size_t n,
		   void *data, const char *key, const char *v);
/* 0 and *out set when v is a decimal number from lo to hi, else -1. */
int config_parse_int(const char *v, int lo, int hi, int *out);
/* Calls fn on each comma-separated, trimmed, non-empty item of list (items
 * cut at 127 bytes); stops at and returns the first non-zero return. */
int config_each_item(const char *list, int (*fn)(void *, const char *), void *arg);

#endif
