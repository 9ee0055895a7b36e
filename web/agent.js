// The signing agent (finca agent) on this computer: lists the USBKey
// certificates and signs the login challenge; it asks the PIN itself.
let base = 'http://127.0.0.1:8765';
export function setAgent(u) { if (u) base = u.replace(/\/+$/, ''); }
export const agentUrl = () => base;

export class AgentError extends Error {
	constructor(kind, status, body) {
		super(body?.error?.message || kind);
		this.kind = kind;          // down, origin, pin, locked, nocert, nopin, bad
		this.status = status;
		this.triesLeft = body?.error?.tries_left ?? body?.tries_left ?? null;
	}
}

async function call(path, body) {
	let r;
	try {
		r = await fetch(`${base}${path}`, {
			method: body ? 'POST' : 'GET',
			headers: body ? { 'Content-Type': 'application/json' } : {},
			body: body ? JSON.stringify(body) : undefined,
			cache: 'no-store', credentials: 'omit',
		});
	} catch {
		throw new AgentError('down', 0, null);
	}
	let j = null;
	try { j = await r.json(); } catch { /* empty */ }
	if (r.ok) return j;
	const kind = { 401: 'pin', 403: 'origin', 404: 'nocert', 423: 'locked', 503: 'nopin' }[r.status] || 'bad';
	throw new AgentError(kind, r.status, j);
}

export async function certificates() {
	const j = await call('/v1/certificates');
	return j?.certificates || [];
}

export async function sign(id, challenge) {
	return call('/v1/sign', { id, challenge });
}

// The operator's USBKey production (docs/console.md, "Making USBKeys"):
// the tokens present, and one USBKey made or one PIN reset with the
// server's signed instruction and this console's session.  The agent
// answers the PIN envelope as a PDF (base64): the PIN never passes the
// server.
export async function tokens() {
	const j = await call('/v1/tokens');
	return j?.tokens || [];
}

export async function produce(instruction, session) {
	return call('/v1/produce', { instruction: { payload: instruction.payload, signature: instruction.signature }, session });
}

export async function pinReset(instruction, session) {
	return call('/v1/pin-reset', { instruction: { payload: instruction.payload, signature: instruction.signature }, session });
}

// A USBKey taken back wiped (re-initialised): {token, state}.
export async function wipe(instruction, session) {
	return call('/v1/wipe', { instruction: { payload: instruction.payload, signature: instruction.signature }, session });
}

// Changes the PIN of the token holding certificate id (art. 23): the agent
// asks the current and the new PIN itself, checks the policy, changes it
// on the token and signs the server's challenge with the new PIN: the
// proof {token, certificate, challenge, signature} for finca.
export async function changePin(id, challenge, instruction) {
	return call('/v1/change-pin', { id, challenge, instruction });
}
