// CA证书: the root, issuing and service CA certificates (as published at
// /ca/*.crt), their validity and how long they have left.
import { h, clear, note, saveBlob } from '../dom.js';
import { t, fmtTime, daysLeft } from '../i18n.js';
import { api } from '../api.js';
import { parseCert } from '../x509.js';

const CAS = [['root', 'ca/root.crt'], ['issuing', 'ca/issuing.crt'], ['service', 'ca/service.crt']];

export async function render({ main }) {
	const box = h('div', { class: 'cols cols-3' });
	main.append(h('p', { class: 'hint' }, t('ca.intro')), box);
	for (const [k, path] of CAS) {
		const card = h('section', { class: 'panel', 'data-ca': k }, h('h2', {}, t(`ca.${k}`)), h('p', { class: 'loading' }, t('loading')));
		box.append(card);
		try {
			const der = await api.raw(`../${path}`);
			const c = await parseCert(der);
			const d = daysLeft(c.notAfter);
			clear(card, h('h2', {}, t(`ca.${k}`)),
				h('dl', { class: 'kv kv-narrow' },
					h('dt', {}, t('cert.subject')), h('dd', {}, c.subject),
					h('dt', {}, t('ca.issuer')), h('dd', {}, c.issuer),
					h('dt', {}, t('cert.serial')), h('dd', { class: 'mono small' }, c.serial),
					h('dt', {}, t('cert.key')), h('dd', {}, c.algorithm),
					h('dt', {}, t('cert.not_before')), h('dd', {}, fmtTime(c.notBefore)),
					h('dt', {}, t('cert.not_after')), h('dd', {}, fmtTime(c.notAfter), ' ',
						h('span', { class: d < 0 ? 'bad' : d < 365 ? 'warn' : 'muted' }, d < 0 ? t('ca.expired') : t('ca.left', { n: d }))),
					c.sha256 && [h('dt', {}, 'SHA-256'), h('dd', { class: 'mono tiny' }, c.sha256)]),
				h('button', { type: 'button', class: 'btn btn-sm', onclick: () => saveBlob(new Blob([der], { type: 'application/pkix-cert' }), `${k}.crt`) }, t('ca.download')));
		} catch (e) {
			clear(card, h('h2', {}, t(`ca.${k}`)), note(e.status === 404 ? 'info' : 'error', e.status === 404 ? t('ca.absent') : e.message));
		}
	}
}
