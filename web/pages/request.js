// One request: what it asks, its history, and what can be done now.
import { h, clear, note, named, who } from '../dom.js';
import { t, label, fmtTime } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { actionsFor, actionButton, stateBadge, printForms } from '../ui/requests.js';

export async function render({ main, args, title }) {
	const box = h('div');
	main.append(box);
	async function load() {
		let r;
		try {
			r = await api.get(`requests/${encodeURIComponent(args.id)}`);
		} catch (e) {
			clear(box, note('error', e.message));
			return;
		}
		title.textContent = `${t('page.requests.one')} #${r.id}`;
		const msg = h('div');
		const acts = actionsFor(r).map((a) => actionButton(r, a, () => load()));
		const d = r.data || {};
		const rows = [
			[t('req.type'), [label('type', r.type), r.emergency ? h('span', { class: 'badge st-rejected' }, t('req.emergency')) : null]],
			[t('req.state'), stateBadge(r.state)],
			[t('req.batch'), r.batch ? h('a', { href: `#/batches/${r.batch}` }, `#${r.batch}`) : '—'],
			[t('req.subject_kind'), label('kind', r.subject_kind)],
			[t('req.subject'), `${r.name || ''} ${r.subject || ''}`],
			[t('req.unit'), named(r, 'unit')], [t('req.node'), named(r, 'node')], [t('req.app'), named(r, 'app')],
			[t('req.cert'), h('span', { class: 'mono' }, r.cert_serial || '—')],
			r.reason && [t('req.reason'), label('reason', r.reason)],
			d.name && [t('req.new_name'), d.name], d.unit && [t('req.new_unit'), named(d, 'unit')],
			d.action && [t('req.grant'), `${label('grant', d.action)} ${d.roles || ''} ${d.not_after ? `→ ${d.not_after}` : ''}`],
			d.profile && [t('req.profile'), label('profile', d.profile)],
			r.token_serial && [t('req.token'), h('span', { class: 'mono' }, r.token_serial)],
			r.new_token && [t('req.new_token'), h('span', { class: 'mono' }, r.new_token)],
			r.result_serial && [t('req.result'), h('span', { class: 'mono' }, r.result_serial)],
			r.old_token_due && [t('req.old_returned'), r.old_returned ? t('yes') : t('no')],
			r.handler && [t('req.handler'), `${r.handler} ${fmtTime(r.handed_at)}`],
			[t('req.submitter'), who(r, 'submitter')], r.approver && [t('req.approver'), who(r, 'approver')], r.operator && [t('req.operator'), who(r, 'operator')],
			r.note && [t('req.note'), r.note],
			[t('req.updated'), fmtTime(r.updated_at)],
		].filter(Boolean);
		clear(box,
			h('div', { class: 'page-tools' }, acts,
				can('forms.print') && h('button', { type: 'button', class: 'btn btn-sm', onclick: () => printForms(`requests/${r.id}/form.pdf`, `request-${r.id}.pdf`, msg) }, t('forms.print')),
				h('a', { class: 'btn btn-sm', href: '#/requests' }, t('back'))),
			msg,
			r.station_command && note('info', t('req.station.long'), ' ', h('code', {}, r.station_command)),
			// art. 19: approval waits for the batch's stamped scan
			r.paper_due && note('warn', t('paper.due', { id: r.batch }), ' ', h('a', { href: `#/batches/${r.batch}` }, t('appr.view'))),
			h('div', { class: 'cols' },
				h('section', { class: 'panel' }, h('h2', {}, t('req.details')),
					h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '')]))),
				h('section', { class: 'panel' }, h('h2', {}, t('req.history')),
					h('ol', { class: 'timeline' }, (r.events || []).map((e) => h('li', {},
						h('span', { class: 'tl-time' }, fmtTime(e.at)), ' ',
						h('strong', {}, e.from_state ? `${label('state', e.from_state)} → ${label('state', e.to_state)}` : label('state', e.to_state)), ' ',
						h('span', { class: 'muted' }, e.actor || ''),
						e.note ? h('div', { class: 'tl-note' }, e.note) : null))))));
	}
	await load();
}
