// What every page showing requests shares: columns, the actions a
// request can take now, and running them, one request, many, or a whole
// batch.  The server says what is possible: each request carries the
// caller's actions, at_station, handover_due, old_token_due (art. 22) and,
// when it is made at the token station now, station_command; paper_due:
// approval waits for the batch's stamped scan (art. 19).
import { h, clear, note, openBlob, named } from '../dom.js';
import { t, label, fmtTime, bjDate } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { ask, show } from './dialog.js';
import { produceButton } from './produce.js';

export function stateBadge(s) {
	return h('span', { class: ['badge', `st-${s}`] }, label('state', s));
}

// The actions request r can take now, for this caller, in display order
// (the server's list).
export const actionsFor = (r) => r.actions || [];

// The fields an action asks for, or null.
export function actionFields(action, r = {}) {
	if (action === 'reject') return [{ name: 'reason', label: t('req.reject.reason'), type: 'textarea', required: true, rows: 3 }];
	if (action === 'handover') {
		return [
			{ name: 'handler', label: t('req.handler'), required: true, hint: t('req.handler.hint') },
			{ name: 'new_token', label: t('req.new_token'), value: r.new_token || '', hint: t('req.new_token.hint'), mono: true },
			{ name: 'date', label: t('req.handed_date'), type: 'date' },
			{ name: 'old_returned', label: t('req.old_returned'), type: 'checkbox', value: false,
				show: () => !r.id || r.old_token_due, hint: r.token_serial ? t('req.old_token', { s: r.token_serial }) : '' },
		];
	}
	if (action === 'return') return [{ name: 'handler', label: t('req.returned_by'), required: true }];
	return null;
}

function argsOf(action, v) {
	if (!v || v === true) return {};
	const a = {};
	for (const [k, x] of Object.entries(v)) if (x !== '' && x != null) a[k] = x;
	if (action === 'handover' && a.date) a.date = bjDate(a.date);
	if (action === 'handover') a.old_returned = !!v.old_returned;
	return a;
}

const DANGER = new Set(['reject', 'withdraw']);

// Art. 19: what the approver sees of batch's paper: its stamped scans, each
// opened from the dialog, or why approval waits (the server's paper_due).
// An element; the batch is read again for its attachments.
export async function paperView(batch) {
	if (!batch) return null;
	let b;
	try {
		b = await api.get(`batches/${batch}`);
	} catch (e) {
		return note('error', e.message);
	}
	if (b.paper_due) return note('warn', t('paper.due', { id: batch }));
	const att = b.attachments || [];
	if (!att.length) return null; // paperless
	return h('div', { class: 'paper-scans' }, h('strong', {}, t('paper.scans')),
		h('ul', { class: 'files' }, att.map((a) => h('li', {},
			h('button', { type: 'button', class: 'link', 'data-scan': a.id, title: t('paper.open'), onclick: async () => {
				try {
					openBlob(await api.blob(`batches/${batch}/attachments/${a.id}`), a.name);
				} catch (e) { await show(t('paper.scans'), note('error', e.message), false); }
			} }, a.name), ' ', h('span', { class: 'muted small' }, `${Math.ceil((a.size || 0) / 1024)} KB · ${fmtTime(a.at)}`)))));
}

// Approval waits for the stamped scan (art. 19).
const paperWaits = (r, action) => action === 'approve' && r.paper_due;

// One button running action on request r (asking first), then done().
export function actionButton(r, action, done) {
	const waits = paperWaits(r, action);
	return h('button', { type: 'button', class: ['btn', 'btn-sm', action === 'approve' || action === 'accept' || action === 'produce' ? 'btn-primary' : null, DANGER.has(action) && 'btn-danger-o'],
		'data-action': action, disabled: waits, title: waits ? t('paper.due', { id: r.batch }) : null, onclick: async () => {
			const res = await ask({
				title: t('req.confirm.title', { action: label('action', action), id: r.id }),
				message: action === 'approve' ? h('div', {}, describe(r), await paperView(r.batch)) : describe(r),
				fields: actionFields(action, r) || [],
				confirmLabel: label('action', action), danger: DANGER.has(action),
				action: (v) => api.post(`requests/${r.id}/${action}`, argsOf(action, v)),
			});
			if (res) done?.(res);
		} }, label('action', action));
}

export function describe(r) {
	return h('p', {}, `#${r.id} ${label('type', r.type)} · ${r.name || ''} ${r.subject || ''}`,
		r.app ? ` · ${t('req.app')} ${r.app_name || r.app}` : '', r.cert_serial ? ` · ${r.cert_serial}` : '');
}

// Runs action on every request of rows (one call each), asking once.
export async function actMany(rows, action, done) {
	const ok = rows.filter((r) => actionsFor(r).includes(action) && !paperWaits(r, action));
	if (!ok.length) {
		await show(label('action', action), note('warn', t('req.none_can', { action: label('action', action) })), false);
		return;
	}
	const failed = [];
	let n = 0;
	const res = await ask({
		title: t('req.many.title', { action: label('action', action), n: ok.length }),
		message: h('div', {}, h('p', {}, t('req.many.text', { ids: ok.map((r) => `#${r.id}`).join(' ') })),
			ok.length < rows.length ? note('warn', t('req.many.skip', { n: rows.length - ok.length })) : null),
		fields: (actionFields(action) || []).filter((f) => f.name !== 'new_token'), confirmLabel: label('action', action), danger: DANGER.has(action),
		action: async (v) => {
			for (const r of ok) {
				try {
					await api.post(`requests/${r.id}/${action}`, argsOf(action, v));
					n++;
				} catch (e) {
					failed.push(`#${r.id}: ${e.message}`);
				}
			}
			return true;
		},
	});
	if (!res) return;
	done?.();
	await show(label('action', action), [
		note(failed.length ? 'warn' : 'ok', t('req.many.done', { n, f: failed.length })),
		failed.length ? h('ul', { class: 'errlist' }, failed.map((f) => h('li', {}, f))) : null], false);
}

// An action on a whole batch (one transaction on the server).
export async function actBatch(batch, action, done) {
	const paper = action === 'approve' ? await paperView(batch) : null;
	const res = await ask({
		title: t('batch.act.title', { action: label('action', action), id: batch }),
		message: h('div', {}, h('p', {}, t('batch.act.text', { action: label('action', action), id: batch })), paper),
		fields: (actionFields(action) || []).filter((f) => f.name !== 'new_token'), confirmLabel: label('action', action), danger: DANGER.has(action),
		action: (v) => api.post(`batches/${batch}/${action}`, argsOf(action, v)),
	});
	if (res) {
		done?.(res);
		await show(label('action', action), note('ok', t('batch.act.done', { action: label('action', action), n: (res.requests || []).length, ids: (res.requests || []).map((x) => `#${x}`).join(' ') })), false);
	}
}

// The annex form(s) as PDF, opened in a new tab.
export async function printForms(path, name, msgBox) {
	try {
		const b = await api.blob(path);
		openBlob(b, name);
	} catch (e) {
		if (msgBox) clear(msgBox, note('error', e.message)); else await show(t('forms.print'), note('error', e.message), false);
	}
}

// The request list's columns.
export function columns({ batch = true, unit = false } = {}) {
	return [
		{ label: t('req.id'), render: (r) => h('a', { href: `#/requests/${r.id}` }, `#${r.id}`), class: 'num' },
		batch && { label: t('req.batch'), render: (r) => (r.batch ? h('a', { href: `#/batches/${r.batch}` }, `#${r.batch}`) : ''), class: 'num' },
		{ label: t('req.type'), render: (r) => [label('type', r.type), r.emergency ? h('span', { class: 'badge st-rejected' }, t('req.emergency')) : null] },
		{ label: t('req.subject'), render: (r) => [h('span', {}, r.name || ''), h('br'), h('span', { class: 'mono muted' }, r.subject || '')] },
		unit && { label: t('req.unit'), render: (r) => named(r, 'unit') },
		{ label: t('req.app'), render: (r) => named(r, 'app') },
		{ label: t('req.cert'), render: (r) => h('span', { class: 'mono small' }, r.cert_serial || r.result_serial || '') },
		{ label: t('req.state'), render: (r) => stateBadge(r.state) },
		{ label: t('req.updated'), render: (r) => fmtTime(r.updated_at), class: 'nowrap' },
	].filter(Boolean);
}

// The actions of one row, and for station-made requests the command.
export function rowActions(r, reload) {
	const acts = actionsFor(r);
	const out = acts.map((a) => actionButton(r, a, () => reload()));
	// made from the console through the operator's agent, or at the station
	if (r.agent_op && can('request.produce')) out.push(produceButton(r, () => reload()));
	if (r.station_command && can('request.produce'))
		out.push(h('div', { class: 'station' }, t('req.station'), h('br'), h('code', {}, r.station_command)));
	return out.length ? out : h('span', { class: 'muted' }, '—');
}

export const STATES = ['draft', 'submitted', 'approved', 'rejected', 'accepted', 'produced', 'handed_over', 'completed', 'withdrawn'];
export const TYPES = ['apply', 'renew', 'update', 'reissue', 'freeze', 'unfreeze', 'revoke', 'pin-reset', 'authorize'];

// The batches that have requests in state, as a table with whole-batch
// actions (approval and production queues).
export async function batchTable(state, actions, reload) {
	const r = await api.get('requests', { state, limit: 1000 });
	const by = new Map();
	for (const x of r.items) {
		if (!x.batch) continue;
		if (!by.has(x.batch)) by.set(x.batch, { unit: x, n: 0, types: new Set(), apps: new Set(), acts: new Set(), due: false });
		const b = by.get(x.batch);
		b.n++;
		b.due ||= !!x.paper_due;
		for (const a of actionsFor(x)) b.acts.add(a);
		b.types.add(label('type', x.type));
		b.apps.add(x.app_name || x.app);
	}
	if (!by.size) return h('p', { class: 'muted' }, t('appr.none'));
	return h('div', { class: 'table-wrap' }, h('table', { class: 'grid batches', 'data-state': state },
		h('thead', {}, h('tr', {}, [t('req.batch'), t('req.unit'), t('appr.n'), t('req.type'), t('req.app'), t('list.actions')].map((x) => h('th', { scope: 'col' }, x)))),
		h('tbody', {}, [...by].map(([k, b]) => h('tr', { 'data-batch': k },
			h('td', { class: 'num' }, h('a', { href: `#/batches/${k}` }, `#${k}`)),
			h('td', {}, named(b.unit, 'unit')), h('td', { class: 'num' }, String(b.n)),
			h('td', {}, [...b.types].join('、')), h('td', {}, [...b.apps].join('、'),
				b.due && actions.includes('approve') ? [h('br'), h('span', { class: 'badge st-rejected', title: t('paper.due', { id: k }) }, t('paper.due.short'))] : null),
			h('td', { class: 'actions' },
				h('a', { class: 'btn btn-sm', href: `#/batches/${k}` }, t('appr.view')),
				actions.filter((a) => b.acts.has(a)).map((a) => h('button', { type: 'button', 'data-batch-action': a,
					class: ['btn', 'btn-sm', DANGER.has(a) ? 'btn-danger-o' : 'btn-primary'],
					disabled: a === 'approve' && b.due, title: a === 'approve' && b.due ? t('paper.due', { id: k }) : null,
					onclick: () => actBatch(k, a, reload) }, t('batch.all', { action: label('action', a) })))))))));
}
