// 待审批: the submitted requests touching the approver's department's
// systems, by batch (with its paper) and one by one; approve, or reject
// with a reason, one, some or a whole batch at once.
import { h, clear, note } from '../dom.js';
import { t } from '../i18n.js';
import { batchTable } from '../ui/requests.js';
import { requestList } from './requests.js';

export async function render({ main }) {
	const batches = h('div', { id: 'appr-batches' });
	const listBox = h('div');
	main.append(
		h('section', { class: 'panel' }, h('h2', {}, t('appr.batches')), batches),
		h('section', { class: 'panel' }, h('h2', {}, t('appr.requests')), listBox));

	async function load() {
		clear(listBox, requestList({ state: 'submitted', bulk: ['approve', 'reject'], caption: t('appr.requests'), onDone: load }));
		try {
			clear(batches, await batchTable('submitted', ['approve', 'reject'], load));
		} catch (e) {
			clear(batches, note('error', e.message));
		}
	}
	await load();
}
