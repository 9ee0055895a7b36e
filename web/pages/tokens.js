// USBKey库存: the inventory of tokens (in_stock -> initialized -> issued ->
// returned ...), each with its history; an operator moves a token (lost,
// damaged, suspended...) with its effect on the certificate.
import { h, clear, note } from '../dom.js';
import { t, label, fmtTime } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { listView, pagesOf } from '../ui/list.js';
import { ask, show } from '../ui/dialog.js';
import { REASONS } from './certs.js';
import { wipeDialog } from '../ui/produce.js';

const STATES = ['in_stock', 'initialized', 'issued', 'suspended', 'returned', 'lost', 'damaged', 'destroyed'];
// the moves an operator makes here (token init and enroll are the station's)
const NEXT = {
	returned: ['in_stock', 'destroyed'], issued: ['suspended', 'lost', 'damaged', 'returned'],
	suspended: ['issued', 'lost', 'returned'], in_stock: ['damaged', 'destroyed'],
	initialized: ['damaged', 'destroyed'], damaged: ['destroyed'], lost: ['destroyed'],
};

export async function render({ main, params }) {
	const list = listView({
		search: t('token.search'),
		filters: [{ name: 'state', label: t('token.state'), value: params.state || '', options: [['', t('all')], ...STATES.map((s) => [s, label('token', s)])] }],
		load: pagesOf(async ({ state }) => {
			const r = await api.get('tokens', { state });
			return Array.isArray(r) ? r : r.items || r.tokens || [];
		}),
		rowKey: (x) => x.serial,
		columns: [
			{ label: t('token.serial'), render: (x) => h('span', { class: 'mono' }, x.serial) },
			{ label: t('token.label'), key: 'label' },
			{ label: t('token.model'), render: (x) => [x.manufacturer, x.model].filter(Boolean).join(' ') },
			{ label: t('token.state'), render: (x) => h('span', { class: ['badge', `tk-${x.state}`] }, label('token', x.state)) },
			{ label: t('token.holder'), render: (x) => (x.holder ? [x.holder_name || '', h('br'), h('span', { class: 'mono muted small' }, x.holder)] : '') },
			{ label: t('token.cert'), render: (x) => h('span', { class: 'mono small' }, x.certificate || '') },
			{ label: t('token.default_pin'), render: (x) => (x.state === 'issued' ? (x.default_pin ? h('span', { class: 'warn' }, t('token.pin.default')) : t('token.pin.changed')) : ''), class: 'nowrap' },
			{ label: t('req.updated'), render: (x) => fmtTime(x.updated_at), class: 'nowrap' },
		],
		rowActions: (x, reload) => [
			h('button', { type: 'button', class: 'btn btn-sm', onclick: () => detail(x.serial) }, t('details')),
			can('token.write') && (NEXT[x.state] || []).length > 0 && h('button', { type: 'button', class: 'btn btn-sm', onclick: async () => {
				const r = await ask({
					title: t('token.move.title', { serial: x.serial }),
					message: h('p', {}, t('token.move.text', { state: label('token', x.state) })),
					fields: [
						{ name: 'state', label: t('token.move.to'), type: 'select', options: NEXT[x.state].map((s) => [s, label('token', s)]) },
						{ name: 'reason', label: t('cert.reason'), type: 'select', show: (v) => v.state === 'returned', options: REASONS.map((s) => [s, label('reason', s)]) },
						{ name: 'party', label: t('token.party'), hint: t('token.party.hint') },
						{ name: 'note', label: t('req.note') },
					],
					confirmLabel: t('token.move'), danger: true,
					action: (v) => api.post(`tokens/${encodeURIComponent(x.serial)}/state`, Object.fromEntries(Object.entries(v).filter(([, y]) => y))),
				});
				if (r) reload();
			} }, t('token.move')),
			can('token.write') && x.state === 'returned' && h('button', { type: 'button', class: 'btn btn-sm', 'data-wipe': x.serial,
				onclick: () => wipeDialog(x.serial, reload) }, t('wipe.button')),
		],
	});
	main.append(can('token.write') ? note('info', t('token.station')) : null, list.el);
}

async function detail(serial) {
	const box = h('div', {}, h('p', { class: 'loading' }, t('loading')));
	const done = show(t('token.detail', { serial }), box);
	try {
		const x = await api.get(`tokens/${encodeURIComponent(serial)}`);
		clear(box, h('dl', { class: 'kv' },
			h('dt', {}, t('token.state')), h('dd', {}, label('token', x.state)),
			h('dt', {}, t('token.holder')), h('dd', {}, `${x.holder_name || ''} ${x.holder || ''}`),
			h('dt', {}, t('token.cert')), h('dd', { class: 'mono' }, x.certificate || '')),
		h('h3', {}, t('req.history')),
		h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
			h('thead', {}, h('tr', {}, [t('audit.at'), t('token.event'), t('req.state'), t('audit.actor'), t('token.party'), t('token.cert'), t('req.note')].map((c) => h('th', { scope: 'col' }, c)))),
			h('tbody', {}, (x.events || []).map((e) => h('tr', {},
				h('td', { class: 'nowrap' }, fmtTime(e.at)), h('td', {}, label('tev', e.kind)),
				h('td', {}, e.from && e.to && e.from !== e.to ? `${label('token', e.from)} → ${label('token', e.to)}` : label('token', e.to || e.from)),
				h('td', {}, e.actor || ''), h('td', {}, e.party || ''), h('td', { class: 'mono small' }, e.certificate || ''), h('td', {}, e.note || '')))))));
	} catch (e) {
		clear(box, note('error', e.message));
	}
	return done;
}
