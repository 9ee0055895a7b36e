// 挂失 (art. 25) without login and without the lost USBKey: the
// certificate's serial and the loss-report code (挂失码) printed in the
// PIN envelope freeze the certificate at once; the unit's information
// officer is told.  Reached from the login page (#/loss).
import { h, clear, note } from '../dom.js';
import { t, getLang, setLang } from '../i18n.js';
import { api } from '../api.js';
import { formView } from '../ui/form.js';

export async function render(root, { config }) {
	const result = h('div', { 'aria-live': 'polite' });
	const other = getLang() === 'zh' ? 'en' : 'zh';
	const f = formView({
		fields: [
			{ name: 'serial', label: t('cert.serial'), required: true, mono: true, hint: t('loss.serial.hint') },
			{ name: 'loss_code', label: t('loss.code'), required: true, mono: true, hint: t('loss.code.hint'), placeholder: 'XXXX-XXXX-XXXX' },
			{ name: 'note', label: t('emergency.note'), type: 'textarea', rows: 3, hint: t('emergency.note.hint') },
		],
		submitLabel: t('loss.do'), danger: true,
		onSubmit: async (v) => {
			clear(result);
			const r = await api.post('emergency-freeze', { serial: v.serial.trim(), loss_code: v.loss_code, note: v.note || undefined });
			clear(result, note('ok', h('strong', {}, t('loss.done', { serial: r.cert_serial || v.serial })), h('br'), t('loss.next')));
			f.el.reset();
		},
	});
	clear(root, h('div', { class: 'login-page' },
		h('header', { class: 'login-top' },
			h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'CA'),
				h('strong', {}, t('app.name'))),
			h('button', { type: 'button', class: 'btn btn-top', lang: other === 'zh' ? 'zh-CN' : 'en',
				onclick: () => { setLang(other); render(root, { config }); } }, t('top.switch'))),
		h('main', { class: 'login-main', id: 'main' },
			h('section', { class: 'login-card', 'aria-labelledby': 'loss-h' },
				h('h1', { id: 'loss-h' }, t('loss.title')),
				note('warn', t('loss.intro')),
				f.el, result,
				h('p', {}, h('a', { href: '#/', id: 'loss-back' }, t('loss.back')))))));
}
