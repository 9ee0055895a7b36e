// Who is logged in: whoami, and the rights the menus follow.  The server
// checks every call anyway; rights only decide what the page offers.
import { api, token } from './api.js';

// When whoami does not say "rights" (an older server): the rights table of the server
// (src/ra/actor.c), by role.
const ROLE_RIGHTS = {
	admin: 'cert.read account.read account.write token.read dash.read org.read org.write person.write request.read expiry.read',
	operator: 'cert.read cert.write crl.make token.read token.write dash.read org.read request.read request.produce request.complete forms.print expiry.read',
	auditor: 'cert.read audit.read account.read token.read dash.read org.read request.read expiry.read',
	approver: 'dash.read org.read request.read request.approve forms.print',
	officer: 'cert.read dash.read org.read person.write request.read request.create request.submit request.complete freeze.emergency batch.attach forms.print expiry.read',
	holder: 'dash.read request.read freeze.emergency expiry.read',
};

export const me = { account: '', role: '', scope: '', certificate: '', rights: new Set(), scopeName: '' };

export async function loadMe() {
	const w = await api.get('whoami');
	Object.assign(me, w);
	me.rights = new Set(Array.isArray(w.rights) ? w.rights : (ROLE_RIGHTS[w.role] || '').split(' ').filter(Boolean));
	me.scopeName = '';
	return me;
}

export const can = (right) => me.rights.has(right);
export const loggedIn = () => !!token.get();

// The name of the account's scope (its unit, department or node).
export async function scopeName() {
	if (!me.scope) return '';
	const kind = { officer: 'units', approver: 'depts', operator: 'nodes' }[me.role];
	if (!kind) return me.scope;
	try {
		const o = await api.get(`${kind}/${encodeURIComponent(me.scope)}`);
		me.scopeName = o.name || me.scope;
	} catch {
		me.scopeName = me.scope;
	}
	return me.scopeName;
}

export async function logout() {
	try { await api.post('logout'); } catch { /* the session may be gone already */ }
	token.clear();
}
