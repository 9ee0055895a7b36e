// 制作USBKey in the console (issue 15): the signing agent on the
// operator's computer (finca agent --server … --ca-cert …) makes the
// USBKeys of accepted requests, one token at a time.  For each request the
// console waits for the token (a blank one; for a PIN reset, the holder's),
// asks the server for a signed instruction naming the operation, the
// request and the token (POST instructions), and hands it to the agent
// with this session; the agent initialises the token, makes the key on it,
// has the certificate issued, writes it, and answers the PIN envelope as a
// PDF, which is kept here in memory only, to be printed.  What each
// request needs (agent_op) comes from the server.
import { h, clear, note, openBlob } from '../dom.js';
import { t } from '../i18n.js';
import { api, token } from '../api.js';
import * as agent from '../agent.js';
import { modal } from './dialog.js';

const POLL_MS = 1000;
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

function pdfBlob(b64) {
	const bin = atob(b64);
	const a = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++) a[i] = bin.charCodeAt(i);
	return new Blob([a], { type: 'application/pdf' });
}

// The token present that request r is made on, or null (keep waiting): a
// PIN reset's own USBKey; else the one blank token, or a token the server
// has as initialised and not made in this run (an earlier try that stopped
// midway: the agent resumes it with a new envelope), or one taken back
// (returned, in stock: the agent initialises it again).  The agent decides
// for itself (agent/produce.c, ready()); this only picks what to offer it.
const REUSED = ['initialized', 'returned', 'in_stock'];
async function pick(r, present, made) {
	if (r.agent_op === 'pin_reset') return present.find((x) => x.initialized && x.serial === r.token_serial) || null;
	const blank = present.filter((x) => !x.initialized);
	if (blank.length > 1) throw new Error(t('mk.many_blank'));
	if (blank.length === 1) return blank[0];
	for (const x of present) {
		if (made.has(x.serial)) continue;
		try {
			const inv = await api.get(`tokens/${encodeURIComponent(x.serial)}`);
			if (REUSED.includes(inv.state)) return x;
		} catch { /* a token finca does not know, or not of this node */ }
	}
	return null;
}

// What the console says when the agent cannot be reached or fails.
function agentTrouble(e) {
	return e.kind === 'down' ? note('warn', t('mk.agent_down', { url: agent.agentUrl() }), ' ',
		h('code', {}, `finca agent --module … --server ${location.origin} --ca-cert service.crt`))
		: note('error', t('agent.error', { msg: e.message }));
}

// Runs the requests (accepted, each with agent_op) one after another in a
// dialog with their progress; onDone when the dialog closes after a change.
export function produceDialog(requests, onDone) {
	const n = requests.length;
	const rows = requests.map((r) => {
		const st = h('span', { class: 'badge st-accepted', 'data-mk-state': 'wait' }, t('mk.state.wait'));
		const info = h('span', { class: 'mk-info' });
		return { r, st, info, li: h('li', { 'data-mk-request': r.id }, `#${r.id} ${r.name || ''} `, st, ' ', info) };
	});
	const bar = h('progress', { max: n, value: 0, 'aria-label': t('mk.progress') });
	const count = h('span', { class: 'mk-count' }, t('mk.count', { i: 0, n }));
	const status = h('div', { class: 'mk-status', role: 'status', 'aria-live': 'polite' });
	const retry = h('button', { type: 'button', class: 'btn', hidden: true, 'data-mk': 'retry', onclick: () => { retry.hidden = true; run(at); } }, t('mk.retry'));
	const closeB = h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, t('close'));
	const dlg = modal({
		title: t('mk.title', { n }), wide: true,
		body: [h('p', { class: 'hint' }, t('mk.hint')), h('div', { class: 'mk-bar' }, bar, ' ', count), status,
			h('ol', { class: 'mk-list' }, rows.map((x) => x.li)),
			note('info', t('mk.envelope_note')),
			h('div', { class: 'form-actions' }, retry, closeB)],
	});
	let stopped = false, changed = false, at = 0, ok = 0;
	const made = new Set();
	dlg.done.then(() => { stopped = true; if (changed) onDone?.(); });

	function mark(x, state, ...info) {
		const cls = { wait: 'st-accepted', busy: 'st-approved', ok: 'st-completed', fail: 'st-rejected' }[state];
		x.st.className = `badge ${cls}`;
		x.st.setAttribute('data-mk-state', state);
		clear(x.st, t(`mk.state.${state}`));
		clear(x.info, ...info);
	}

	async function waitToken(x, i) {
		for (;;) {
			if (stopped) return null;
			let present = null;
			try {
				present = await agent.tokens();
			} catch (e) {
				clear(status, agentTrouble(e));
			}
			if (present) {
				try {
					const tok = await pick(x.r, present, made);
					if (tok) return tok;
					clear(status, note('info', x.r.agent_op === 'pin_reset'
						? t('mk.insert_reset', { serial: x.r.token_serial || '', name: x.r.name || '' })
						: t('mk.insert', { i: i + 1, n, name: x.r.name || '' })));
				} catch (e) {
					clear(status, note('warn', e.message));
				}
			}
			await sleep(POLL_MS);
		}
	}

	async function run(from) {
		for (let i = from; i < n; i++) {
			const x = rows[i];
			at = i;
			mark(x, 'wait');
			const tok = await waitToken(x, i);
			if (!tok) return;
			mark(x, 'busy');
			clear(status, note('info', t(x.r.agent_op === 'pin_reset' ? 'mk.busy_reset' : 'mk.busy', { i: i + 1, n })));
			let res;
			try {
				const ins = await api.post('instructions', { op: x.r.agent_op, request: x.r.id, token: tok.serial });
				res = x.r.agent_op === 'pin_reset' ? await agent.pinReset(ins, token.get()) : await agent.produce(ins, token.get());
			} catch (e) {
				changed = true; // a failed try may have initialised the token
				mark(x, 'fail', e.message);
				clear(status, note('error', t('mk.failed', { id: x.r.id, msg: e.message })));
				retry.hidden = false;
				return;
			}
			if (stopped) return;
			changed = true;
			made.add(res.token);
			const blob = pdfBlob(res.envelope);
			const name = `envelope-${res.token}.pdf`;
			mark(x, 'ok', res.certificate ? t('mk.ok', { serial: res.token, cert: res.certificate }) : t('mk.reset_ok', { serial: res.token }),
				res.resumed ? ` ${t('mk.resumed')}` : '', ' ',
				h('button', { type: 'button', class: 'btn btn-sm btn-primary', 'data-envelope': res.token, onclick: () => openBlob(blob, name) }, t('mk.print')));
			ok++;
			bar.value = ok;
			clear(count, t('mk.count', { i: ok, n }));
		}
		clear(status, note('ok', t('mk.all_done', { n })));
	}
	run(0);
	return dlg.done;
}

// A button making request r's USBKey (or resetting its PIN) from the
// console, when the server says it is made so (agent_op).
export function produceButton(r, done) {
	return h('button', { type: 'button', class: 'btn btn-sm btn-primary', 'data-produce': r.id,
		onclick: () => produceDialog([r], done) }, t(r.agent_op === 'pin_reset' ? 'mk.pin_reset' : 'mk.produce'));
}

// A USBKey taken back (art. 22) wiped at once: the console waits for it in
// the agent, asks the server for a wipe instruction naming it, and the
// agent initialises it again (every key and certificate on it destroyed,
// the former holder's PIN opens nothing).  onDone when the dialog closes
// after the wipe.
export function wipeDialog(serial, onDone) {
	const status = h('div', { class: 'mk-status', role: 'status', 'aria-live': 'polite' });
	const dlg = modal({
		title: t('wipe.title', { serial }),
		body: [h('p', { class: 'hint' }, t('wipe.hint')), status,
			h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, t('close')))],
	});
	let stopped = false, changed = false;
	dlg.done.then(() => { stopped = true; if (changed) onDone?.(); });
	(async () => {
		for (;;) {
			if (stopped) return;
			try {
				const present = await agent.tokens();
				if (present.some((x) => x.serial === serial)) break;
				clear(status, note('info', t('wipe.insert', { serial })));
			} catch (e) {
				clear(status, agentTrouble(e));
			}
			await sleep(POLL_MS);
		}
		clear(status, note('info', t('wipe.busy', { serial })));
		try {
			await agent.wipe(await api.post('instructions', { op: 'wipe', token: serial }), token.get());
			changed = true;
			clear(status, note('ok', h('span', { 'data-wiped': serial }, t('wipe.ok', { serial }))));
		} catch (e) {
			clear(status, note('error', t('wipe.failed', { msg: e.message })));
		}
	})();
}
