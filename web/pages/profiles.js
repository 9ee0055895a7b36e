// 证书模板: the certificate profiles as the server loaded them (GET
// /api/v1/profiles), one card each, in words: the name, who may have it
// made, the CA that signs it, validity, usages, keys and identity fields.
import { h, clear, note } from '../dom.js';
import { t, label, getLang } from '../i18n.js';
import { api } from '../api.js';

const words = (group, list) => (list || []).map((v) => label(group, v)).join('、');
const validity = (d) => (d % 365 === 0 ? t('pf.years', { n: d / 365 }) : t('pf.days', { n: d }));

export async function render({ main }) {
	const box = h('div', { class: 'cols cols-3' });
	main.append(box);
	try {
		const { profiles } = await api.get('profiles');
		const zh = getLang() === 'zh';
		clear(box, profiles.map((p) => h('section', { class: 'panel', 'data-profile': p.name },
			h('h2', {}, zh ? p.title_zh : p.title_en, ' ', h('span', { class: 'muted mono small' }, p.name)),
			h('dl', { class: 'kv kv-narrow' },
				h('dt', {}, t('pf.class')), h('dd', {}, label('pfclass', p.class)),
				h('dt', {}, t('pf.issuer')), h('dd', {}, label('pfissuer', p.issuer)),
				h('dt', {}, t('pf.validity')), h('dd', {}, validity(p.validity_days)),
				h('dt', {}, t('pf.ku')), h('dd', {}, words('ku', p.key_usage)),
				p.extended_key_usage.length > 0 && [h('dt', {}, t('pf.eku')), h('dd', {}, words('eku', p.extended_key_usage))],
				h('dt', {}, t('pf.keys')), h('dd', {}, p.keys.join('、')),
				p.identity_extensions.length > 0 && [h('dt', {}, t('pf.ident')), h('dd', {}, words('pfident', p.identity_extensions.map((x) => x.kind)))],
				h('dt', {}, t('pf.subject')), h('dd', { class: 'mono small' }, p.subject.join(', '))))));
	} catch (e) {
		clear(box, note('error', e.message));
	}
}
