// 证书查询: certificates by serial, name, ID number or unit, by status; an
// operator freezes, unfreezes and revokes here (after a confirmation), an
// information officer freezes at once (紧急冻结) or asks for a request.
import { h, clear, note } from '../dom.js';
import { t, label, fmtDate, fmtTime, daysLeft } from '../i18n.js';
import { api } from '../api.js';
import { can, me } from '../session.js';
import { listView } from '../ui/list.js';
import { ask, show } from '../ui/dialog.js';

export const REASONS = ['affiliationChanged', 'cessationOfOperation', 'superseded', 'keyCompromise', 'privilegeWithdrawn'];
const STATUSES = ['valid', 'frozen', 'revoked', 'expired'];

function cn(subject) {
	const m = /(?:^|,\s*)CN=((?:\\,|[^,])*)/.exec(subject || '');
	return m ? m[1].replace(/\\,/g, ',') : subject || '';
}

const other = (half) => (half === 'signing' ? 'encryption' : 'signing');

// A dual pair (双证书) is one item: the signing half's row names both
// serials and both states (the server gives pair, half and pair_status);
// an encryption half is left out when its signing half is on the page.
function pairsAsOne(items) {
	const here = new Set(items.map((c) => c.serial));
	return items.filter((c) => !(c.half === 'encryption' && here.has(c.pair)));
}

export function statusBadge(s) {
	return h('span', { class: ['badge', `cs-${s}`] }, label('cert', s));
}

export async function render({ main, params }) {
	const scoped = can('cert.read');
	const list = listView({
		search: t('cert.search'),
		filters: scoped ? [{ name: 'status', label: t('cert.status'), value: params.status || '', options: [['', t('all')], ...STATUSES.map((s) => [s, label('cert', s)])] }] : [],
		load: scoped
			? async (p) => { const r = await api.get('certs', p); return { items: pairsAsOne(r.certificates || r.items || []), next: r.next }; }
			// the certificates of the officer's unit that are valid now
			: async (p) => { const r = await api.get('expiring', { ...p, days: 3650 }); return { items: r.items.map((c) => ({ status: 'valid', ...c })), next: r.next }; },
		columns: [
			{ label: t('cert.serial'), render: (c) => c.pair
				? [h('span', { class: 'mono small', 'data-half': c.half }, `${t(`cert.half.${c.half}`)} ${c.serial}`), h('br'),
					h('span', { class: 'mono small muted', 'data-half': other(c.half) }, `${t(`cert.half.${other(c.half)}`)} ${c.pair}`)]
				: h('span', { class: 'mono small' }, c.serial) },
			{ label: t('cert.subject'), render: (c) => [h('strong', {}, c.holder_name || c.name || cn(c.subject)), h('br'), h('span', { class: 'muted small dn' }, c.subject)] },
			{ label: t('cert.holder'), render: (c) => [h('span', { class: 'mono small' }, c.id_number || c.unit_code || ''),
				c.unit_name ? [h('br'), h('span', { class: 'muted small' }, c.unit_name)] : null] },
			{ label: t('cert.profile'), render: (c) => label('profile', c.profile) },
			{ label: t('cert.status'), render: (c) => c.pair
				? [statusBadge(c.status), h('br'), h('span', { class: 'muted small' }, `${t(`cert.half.${other(c.half)}`)} `), statusBadge(c.pair_status)]
				: statusBadge(c.status) },
			{ label: t('cert.not_after'), render: (c) => { const d = daysLeft(c.not_after); return [fmtDate(c.not_after), d != null && d >= 0 && d <= 30 && c.status === 'valid' ? h('span', { class: 'warn small' }, ` ${t('cert.days', { n: d })}`) : null]; }, class: 'nowrap' },
		],
		rowActions: (c, reload) => actions(c, reload),
		rowKey: (c) => c.serial,
	});
	if (!scoped) main.append(note('info', t('cert.unit_only')));
	else if (me.role === 'officer') main.append(note('info', t('cert.unit_all')));
	main.append(list.el);
}

function actions(c, reload) {
	const out = [];
	if (can('cert.read')) out.push(h('button', { type: 'button', class: 'btn btn-sm', onclick: () => detail(c.serial) }, t('details')));
	if (can('cert.write')) {
		if (c.status === 'valid') out.push(op(c, 'freeze', reload));
		if (c.status === 'frozen') out.push(op(c, 'unfreeze', reload));
		if (c.status === 'valid' || c.status === 'frozen') out.push(op(c, 'revoke', reload));
	}
	if (can('freeze.emergency') && c.status === 'valid' && c.id_number) out.push(emergency(c, reload));
	if (can('request.create') && c.id_number)
		out.push(h('a', { class: 'btn btn-sm', href: `#/requests/new?type=renew&subject=${encodeURIComponent(c.id_number)}&cert_serial=${c.serial}` }, t('cert.request')));
	return out;
}

function op(c, what, reload) {
	return h('button', { type: 'button', class: ['btn', 'btn-sm', what === 'revoke' ? 'btn-danger-o' : null], 'data-op': what, onclick: async () => {
		const r = await ask({
			title: t(`cert.${what}.title`),
			message: h('div', {}, h('p', {}, t(`cert.${what}.text`)),
				h('dl', { class: 'kv' }, h('dt', {}, t('cert.serial')), h('dd', { class: 'mono' }, c.serial),
					h('dt', {}, t('cert.subject')), h('dd', { class: 'dn' }, c.subject))),
			fields: what === 'revoke' ? [{ name: 'reason', label: t('cert.reason'), type: 'select', required: true, options: REASONS.map((x) => [x, label('reason', x)]) }] : [],
			confirmLabel: t(`cert.${what}`), danger: what !== 'unfreeze',
			action: (v) => api.post(`certs/${c.serial}/${what}`, what === 'revoke' ? { reason: v.reason } : {}),
		});
		if (r) reload();
	} }, t(`cert.${what}`));
}

export function emergency(c, reload) {
	return h('button', { type: 'button', class: 'btn btn-sm btn-danger-o', 'data-op': 'emergency', onclick: async () => {
		const r = await ask({
			title: t('emergency.title'),
			message: h('div', {}, note('warn', t('emergency.text')), h('p', {}, `${c.name || cn(c.subject)} · `, h('span', { class: 'mono' }, c.serial))),
			fields: [{ name: 'note', label: t('emergency.note'), type: 'textarea', rows: 2 }],
			confirmLabel: t('emergency.do'), danger: true,
			action: (v) => api.post('emergency-freeze', { serial: c.serial, note: v.note || undefined }),
		});
		if (r) reload();
	} }, t('emergency.do'));
}

async function detail(serial) {
	const box = h('div', {}, h('p', { class: 'loading' }, t('loading')));
	const done = show(t('cert.detail', { serial }), box);
	try {
		const c = await api.get(`certs/${serial}`);
		const keys = ['serial', 'status', 'half', 'pair', 'pair_status', 'subject', 'profile', 'key', 'issuer', 'not_before', 'not_after', 'issued_at', 'id_number', 'unit_code', 'unit_name', 'revoked_at', 'reason', 'replaces', 'superseded_by'];
		clear(box, h('dl', { class: 'kv' }, keys.filter((k) => c[k] != null).map((k) => [h('dt', {}, t(`cert.${k}`)),
			h('dd', { class: /serial|replaces|superseded|^pair$/.test(k) ? 'mono' : null },
				k === 'status' || k === 'pair_status' ? statusBadge(c[k]) : k === 'half' ? t(`cert.half.${c[k]}`) : k === 'reason' ? label('reason', c[k]) : k === 'profile' ? label('profile', c[k]) : /_at$/.test(k) ? fmtTime(c[k]) : /^not_/.test(k) ? fmtDate(c[k]) : String(c[k]))])),
		c.pem && h('details', {}, h('summary', {}, 'PEM'), h('pre', { class: 'pem' }, c.pem)));
	} catch (e) {
		clear(box, note('error', e.message));
	}
	return done;
}
