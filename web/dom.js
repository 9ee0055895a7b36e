// h(tag, attrs, ...children): the console's only way of making elements.
// attrs: class, for, on* (functions), boolean attributes (true/false),
// anything else as an attribute; never a style string (CSP style-src 'self').
export function h(tag, attrs, ...children) {
	const el = document.createElementNS(
		tag === 'svg' || attrs?.xmlns === SVG || SVG_TAGS.has(tag) ? SVG : HTML, tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v == null || v === false) continue;
		if (k === 'xmlns') continue;
		if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
		else if (k === 'value' && 'value' in el) el.value = v;
		else if (k === 'checked' || k === 'selected') el[k] = !!v;
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

const HTML = 'http://www.w3.org/1999/xhtml', SVG = 'http://www.w3.org/2000/svg';
const SVG_TAGS = new Set(['g', 'rect', 'line', 'text', 'path', 'title', 'polyline', 'circle']);

export function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c == null || c === false || c === true) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

export function clear(el, ...children) {
	el.replaceChildren();
	return append(el, children);
}

// A visible message box: kind 'error', 'ok', 'info', 'warn'.
export function note(kind, ...children) {
	return h('div', { class: `note note-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}

// Saves a Blob as a download under name.
export function saveBlob(blob, name) {
	const url = URL.createObjectURL(blob);
	const a = h('a', { href: url, download: name, class: 'hidden' });
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// Opens a Blob (a PDF) in a new tab; falls back to a download when blocked.
export function openBlob(blob, name) {
	const url = URL.createObjectURL(blob);
	const w = window.open(url, '_blank');
	if (!w) saveBlob(blob, name);
	setTimeout(() => URL.revokeObjectURL(url), 300000);
}

// Reads a File as base64 (without the data: prefix).
export function fileBase64(file) {
	return new Promise((resolve, reject) => {
		const r = new FileReader();
		r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
		r.onerror = () => reject(r.error);
		r.readAsDataURL(file);
	});
}

// A code shown by name, the code after it, small (the server puts the name
// of every unit, system, department and node beside its code: key_name).
export function named(r, key, nameKey = `${key}_name`) {
	const code = r?.[key];
	if (!code) return '';
	const name = r[nameKey];
	return name ? [name, ' ', h('span', { class: 'mono muted small' }, code)] : h('span', { class: 'mono' }, code);
}

// An account shown by its holder's name (姓名), the account after it.
export function who(r, key) {
	const acct = r?.[key];
	if (!acct) return '';
	const name = r[`${key}_name`];
	return name ? [name, ' ', h('span', { class: 'mono muted small' }, acct)] : acct;
}
