// 账户: the console's accounts, one role each, bound to a certificate of
// this CA; administrators and operators also have a password (art. 11).
import { h } from '../dom.js';
import { t, label, fmtTime } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { listView, pagesOf } from '../ui/list.js';
import { ask } from '../ui/dialog.js';

let hooked = false;
const ROLES = ['officer', 'approver', 'operator', 'auditor', 'admin', 'app'];

export async function render({ main }) {
	let list;
	const add = can('account.write') && h('button', { type: 'button', class: 'btn btn-primary btn-sm', id: 'account-add', onclick: async () => {
		const r = await ask({
			title: t('acct.add'),
			fields: [
				{ name: 'name', label: t('acct.name'), required: true, mono: true },
				{ name: 'person', label: t('acct.person'), hint: t('acct.person.hint') },
				{ name: 'role', label: t('acct.role'), type: 'select', required: true, options: ROLES.map((x) => [x, label('role', x)]) },
				{ name: 'scope', label: t('acct.scope'), mono: true, hint: t('acct.scope.hint'), show: (v) => !['admin', 'auditor'].includes(v.role) },
				{ name: 'certificate', label: t('acct.cert'), type: 'textarea', mono: true, rows: 6, required: true, wide: true, hint: t('acct.cert.hint') },
				{ name: 'certfile', label: t('acct.certfile'), type: 'file', accept: '.pem,.crt,.cer' },
				{ name: 'password', label: t('acct.password'), type: 'password', autocomplete: 'new-password', hint: t('acct.password.hint'),
					show: (v) => ['admin', 'operator'].includes(v.role) },
			],
			confirmLabel: t('save'),
			action: (v) => api.post('accounts', { name: v.name, person: v.person || undefined, role: v.role, scope: v.scope || undefined, certificate: v.certificate, password: v.password || undefined }),
		});
		if (r) list.reload(true);
	} }, t('acct.add'));
	list = listView({
		search: t('acct.search'),
		load: pagesOf(async () => ((await api.get('accounts')).accounts || []).map((a) => ({ ...a, role_label: label('role', a.role) }))),
		tools: [add],
		columns: [
			{ label: t('acct.person'), key: 'person' },
			{ label: t('acct.name'), key: 'name', class: 'mono' },
			{ label: t('acct.role'), render: (a) => h('span', { class: 'badge role' }, label('role', a.role)) },
			{ label: t('acct.scope'), key: 'scope', class: 'mono' },
			{ label: t('acct.cert'), render: (a) => h('span', { class: 'mono small' }, a.certificate) },
			{ label: t('acct.state'), render: (a) => (a.disabled ? h('span', { class: 'bad' }, t('acct.disabled')) : t('acct.active')) },
			{ label: t('acct.created'), render: (a) => fmtTime(a.created_at), class: 'nowrap' },
		],
		// 姓名: an administrator names any account (PATCH accounts/NAME)
		rowActions: can('account.write') ? (a, reload) => h('button', { type: 'button', class: 'btn btn-sm', onclick: async () => {
			const x = await ask({ title: t('acct.rename', { name: a.name }), values: a, confirmLabel: t('save'),
				fields: [{ name: 'person', label: t('acct.person'), hint: t('acct.person.hint') }],
				action: (v) => api.patch(`accounts/${encodeURIComponent(a.name)}`, { person: v.person || '' }) });
			if (x) reload();
		} }, t('edit')) : null,
	});
	main.append(list.el);
	// a certificate file fills the PEM box
	if (hooked) return;
	hooked = true;
	document.addEventListener('change', async (e) => {
		if (e.target.name !== 'certfile' || !e.target.files[0]) return;
		const ta = e.target.form?.querySelector('textarea[name=certificate]');
		if (ta) ta.value = await e.target.files[0].text();
	});
}
