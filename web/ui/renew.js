// 一键生成延期申请 (art. 14): one batch of draft renew requests for every
// certificate of the officer's unit due within days; asks which
// application system's department approves.  Resolves to the server's
// answer {batch, requests}, or null when cancelled.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { ask } from './dialog.js';

export async function renewDue(days) {
	let apps = [];
	try { apps = (await api.get('apps', { limit: 1000 })).items; } catch { /* the field stays empty */ }
	return ask({
		title: t('exp.renew'),
		message: h('p', {}, t('exp.renew.text', { n: days })),
		fields: [{ name: 'app', label: t('req.app'), type: 'select', hint: t('exp.renew.app'),
			options: [['', t('exp.renew.granted')], ...apps.map((a) => [a.code, `${a.name}（${a.code}）`])] }],
		confirmLabel: t('exp.renew.do'),
		action: async (v) => {
			try {
				return await api.post('expiring/renew', { days, app: v.app || undefined });
			} catch (e) {
				if (!e.problems) throw e;
				throw new Error(`${e.message} — ${e.problems.map((p) => p.text ?? p.message).join('; ')}`);
			}
		},
	});
}
