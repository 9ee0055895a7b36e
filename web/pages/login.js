// Logging in (docs/console.md): a challenge from finca, signed by the
// USBKey through the signing agent (which asks the PIN itself), or the
// browser's TLS client certificate.  Administrators and operators add
// their password (art. 11).
import { h, clear, note } from '../dom.js';
import { t, fmtDate, daysLeft, getLang, setLang } from '../i18n.js';
import { api, token } from '../api.js';
import * as agent from '../agent.js';

function cn(subject) {
	const m = /(?:^|[,/]\s*)CN=((?:\\,|[^,/])*)/.exec(subject || '');
	return m ? m[1].replace(/\\,/g, ',') : subject || '';
}

export async function render(root, { config, onLogin }) {
	const expired = sessionStorage.getItem('finca.expired');
	sessionStorage.removeItem('finca.expired');
	const certBox = h('div', { class: 'cert-pick', role: 'radiogroup', 'aria-labelledby': 'cert-h' });
	const agentMsg = h('div');
	const status = h('div', { class: 'login-status', role: 'status', 'aria-live': 'assertive' });
	const general = h('div');
	const pwErr = h('div', { class: 'field-error', id: 'pw-e', role: 'alert' });
	const pw = h('input', { type: 'password', id: 'login-pw', name: 'password', autocomplete: 'current-password', 'aria-describedby': 'pw-h pw-e' });
	const pwRow = h('div', { class: 'form-row' }, h('label', { for: 'login-pw', class: 'form-label' }, t('login.password')),
		h('div', { class: 'form-ctl' }, pw, pwErr, h('div', { class: 'hint', id: 'pw-h' }, t('login.password.hint'))));
	const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-wide', id: 'login-btn' }, t('login.submit'));
	const tlsBtn = h('button', { type: 'button', class: 'btn btn-wide', id: 'login-tls', onclick: loginTls }, t('login.tls'));
	const refresh = h('button', { type: 'button', class: 'btn btn-sm', onclick: loadCerts }, t('login.refresh'));
	const other = getLang() === 'zh' ? 'en' : 'zh';

	const form = h('form', { class: 'login-form', onsubmit: loginAgent, novalidate: true },
		h('div', { class: 'cert-head' }, h('h2', { id: 'cert-h' }, t('login.certs')), refresh),
		agentMsg, certBox, pwRow, general, status,
		h('div', { class: 'form-actions' }, submit));

	clear(root, h('div', { class: 'login-page' },
		h('header', { class: 'login-top' },
			h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'CA'),
				h('strong', {}, t('app.name'))),
			h('button', { type: 'button', class: 'btn btn-top', lang: other === 'zh' ? 'zh-CN' : 'en',
				onclick: () => { setLang(other); render(root, { config, onLogin }); } }, t('top.switch'))),
		h('main', { class: 'login-main', id: 'main' },
			h('section', { class: 'login-card', 'aria-labelledby': 'login-h' },
				h('h1', { id: 'login-h' }, t('login.title')),
				config.ca && h('p', { class: 'login-ca' }, config.ca),
				expired && note('warn', t('login.expired')),
				form,
				h('div', { class: 'or' }, h('span', {}, t('login.or'))),
				tlsBtn,
				h('p', { class: 'hint' }, t('login.tls.hint')),
				h('p', { class: 'login-loss' }, t('login.loss'), ' ', h('a', { href: '#/loss', id: 'login-loss' }, t('login.loss.link'))))),
		h('footer', { class: 'login-foot' }, t('login.foot'), config.version ? ` · finca ${config.version}` : '')));

	let certs = [];
	async function loadCerts() {
		clear(agentMsg);
		clear(certBox, h('p', { class: 'loading' }, t('login.reading')));
		try {
			certs = await agent.certificates();
		} catch (e) {
			certs = [];
			clear(certBox);
			clear(agentMsg, agentHelp(e));
			return;
		}
		clear(certBox);
		if (!certs.length) {
			clear(agentMsg, note('warn', t('login.nocerts')));
			return;
		}
		certs.forEach((c, i) => {
			const d = daysLeft(c.not_after);
			const id = `cert-${i}`;
			certBox.append(h('label', { class: ['cert-opt', d != null && d < 0 && 'is-expired'], for: id },
				h('input', { type: 'radio', name: 'cert', id, value: c.id, checked: certs.length === 1 || i === 0 }),
				h('span', { class: 'cert-main' },
					h('span', {}, h('strong', {}, cn(c.subject)), ' ',
						h('span', { class: 'muted' }, c.token?.label ? `USBKey ${c.token.label}${c.token.serial ? ` · ${c.token.serial}` : ''}` : '')),
					h('span', { class: 'cert-sub' }, c.subject),
					h('span', { class: 'cert-sub' }, t('login.cert.serial'), ' ', h('code', {}, c.serial), ' · ',
						t('login.cert.expiry'), ' ', fmtDate(c.not_after),
						d != null && d < 0 ? h('span', { class: 'bad' }, ` ${t('login.cert.expired')}`) : d != null && d <= 30 ? h('span', { class: 'warn' }, ` ${t('login.cert.days', { n: d })}`) : null))));
		});
	}

	function agentHelp(e) {
		const origin = location.origin;
		if (e.kind === 'origin')
			return note('error', h('p', {}, t('agent.origin', { origin })),
				h('pre', { class: 'cmd' }, `finca agent --module <PKCS#11> --origin ${origin}`));
		return note('error', h('p', {}, h('strong', {}, t('agent.down.title'))),
			h('p', {}, t('agent.down', { url: agent.agentUrl() })),
			h('pre', { class: 'cmd' }, `finca agent --module /usr/lib/<vendor>/libpkcs11.so --origin ${origin}`),
			h('p', {}, t('agent.down.then')));
	}

	function busy(on, text) {
		submit.disabled = on;
		tlsBtn.disabled = on;
		form.toggleAttribute('aria-busy', on);
		clear(status, text ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null, text || '');
	}

	function showServerError(e) {
		// the server names the password when a role needs one
		if (/password|密码/i.test(e.message) || e.field === 'password') {
			clear(pwErr, pw.value ? e.message : t('login.password.needed'), pw.value ? '' : ` (${e.message})`);
			pw.setAttribute('aria-invalid', 'true');
			pwRow.classList.add('attention');
			pw.focus();
		} else {
			clear(general, note('error', e.message));
		}
	}

	function reset() {
		clear(general);
		clear(pwErr);
		pw.removeAttribute('aria-invalid');
	}

	async function finish(body) {
		if (pw.value) body.password = pw.value;
		const r = await api.post('login', body);
		token.set(r.token);
		onLogin();
	}

	async function loginAgent(ev) {
		ev.preventDefault();
		reset();
		const sel = certBox.querySelector('input[name=cert]:checked');
		if (!sel) {
			clear(general, note('error', certs.length ? t('login.pick') : t('login.nocerts')));
			return;
		}
		token.clear();
		try {
			busy(true, t('login.challenge'));
			const ch = await api.post('login/challenge');
			busy(true, t('login.pin'));
			let s;
			try {
				s = await agent.sign(sel.value, ch.challenge);
			} catch (e) {
				busy(false);
				if (e.kind === 'down' || e.kind === 'origin') clear(agentMsg, agentHelp(e));
				else if (e.kind === 'pin') clear(general, note('error', e.triesLeft != null ? t('agent.pin.tries', { n: e.triesLeft }) : t('agent.pin')));
				else if (e.kind === 'locked') clear(general, note('error', t('agent.locked')));
				else if (e.kind === 'nocert') { clear(general, note('error', t('agent.nocert'))); loadCerts(); }
				else if (e.kind === 'nopin') clear(general, note('error', t('agent.nopin'), ` (${e.message})`));
				else clear(general, note('error', t('agent.error', { msg: e.message })));
				return;
			}
			busy(true, t('login.checking'));
			await finish({ certificate: s.certificate, challenge: ch.challenge, signature: s.signature });
		} catch (e) {
			busy(false);
			showServerError(e);
		}
	}

	async function loginTls() {
		reset();
		token.clear();
		try {
			busy(true, t('login.checking'));
			await finish({});
		} catch (e) {
			busy(false);
			showServerError(e);
		}
	}

	loadCerts();
}
