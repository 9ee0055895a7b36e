// 人员信息: the people of the officer's unit (an administrator sees all),
// added and edited here; a request for one of them is one click away.
import { h, named } from '../dom.js';
import { t, fmtDate } from '../i18n.js';
import { api } from '../api.js';
import { me, can } from '../session.js';
import { listView } from '../ui/list.js';
import { ask } from '../ui/dialog.js';

const FIELDS = (edit) => [
	{ name: 'id_number', label: t('person.id_number'), required: true, readonly: edit, mono: true, hint: edit ? '' : t('person.id_number.hint') },
	{ name: 'name', label: t('person.name'), required: true },
	{ name: 'unit', label: t('person.unit'), required: true, mono: true, readonly: me.role === 'officer' },
	{ name: 'phone', label: t('person.phone'), inputmode: 'tel' },
	{ name: 'email', label: t('person.email'), type: 'email' },
];

function clean(v, drop = []) {
	const o = {};
	for (const [k, x] of Object.entries(v)) if (!drop.includes(k)) o[k] = x === '' ? null : x;
	return o;
}

export async function render({ main }) {
	let list;
	const add = h('button', { type: 'button', class: 'btn btn-primary btn-sm', id: 'person-add', onclick: async () => {
		const r = await ask({ title: t('person.add'), fields: FIELDS(false), values: { unit: me.role === 'officer' ? me.scope : '' },
			confirmLabel: t('save'), action: (v) => api.post('persons', clean(v)) });
		if (r) list.reload(true);
	} }, t('person.add'));
	list = listView({
		search: t('person.search'),
		load: (p) => api.get('persons', p),
		tools: can('person.write') ? [add] : [],
		columns: [
			{ label: t('person.name'), key: 'name' },
			{ label: t('person.id_number'), key: 'id_number', class: 'mono' },
			me.role !== 'officer' && { label: t('person.unit'), render: (p) => named(p, 'unit') },
			{ label: t('person.phone'), key: 'phone' },
			{ label: t('person.email'), key: 'email' },
			{ label: t('person.created'), render: (r) => fmtDate(r.created_at) },
		].filter(Boolean),
		rowActions: (r, reload) => [
			can('person.write') && h('button', { type: 'button', class: 'btn btn-sm', onclick: async () => {
				const x = await ask({ title: t('person.edit', { name: r.name }), fields: FIELDS(true), values: r, confirmLabel: t('save'),
					action: (v) => api.patch(`persons/${encodeURIComponent(r.id_number)}`, clean(v, ['id_number', ...(me.role === 'officer' ? ['unit'] : [])])) });
				if (x) reload();
			} }, t('edit')),
			can('request.create') && h('a', { class: 'btn btn-sm', href: `#/requests/new?type=apply&subject=${encodeURIComponent(r.id_number)}` }, t('person.request')),
		],
	});
	main.append(list.el);
}
