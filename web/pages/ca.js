// CA证书: the root, issuing and service CA certificates as the server
// describes them (GET /api/v1/ca): names, validity and how long they have
// left, fingerprints, and where their CRL and OCSP are published.
import { h, clear, note, saveBlob } from '../dom.js';
import { t, fmtTime, daysLeft, getLang } from '../i18n.js';
import { api } from '../api.js';

export async function render({ main }) {
	const box = h('div', { class: 'cols cols-3' });
	main.append(h('p', { class: 'hint' }, t('ca.intro')), box);
	try {
		const { cas } = await api.get('ca');
		const zh = getLang() === 'zh';
		clear(box, cas.map((c) => {
			const d = daysLeft(c.not_after);
			return h('section', { class: 'panel', 'data-ca': c.name }, h('h2', {}, zh ? c.title_zh : c.title_en),
				h('dl', { class: 'kv kv-narrow' },
					h('dt', {}, t('cert.subject')), h('dd', { class: 'dn' }, c.subject),
					h('dt', {}, t('ca.issuer')), h('dd', { class: 'dn' }, c.issuer),
					h('dt', {}, t('cert.serial')), h('dd', { class: 'mono small' }, c.serial),
					h('dt', {}, t('cert.key')), h('dd', {}, c.key, ' · ', c.signature),
					h('dt', {}, t('cert.not_before')), h('dd', {}, fmtTime(c.not_before)),
					h('dt', {}, t('cert.not_after')), h('dd', {}, fmtTime(c.not_after), ' ',
						h('span', { class: d < 0 ? 'bad' : d < 365 ? 'warn' : 'muted' }, d < 0 ? t('ca.expired') : t('ca.left', { n: d }))),
					h('dt', {}, 'SHA-256'), h('dd', { class: 'mono tiny' }, c.sha256),
					c.crl && [h('dt', {}, t('ca.crl')), h('dd', { class: 'mono small' }, c.crl)],
					c.ocsp && [h('dt', {}, t('ca.ocsp')), h('dd', { class: 'mono small' }, c.ocsp)]),
				h('button', { type: 'button', class: 'btn btn-sm', onclick: async () => {
					const der = await api.raw(`../ca/${c.name}.crt`);
					saveBlob(new Blob([der], { type: 'application/pkix-cert' }), `${c.name}.crt`);
				} }, t('ca.download')));
		}));
	} catch (e) {
		clear(box, note('error', e.message));
	}
}
