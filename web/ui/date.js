// A date field in the console's language, not the browser's (Chromium
// draws <input type=date> in its own locale: mm/dd/yyyy in an en-US
// browser).  A text input shows the date as 2026-12-05; a button beside it
// opens a small calendar (一 二 … 日, 上月 / 下月, 今天 / 清除).  The input
// keeps the id and name the caller gave it, and its value is always ISO
// YYYY-MM-DD (or empty) once the user leaves it; typed text may also be
// 2026/1/5 or 2026年1月5日.  Text that is no date is flagged at the field.
//
// Keyboard: Tab reaches the input, then the button; Alt+↓ in the input or
// the button opens the calendar on the chosen day; arrows move a day or a
// week, PageUp / PageDown a month, Enter or Space picks, Escape closes.
import { h, clear } from '../dom.js';
import { t, fmtDate } from '../i18n.js';

// What typed text may look like, after full-width digits and signs (a
// Chinese input method's) are made ASCII: year, month, day.
const FORMS = [
	/^(\d{4})-(\d{1,2})-(\d{1,2})$/,
	/^(\d{4})\/(\d{1,2})\/(\d{1,2})$/,
	/^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$/,
];

const pad = (n) => String(n).padStart(2, '0');
const iso = (y, m, d) => `${y}-${pad(m)}-${pad(d)}`;
// days in month m (1-12) of year y; Date.UTC rolls day 0 back to the last
const monthDays = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();

// Typed text as ISO YYYY-MM-DD; '' for empty text; null when it is no date
// (a form not in FORMS, or a day the month lacks: 2026-02-30).
export function parseDate(text) {
	const s = String(text ?? '').trim()
		.replace(/[\uff10-\uff19\uff0d\uff0f]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
	if (s === '') return '';
	for (const re of FORMS) {
		const m = re.exec(s);
		if (!m) continue;
		const [y, mo, d] = m.slice(1).map(Number);
		return mo >= 1 && mo <= 12 && d >= 1 && d <= monthDays(y, mo) ? iso(y, mo, d) : null;
	}
	return null;
}

// input: an <input> the caller made (its id, name and value are kept; it
// becomes type=text).  error: the element where a wrong date is said (a
// form's .field-error); without it the field brings its own.  The caller
// hears 'input' and 'change' on the input when a day is picked or cleared.
// Returns the node to put in the page.
export function dateField(input, { error } = {}) {
	input.type = 'text';
	input.classList.add('date-input');
	if (!input.placeholder) input.placeholder = t('date.placeholder');
	input.autocomplete = 'off';
	const own = !error && h('span', { class: 'field-error', role: 'alert' });
	error = error || own;

	const title = h('span', { class: 'date-title', 'aria-live': 'polite' });
	const grid = h('tbody');
	const nav = (key, step) => h('button', { type: 'button', class: 'btn btn-sm', 'data-date-nav': step,
		onclick: () => { moveMonth(step); focusDay(); } }, t(key));
	const pop = h('div', { class: 'date-pop', role: 'dialog', 'aria-modal': 'false', 'aria-label': t('date.pick'), hidden: true },
		h('div', { class: 'date-head' }, nav('date.prev', -1), title, nav('date.next', 1)),
		h('table', { class: 'date-grid', role: 'grid' },
			h('thead', {}, h('tr', {}, t('date.days').split(' ').map((d) => h('th', { scope: 'col' }, d)))), grid),
		h('div', { class: 'date-foot' },
			h('button', { type: 'button', class: 'btn btn-sm', 'data-date': 'today', onclick: () => pick(fmtDate(new Date())) }, t('date.today')),
			h('button', { type: 'button', class: 'btn btn-sm', 'data-date': 'clear', onclick: () => pick('') }, t('date.clear'))));
	const toggle = h('button', { type: 'button', class: 'btn btn-sm date-toggle', 'aria-label': t('date.pick'), title: t('date.pick'),
		'aria-haspopup': 'dialog', 'aria-expanded': 'false', onclick: () => (pop.hidden ? open() : close(true)) }, '▾');
	toggle.disabled = input.disabled || input.readOnly;
	const el = h('span', { class: 'date-field' }, input, toggle, pop, own);

	// the day the calendar shows and the keyboard is on, ISO
	let cursor = '';

	// Checks the typed text; a date is written back as ISO.  True when the
	// field holds a date or nothing.
	function check() {
		const v = parseDate(input.value);
		if (v === null) {
			clear(error, t('date.invalid'));
			input.setAttribute('aria-invalid', 'true');
			return false;
		}
		if (v !== input.value) input.value = v;
		clear(error);
		input.removeAttribute('aria-invalid');
		return true;
	}
	input.addEventListener('change', check);
	input.addEventListener('keydown', (e) => {
		if (e.key === 'Enter') check(); // before the form's submit
		if (e.key === 'ArrowDown' && e.altKey) { e.preventDefault(); open(); }
	});

	function paint() {
		const [y, m] = cursor.split('-').map(Number);
		title.textContent = t('date.title', { y, m, month: t('date.months').split(' ')[m - 1] });
		const chosen = parseDate(input.value), today = fmtDate(new Date());
		// Monday first (一 … 日): getUTCDay() is 0 on Sunday
		const lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7;
		const rows = [];
		let row = h('tr', {}, Array.from({ length: lead }, () => h('td')));
		for (let d = 1; d <= monthDays(y, m); d++) {
			const v = iso(y, m, d);
			row.append(h('td', {}, h('button', { type: 'button', class: ['date-day', v === chosen && 'is-chosen', v === today && 'is-today'],
				'data-day': v, tabindex: v === cursor ? '0' : '-1', 'aria-pressed': v === chosen ? 'true' : null, 'aria-current': v === today ? 'date' : null,
				'aria-label': t('date.day', { y, m, d, month: t('date.months').split(' ')[m - 1] }), onclick: () => pick(v) }, d)));
			if (row.children.length === 7) { rows.push(row); row = h('tr'); }
		}
		if (row.children.length) rows.push(row);
		clear(grid, rows);
	}
	// cursor moved by days (same month day clamped when moving months)
	function moveDays(n) {
		const [y, m, d] = cursor.split('-').map(Number);
		const x = new Date(Date.UTC(y, m - 1, d + n));
		cursor = iso(x.getUTCFullYear(), x.getUTCMonth() + 1, x.getUTCDate());
	}
	function moveMonth(n) {
		const [y, m, d] = cursor.split('-').map(Number);
		const x = new Date(Date.UTC(y, m - 1 + n, 1));
		const ny = x.getUTCFullYear(), nm = x.getUTCMonth() + 1;
		cursor = iso(ny, nm, Math.min(d, monthDays(ny, nm)));
		paint();
	}
	function focusDay() {
		grid.querySelector(`[data-day="${cursor}"]`)?.focus();
	}
	function open() {
		cursor = parseDate(input.value) || fmtDate(new Date());
		paint();
		pop.hidden = false;
		toggle.setAttribute('aria-expanded', 'true');
		document.addEventListener('pointerdown', outside, true);
		focusDay();
	}
	function close(refocus) {
		if (pop.hidden) return;
		pop.hidden = true;
		toggle.setAttribute('aria-expanded', 'false');
		document.removeEventListener('pointerdown', outside, true);
		if (refocus) input.focus();
	}
	function outside(e) {
		if (!el.contains(e.target)) close(false);
	}
	function pick(v) {
		input.value = v;
		check();
		close(true);
		input.dispatchEvent(new Event('input', { bubbles: true }));
		input.dispatchEvent(new Event('change', { bubbles: true }));
	}
	const KEYS = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
	pop.addEventListener('keydown', (e) => {
		if (e.key === 'Escape') {
			// the calendar closes, not the dialog it may sit in
			e.preventDefault();
			e.stopPropagation();
			close(true);
			return;
		}
		if (!e.target.dataset.day) return;
		if (KEYS[e.key]) {
			moveDays(KEYS[e.key]);
			paint();
		} else if (e.key === 'PageUp' || e.key === 'PageDown') {
			moveMonth(e.key === 'PageUp' ? -1 : 1);
		} else return;
		e.preventDefault();
		focusDay();
	});
	// Tab out of the calendar closes it
	el.addEventListener('focusout', (e) => {
		if (!pop.hidden && e.relatedTarget && !el.contains(e.relatedTarget)) close(false);
	});
	return el;
}
