// 工作台: certificates by status, requests by state, and the certificates
// expiring in each of the next 26 weeks, drawn.
import { h, clear, note } from '../dom.js';
import { t, label, fmtDate, toDate } from '../i18n.js';
import { api } from '../api.js';
import { can, me } from '../session.js';
import { barChart } from '../ui/chart.js';

const CERT_STATES = ['valid', 'frozen', 'revoked', 'expired'];
const REQ_STATES = ['draft', 'submitted', 'approved', 'rejected', 'accepted', 'produced', 'handed_over', 'completed', 'withdrawn'];
const WEEK = 7 * 86400000;

export async function render({ main }) {
	const box = h('div', { class: 'dash' }, h('p', { class: 'loading' }, t('loading')));
	const refresh = h('button', { type: 'button', class: 'btn btn-sm', onclick: () => load() }, t('refresh'));
	main.querySelector('h1').after(h('div', { class: 'page-tools' }, h('span', { class: 'muted' }, t('dash.hello', { name: me.account })), refresh));
	main.append(box);

	async function load() {
		let d;
		try {
			d = await api.get('dashboard');
		} catch (e) {
			clear(box, note('error', e.message));
			return;
		}
		clear(box,
			h('section', { class: 'panel', 'aria-labelledby': 'dash-certs' },
				h('h2', { id: 'dash-certs' }, t('dash.certs')),
				d.certificates ? h('div', { class: 'stats' }, CERT_STATES.map((s) =>
					stat(`#/certs?status=${s}`, label('cert', s), d.certificates[s], `st-${s}`, 'cert', can('cert.read'))))
					: h('p', { class: 'muted' }, t('dash.none'))),
			h('section', { class: 'panel', 'aria-labelledby': 'dash-reqs' },
				h('h2', { id: 'dash-reqs' }, t('dash.requests')),
				d.requests ? h('div', { class: 'stats stats-sm' }, REQ_STATES.map((s) =>
					stat(`#/requests?state=${s}`, label('state', s), d.requests[s] || 0, `rs-${s}`, 'req', can('request.read'))))
					: h('p', { class: 'muted' }, t('dash.none'))),
			h('section', { class: 'panel', 'aria-labelledby': 'dash-exp' },
				h('h2', { id: 'dash-exp' }, t('dash.expiring')),
				d.expiring_weeks ? chart(d) : h('p', { class: 'muted' }, t('dash.none'))));
	}
	await load();
}

function stat(href, name, n, cls, kind, link) {
	const inner = [h('span', { class: 'stat-n', 'data-stat': `${kind}.${cls.slice(3)}` }, n == null ? '—' : String(n)), h('span', { class: 'stat-l' }, name)];
	return link ? h('a', { class: ['stat', cls], href }, inner) : h('div', { class: ['stat', cls] }, inner);
}

function chart(d) {
	const start = toDate(d.week_start) || new Date();
	const labels = d.expiring_weeks.map((_, i) => fmtDate(new Date(start.getTime() + i * WEEK)).slice(5));
	const total = d.expiring_weeks.reduce((a, b) => a + b, 0);
	return h('div', { class: 'chart-box' },
		barChart({
			values: d.expiring_weeks, labels, every: 2,
			title: t('dash.chart.title', { n: total }), empty: t('dash.chart.empty'),
			yTitle: t('dash.chart.y'), xTitle: t('dash.chart.x'),
			tip: (i) => t('dash.chart.tip', { from: fmtDate(new Date(start.getTime() + i * WEEK)), to: fmtDate(new Date(start.getTime() + (i + 1) * WEEK - 86400000)), n: d.expiring_weeks[i] }),
		}),
		h('p', { class: 'muted chart-note' }, t('dash.chart.note', { n: total, from: fmtDate(start) })));
}
