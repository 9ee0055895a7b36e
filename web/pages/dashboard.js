// 工作台: the role's to-do (待办) first, then certificates by status,
// requests by state, and the certificates due for renewal in each of the
// next 26 weeks, drawn (a bar opens that week's list).
import { h, clear, note } from '../dom.js';
import { t, label, fmtDate, toDate } from '../i18n.js';
import { api } from '../api.js';
import { can, me } from '../session.js';
import { barChart } from '../ui/chart.js';
import { renewDue } from '../ui/renew.js';

const CERT_STATES = ['valid', 'frozen', 'revoked', 'expired'];
const REQ_STATES = ['draft', 'submitted', 'approved', 'rejected', 'accepted', 'produced', 'handed_over', 'completed', 'withdrawn'];
const WEEK = 7 * 86400000;

export async function render({ main }) {
	const box = h('div', { class: 'dash' }, h('p', { class: 'loading' }, t('loading')));
	const refresh = h('button', { type: 'button', class: 'btn btn-sm', onclick: () => load() }, t('refresh'));
	main.querySelector('h1').after(h('div', { class: 'page-tools' }, h('span', { class: 'muted' }, t('dash.hello', { name: me.person || me.account })), refresh));
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
			d.todo && todo(d.todo, load),
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

// Where each task is done: the operator's queues, the approver's page,
// else the request list in the task's state.
function taskHref(task) {
	const prod = { accept: 'approved', produce: 'accepted', handover: 'produced', complete: 'handed_over' };
	if (task.task === 'approve') return '#/approvals';
	if (prod[task.task] && can('request.produce')) return `#/production?state=${prod[task.task]}`;
	return `#/requests?state=${task.state || (task.task === 'complete' ? 'handed_over' : '')}`;
}

function todo(tasks, reload) {
	const open = tasks.filter((k) => k.count > 0);
	const msg = h('div');
	const items = tasks.filter((k) => k.task !== 'renew').map((k) => h('a', { class: ['todo', k.count > 0 ? 'todo-due' : 'todo-none'], href: taskHref(k), 'data-task': k.task },
		h('span', { class: 'todo-n' }, String(k.count)), h('span', { class: 'todo-l' }, t(`todo.${k.task}`))));
	const renew = tasks.find((k) => k.task === 'renew');
	return h('section', { class: 'panel todo-panel', 'aria-labelledby': 'dash-todo' },
		h('h2', { id: 'dash-todo' }, t('dash.todo')),
		open.length === 0 && h('p', { class: 'muted' }, t('todo.none')),
		items.length > 0 && h('div', { class: 'todos' }, items),
		renew && renew.count > 0 && h('div', { class: 'todo-renew', 'data-task': 'renew' },
			h('h3', {}, t('todo.renew', { n: renew.count, days: renew.days })),
			h('ul', {}, renew.items.map((c) => h('li', {},
				h('strong', {}, c.name || c.subject), ' ', h('span', { class: 'mono small' }, c.serial), ' ',
				label('profile', c.profile), ' ',
				h('span', { class: c.days_left <= 7 ? 'bad' : 'warn' }, t('exp.left.n', { n: c.days_left }))))),
			msg,
			h('div', {},
				h('button', { type: 'button', class: 'btn btn-primary btn-sm', id: 'todo-renew', onclick: async () => {
					const r = await renewDue(renew.days);
					if (!r) return;
					await reload();
				} }, t('exp.renew')), ' ',
				h('a', { class: 'btn btn-sm', href: `#/expiring?days=${renew.days}` }, t('todo.renew.all')))));
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
			href: (i) => `#/expiring?from=${7 * i}&days=${7 * (i + 1)}`,
			tip: (i) => t('dash.chart.tip', { from: fmtDate(new Date(start.getTime() + i * WEEK)), to: fmtDate(new Date(start.getTime() + (i + 1) * WEEK - 86400000)), n: d.expiring_weeks[i] }),
		}),
		h('p', { class: 'muted chart-note' }, t('dash.chart.note', { n: total, from: fmtDate(start) })));
}
