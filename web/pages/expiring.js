// 到期证书 (art. 14): valid certificates that expire soon, in the caller's
// scope (the dashboard's chart opens a week of it: from and days); an
// information officer makes renew requests for all of them in one step
// (one batch).
import { h, clear, note, named } from '../dom.js';
import { t, label, fmtDate } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { listView } from '../ui/list.js';
import { renewDue } from '../ui/renew.js';

const DAYS = [7, 15, 30, 60, 90, 180, 365];

export async function render({ main, params }) {
	let days = Number(params.days) || 30;
	const from = Number(params.from) || 0;
	const opts = DAYS.map((d) => [String(d), t('exp.days', { n: d })]);
	if (from) opts.unshift([String(days), t('exp.range', { from, to: days })]);
	const msg = h('div');
	const renew = can('request.create') && h('button', { type: 'button', class: 'btn btn-primary btn-sm', id: 'renew-all', onclick: renewAll }, t('exp.renew'));
	const list = listView({
		search: false,
		filters: [{ name: 'days', label: t('exp.within'), value: String(days), options: opts }],
		load: (p) => { days = Number(p.days); return api.get('expiring', { ...p, from: from && days > from ? from : undefined }); },
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
		const r = await renewDue(days);
		if (!r) return;
		clear(msg, note('ok', t('exp.renew.done', { id: r.batch, n: r.requests }), ' ', h('a', { href: `#/batches/${r.batch}` }, t('upload.view'))));
		list.reload();
	}
}
