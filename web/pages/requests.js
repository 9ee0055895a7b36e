// 申请管理: the requests in the caller's scope, by state and type, with the
// actions each can take, on one or many at once.
import { h } from '../dom.js';
import { t, label } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { listView } from '../ui/list.js';
import { columns, rowActions, actMany, STATES, TYPES } from '../ui/requests.js';

export async function render({ main, params }) {
	main.append(requestList({ state: params.state || '', type: params.type || '', batch: params.batch }));
}

// Also used by the approval and production queues.
export function requestList({ state = '', type = '', batch, states = STATES, bulk, caption, pageSize = 50, stateFilter = true, onDone }) {
	const acts = bulk || [
		...(can('request.submit') ? ['submit', 'withdraw', 'resubmit'] : []),
		...(can('request.approve') ? ['approve', 'reject'] : []),
		...(can('request.produce') ? ['accept', 'produce'] : []),
		...(can('request.complete') ? ['complete'] : []),
	];
	const tools = [];
	if (can('request.create')) {
		tools.push(h('a', { class: 'btn btn-primary btn-sm', href: '#/requests/new' }, t('req.new')),
			h('a', { class: 'btn btn-sm', href: '#/upload' }, t('page.upload')));
	}
	const list = listView({
		caption,
		search: t('req.search'),
		filters: [
			stateFilter ? { name: 'state', label: t('req.state'), value: state, options: [['', t('all')], ...states.map((s) => [s, label('state', s)])] } : null,
			{ name: 'type', label: t('req.type'), value: type, options: [['', t('all')], ...TYPES.map((s) => [s, label('type', s)])] },
		].filter(Boolean),
		load: (p) => api.get('requests', { state: stateFilter ? undefined : state, ...p, batch }),
		columns: columns({ unit: !can('request.create') }),
		selectable: acts.length > 0,
		toolbar: acts.length ? (sel, reload) => acts.map((a) => h('button', { type: 'button', class: 'btn btn-sm', disabled: !sel.length, 'data-bulk': a,
			onclick: () => actMany(sel, a, () => (onDone ? onDone() : reload())) }, t('req.bulk', { action: label('action', a) }))) : null,
		rowActions: (r, reload) => rowActions(r, () => (onDone ? onDone() : reload())),
		tools,
		pageSize,
	});
	return list.el;
}
