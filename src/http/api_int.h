/* Private to the API handlers (api*.c): one call, and the
 * helpers every handler uses to decode, check rights and answer. */
#ifndef FINCA_API_INT_H
#define FINCA_API_INT_H

#include "http/server_int.h"
#include "http/jsonreq.h"
#include "auth/auth.h"
#include "util/msg.h"

#include <jansson.h>

struct api {
	struct auth *auth;    /* owned */
};

/* One API call. */
struct call {
	struct srv *s;
	struct MHD_Connection *c;
	struct req *r;
	json_t *body;           /* owned, NULL without a body */
	const unsigned char *peer; /* the TLS client certificate's DER, */
	size_t peer_len;        /* borrowed from the TLS session */
	struct account_rec acct; /* the caller, id 0 when anonymous */
	struct actor who;       /* the caller as the core sees it */
	enum msg_lang lang;     /* the caller's (Accept-Language) */
	unsigned raw:1;         /* send_json adds no names beside codes: the
				 * audit trail goes out as it was recorded */
};

enum MHD_Result send_json(struct call *k, int status, json_t *j);
/* The thread's error as the API's error object (caller's), in the caller's
 * language; code is the class ("invalid", "forbidden"). */
json_t *error_json(struct call *k, const char *code);
/* Answers status with the thread's error (err_*): {error: {code, reason,
 * field, params, message, detail}}; code is the class ("invalid",
 * "forbidden"). */
enum MHD_Result send_error(struct call *k, int status, const char *code);
/* send_error for an error of the door itself: field (NULL: none), a stable
 * reason ("api.method") and the message. */
enum MHD_Result send_err(struct call *k, int status, const char *code, const char *field,
			 const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* 429 Too Many Requests with Retry-After (seconds) and the thread's error
 * (naming the rule). */
enum MHD_Result send_too_many(struct call *k, int64_t retry);
/* The caller's source address, as rate limits count it (IPv6 by /64). */
void call_source(struct call *k, char out[THROTTLE_SOURCE_LEN]);
/* Maps a core error to an HTTP status and answers with its message. */
enum MHD_Result send_rc(struct call *k, int rc);
/* 1 when the body fits the fields; otherwise sends 400 naming the field. */
int decode(struct call *k, const struct field *f, size_t n, enum MHD_Result *ret);
/* 1 when the caller's role has right; otherwise sends 403, audits the
 * attempt and returns 0. */
int allow(struct call *k, const char *right, enum MHD_Result *ret);
/* The fields every issuing call has: days checked, the PEM csr decoded
 * into *der (OPENSSL_free) and rq filled with them; 0 after answering 400. */
int issue_fields(struct call *k, const char *profile, const char *csr, json_int_t days,
		 const char *id_number, struct issue_req *rq, unsigned char **der,
		 enum MHD_Result *ret);

/* A query parameter (borrowed), or NULL. */
const char *query(struct call *k, const char *name);
/* 1 with *out set when parameter name is absent or a number in lo..hi;
 * otherwise answers 400 and returns 0. */
int query_int(struct call *k, const char *name, long lo, long hi, long *out,
	      enum MHD_Result *ret);

/* The handlers route() calls: api_auth.c (a: the API's state) */
enum MHD_Result api_challenge(struct call *k, struct api *a, const char *app);
enum MHD_Result api_login(struct call *k, struct api *a);
enum MHD_Result api_whoami(struct call *k);
enum MHD_Result api_app_verify(struct call *k, struct api *a);
enum MHD_Result api_accounts_list(struct call *k);
enum MHD_Result api_accounts_add(struct call *k);
/* PATCH accounts/NAME {"person": "王某"}: an administrator any account's
 * name, anyone their own (account_set_person decides). */
enum MHD_Result api_accounts_edit(struct call *k, const char *name);
/* api_cert.c; rest: what follows "certs/" */
enum MHD_Result api_certs_list(struct call *k);
enum MHD_Result api_cert_issue(struct call *k);
enum MHD_Result api_certs_route(struct call *k, const char *rest);
enum MHD_Result api_crl_make(struct call *k);
enum MHD_Result api_profiles_list(struct call *k);
/* api_audit.c */
enum MHD_Result api_audit_list(struct call *k);
enum MHD_Result api_audit_actions(struct call *k);
enum MHD_Result api_audit_export(struct call *k);
enum MHD_Result api_audit_check(struct call *k);

/* The registration authority's paths (api_ra.c): organisations, requests,
 * batches, template, emergency freeze, expiry.  MHD_NO with nothing sent
 * (k->r->status 0) when p is none of them. */
enum MHD_Result api_ra(struct call *k, const char *p);
/* Freezing without a login: the holder's loss report with the 挂失码
 * (api_ra.c). */
enum MHD_Result api_ra_claim(struct call *k);

/* /api/v1/tokens[/...] (api_token.c); rest is what follows "tokens". */
enum MHD_Result api_tokens(struct call *k, const char *rest);

/* POST /api/v1/instructions (api_instr.c): a signed instruction for the
 * operator's USBKey agent. */
enum MHD_Result api_instructions(struct call *k);

/* /api/v1/me[/...] (api_me.c): the certificate holder's desk; rest is
 * what follows "me". */
enum MHD_Result api_me(struct call *k, struct api *a, const char *rest);

/* GET /api/v1/dashboard (api_dash.c). */
enum MHD_Result api_dashboard(struct call *k);

#endif
