// A server-side list: search text q, filters, keyset pages (after / next),
// row selection for batch actions.
import { h, clear, note } from '../dom.js';
import { t } from '../i18n.js';

let seq = 0;

// columns: [{label, key | render(row), class}]
// load({q, after, limit, ...filters}) -> {items, next}
// search: placeholder text, or false
// filters: [{name, label, options [[value, label]], value}]
// selectable: true for checkboxes; toolbar(selectedRows, reload) -> nodes
// rowActions(row, reload) -> nodes;  tools: nodes beside the search
export function listView({ columns, load, search = t('list.search'), filters = [], selectable = false,
	toolbar, rowActions, tools = [], pageSize = 50, empty = t('list.empty'), caption, rowKey = (r) => r.id }) {
	const id = ++seq;
	const state = { q: hashQ(), after: 0, stack: [], next: null, items: [], selected: new Map(), page: 1 };
	const fvals = Object.fromEntries(filters.map((f) => [f.name, f.value ?? '']));
	const body = h('tbody');
	const status = h('div', { class: 'list-status', role: 'status', 'aria-live': 'polite' });
	const prev = h('button', { type: 'button', class: 'btn btn-sm', onclick: () => go(-1) }, t('list.prev'));
	const next = h('button', { type: 'button', class: 'btn btn-sm', onclick: () => go(1) }, t('list.next'));
	const pageNo = h('span', { class: 'page-no' });
	const bar = h('div', { class: 'list-actions' });
	const msg = h('div');
	const all = selectable && h('input', { type: 'checkbox', 'aria-label': t('list.select_all'),
		onchange: (e) => { for (const r of state.items) toggle(r, e.target.checked); paint(); } });

	// the list follows the search box as the user types (250 ms after the
	// last key), and the text stays in the address (#/certs?q=...)
	let typing;
	const searchBox = search !== false && h('input', { type: 'search', name: 'q', placeholder: search, 'aria-label': search, id: `q${id}`, value: state.q,
		oninput: () => { clearTimeout(typing); typing = setTimeout(find, 250); } });
	function find() {
		clearTimeout(typing);
		const q = searchBox ? searchBox.value.trim() : '';
		if (q === state.q) return;
		state.q = q;
		setHashQ(q);
		reload(true);
	}
	const filterEls = filters.map((f) => h('label', { class: 'filter' }, f.label, ' ',
		h('select', { name: f.name, onchange: (e) => { fvals[f.name] = e.target.value; reload(true); } },
			f.options.map(([v, l]) => h('option', { value: v, selected: String(v) === String(fvals[f.name]) }, l)))));
	const head = h('form', { class: 'list-head', role: 'search', onsubmit: (e) => { e.preventDefault(); find(); } },
		searchBox, filterEls,
		h('span', { class: 'spacer' }), tools);

	const table = h('table', { class: 'grid' },
		caption && h('caption', { class: 'sr-only' }, caption),
		h('thead', {}, h('tr', {}, selectable && h('th', { class: 'sel' }, all),
			columns.map((c) => h('th', { class: /\bnum\b/.test(c.class || '') ? 'num' : null, scope: 'col' }, c.label)),
			rowActions && h('th', { class: 'actions', scope: 'col' }, t('list.actions')))),
		body);
	const el = h('div', { class: 'list' }, head, bar, msg, h('div', { class: 'table-wrap' }, table),
		h('div', { class: 'list-foot' }, status, h('span', { class: 'spacer' }), prev, pageNo, next));

	function toggle(r, on) {
		if (on) state.selected.set(rowKey(r), r); else state.selected.delete(rowKey(r));
	}
	function paintBar() {
		if (!toolbar) return;
		const sel = [...state.selected.values()];
		clear(bar, selectable && h('span', { class: 'sel-count' }, t('list.selected', { n: sel.length })), toolbar(sel, reload));
	}
	function paint() {
		clear(body);
		if (!state.items.length)
			body.append(h('tr', {}, h('td', { colspan: columns.length + (selectable ? 1 : 0) + (rowActions ? 1 : 0), class: 'empty' }, empty)));
		for (const r of state.items) {
			const k = rowKey(r);
			const cb = selectable && h('input', { type: 'checkbox', checked: state.selected.has(k), 'aria-label': t('list.select_row', { id: k }),
				onchange: (e) => { toggle(r, e.target.checked); paint(); } });
			body.append(h('tr', { class: selectable && state.selected.has(k) ? 'is-sel' : null, 'data-key': k },
				selectable && h('td', { class: 'sel' }, cb),
				columns.map((c) => h('td', { class: c.class }, c.render ? c.render(r, reload) : fmtCell(r[c.key]))),
				rowActions && h('td', { class: 'actions' }, rowActions(r, reload))));
		}
		if (all) all.checked = state.items.length > 0 && state.items.every((r) => state.selected.has(rowKey(r)));
		prev.disabled = state.stack.length === 0;
		next.disabled = state.next == null;
		pageNo.textContent = t('list.page', { n: state.page });
		paintBar();
	}
	async function fetchPage() {
		clear(msg);
		el.setAttribute('aria-busy', 'true');
		status.textContent = t('loading');
		try {
			const r = await load({ q: state.q, after: state.after || undefined, limit: pageSize, ...fvals });
			state.items = r.items || [];
			state.next = r.next ?? null;
			status.textContent = t('list.count', { n: state.items.length });
		} catch (e) {
			state.items = [];
			state.next = null;
			status.textContent = '';
			clear(msg, note('error', e.message));
		} finally {
			el.removeAttribute('aria-busy');
		}
		paint();
	}
	function go(dir) {
		if (dir > 0 && state.next != null) {
			state.stack.push(state.after);
			state.after = state.next;
			state.page++;
		} else if (dir < 0 && state.stack.length) {
			state.after = state.stack.pop();
			state.page--;
		} else return;
		fetchPage();
	}
	// reload(true): from the first page, selection dropped.
	function reload(fromStart) {
		if (fromStart) {
			state.after = 0;
			state.stack = [];
			state.page = 1;
		}
		state.selected.clear();
		return fetchPage();
	}
	paint();
	reload(true);
	return { el, reload, selected: () => [...state.selected.values()], items: () => state.items,
		setFilter: (n, v) => { fvals[n] = v; }, message: (node) => clear(msg, node) };
}

// q of the route's hash (#/certs?status=valid&q=...), and set in place
// (replaceState: no hashchange, the page is not rendered again).
function hashQ() {
	return new URLSearchParams(location.hash.split('?')[1] || '').get('q') || '';
}
function setHashQ(q) {
	const [path, qs] = location.hash.split('?');
	const p = new URLSearchParams(qs || '');
	if (q) p.set('q', q); else p.delete('q');
	const s = p.toString();
	history.replaceState(null, '', `${path}${s ? `?${s}` : ''}`);
}

function fmtCell(v) {
	if (v == null) return '';
	if (typeof v === 'boolean') return v ? t('yes') : t('no');
	if (typeof v === 'object') return JSON.stringify(v);
	return String(v);
}

// A load function over an array the server answers whole (tokens,
// accounts): pages of it, searched in every value.
export function pagesOf(getAll) {
	return async ({ q, after = 0, limit, ...filters }) => {
		let items = await getAll(filters);
		if (q) {
			const s = q.toLowerCase();
			items = items.filter((r) => Object.values(r).some((v) => v != null && typeof v !== 'object' && String(v).toLowerCase().includes(s)));
		}
		const page = items.slice(after, after + limit);
		return { items: page, next: after + limit < items.length ? after + limit : null };
	};
}
