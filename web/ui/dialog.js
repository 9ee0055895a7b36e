// Modal dialogs (<dialog> with showModal): focus stays inside (Tab wraps),
// Escape closes, focus returns to where it was.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { formView } from './form.js';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function visible(el) {
	return !el.closest('[hidden]') && el.getClientRects().length > 0;
}

// modal({title, body, wide}) -> {el, close, done}: done resolves with the
// value given to close (undefined on Escape).
export function modal({ title, body, wide = false, labelledBy }) {
	const back = document.activeElement;
	const id = `dlg-${Math.random().toString(36).slice(2)}`;
	let resolve;
	const done = new Promise((r) => { resolve = r; });
	const closeBtn = h('button', { type: 'button', class: 'dlg-x', 'aria-label': t('close'), onclick: () => close() }, '×');
	const el = h('dialog', { class: ['dlg', wide && 'dlg-wide'], 'aria-labelledby': labelledBy || id },
		h('div', { class: 'dlg-head' }, h('h2', { id }, title), closeBtn),
		h('div', { class: 'dlg-body' }, body));
	let closed = false;
	function close(v) {
		if (closed) return;
		closed = true;
		el.close();
		el.remove();
		if (back && back.isConnected) back.focus();
		resolve(v);
	}
	el.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
	el.addEventListener('keydown', (e) => {
		if (e.key !== 'Tab') return;
		const f = [...el.querySelectorAll(FOCUSABLE)].filter(visible);
		if (!f.length) return;
		const first = f[0], last = f[f.length - 1];
		if (e.shiftKey && (document.activeElement === first || !el.contains(document.activeElement))) {
			e.preventDefault();
			last.focus();
		} else if (!e.shiftKey && document.activeElement === last) {
			e.preventDefault();
			first.focus();
		}
	});
	document.body.append(el);
	el.showModal();
	const first = [...el.querySelectorAll('.dlg-body ' + FOCUSABLE.split(', ').join(', .dlg-body '))].filter(visible)[0];
	(first || closeBtn).focus();
	return { el, close, done };
}

// ask({title, message, fields, confirmLabel, danger, action}): a confirm
// dialog, with a form when fields are given.  action(values) runs on
// confirm; its error (the server's) is shown in the dialog, which stays
// open; resolves with action's result, or null when cancelled.
export function ask({ title, message, fields = [], confirmLabel, danger = false, action = async (v) => v, values }) {
	let dlg;
	const form = formView({
		fields, values,
		submitLabel: confirmLabel || t('confirm'),
		danger,
		cancel: () => dlg.close(null),
		onSubmit: async (v) => {
			const r = await action(v);
			dlg.close(r === undefined ? true : r);
		},
	});
	dlg = modal({ title, body: [message ? h('div', { class: 'dlg-msg' }, message) : null, form.el] });
	return dlg.done.then((v) => (v === undefined ? null : v));
}

// A dialog that only shows something, with a Close button.
export function show(title, body, wide = true) {
	let dlg;
	const closeB = h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, t('close'));
	dlg = modal({ title, wide, body: [body, h('div', { class: 'form-actions' }, closeB)] });
	return dlg.done;
}
