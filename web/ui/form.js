// Forms: labelled fields in a grid, submitted with Enter or the button;
// the server's field error appears next to its field, any other error
// above the buttons.
import { h, clear, note } from '../dom.js';
import { t } from '../i18n.js';
import { dateField, parseDate } from './date.js';
import { filePicker } from './file.js';

let seq = 0;

// fields: [{name, label, type (text|password|select|textarea|checkbox|
// date|number|file), required, options [[value, label]], hint, value,
// placeholder, readonly, show(values) -> bool, api: ['data.csr'] (other
// names the server may give the field), wide}]
// A date and a file are drawn in the console's language by ui/date.js and
// ui/file.js, not by the browser; a date is read as ISO YYYY-MM-DD.
export function formView({ fields, values = {}, submitLabel, onSubmit, cancel, danger = false, extra = [], inline = false }) {
	const ctl = {}, err = {}, row = {};
	const general = h('div', { class: 'form-error' });
	const submit = h('button', { type: 'submit', class: ['btn', danger ? 'btn-danger' : 'btn-primary'] }, submitLabel || t('save'));
	const form = h('form', { class: ['form', inline && 'form-inline'], novalidate: true });

	for (const f of fields) {
		const id = `f${++seq}-${f.name}`;
		const v = values[f.name] ?? f.value ?? (f.type === 'checkbox' ? false : '');
		const common = { id, name: f.name, required: !!f.required, readonly: !!f.readonly, disabled: !!f.disabled,
			placeholder: f.placeholder, autocomplete: f.autocomplete || 'off', 'aria-describedby': `${id}-e ${f.hint ? `${id}-h` : ''}`.trim() };
		let c, node;
		err[f.name] = h('div', { class: 'field-error', id: `${id}-e`, role: 'alert' });
		if (f.type === 'select') {
			c = h('select', common, (f.options || []).map(([val, l]) => h('option', { value: val, selected: String(val) === String(v) }, l)));
		} else if (f.type === 'textarea') {
			c = h('textarea', { ...common, rows: f.rows || 4, class: f.mono && 'mono' });
			c.value = v;
		} else if (f.type === 'checkbox') {
			c = h('input', { ...common, type: 'checkbox', checked: !!v });
		} else if (f.type === 'date') {
			// ours, not the browser's: labelled in the console's language,
			// its value ISO YYYY-MM-DD, a wrong date said at the field
			c = h('input', { ...common, value: v });
			node = dateField(c, { error: err[f.name] });
		} else {
			c = h('input', { ...common, type: f.type || 'text', value: f.type === 'file' ? undefined : v,
				accept: f.accept, min: f.min, max: f.max, inputmode: f.inputmode, class: f.mono && 'mono' });
			if (f.type === 'file') node = filePicker(c);
		}
		ctl[f.name] = c;
		const lab = h('label', { for: id, class: ['form-label', f.required && 'req'] }, f.label);
		row[f.name] = f.type === 'checkbox'
			? h('div', { class: ['form-row', f.wide && 'wide'] }, h('span', { class: 'form-label' }),
				h('div', { class: 'form-ctl' }, h('label', { class: 'check' }, c, ' ', f.label), err[f.name],
					f.hint && h('div', { class: 'hint', id: `${id}-h` }, f.hint)))
			: h('div', { class: ['form-row', f.wide && 'wide'] }, lab,
				h('div', { class: 'form-ctl' }, node || c, err[f.name], f.hint && h('div', { class: 'hint', id: `${id}-h` }, f.hint)));
		form.append(row[f.name]);
		c.addEventListener('change', refresh);
		c.addEventListener('input', () => { clear(err[f.name]); c.removeAttribute('aria-invalid'); });
	}
	form.append(general, h('div', { class: 'form-actions' }, submit,
		cancel && h('button', { type: 'button', class: 'btn', onclick: cancel }, t('cancel')), extra));

	function read() {
		const out = {};
		for (const f of fields) {
			const c = ctl[f.name];
			if (row[f.name].hidden) continue;
			out[f.name] = f.type === 'checkbox' ? c.checked : f.type === 'file' ? c.files[0] || null
				: f.type === 'date' ? parseDate(c.value) ?? c.value.trim() : c.value.trim();
		}
		return out;
	}
	function refresh() {
		const v = read();
		for (const f of fields) if (f.show) row[f.name].hidden = !f.show({ ...v, ...readAll() });
	}
	function readAll() {
		const out = {};
		for (const f of fields) out[f.name] = f.type === 'checkbox' ? ctl[f.name].checked : f.type === 'file' ? ctl[f.name].files[0] : ctl[f.name].value;
		return out;
	}
	function clearErrors() {
		clear(general);
		for (const f of fields) { clear(err[f.name]); ctl[f.name].removeAttribute('aria-invalid'); }
	}
	// Shows an error: at its field when the server named one we have.
	function showError(e) {
		const f = e.field && fields.filter((x) => x.name === e.field || (x.api || []).includes(e.field) ||
			e.field.startsWith(`${x.name}.`)).find((x) => !row[x.name].hidden);
		if (f) {
			clear(err[f.name], e.fieldMessage || e.message || '');
			ctl[f.name].setAttribute('aria-invalid', 'true');
			ctl[f.name].focus();
		} else {
			clear(general, note('error', e.message || String(e)));
		}
	}
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors();
		const v = read();
		for (const f of fields) {
			if (f.required && !row[f.name].hidden && (v[f.name] === '' || v[f.name] == null || v[f.name] === false)) {
				showError({ field: f.name, message: t('required') });
				return;
			}
			if (f.type === 'date' && !row[f.name].hidden && parseDate(v[f.name]) === null) {
				showError({ field: f.name, message: t('date.invalid') });
				return;
			}
		}
		submit.disabled = true;
		form.setAttribute('aria-busy', 'true');
		try {
			await onSubmit(v);
		} catch (e) {
			showError(e);
		} finally {
			submit.disabled = false;
			form.removeAttribute('aria-busy');
		}
	});
	refresh();
	return { el: form, values: read, showError, clearErrors, control: (n) => ctl[n], row: (n) => row[n], refresh, general };
}
