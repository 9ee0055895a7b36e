/* Signed instructions (issue 15, item 5): what the server lets a USBKey
 * agent do to the token in front of it.  The console asks the server for
 * one (POST /api/v1/instructions, ra/instruction.c) and hands it to the
 * agent, which verifies it with the service CA certificate it was started
 * with before it touches the token: a page that is not the console, or a
 * console page without the server's consent, cannot wipe or write a
 * USBKey.
 *
 * Wire form: {"payload": base64(JSON), "signature": base64(DER)}, the
 * signature ECDSA P-256 with SHA-256 (the service CA's key) over the
 * payload's bytes as sent, never over a re-encoding.  The payload is
 * {"account", "op", "request", "token", "expires", "nonce"}: account is
 * the operator it was given to (the agent checks that the session it is
 * handed is that account's), token the serial the agent reads off the
 * token ("" for a blank token that has none yet, as SoftHSM's), expires a
 * Unix time, nonce 32 hex digits the agent takes once. */
#ifndef FINCA_INSTRUCTION_H
#define FINCA_INSTRUCTION_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdint.h>

#define INSTR_TTL 300          /* seconds the server gives an instruction */
#define INSTR_TTL_MAX 600      /* the agent refuses one that lives longer */
#define INSTR_MAX 2048         /* base64 characters of payload or signature */

struct instruction {
	char op[16];           /* "produce", "pin_reset" */
	int64_t request;       /* the accepted request it serves */
	char token[17];        /* the token's serial, or "" */
	int64_t expires;
	char nonce[33];
	char account[65];      /* the operator it was given to */
};

/* Signs ins with key (a nonce is made when ins->nonce is ""), into *out
 * {"payload", "signature", "expires"} (the caller's). */
int instruction_sign(EVP_PKEY *key, struct instruction *ins, json_t **out);
/* Verifies payload and signature (base64, as instruction_sign made them)
 * with the key of cert, then reads the payload into *out: FINCA_ECRYPTO
 * when the signature is not the server's, FINCA_EAUTH when it expired
 * (now is the agent's clock) or lives longer than INSTR_TTL_MAX,
 * FINCA_EINVAL when malformed. */
int instruction_verify(X509 *cert, const char *payload, const char *signature, int64_t now,
		       struct instruction *out);

#endif
