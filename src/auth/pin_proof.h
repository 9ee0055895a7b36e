/* What finca agent signs after it changed a USBKey's PIN (art. 23),
 * followed by the server's challenge (agent/pin_change.c makes it,
 * auth_pin_proof checks it).  The line break keeps the agent's POST
 * /v1/sign, which signs one line only, from making such a proof without a
 * change.  A header of its own: the agent includes it without the rest of
 * auth.h. */
#ifndef FINCA_AUTH_PIN_PROOF_H
#define FINCA_AUTH_PIN_PROOF_H

#define AUTH_PIN_PROOF "finca: USBKey PIN changed\n"

#endif
