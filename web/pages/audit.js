// 审计日志: the hash-chained audit trail, searched on the server and read in
// the console's language (each action's name and a one-line summary, both
// from the server: src/audit/actions.c), the raw record one click away;
// its export as CSV or Excel for inspectors; and the verification of the
// whole chain and its signed checkpoints.
import { h, clear, note, saveBlob } from '../dom.js';
import { t, fmtTime, fmtDate, bjDate } from '../i18n.js';
import { api } from '../api.js';
import { listView } from '../ui/list.js';
import { show } from '../ui/dialog.js';
import { dateField, parseDate } from '../ui/date.js';

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
	// the console's date field; #audit-since carries the ISO value, a wrong
	// date is said on its own line under the filters
	const sinceErr = h('div', { class: 'field-error', id: 'audit-since-e', role: 'alert' });
	const since = h('input', { name: 'since', id: 'audit-since', value: f.since, 'aria-describedby': 'audit-since-e' });
	const sinceField = dateField(since, { error: sinceErr });
	const limit = h('select', { name: 'limit', id: 'audit-limit' }, ['50', '100', '1000'].map((n) => h('option', { value: n, selected: n === f.limit }, n)));
	// actor and object filter as one types, 250 ms after the last key (as
	// ui/list.js's search box); dates and lists wait for 查询
	let typing;
	const texts = ['actor', 'object'].map((k) => h('input', { type: 'text', name: k, id: `audit-${k}`, value: f[k], size: 12,
		oninput: () => { clearTimeout(typing); typing = setTimeout(find, 250); } }));
	const action = h('select', { name: 'action', id: 'audit-action' }, h('option', { value: '' }, t('all')));
	let list;
	const read = () => {
		f.since = parseDate(since.value) ?? '';
		f.limit = limit.value;
		f.action = action.value;
		['actor', 'object'].forEach((k, i) => { f[k] = texts[i].value.trim(); });
	};
	const query = () => ({ since: bjDate(f.since), actor: f.actor, action: f.action, object: f.object });
	// a wrong date is said at its field and not searched
	function find() {
		clearTimeout(typing);
		if (parseDate(since.value) === null) return;
		read();
		list.reload(true);
	}
	const form = h('form', { class: 'filters', onsubmit: (e) => {
		e.preventDefault();
		find();
	} },
	h('label', { for: 'audit-since' }, t('audit.since')), sinceField,
	h('label', { for: 'audit-limit' }, t('audit.limit')), limit,
	h('label', { for: 'audit-actor' }, t('audit.actor')), texts[0],
	h('label', { for: 'audit-action' }, t('audit.action')), action,
	h('label', { for: 'audit-object' }, t('audit.object')), texts[1],
	h('button', { type: 'submit', class: 'btn btn-sm' }, t('list.find')), sinceErr);

	// the export: the same filters, the whole of it (not a page), as a file
	const exportMsg = h('div', { 'aria-live': 'polite' });
	const exportBtn = (format, label) => h('button', { type: 'button', class: 'btn btn-sm', id: `audit-export-${format}`, onclick: async (e) => {
		const b = e.currentTarget;
		if (parseDate(since.value) === null) return; // said at the field
		read();
		b.disabled = true;
		clear(exportMsg);
		try {
			const blob = await api.blob('audit/export', { format, order: 'desc', ...query() });
			saveBlob(blob, `${t('audit.export.file')}-${fmtDate(new Date()).replaceAll('-', '')}.${format}`);
		} catch (err) {
			clear(exportMsg, note('error', err.message));
		} finally {
			b.disabled = false;
		}
	} }, label);
	const exports = h('div', { class: 'form-actions' }, exportBtn('csv', t('audit.export.csv')), exportBtn('xlsx', t('audit.export.xlsx')),
		h('span', { class: 'hint' }, t('audit.export.hint')));

	list = listView({
		search: false,
		pageSize: 50,
		rowKey: (r) => r.seq,
		load: async ({ after }) => {
			const r = await api.get('audit', { ...query(), order: 'desc', before: after, limit: f.limit });
			return { items: r.records || [], next: r.next };
		},
		columns: [
			{ label: t('audit.seq'), key: 'seq', class: 'num' },
			{ label: t('audit.at'), render: (r) => fmtTime(r.at), class: 'nowrap' },
			{ label: t('audit.actor'), key: 'actor', class: 'nowrap' },
			// the name, and the code under it for whoever searches by it
			{ label: t('audit.action'), render: (r) => [h('span', { class: [/denied|refused/.test(r.action) && 'bad'] }, r.action_name || r.action),
				h('br'), h('span', { class: 'mono small muted' }, r.action)], class: 'nowrap' },
			{ label: t('audit.object'), render: (r) => h('span', { class: 'mono small' }, r.object) },
			{ label: t('audit.summary'), render: (r) => r.summary || '', class: 'details' },
		],
		rowActions: (r) => h('button', { type: 'button', class: 'btn btn-sm', onclick: () => raw(r) }, t('audit.raw')),
		empty: t('audit.empty'),
	});
	main.append(
		h('section', { class: 'panel' }, h('h2', {}, t('audit.chain')), h('p', { class: 'hint' }, t('audit.chain.text')), verify, result),
		h('section', { class: 'panel' }, h('h2', {}, t('audit.records')), form, exports, exportMsg, h('p', { class: 'hint' }, t('audit.order')), list.el));
	await actions(action, f.action);
}

// The action filter: every family first as "证书（全部）" (its prefix), then
// its actions by name; the server names them (GET /audit/actions).
async function actions(sel, current) {
	let r;
	try {
		r = await api.get('audit/actions');
	} catch {
		r = { actions: [], families: [] };
	}
	const left = new Map((r.actions || []).map((a) => [a.action, a.name]));
	const opt = (value, label) => h('option', { value, selected: value === current }, label);
	for (const fam of r.families || []) {
		const p = fam.prefix.replace(/\*$/, '');
		const mine = [...left].filter(([a]) => a.startsWith(p));
		mine.forEach(([a]) => left.delete(a));
		sel.append(h('optgroup', { label: fam.name }, opt(fam.prefix, fam.name), mine.map(([a, n]) => opt(a, n))));
	}
	if (left.size)
		sel.append(h('optgroup', { label: t('audit.action.other') }, [...left].map(([a, n]) => opt(a, n))));
	// a filter from the address that the list does not have, kept as it is
	if (current && ![...sel.options].some((o) => o.value === current))
		sel.append(opt(current, current));
}

// The record as it is stored (and hash-chained), pretty-printed.
function raw(r) {
	const rec = { seq: r.seq, at: r.at, actor: r.actor, action: r.action, object: r.object, details: r.details };
	show(t('audit.raw.title', { seq: r.seq }), [
		h('p', {}, h('strong', {}, r.action_name || r.action), ' ', r.summary || ''),
		h('pre', { class: 'json' }, JSON.stringify(rec, null, 2))]);
}
