// 统一电子表格 (art. 19): the template to fill in, and the upload of a
// filled copy (XLSX, or CSV in UTF-8 / GB18030) as one batch of drafts.
// Every problem of the file is listed in place; nothing is created until
// the whole file is right.
import { h, clear, note, saveBlob, fileBase64 } from '../dom.js';
import { t, label } from '../i18n.js';
import { api } from '../api.js';
import { filePicker } from '../ui/file.js';
import { actBatch } from '../ui/requests.js';

export async function render({ main }) {
	const dlMsg = h('div');
	const result = h('div', { id: 'upload-result', 'aria-live': 'polite' });
	const file = h('input', { type: 'file', id: 'sheet-file', name: 'file', accept: '.xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv', required: true, 'aria-describedby': 'sheet-hint' });
	const btn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'sheet-upload' }, t('upload.submit'));
	const drafts = h('div');

	main.append(
		h('section', { class: 'panel' }, h('h2', {}, t('upload.template')),
			h('p', {}, t('upload.template.text')),
			h('button', { type: 'button', class: 'btn', id: 'template-dl', onclick: async () => {
				clear(dlMsg);
				try {
					saveBlob(await api.blob('template.xlsx'), t('upload.template.file'));
				} catch (e) { clear(dlMsg, note('error', e.message)); }
			} }, t('upload.template.dl')), dlMsg),
		h('section', { class: 'panel' }, h('h2', {}, t('upload.title')),
			h('form', { class: 'upload-row', onsubmit: submit },
				h('label', { for: 'sheet-file' }, t('upload.file')), ' ', filePicker(file), ' ', btn),
			h('p', { class: 'hint', id: 'sheet-hint' }, t('upload.hint')),
			result),
		h('section', { class: 'panel' }, h('h2', {}, t('upload.drafts')), drafts));

	async function submit(e) {
		e.preventDefault();
		const f = file.files[0];
		if (!f) { clear(result, note('error', t('upload.pick'))); file.focus(); return; }
		btn.disabled = true;
		clear(result, h('p', { class: 'loading' }, t('upload.checking', { name: f.name })));
		try {
			const r = await api.post('batches', { file: await fileBase64(f), filename: f.name });
			clear(result, note('ok', h('p', {}, t('upload.done', { id: r.batch, n: r.requests })),
				h('div', { class: 'btn-row' },
					h('a', { class: 'btn btn-sm', href: `#/batches/${r.batch}` }, t('upload.view')),
					h('button', { type: 'button', class: 'btn btn-sm btn-primary', id: 'batch-submit',
						onclick: () => actBatch(r.batch, 'submit', () => { loadDrafts(); location.hash = `#/batches/${r.batch}`; }) },
					t('batch.all', { action: label('action', 'submit') })))));
			file.value = '';
			file.dispatchEvent(new Event('change'));
			loadDrafts();
		} catch (err) {
			clear(result, problems(err, f.name));
		} finally {
			btn.disabled = false;
		}
	}

	async function loadDrafts() {
		try {
			const r = await api.get('requests', { state: 'draft', limit: 1000 });
			const by = new Map();
			for (const x of r.items) if (x.batch) by.set(x.batch, (by.get(x.batch) || 0) + 1);
			clear(drafts, by.size ? h('ul', { class: 'files' }, [...by].map(([b, n]) => h('li', {},
				h('a', { href: `#/batches/${b}` }, `${t('page.batches.one')} #${b}`), ' ', h('span', { class: 'muted' }, t('upload.drafts.n', { n })))))
				: h('p', { class: 'muted' }, t('upload.drafts.none')));
		} catch (e) {
			clear(drafts, note('error', e.message));
		}
	}
	loadDrafts();
}

// The 400's problems as a table: sheet, row, column (or item and field),
// message; the server says them in the console's language.
function problems(err, name) {
	if (!err.problems) return note('error', err.message);
	const ps = err.problems;
	const rowish = ps.some((p) => 'sheet' in p || 'row' in p);
	return h('div', { class: 'problems' },
		note('error', h('strong', {}, t('upload.bad', { name, n: ps.length })), h('br'), t('upload.bad.text')),
		h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'problems' },
			h('caption', { class: 'sr-only' }, t('upload.problems')),
			h('thead', {}, h('tr', {}, rowish
				? [h('th', { scope: 'col' }, t('upload.sheet')), h('th', { scope: 'col', class: 'num' }, t('upload.row')), h('th', { scope: 'col' }, t('upload.column'))]
				: [h('th', { scope: 'col', class: 'num' }, t('upload.index')), h('th', { scope: 'col' }, t('upload.field'))],
			h('th', { scope: 'col' }, t('upload.message')))),
			h('tbody', {}, ps.map((p) => h('tr', {}, rowish
				? [h('td', {}, p.sheet ?? ''), h('td', { class: 'num' }, p.row ?? ''), h('td', {}, p.column ?? '')]
				: [h('td', { class: 'num' }, p.index != null ? String(p.index + 1) : ''), h('td', {}, p.field_name ?? p.field ?? '')],
			h('td', {}, p.message)))))));
}
