// 紧急冻结 (art. 25): a lost USBKey's certificate is frozen at once, without
// approval; the reissue then goes the normal way, for the same application
// system (the freeze request carries the certificate's).
import { h, clear, note } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { formView } from '../ui/form.js';
import { ask } from '../ui/dialog.js';

export async function render({ main, params }) {
	const result = h('div', { 'aria-live': 'polite' });
	const f = formView({
		values: { serial: params.serial || '' },
		fields: [
			{ name: 'serial', label: t('cert.serial'), required: true, mono: true, hint: t('emergency.serial.hint') },
			{ name: 'note', label: t('emergency.note'), type: 'textarea', rows: 3, hint: t('emergency.note.hint') },
		],
		submitLabel: t('emergency.do'), danger: true,
		onSubmit: async (v) => {
			clear(result);
			const ok = await ask({ title: t('emergency.title'), message: note('warn', t('emergency.text')), confirmLabel: t('emergency.do'), danger: true });
			if (!ok) return;
			const r = await api.post('emergency-freeze', { serial: v.serial, note: v.note || undefined });
			clear(result, note('ok', t('emergency.done', { serial: r.cert_serial || v.serial, name: r.name || '' }), ' ',
				h('a', { href: `#/requests/${r.id}` }, `#${r.id}`), h('br'), t('emergency.next'), ' ',
				h('a', { href: `#/requests/new?type=reissue&subject=${encodeURIComponent(r.subject || '')}&cert_serial=${encodeURIComponent(r.cert_serial || v.serial)}${r.app ? `&app=${encodeURIComponent(r.app)}` : ''}` }, t('emergency.reissue'))));
			f.el.reset();
		},
	});
	main.append(note('warn', t('emergency.intro')), h('section', { class: 'panel form-panel' }, f.el), result);
}
