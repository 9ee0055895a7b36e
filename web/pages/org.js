// 管理节点, 审批部门, 应用系统, 申请单位: list, add, edit (administrator;
// the auditor reads).  The key (code) cannot change.
import { h, named, who } from '../dom.js';
import { t, label, fmtDate } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { listView } from '../ui/list.js';
import { ask } from '../ui/dialog.js';

const UNIT_TYPES = ['行政机关', '事业单位', '企业', '社会团体', '其他'];

async function options(kind) {
	try {
		return (await api.get(kind, { limit: 1000 })).items.map((x) => [x.code, `${x.name}（${x.code}）`]);
	} catch {
		return [];
	}
}

// What each kind has: fields (key first), columns, the list's filter.
async function kinds(kind) {
	const nodes = ['nodes', 'depts', 'units'].includes(kind) ? await options('nodes') : [];
	const none = ['', t('none')];
	switch (kind) {
	case 'nodes': return {
		fields: [
			{ name: 'code', label: t('org.code'), required: true, mono: true, hint: t('org.node.code.hint') },
			{ name: 'name', label: t('org.name'), required: true },
			{ name: 'level', label: t('org.level'), type: 'select', required: true, options: ['province', 'city', 'county'].map((x) => [x, label('level', x)]) },
			{ name: 'parent', label: t('org.parent'), type: 'select', options: [none, ...nodes], show: (v) => v.level !== 'province' },
			{ name: 'served_by', label: t('org.served_by'), type: 'select', options: [none, ...nodes], show: (v) => v.level === 'county', hint: t('org.served_by.hint') },
			{ name: 'making_unit', label: t('org.making_unit'), show: (v) => !v.served_by, hint: t('org.making_unit.hint') },
			{ name: 'email', label: t('person.email'), type: 'email' },
			{ name: 'webhook', label: t('org.webhook'), hint: t('org.webhook.hint') },
		],
		columns: [['code', 'mono'], ['name'], ['level', null, (r) => label('level', r.level)], ['parent', null, (r) => named(r, 'parent')], ['served_by', null, (r) => named(r, 'served_by')], ['making_unit'], ['email']],
		filter: { name: 'filter', label: t('org.parent'), options: [['', t('all')], ...nodes] },
	};
	case 'depts': return {
		fields: [
			{ name: 'code', label: t('org.code'), required: true, mono: true },
			{ name: 'name', label: t('org.name'), required: true },
			{ name: 'node', label: t('org.node'), type: 'select', required: true, options: [['', t('choose')], ...nodes] },
		],
		columns: [['code', 'mono'], ['name'], ['node', null, (r) => named(r, 'node')]],
		filter: { name: 'filter', label: t('org.node'), options: [['', t('all')], ...nodes] },
	};
	case 'apps': {
		const depts = await options('depts');
		return {
			fields: [
				{ name: 'code', label: t('org.code'), required: true, mono: true },
				{ name: 'name', label: t('org.name'), required: true },
				{ name: 'dept', label: t('org.dept'), type: 'select', required: true, options: [['', t('choose')], ...depts], hint: t('org.dept.hint') },
				{ name: 'account', label: t('org.account'), hint: t('org.account.hint') },
			],
			columns: [['code', 'mono'], ['name'], ['dept', null, (r) => named(r, 'dept')], ['account']],
			filter: { name: 'filter', label: t('org.dept'), options: [['', t('all')], ...depts] },
		};
	}
	default: return {
		fields: [
			{ name: 'code', label: t('org.uscc'), required: true, mono: true, hint: t('org.uscc.hint') },
			{ name: 'name', label: t('org.name'), required: true },
			{ name: 'type', label: t('org.type'), type: 'select', required: true, options: [['', t('choose')], ...UNIT_TYPES.map((x) => [x, x])] },
			{ name: 'node', label: t('org.node'), type: 'select', required: true, options: [['', t('choose')], ...nodes] },
			{ name: 'officer', label: t('org.officer'), hint: t('org.officer.hint') },
			{ name: 'phone', label: t('person.phone') },
			{ name: 'email', label: t('person.email'), type: 'email' },
			{ name: 'webhook', label: t('org.webhook'), hint: t('org.webhook.hint') },
		],
		columns: [['code', 'mono'], ['name'], ['type'], ['node', null, (r) => named(r, 'node')], ['officer', null, (r) => who(r, 'officer')], ['phone'], ['email']],
		filter: { name: 'filter', label: t('org.node'), options: [['', t('all')], ...nodes] },
	};
	}
}

function body(v, fields, edit) {
	const o = {};
	for (const f of fields) {
		if (edit && f.name === 'code') continue;
		if (!(f.name in v)) { if (edit) o[f.name] = null; continue; }
		o[f.name] = v[f.name] === '' ? null : v[f.name];
	}
	return o;
}

export async function render({ main, route }) {
	const kind = route.split('/')[1];
	const k = await kinds(kind);
	const write = can('org.write');
	let list;
	const add = write && h('button', { type: 'button', class: 'btn btn-primary btn-sm', id: 'org-add', onclick: async () => {
		const r = await ask({ title: t(`org.add.${kind}`), fields: k.fields, confirmLabel: t('save'), action: (v) => api.post(kind, body(v, k.fields, false)) });
		if (r) list.reload(true);
	} }, t(`org.add.${kind}`));
	list = listView({
		search: t('org.search'),
		filters: [k.filter],
		load: (p) => api.get(kind, p),
		tools: [add],
		columns: [...k.columns.map(([key, cls, render]) => ({ label: t(`org.col.${key}`), key, class: cls, render })),
			{ label: t('org.created'), render: (r) => fmtDate(r.created_at) }],
		rowActions: write ? (r, reload) => h('button', { type: 'button', class: 'btn btn-sm', onclick: async () => {
			const fields = k.fields.map((f) => (f.name === 'code' ? { ...f, readonly: true, hint: t('org.key') }
				// a value the list does not offer (set elsewhere) stays choosable
				: f.type === 'select' && r[f.name] && !f.options.some(([v]) => v === r[f.name])
					? { ...f, options: [...f.options, [r[f.name], r[f.name]]] } : f));
			const x = await ask({ title: t('org.edit', { name: r.name }), fields, values: r, confirmLabel: t('save'),
				action: (v) => api.patch(`${kind}/${encodeURIComponent(r.code)}`, body(v, k.fields, true)) });
			if (x) reload();
		} }, t('edit')) : null,
	});
	main.append(list.el);
}
