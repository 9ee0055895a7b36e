/* finca.conf: the deployment's configuration, an INI file meant to be read
 * and edited by operators.  Loading validates everything; an error names
 * the file, the line or section, and the field. */
#ifndef FINCA_CONFIG_H
#define FINCA_CONFIG_H

#include <openssl/x509.h>

/* TLS 1.3, and TLS 1.2 with ECDHE and AEAD suites only: no TLS 1.0/1.1, no
 * CBC, no SHA-1 MAC, no RSA key exchange (no forward secrecy).  The service
 * certificate is ECDSA P-256; ECDHE-RSA stays for an RSA one. */
#define CONFIG_TLS_PRIORITY                                                  \
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:"         \
	"+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:"       \
	"-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"

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
	STACK_OF(X509_EXTENSION) *exts; /* fixed extensions, see profile.c */
};

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
	/* [server]: finca serve */
	char *listen, *tls_listen; /* tls_listen NULL: no HTTPS */
	int threads;           /* 0: one per core */
	int body_max;          /* bytes of a request body */
	int idle_timeout;      /* seconds a silent connection is kept */
	int request_timeout;   /* seconds to send a whole request, 0: none */
	int body_min_rate;     /* body bytes a second that extend it, 0: none */
	int max_connections;   /* per listener */
	int per_ip_connections; /* per client address and listener, 0: none */
	char *tls_priority;    /* GnuTLS priority string of the HTTPS listener */
	char *log;             /* stderr | syslog | none */
	/* [auth]: sessions (auth/session.c) */
	int session_ttl;       /* seconds a session lasts at most */
	int session_idle;      /* seconds without a call that end it */
	/* [console]: the web console */
	char *console_agent;   /* origin of the signing agent (finca agent):
				* http(s)://127.0.0.1|localhost|[::1]:PORT */
	/* [token]: the token station */
	char *token_module;    /* PKCS#11 module of the USBKeys, or NULL */
	char *token_algo;      /* key algorithm made on tokens */
	unsigned long sm2_keygen, sm2_sign; /* vendor mechanisms, 0: none */
	/* [notify]: expiry reminders (ra/remind.c) */
	int thresholds[8];     /* days before expiry, descending, distinct */
	int nthresholds;       /* 0: no reminders */
	char *smtp_url;        /* smtp:// or smtps:// relay, NULL: no mail */
	char *smtp_from;       /* envelope and From: address */
	int notify_interval;   /* seconds between the daemon's passes, 0: none */
	/* [auth]: login throttling and challenge quotas (auth/throttle.c,
	 * auth/challenge.c) */
	int auth_failures;     /* failed logins before the first lock */
	int auth_lock;         /* first lock, seconds; doubles per further failure */
	int auth_account_max;  /* longest lock of an account, seconds */
	int auth_address_max;  /* longest lock of a source address, seconds */
	int auth_window;       /* quiet seconds after a lock that forget a count */
	int auth_challenges;   /* login challenges outstanding per source address */
	int auth_app_challenges; /* authentication challenges per application */
	struct profile *profiles;
	size_t nprofiles;
};

/* Loads and validates path into *out (caller frees with config_free). */
int config_load(const char *path, struct config **out);
void config_free(struct config *c);
/* NULL (with the error set) when there is no such profile. */
const struct profile *config_profile(const struct config *c, const char *name);
/* 1 when v is a bare mail address (name@host, printable ASCII, no spaces,
 * brackets or quotes): safe in SMTP commands and mail headers. */
int config_mail_addr_ok(const char *v);
/* The commented default configuration written by 'finca init' (caller
 * frees). */
char *config_default_text(const char *name, const char *base_url,
			  const char *pkcs11_module, const char *pkcs11_token);

#endif
