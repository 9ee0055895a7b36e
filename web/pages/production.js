// 制作队列: what the operator's node makes, by state: approved (accept),
// accepted (produce here, or at the token station for persons'
// certificates and PIN resets), produced (hand over the USBKey).
import { h, clear, note } from '../dom.js';
import { t, label } from '../i18n.js';
import { api } from '../api.js';
import { batchTable } from '../ui/requests.js';
import { requestList } from './requests.js';

const STEPS = ['approved', 'accepted', 'produced', 'handed_over'];
const BULK = { approved: ['accept'], accepted: ['produce'], produced: ['handover', 'complete'], handed_over: ['complete'] };

export async function render({ main, params }) {
	const state = STEPS.includes(params.state) ? params.state : 'approved';
	const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('page.production') }, STEPS.map((s) => h('a', { href: `#/production?state=${s}`, role: 'tab',
		'aria-selected': s === state ? 'true' : 'false', class: ['tab', s === state && 'active'], 'data-state': s },
		label('queue', s), h('span', { class: 'tab-n', 'data-count': s }))));
	const batches = h('div', { id: 'prod-batches' });
	const listBox = h('div');
	main.append(tabs, h('p', { class: 'hint tab-hint' }, t(`prod.${state}.hint`)),
		h('section', { class: 'panel' }, h('h2', {}, t('prod.batches')), batches),
		h('section', { class: 'panel' }, h('h2', {}, label('queue', state)), listBox));

	async function load() {
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
