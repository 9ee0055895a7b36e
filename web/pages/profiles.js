// 证书模板: the certificate profiles.  Read from GET /api/v1/profiles when
// the server has it; otherwise the shipped profiles, named, and where
// they are configured.
import { h, clear, note } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';

const SHIPPED = ['personal', 'unit', 'device', 'server', 'operator', 'ocsp', 'tls-server', 'tls-client', 'subca'];

export async function render({ main }) {
	const box = h('div');
	main.append(box);
	try {
		const r = await api.get('profiles');
		const items = Array.isArray(r) ? r : r.profiles || r.items || [];
		const keys = [...new Set(items.flatMap((p) => Object.keys(p)))];
		clear(box, h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
			h('thead', {}, h('tr', {}, keys.map((k) => h('th', { scope: 'col' }, k)))),
			h('tbody', {}, items.map((p) => h('tr', {}, keys.map((k) => h('td', {}, Array.isArray(p[k]) ? p[k].join(', ') : p[k] == null ? '' : typeof p[k] === 'object' ? JSON.stringify(p[k]) : String(p[k])))))))));
	} catch (e) {
		if (e.status !== 404) {
			clear(box, note('error', e.message));
			return;
		}
		clear(box, note('info', t('profiles.noapi')),
			h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
				h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('profiles.name')), h('th', { scope: 'col' }, t('profiles.use')))),
				h('tbody', {}, SHIPPED.map((p) => h('tr', {}, h('td', { class: 'mono' }, p), h('td', {}, t(`profile.${p}`))))))));
	}
}
