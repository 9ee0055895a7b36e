// 制作队列: what the operator's node makes, by state: approved (accept),
// accepted (produce here; persons' certificates and PIN resets on USBKeys
// through the agent on this computer, ui/produce.js, or at the token
// station), produced (hand over the USBKey).
import { h, clear, note } from '../dom.js';
import { t, label } from '../i18n.js';
import { api } from '../api.js';
import { batchTable } from '../ui/requests.js';
import { requestList } from './requests.js';
import { produceDialog } from '../ui/produce.js';

const STEPS = ['approved', 'accepted', 'produced', 'handed_over'];
const BULK = { approved: ['accept'], accepted: ['produce'], produced: ['handover', 'complete'], handed_over: ['complete'] };

export async function render({ main, params }) {
	const state = STEPS.includes(params.state) ? params.state : 'approved';
	const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('page.production') }, STEPS.map((s) => h('a', { href: `#/production?state=${s}`, role: 'tab',
		'aria-selected': s === state ? 'true' : 'false', class: ['tab', s === state && 'active'], 'data-state': s },
		label('queue', s), h('span', { class: 'tab-n', 'data-count': s }))));
	const batches = h('div', { id: 'prod-batches' });
	const keys = h('div', { id: 'prod-usbkeys' });
	const listBox = h('div');
	main.append(tabs, h('p', { class: 'hint tab-hint' }, t(`prod.${state}.hint`)),
		state === 'accepted' ? h('section', { class: 'panel', id: 'prod-make' }, h('h2', {}, t('mk.panel')),
			h('p', { class: 'hint' }, t('mk.panel.hint')), keys) : '',
		h('section', { class: 'panel' }, h('h2', {}, t('prod.batches')), batches),
		h('section', { class: 'panel' }, h('h2', {}, label('queue', state)), listBox));

	// the accepted requests made on USBKeys through the agent, by batch
	async function loadKeys() {
		const r = await api.get('requests', { state: 'accepted', limit: 1000 });
		const by = new Map();
		for (const x of r.items) {
			if (!x.agent_op) continue;
			const k = x.batch || 0;
			if (!by.has(k)) by.set(k, []);
			by.get(k).push(x);
		}
		if (!by.size) return h('p', { class: 'muted' }, t('mk.none'));
		return h('ul', { class: 'mk-batches' }, [...by].map(([k, list]) => h('li', { 'data-mk-batch': k },
			k ? h('a', { href: `#/batches/${k}` }, `#${k}`) : '', ' ',
			list.map((x) => `#${x.id} ${x.name || ''}`).join('、'), ' ',
			h('button', { type: 'button', class: 'btn btn-sm btn-primary', 'data-produce-batch': k,
				onclick: () => produceDialog(list, load) }, t('mk.batch', { n: list.length })))));
	}

	async function load() {
		if (state === 'accepted') {
			try {
				clear(keys, await loadKeys());
			} catch (e) {
				clear(keys, note('error', e.message));
			}
		}
		clear(listBox, requestList({ state, stateFilter: false, bulk: BULK[state], caption: label('queue', state), onDone: load }));
		try {
			clear(batches, await batchTable(state, BULK[state].filter((a) => a !== 'handover'), load));
		} catch (e) {
			clear(batches, note('error', e.message));
		}
		for (const s of STEPS) {
			api.get('requests', { state: s, limit: 1000 }).then((r) => {
				const n = tabs.querySelector(`[data-count="${s}"]`);
				if (n) clear(n, ` ${r.items.length}${r.next != null ? '+' : ''}`);
			}).catch(() => {});
		}
	}
	await load();
}
