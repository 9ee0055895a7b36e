// 新建申请: one request of any type, as a draft (then submitted at once if
// asked).  The fields follow the type; the server checks them all and its
// message appears next to the field at fault.
import { h, clear, note } from '../dom.js';
import { t, label, bjDate } from '../i18n.js';
import { api } from '../api.js';
import { me } from '../session.js';
import { formView } from '../ui/form.js';
import { TYPES } from '../ui/requests.js';

const REVOKE_REASONS = ['affiliationChanged', 'cessationOfOperation', 'superseded', 'keyCompromise'];
const needsCert = (v) => !['apply', 'authorize'].includes(v.type);

export async function render({ main, params }) {
	const msg = h('div');
	main.append(msg);
	let apps = [];
	try {
		apps = (await api.get('apps', { limit: 1000 })).items;
	} catch (e) {
		clear(msg, note('error', e.message));
	}
	const f = formView({
		values: { type: params.type || 'apply', subject_kind: params.kind || 'person', subject: params.subject || '', cert_serial: params.cert_serial || '', app: params.app || '', submit_now: true },
		fields: [
			{ name: 'type', label: t('req.type'), type: 'select', required: true, options: TYPES.map((x) => [x, label('type', x)]) },
			{ name: 'subject_kind', label: t('req.subject_kind'), type: 'select', options: ['person', 'unit', 'device'].map((x) => [x, label('kind', x)]),
				show: (v) => v.type !== 'authorize' },
			{ name: 'subject', label: t('req.subject.id'), required: true, mono: true, hint: t('req.subject.hint') },
			{ name: 'app', label: t('req.app'), type: 'select', required: true, hint: t('req.app.hint'),
				options: [['', t('choose')], ...apps.map((a) => [a.code, `${a.name}（${a.code}）`])] },
			{ name: 'cert_serial', label: t('req.cert'), mono: true, required: true, show: needsCert, hint: t('req.cert.hint') },
			{ name: 'reissue_reason', label: t('req.reason'), type: 'select', api: ['reason'], show: (v) => v.type === 'reissue',
				options: [['lost', label('reason', 'lost')], ['damaged', label('reason', 'damaged')]] },
			{ name: 'revoke_reason', label: t('req.reason'), type: 'select', api: ['reason'], show: (v) => v.type === 'revoke',
				options: REVOKE_REASONS.map((x) => [x, label('reason', x)]) },
			{ name: 'new_name', label: t('req.new_name'), api: ['data.name', 'data'], show: (v) => v.type === 'update' },
			{ name: 'new_unit', label: t('req.new_unit'), api: ['data.unit'], mono: true, show: (v) => v.type === 'update' },
			{ name: 'grant', label: t('req.grant'), type: 'select', api: ['data.action'], show: (v) => v.type === 'authorize',
				options: [['grant', label('grant', 'grant')], ['withdraw', label('grant', 'withdraw')]] },
			{ name: 'roles', label: t('req.roles'), api: ['data.roles'], hint: t('req.roles.hint'), show: (v) => v.type === 'authorize' && v.grant !== 'withdraw' },
			{ name: 'not_after', label: t('req.not_after'), type: 'date', api: ['data.not_after'], show: (v) => v.type === 'authorize' && v.grant !== 'withdraw' },
			{ name: 'csr', label: t('req.csr'), type: 'textarea', mono: true, rows: 6, api: ['data.csr', 'data'], wide: true,
				show: (v) => v.type === 'apply' && v.subject_kind !== 'person', hint: t('req.csr.hint') },
			{ name: 'note', label: t('req.note'), type: 'textarea', rows: 2 },
			{ name: 'submit_now', label: t('req.submit_now'), type: 'checkbox' },
		],
		submitLabel: t('req.create'),
		extra: [h('a', { class: 'btn', href: '#/requests' }, t('cancel'))],
		onSubmit: async (v) => {
			const kind = v.type === 'authorize' ? 'person' : v.subject_kind;
			const body = { type: v.type, subject_kind: kind, subject: v.subject, app: v.app, note: v.note || undefined };
			if (needsCert(v)) body.cert_serial = v.cert_serial;
			if (v.type === 'reissue') body.reason = v.reissue_reason;
			if (v.type === 'revoke') body.reason = v.revoke_reason;
			const data = {};
			if (v.type === 'update') { if (v.new_name) data.name = v.new_name; if (v.new_unit) data.unit = v.new_unit; }
			if (v.type === 'authorize') {
				data.action = v.grant;
				if (v.roles) data.roles = v.roles;
				if (v.not_after) data.not_after = bjDate(v.not_after, true);
			}
			if (v.type === 'apply' && kind !== 'person' && v.csr) data.csr = v.csr;
			if (Object.keys(data).length) body.data = data;
			const r = await api.post('requests', body);
			if (v.submit_now) {
				try {
					await api.post(`requests/${r.id}/submit`);
				} catch (e) {
					location.hash = `#/requests/${r.id}`;
					throw new Error(t('req.created_not_submitted', { id: r.id, msg: e.message }));
				}
			}
			location.hash = `#/requests/${r.id}`;
		},
	});
	// the unit's people, to pick from
	const dl = h('datalist', { id: 'persons-dl' });
	f.control('subject').setAttribute('list', 'persons-dl');
	main.append(h('section', { class: 'panel form-panel' }, f.el, dl),
		h('p', { class: 'hint' }, t('req.new.hint', { scope: me.scope })));
	api.get('persons', { limit: 1000 }).then((r) => {
		for (const p of r.items) dl.append(h('option', { value: p.id_number }, p.name));
	}).catch(() => {});
}
