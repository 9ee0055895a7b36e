// The console: login, the shell (top bar, menu by rights) and hash routes
// (#/dashboard, #/requests/12, #/certs?status=frozen ...).
import { h, clear, note } from './dom.js';
import { t, label, getLang, setLang } from './i18n.js';
import { api, token, whenSessionEnds } from './api.js';
import { me, can, loadMe, logout } from './session.js';
import { setAgent } from './agent.js';

// The pages: route, module, who may use it, and a harmless call the
// server refuses (403, on the role alone, before anything else) to those
// who may not: its answer is shown on 无权访问.
const any = (...r) => () => r.some(can);
export const PAGES = [
	{ path: 'dashboard', mod: 'dashboard', group: 'overview', allow: () => true },
	// the certificate holder's desk (证书用户): its own, nothing else
	{ path: 'me', mod: 'me', group: 'mine', allow: any('me.read'), probe: ['GET', 'me/certs'] },
	{ path: 'me/requests', mod: 'me', group: 'mine', allow: any('me.read'), probe: ['GET', 'me/requests'] },
	{ path: 'me/grants', mod: 'me', group: 'mine', allow: any('me.read'), probe: ['GET', 'me/grants'] },
	{ path: 'persons', mod: 'persons', group: 'business', allow: any('person.write'), },
	{ path: 'upload', mod: 'upload', group: 'business', allow: any('request.create'), },
	{ path: 'requests', mod: 'requests', group: 'business', allow: any('request.read'), probe: ['GET', 'requests?limit=1'] },
	{ path: 'expiring', mod: 'expiring', group: 'business', allow: any('expiry.read'), probe: ['GET', 'expiring?limit=1'] },
	{ path: 'emergency', mod: 'emergency', group: 'business', allow: any('freeze.emergency'), },
	{ path: 'approvals', mod: 'approvals', group: 'approval', allow: any('request.approve'), },
	{ path: 'production', mod: 'production', group: 'production', allow: any('request.produce'), probe: ['POST', 'tokens/-/state'] },
	{ path: 'tokens', mod: 'tokens', group: 'production', allow: any('token.read'), probe: ['GET', 'tokens'] },
	{ path: 'certs', mod: 'certs', group: 'certs', allow: any('cert.read'), probe: ['GET', 'certs?limit=1'] },
	{ path: 'org/nodes', mod: 'org', group: 'admin', allow: any('org.write', 'audit.read'), probe: ['POST', 'accounts'] },
	{ path: 'org/depts', mod: 'org', group: 'admin', allow: any('org.write', 'audit.read'), probe: ['POST', 'accounts'] },
	{ path: 'org/apps', mod: 'org', group: 'admin', allow: any('org.write', 'audit.read'), probe: ['POST', 'accounts'] },
	{ path: 'org/units', mod: 'org', group: 'admin', allow: any('org.write', 'audit.read'), probe: ['POST', 'accounts'] },
	{ path: 'accounts', mod: 'accounts', group: 'admin', allow: any('account.read'), probe: ['GET', 'accounts'] },
	{ path: 'profiles', mod: 'profiles', group: 'admin', allow: any('profile.read'), probe: ['GET', 'profiles'] },
	{ path: 'ca', mod: 'ca', group: 'admin', allow: any('profile.read'), probe: ['GET', 'ca'] },
	{ path: 'audit', mod: 'audit', group: 'audit', allow: any('audit.read'), probe: ['GET', 'audit?limit=1'] },
	// reached from other pages, not from the menu
	{ path: 'requests/new', mod: 'request-new', allow: any('request.create'), hidden: true, menu: 'requests' },
	{ path: 'requests/:id', mod: 'request', allow: any('request.read'), hidden: true, menu: 'requests' },
	{ path: 'batches/:id', mod: 'batch', allow: any('request.read'), hidden: true, menu: 'requests' },
];
const GROUPS = ['mine', 'overview', 'business', 'approval', 'production', 'certs', 'admin', 'audit'];

export const config = { agent: 'http://127.0.0.1:8765', ca: '', version: '' };
const root = document.getElementById('app');
let current = null; // the rendered route, for the language switch

function parseHash() {
	const raw = location.hash.replace(/^#\/?/, '');
	const [path, qs] = raw.split('?');
	return { path: path || 'dashboard', params: Object.fromEntries(new URLSearchParams(qs || '')) };
}

function match(path) {
	for (const p of PAGES) {
		const a = p.path.split('/'), b = path.split('/');
		if (a.length !== b.length) continue;
		const args = {};
		if (a.every((s, i) => (s.startsWith(':') ? ((args[s.slice(1)] = decodeURIComponent(b[i])), true) : s === b[i])))
			return { page: p, args };
	}
	return null;
}

export function go(hash) {
	if (location.hash === hash) route(); else location.hash = hash;
}

export function titleOf(p) {
	return t(`page.${p.path.replace(/\//g, '.').replace(':id', 'one')}`);
}

function topBar() {
	const other = getLang() === 'zh' ? 'en' : 'zh';
	return h('header', { class: 'top' },
		h('a', { class: 'skip', href: '#main', onclick: (e) => { e.preventDefault(); document.getElementById('main')?.focus(); } }, t('skip')),
		h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'CA'),
			h('span', {}, h('strong', {}, t('app.name')), h('span', { class: 'brand-sub' }, config.ca ? ` · ${config.ca}` : '', ` · ${t('app.console')}`))),
		h('div', { class: 'who' },
			// a holder by its name: its account is named after its certificate
			h('span', { class: 'who-acct', title: t('top.certificate', { s: me.certificate || '' }) }, me.role === 'holder' && me.person ? me.person : me.account),
			h('span', { class: 'badge role' }, label('role', me.role)),
			me.scope && me.role !== 'holder' && h('span', { class: 'who-scope', id: 'who-scope', title: me.scope }, me.scopeName || me.scope),
			h('button', { type: 'button', class: 'btn btn-top', lang: other === 'zh' ? 'zh-CN' : 'en', onclick: () => { setLang(other); render(); } }, t('top.switch')),
			h('button', { type: 'button', class: 'btn btn-top', onclick: async () => { await logout(); location.hash = '#/'; render(); } }, t('top.logout'))));
}

function menu(active) {
	const nav = h('nav', { class: 'menu', 'aria-label': t('menu') });
	for (const g of GROUPS) {
		const items = PAGES.filter((p) => p.group === g && !p.hidden && p.allow());
		if (!items.length) continue;
		nav.append(h('div', { class: 'menu-group' }, t(`group.${g}`)),
			h('ul', {}, items.map((p) => h('li', {}, h('a', { href: `#/${p.path}`, 'data-page': p.path,
				class: active === p.path ? 'active' : null, 'aria-current': active === p.path ? 'page' : null }, titleOf(p))))));
	}
	return nav;
}

async function denied(main, page) {
	clear(main, h('h1', {}, titleOf(page)),
		h('div', { class: 'denied', role: 'alert' }, h('h2', {}, t('denied.title')),
			h('p', {}, t('denied.text', { role: label('role', me.role) }))));
	// the server says the same: ask it, and show its answer
	if (!page.probe) return;
	try {
		const [m, p] = page.probe;
		await (m === 'GET' ? api.get(p) : api.post(p, {}));
	} catch (e) {
		if (e.status === 403 || e.status === 401)
			main.querySelector('.denied').append(h('p', { class: 'server-says' }, t('denied.server', { status: e.status, msg: e.message })));
	}
}

let token_ = 0;
async function route() {
	if (!token.get()) return render();
	const { path, params } = parseHash();
	const m = match(path);
	const mine = ++token_;
	const main = document.getElementById('main');
	if (!main) return render();
	const active = m ? (m.page.menu || m.page.path) : '';
	document.querySelector('nav.menu')?.replaceWith(menu(active));
	current = { path, params };
	if (!m) {
		clear(main, h('h1', {}, t('notfound')), note('warn', t('notfound.text')));
		return;
	}
	document.title = `${titleOf(m.page)} - ${t('app.short')}`;
	if (!m.page.allow()) return denied(main, m.page);
	clear(main, h('p', { class: 'loading' }, t('loading')));
	try {
		const mod = await import(`./pages/${m.page.mod}.js`);
		if (mine !== token_) return;
		const title = h('h1', {}, titleOf(m.page));
		clear(main, title);
		await mod.render({ main, params, args: m.args, page: m.page, title, route: path });
	} catch (e) {
		if (mine !== token_) return;
		main.append(note('error', e.message || String(e)));
		console.error(e);
	}
}

// Renders the page for the session and the hash.  Calls can overlap (a
// logout renders and its hash change renders again; a click on the loss
// link renders meanwhile): the latest call wins, an earlier one that
// finishes its import later draws nothing.
let renders = 0;
async function render() {
	const mine = ++renders;
	// the loss report (art. 25) needs no login: the login page links to it
	if (!token.get() && parseHash().path === 'loss') {
		const mod = await import('./pages/loss.js');
		if (mine !== renders) return;
		clear(root);
		document.title = `${t('loss.title')} - ${t('app.short')}`;
		return mod.render(root, { config });
	}
	if (!token.get()) {
		const mod = await import('./pages/login.js');
		if (mine !== renders) return;
		clear(root);
		document.title = `${t('login.title')} - ${t('app.short')}`;
		return mod.render(root, { config, onLogin: start });
	}
	clear(root, topBar(), h('div', { class: 'body' }, menu(''), h('main', { id: 'main', tabindex: '-1' })));
	return route();
}

async function start() {
	try {
		await loadMe();
	} catch (e) {
		if (!token.get()) return; // the session had ended: the login page shows already
		token.clear();
		return render();
	}
	if (!location.hash || location.hash === '#/' || location.hash === '#/loss')
		location.hash = can('me.read') ? '#/me' : '#/dashboard';
	await render();
}

whenSessionEnds(() => {
	token.clear();
	sessionStorage.setItem('finca.expired', '1');
	render();
});

window.addEventListener('hashchange', () => route());

(async function boot() {
	try {
		const c = await (await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' })).json();
		Object.assign(config, c);
	} catch { /* defaults */ }
	setAgent(config.agent);
	if (token.get()) await start(); else await render();
})();
