// The finca API: fetch with the session token (sessionStorage) and the
// console's language (Accept-Language: the server's messages come in it),
// errors as ApiError carrying the server's {"error": {code, reason, field,
// params, message, detail}} and, for spreadsheet uploads, its "problems".
import { getLang } from './i18n.js';

const BASE = new URL('../api/v1/', document.baseURI);
const KEY = 'finca.token';

export class ApiError extends Error {
	constructor(status, body, fallback) {
		const e = body?.error || {};
		super(e.message || fallback || `HTTP ${status}`);
		this.status = status;
		this.code = e.code || '';
		// the server names the field at fault and says what is wrong with
		// it (detail): nothing is read out of the message
		this.field = e.field || '';
		this.fieldMessage = e.detail || e.message || '';
		this.problems = body?.problems || null;
		this.extra = e;
	}
}

export const token = {
	get: () => sessionStorage.getItem(KEY),
	set: (t) => sessionStorage.setItem(KEY, t),
	clear: () => sessionStorage.removeItem(KEY),
};

let onExpired = () => {};
export function whenSessionEnds(fn) { onExpired = fn; }

// path is relative to /api/v1/ ("certs?status=valid"); query values in
// params (undefined and '' are left out).
export function url(path, params) {
	const u = new URL(path, BASE);
	for (const [k, v] of Object.entries(params || {}))
		if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, v);
	return u;
}

async function call(method, path, { body, params, as = 'json' } = {}) {
	const headers = {
		Accept: as === 'json' ? 'application/json' : '*/*',
		'Accept-Language': getLang() === 'en' ? 'en' : 'zh-CN',
	};
	const t = token.get();
	if (t) headers.Authorization = `Bearer ${t}`;
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	let r;
	try {
		r = await fetch(url(path, params), {
			method, headers, credentials: 'same-origin', cache: 'no-store',
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	} catch (e) {
		throw new ApiError(0, null, String(e.message || e));
	}
	if (!r.ok) {
		let j = null;
		try { j = await r.json(); } catch { /* not JSON */ }
		const err = new ApiError(r.status, j, r.statusText);
		if (r.status === 401 && t && path !== 'login') onExpired(err);
		throw err;
	}
	if (as === 'blob') return r.blob();
	if (r.status === 204) return null;
	return r.json();
}

export const api = {
	get: (path, params) => call('GET', path, { params }),
	post: (path, body = {}) => call('POST', path, { body }),
	patch: (path, body) => call('PATCH', path, { body }),
	blob: (path, params) => call('GET', path, { params, as: 'blob' }),
	// a file outside /api/v1 (CA certificates), relative to the page
	raw: async (rel) => {
		const r = await fetch(new URL(rel, document.baseURI), { cache: 'no-store' });
		if (!r.ok) throw new ApiError(r.status, null, `${rel}: HTTP ${r.status}`);
		return new Uint8Array(await r.arrayBuffer());
	},
};
