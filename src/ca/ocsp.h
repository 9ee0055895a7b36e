/* The OCSP responder (RFC 6960), without HTTP.
 *
 * Responses are signed by a delegated signer (profile "ocsp") that the
 * responder issues itself when it starts and again before the signer
 * expires; its key lives only in memory.  On a read-only node
 * (ca_open_readonly: an OCSP replica) the issuing CA signs them itself,
 * since a signer it issued could not be recorded.  Signed responses are cached per
 * serial and dropped the moment the certificate's status changes: changes
 * made through this process invalidate at once (ocsp_invalidate); changes
 * made by another process (the CLI) are noticed by ocsp_respond, which
 * compares the store's status-log position before answering. */
#ifndef FINCA_OCSP_H
#define FINCA_OCSP_H

#include "ca/ca.h"

#include <stdatomic.h>

struct ocsp_responder;

struct ocsp_stats {
	atomic_ullong hits, misses, errors;
	atomic_int push;          /* 1 while status changes are pushed (ocsp_watch) */
};

/* ca must be unlocked (it signs the delegated signer) and threaded. */
int ocsp_responder_new(struct ca *ca, int validity_secs,
		       struct ocsp_responder **out);
void ocsp_responder_free(struct ocsp_responder *r);
/* Starts a thread that hears status changes as other processes commit
 * them (PostgreSQL), so that answers need not ask the store each time;
 * where the store cannot tell, it ends at once and answers ask.  Stopped
 * by ocsp_responder_free. */
int ocsp_watch(struct ocsp_responder *r);

/* Answers one DER OCSPRequest with a DER OCSPResponse in *resp (caller
 * frees with free()).  Malformed requests get malformedRequest, requests
 * for another issuer unauthorized: those are answers, not errors.  Returns
 * non-zero only when no response at all could be made. */
int ocsp_respond(struct ocsp_responder *r, const unsigned char *req,
		 size_t len, unsigned char **resp, size_t *resp_len);
/* Drops the cached response of a serial (normalised hex). */
void ocsp_invalidate(struct ocsp_responder *r, const char *serial);
/* Re-issues the delegated signer when a third of its life is left. */
int ocsp_maintain(struct ocsp_responder *r);
const struct ocsp_stats *ocsp_stats(const struct ocsp_responder *r);
/* The current delegated signer (borrowed; replaced by ocsp_maintain). */
X509 *ocsp_signer_cert(const struct ocsp_responder *r);

#endif
