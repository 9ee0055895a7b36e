// One batch (one spreadsheet): its requests, the actions on all of them at
// once, the annex forms to print, and the scanned stamped paper.
import { h, clear, note, openBlob, fileBase64, named, who } from '../dom.js';
import { t, label, fmtTime } from '../i18n.js';
import { api } from '../api.js';
import { filePicker } from '../ui/file.js';
import { can } from '../session.js';
import { listView, pagesOf } from '../ui/list.js';
import { columns, rowActions, actMany, actBatch, actionsFor, printForms, stateBadge } from '../ui/requests.js';

export async function render({ main, args, title }) {
	const id = args.id;
	const box = h('div');
	main.append(box);
	title.textContent = `${t('page.batches.one')} #${id}`;

	async function load(flash) {
		let b;
		try {
			b = await api.get(`batches/${encodeURIComponent(id)}`);
		} catch (e) {
			clear(box, note('error', e.message));
			return;
		}
		const reqs = b.requests || [];
		const msg = h('div', {}, flash || null);
		// the batch actions some request of it can take now
		const possible = [...new Set(reqs.flatMap(actionsFor))].filter((a) => a !== 'return');
		const counts = {};
		for (const r of reqs) counts[r.state] = (counts[r.state] || 0) + 1;
		const types = new Set(reqs.map((r) => (r.type === 'pin-reset' ? 'pinreset' : r.subject_kind === 'unit' ? 'unit' : r.subject_kind === 'person' ? 'person' : '')));
		const list = listView({
			caption: t('batch.requests'),
			search: t('req.search'),
			load: pagesOf(async () => (await api.get(`batches/${encodeURIComponent(id)}`)).requests || []),
			columns: columns({ batch: false }),
			selectable: possible.length > 0,
			toolbar: possible.length ? (sel, reload) => possible.map((a) => h('button', { type: 'button', class: 'btn btn-sm', disabled: !sel.length, 'data-bulk': a,
				onclick: () => actMany(sel, a, () => load()) }, t('req.bulk', { action: label('action', a) }))) : null,
			rowActions: (r) => rowActions(r, () => load()),
			pageSize: 100,
		});
		clear(box,
			h('div', { class: 'page-tools' },
				possible.map((a) => h('button', { type: 'button', 'data-batch-action': a,
					disabled: a === 'approve' && b.paper_due, title: a === 'approve' && b.paper_due ? t('paper.due', { id }) : null,
					class: ['btn', a === 'approve' || a === 'submit' || a === 'accept' ? 'btn-primary' : null, a === 'reject' || a === 'withdraw' ? 'btn-danger-o' : null],
					onclick: () => actBatch(id, a, () => load()) }, t('batch.all', { action: label('action', a) }))),
				h('a', { class: 'btn', href: '#/requests' }, t('back'))),
			msg,
			// art. 19: said while some request still waits for approval
			b.paper_due && reqs.some((r) => ['draft', 'submitted', 'rejected'].includes(r.state)) ? note('warn', t('paper.due', { id })) : null,
			h('div', { class: 'cols' },
				h('section', { class: 'panel' }, h('h2', {}, t('batch.info')),
					h('dl', { class: 'kv' },
						h('dt', {}, t('req.unit')), h('dd', {}, named(b, 'unit')),
						h('dt', {}, t('batch.source')), h('dd', {}, b.source || '—'),
						h('dt', {}, t('req.submitter')), h('dd', {}, who(b, 'submitter')),
						h('dt', {}, t('batch.created')), h('dd', {}, fmtTime(b.created_at)),
						h('dt', {}, t('batch.count')), h('dd', {}, String(reqs.length)),
						h('dt', {}, t('req.state')), h('dd', {}, Object.entries(counts).map(([s, n]) => [stateBadge(s), ` ${n} `])))),
				h('section', { class: 'panel' }, h('h2', {}, t('batch.paper')),
					can('forms.print') && h('div', { class: 'btn-row' }, [...types].filter(Boolean).map((f) =>
						h('button', { type: 'button', class: 'btn btn-sm', 'data-form': f, onclick: () => printForms(`batches/${id}/forms.pdf?form=${f}`, `batch-${id}-${f}.pdf`, msg) },
							t(`forms.${f}`)))),
					h('h3', {}, t('batch.attachments')),
					attachments(b, msg),
					can('batch.attach') && uploader(id, msg, load))),
			h('section', { class: 'panel' }, h('h2', {}, t('batch.requests')), list.el));
	}
	await load();
}

function attachments(b, msg) {
	const att = b.attachments || [];
	if (!att.length) return h('p', { class: 'muted' }, t('batch.no_attachments'));
	return h('ul', { class: 'files' }, att.map((a) => h('li', {},
		h('button', { type: 'button', class: 'link', onclick: async () => {
			try {
				openBlob(await api.blob(`batches/${b.id}/attachments/${a.id}`), a.name);
			} catch (e) { clear(msg, note('error', e.message)); }
		} }, a.name), ' ',
		h('span', { class: 'muted small' }, `${Math.ceil((a.size || 0) / 1024)} KB · ${a.actor || ''} · ${fmtTime(a.at)}`))));
}

function uploader(id, msg, done) {
	const file = h('input', { type: 'file', id: `att-${id}`, accept: '.pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg', required: true });
	const f = h('form', { class: 'upload-row', onsubmit: async (e) => {
		e.preventDefault();
		clear(msg);
		const x = file.files[0];
		if (!x) { clear(msg, note('error', t('batch.attach.pick'))); return; }
		if (x.size > 16 << 20) { clear(msg, note('error', t('batch.attach.big', { name: x.name }))); return; }
		btn.disabled = true;
		try {
			await api.post(`batches/${id}/attachments`, { name: x.name, data: await fileBase64(x) });
			await done(note('ok', t('batch.attach.done', { name: x.name })));
		} catch (err) {
			clear(msg, note('error', err.message));
		} finally { btn.disabled = false; }
	} },
	h('label', { for: `att-${id}` }, t('batch.attach')), ' ', filePicker(file));
	const btn = h('button', { type: 'submit', class: 'btn btn-sm' }, t('upload'));
	f.append(' ', btn);
	return f;
}
