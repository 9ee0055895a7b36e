// 到期证书 (art. 14): valid certificates that expire soon, in the caller's
// scope; an information officer makes renew requests for all of them in
// one step (one batch).
import { h, clear, note, named } from '../dom.js';
import { t, label, fmtDate } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { listView } from '../ui/list.js';
import { ask } from '../ui/dialog.js';

const DAYS = [7, 15, 30, 60, 90, 180, 365];

export async function render({ main, params }) {
	let days = Number(params.days) || 30;
	const msg = h('div');
	const renew = can('request.create') && h('button', { type: 'button', class: 'btn btn-primary btn-sm', id: 'renew-all', onclick: renewAll }, t('exp.renew'));
	const list = listView({
		search: false,
		filters: [{ name: 'days', label: t('exp.within'), value: String(days), options: DAYS.map((d) => [String(d), t('exp.days', { n: d })]) }],
		load: (p) => { days = Number(p.days); return api.get('expiring', p); },
		tools: [renew],
		columns: [
			{ label: t('person.name'), render: (c) => c.name || c.subject },
			{ label: t('cert.holder'), render: (c) => h('span', { class: 'mono small' }, c.id_number || c.unit_code || '') },
			{ label: t('person.unit'), render: (c) => named(c, 'unit') },
			{ label: t('cert.serial'), render: (c) => h('span', { class: 'mono small' }, c.serial) },
			{ label: t('cert.profile'), render: (c) => label('profile', c.profile) },
			{ label: t('cert.not_after'), render: (c) => fmtDate(c.not_after), class: 'nowrap' },
			{ label: t('exp.left'), render: (c) => h('span', { class: c.days_left <= 7 ? 'bad' : c.days_left <= 15 ? 'warn' : null }, t('exp.days', { n: c.days_left })), class: 'num' },
		],
		rowKey: (c) => c.serial,
		rowActions: can('request.create') ? (c) => (c.id_number
			? h('a', { class: 'btn btn-sm', href: `#/requests/new?type=renew&subject=${encodeURIComponent(c.id_number)}&cert_serial=${c.serial}` }, t('exp.renew.one'))
			: h('span', { class: 'muted' }, '—')) : null,
	});
	main.append(msg, list.el);

	async function renewAll() {
		let apps = [];
		try { apps = (await api.get('apps', { limit: 1000 })).items; } catch { /* the field stays empty */ }
		const r = await ask({
			title: t('exp.renew'),
			message: h('p', {}, t('exp.renew.text', { n: days })),
			fields: [{ name: 'app', label: t('req.app'), type: 'select', hint: t('exp.renew.app'),
				options: [['', t('exp.renew.granted')], ...apps.map((a) => [a.code, `${a.name}（${a.code}）`])] }],
			confirmLabel: t('exp.renew.do'),
			action: async (v) => {
				try {
					return await api.post('expiring/renew', { days, app: v.app || undefined });
				} catch (e) {
					if (!e.problems) throw e;
					const err = new Error(`${e.message} — ${e.problems.map((p) => p.text ?? p.message).join('; ')}`);
					throw err;
				}
			},
		});
		if (!r) return;
		clear(msg, note('ok', t('exp.renew.done', { id: r.batch, n: r.requests }), ' ', h('a', { href: `#/batches/${r.batch}` }, t('upload.view'))));
		list.reload();
	}
}
