// The certificate holder's desk (证书用户, issue 15): its certificates with
// the days left and the expiry prompt from 30 days before (art. 14), its
// USBKeys and whether the envelope's PIN was changed (art. 23: changed
// here, through the signing agent, which asks both PINs itself), its
// access grants and its requests.  Three routes: me, me/grants,
// me/requests.  Until the PIN is changed, every one of them says so first.
import { h, clear, note, named } from '../dom.js';
import { t, label, fmtDate } from '../i18n.js';
import { api } from '../api.js';
import * as agent from '../agent.js';
import { modal, ask } from '../ui/dialog.js';
import { stateBadge } from '../ui/requests.js';

export async function render({ main, route }) {
	const box = h('div', { class: 'me' }, h('p', { class: 'loading' }, t('loading')));
	const msg = h('div', { 'aria-live': 'polite' });
	main.append(msg, box);

	async function load() {
		let me, certs, tokens, extra;
		try {
			[me, certs, tokens] = await Promise.all([api.get('me'), api.get('me/certs'), api.get('me/tokens')]);
			if (route === 'me/grants') extra = await api.get('me/grants');
			if (route === 'me/requests') extra = (await api.get('me/requests')).items;
		} catch (e) {
			clear(box, note('error', e.message));
			return;
		}
		clear(box, banners(me, certs, tokens),
			route === 'me/grants' ? grants(extra)
				: route === 'me/requests' ? requests(extra)
					: [who(me), certList(certs), tokenList(tokens)]);
	}

	// art. 23 first, then art. 14
	function banners(me, certs, tokens) {
		const out = [];
		const dflt = tokens.filter((k) => k.default_pin && ['issued', 'suspended'].includes(k.state));
		if (dflt.length)
			out.push(note('warn', h('strong', {}, t('me.pin.first')), ' ', t('me.pin.first.text'), ' ',
				dflt.map((k) => h('button', { type: 'button', class: 'btn btn-sm btn-primary', 'data-token': k.serial,
					onclick: () => changePin(k) }, t('me.pin.change.token', { serial: k.serial })))));
		for (const c of certs.filter((x) => x.renewal_due))
			out.push(note('warn', h('strong', {}, t('me.expiry.banner', { serial: c.serial, n: c.days_to_expiry, date: fmtDate(c.not_after) })), ' ',
				c.renewal_request ? t('me.renew.inhand', { id: c.renewal_request })
					: h('button', { type: 'button', class: 'btn btn-sm btn-primary', onclick: () => renew(c) }, t('me.renew'))));
		return h('div', { class: 'me-banners' }, out);
	}

	function who(me) {
		return h('section', { class: 'panel' }, h('h2', {}, t('me.who')),
			h('dl', { class: 'kv' },
				h('dt', {}, t('me.name')), h('dd', {}, me.person?.name || ''),
				h('dt', {}, t('me.id_number')), h('dd', { class: 'mono' }, me.person?.id_number || ''),
				h('dt', {}, t('me.unit')), h('dd', {}, named(me.unit ? { unit: me.unit.code, unit_name: me.unit.name } : {}, 'unit'))));
	}

	function certList(certs) {
		return h('section', { class: 'panel' }, h('h2', {}, t('me.certs')),
			certs.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'my-certs' },
				h('thead', {}, h('tr', {}, [t('cert.serial'), t('cert.status'), t('me.not_after'), t('me.days'), t('me.token'), ''].map((c) => h('th', {}, c)))),
				h('tbody', {}, certs.map((c) => h('tr', { 'data-serial': c.serial },
					h('td', { class: 'mono' }, c.serial),
					h('td', {}, label('cert', c.status), c.superseded ? ` · ${t('me.superseded')}` : ''),
					h('td', {}, fmtDate(c.not_after)),
					h('td', { class: c.renewal_due ? 'warn' : null }, c.status === 'valid' ? t('me.days.n', { n: c.days_to_expiry }) : ''),
					h('td', { class: 'mono' }, c.token || ''),
					h('td', {}, c.renewal_request ? h('a', { href: `#/requests/${c.renewal_request}` }, t('me.renew.inhand', { id: c.renewal_request }))
						: c.status === 'valid' && !c.superseded ? h('button', { type: 'button', class: 'btn btn-sm', onclick: () => renew(c) }, t('me.renew')) : ''))))))
				: h('p', { class: 'muted' }, t('none')));
	}

	function tokenList(tokens) {
		return h('section', { class: 'panel' }, h('h2', {}, t('me.tokens')),
			tokens.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'my-tokens' },
				h('thead', {}, h('tr', {}, [t('token.serial'), t('me.token.state'), t('me.pin'), ''].map((c) => h('th', {}, c)))),
				h('tbody', {}, tokens.map((k) => h('tr', { 'data-serial': k.serial },
					h('td', { class: 'mono' }, k.serial),
					h('td', {}, label('token', k.state)),
					h('td', { class: k.default_pin ? 'warn' : null }, k.default_pin ? t('me.pin.default') : t('me.pin.changed')),
					h('td', {}, k.state === 'issued' ? h('button', { type: 'button', class: 'btn btn-sm', onclick: () => changePin(k) }, t('me.pin.change')) : ''))))))
				: h('p', { class: 'muted' }, t('none')));
	}

	function grants(list) {
		return h('section', { class: 'panel' }, h('h2', {}, t('me.grants')),
			list.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'my-grants' },
				h('thead', {}, h('tr', {}, [t('me.app'), t('me.roles'), t('me.until')].map((c) => h('th', {}, c)))),
				h('tbody', {}, list.map((g) => h('tr', {}, h('td', {}, named(g, 'app')), h('td', {}, g.roles), h('td', {}, g.not_after ? fmtDate(g.not_after) : t('me.no_end')))))))
				: h('p', { class: 'muted' }, t('me.grants.none')));
	}

	function requests(list) {
		return h('section', { class: 'panel' }, h('h2', {}, t('me.requests')),
			list.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'my-requests' },
				h('thead', {}, h('tr', {}, [t('me.req.id'), t('me.req.type'), t('me.req.state'), t('me.app'), t('me.req.updated')].map((c) => h('th', {}, c)))),
				h('tbody', {}, list.map((r) => h('tr', { 'data-id': r.id },
					h('td', {}, h('a', { href: `#/requests/${r.id}` }, `#${r.id}`)),
					h('td', {}, label('type', r.type)), h('td', {}, stateBadge(r.state)),
					h('td', {}, named(r, 'app')), h('td', {}, fmtDate(r.updated_at)))))))
				: h('p', { class: 'muted' }, t('none')));
	}

	// art. 14: a draft for the unit's information officer to submit
	async function renew(c) {
		const r = await ask({ title: t('me.renew.title'), message: t('me.renew.text', { serial: c.serial }), confirmLabel: t('me.renew'),
			action: () => api.post('me/renew', { cert_serial: c.serial }) });
		if (!r) return;
		clear(msg, note('ok', t('me.renew.done', { id: r.id }), ' ', h('a', { href: `#/requests/${r.id}` }, `#${r.id}`)));
		await load();
	}

	// art. 23: the agent asks both PINs, changes the PIN on the token and
	// signs our challenge with the new one; finca checks that proof
	async function changePin(k) {
		const status = h('div', { class: 'login-status', role: 'status', 'aria-live': 'assertive' });
		const err = h('div');
		const go = h('button', { type: 'button', class: 'btn btn-primary', id: 'pin-go' }, t('me.pin.start'));
		const dlg = modal({ title: t('me.pin.title'), body: [
			h('p', {}, t('me.pin.text', { serial: k.serial })),
			h('ul', {}, h('li', {}, t('me.pin.rule')), h('li', {}, t('me.pin.agent'))),
			err, status, h('div', { class: 'form-actions' }, go,
				h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, t('cancel')))] });
		go.addEventListener('click', async () => {
			clear(err);
			go.disabled = true;
			try {
				clear(status, t('me.pin.reading'));
				const mine = (await agent.certificates()).find((c) => c.serial === k.certificate);
				if (!mine) throw new agent.AgentError('nocert', 404, { error: { message: t('me.pin.nocert', { serial: k.serial }) } });
				clear(status, t('me.pin.asking'));
				// the server's consent for this USBKey, which the agent checks
				const ins = await api.post(`me/tokens/${encodeURIComponent(k.serial)}/instruction`);
				const ch = await api.post('login/challenge');
				const p = await agent.changePin(mine.id, ch.challenge, { payload: ins.payload, signature: ins.signature });
				clear(status, t('me.pin.recording'));
				await api.post(`me/tokens/${encodeURIComponent(k.serial)}/pin-changed`,
					{ certificate: p.certificate, challenge: p.challenge, signature: p.signature });
				dlg.close(true);
			} catch (e) {
				go.disabled = false;
				clear(status);
				const kind = e.kind && { down: 'agent.down.title', origin: 'agent.origin.short', pin: 'agent.pin', locked: 'agent.locked', nopin: 'agent.nopin' }[e.kind];
				clear(err, note('error', kind ? t(kind, { origin: location.origin }) : '', kind ? ' ' : '', e.message));
			}
		});
		if (await dlg.done) {
			clear(msg, note('ok', t('me.pin.done', { serial: k.serial })));
			await load();
		}
	}

	await load();
}
