// Who is logged in: whoami, and the rights the menus follow.  The server
// checks every call anyway; rights only decide what the page offers.
import { api, token } from './api.js';

export const me = { account: '', person: '', role: '', scope: '', certificate: '', rights: new Set(), scopeName: '' };

export async function loadMe() {
	const w = await api.get('whoami');
	Object.assign(me, w);
	me.rights = new Set(w.rights); // the console is served by the same finca: whoami has them
	me.scopeName = w.name || w.scope; // whoami names the unit, department or node
	return me;
}

export const can = (right) => me.rights.has(right);
export const loggedIn = () => !!token.get();

export async function logout() {
	try { await api.post('logout'); } catch { /* the session may be gone already */ }
	token.clear();
}
