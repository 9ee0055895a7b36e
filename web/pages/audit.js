// 审计日志: the hash-chained audit trail, searched on the server, and the verification
// of the whole chain and its signed checkpoints.
import { h, clear, note } from '../dom.js';
import { t, fmtTime, fmtDate, bjDate } from '../i18n.js';
import { api } from '../api.js';
import { listView } from '../ui/list.js';

export async function render({ main, params }) {
	const result = h('div', { id: 'verify-result', 'aria-live': 'polite' });
	const verify = h('button', { type: 'button', class: 'btn btn-primary', id: 'audit-verify', onclick: async () => {
		verify.disabled = true;
		clear(result, h('p', { class: 'loading' }, t('audit.verifying')));
		try {
			const r = await api.get('audit/verify');
			clear(result, r.ok
				? note('ok', h('strong', {}, t('audit.ok')), ' ', t('audit.ok.text', { n: r.records, c: r.checkpoints }))
				: note('error', h('strong', {}, t('audit.bad')), ' ', t('audit.bad.text', { seq: r.first_bad, n: r.records }), h('br'), r.message || ''));
		} catch (e) {
			clear(result, note('error', e.message));
		} finally {
			verify.disabled = false;
		}
	} }, t('audit.verify'));

	// the server searches: since, actor (exact), action (exact, or a prefix
	// ending in "." or "*"), object (prefix); newest first, a page of f.limit
	// at a time, continued from the answer's next (before=)
	const week = new Date(Date.now() - 7 * 86400000);
	const f = { since: params.since || fmtDate(week), limit: params.limit || '50', actor: params.actor || '', action: params.action || '', object: params.object || '' };
	const since = h('input', { type: 'date', name: 'since', id: 'audit-since', value: f.since });
	const limit = h('select', { name: 'limit', id: 'audit-limit' }, ['50', '100', '1000'].map((n) => h('option', { value: n, selected: n === f.limit }, n)));
	const texts = ['actor', 'action', 'object'].map((k) => h('input', { type: 'text', name: k, id: `audit-${k}`, value: f[k], size: 12 }));
	let list;
	const form = h('form', { class: 'filters', onsubmit: (e) => {
		e.preventDefault();
		f.since = since.value;
		f.limit = limit.value;
		['actor', 'action', 'object'].forEach((k, i) => { f[k] = texts[i].value.trim(); });
		list.reload(true);
	} },
	h('label', { for: 'audit-since' }, t('audit.since')), since,
	h('label', { for: 'audit-limit' }, t('audit.limit')), limit,
	['actor', 'action', 'object'].map((k, i) => [h('label', { for: `audit-${k}` }, t(`audit.${k}`)), texts[i]]),
	h('button', { type: 'submit', class: 'btn btn-sm' }, t('list.find')));

	list = listView({
		search: false,
		pageSize: 50,
		rowKey: (r) => r.seq,
		load: async ({ after }) => {
			const r = await api.get('audit', { since: bjDate(f.since), actor: f.actor, action: f.action, object: f.object,
				order: 'desc', before: after, limit: f.limit });
			return { items: r.records || [], next: r.next };
		},
		columns: [
			{ label: t('audit.seq'), key: 'seq', class: 'num' },
			{ label: t('audit.at'), render: (r) => fmtTime(r.at), class: 'nowrap' },
			{ label: t('audit.actor'), key: 'actor', class: 'nowrap' },
			{ label: t('audit.action'), render: (r) => h('span', { class: ['mono', /denied/.test(r.action) && 'bad'] }, r.action) },
			{ label: t('audit.object'), render: (r) => h('span', { class: 'mono small' }, r.object) },
			{ label: t('audit.details'), render: (r) => details(r.details), class: 'details' },
		],
		empty: t('audit.empty'),
	});
	main.append(
		h('section', { class: 'panel' }, h('h2', {}, t('audit.chain')), h('p', { class: 'hint' }, t('audit.chain.text')), verify, result),
		h('section', { class: 'panel' }, h('h2', {}, t('audit.records')), form, h('p', { class: 'hint' }, t('audit.order')), list.el));
}

function details(d) {
	if (!d || (typeof d === 'object' && !Object.keys(d).length)) return '';
	const s = JSON.stringify(d);
	if (s.length <= 90) return h('code', { class: 'small' }, s);
	return h('details', {}, h('summary', {}, h('code', { class: 'small' }, `${s.slice(0, 80)}…`)), h('pre', { class: 'json' }, JSON.stringify(d, null, 2)));
}
