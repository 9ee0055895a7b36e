// The certificate holder's desk in a real browser (Debian's Chromium,
// playwright-core), run by tests/e2e/holder_console.sh: 张一 logs in with
// the USBKey through the signing agent, lands on 我的证书, is told to
// change the envelope's PIN first and does so in the dialog (the agent
// asks both PINs; the page never sees them), sees the expiry banner of
// its 20-day certificate and asks for the renewal; its grants and
// requests; no English sentence on its pages; then, logged out, it
// reports the lost USBKey from the login page with the 挂失码.
//
// Env: FINCA_URL, FINCA_HOLDER ({cert_serial, token, loss_code}),
// FINCA_HOOK (called with "pin-changed" after the change), SCREENSHOTS,
// SHOT_PREFIX (the screenshots' names: PREFIX-NAME.png, "holder" unless set).
// Prints "ok - NAME" / "not ok - NAME"; exits 1 only when the script
// itself breaks.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const URL_ = (process.env.FINCA_URL || 'https://127.0.0.1:8443').replace(/\/+$/, '');
const UI = `${URL_}/ui/`;
const SHOTS = process.env.SCREENSHOTS || 'build/screenshots';
const PREFIX = process.env.SHOT_PREFIX || 'holder';
const H = JSON.parse(process.env.FINCA_HOLDER || '{}');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function ok(name, cond, ...diag) {
	console.log(`${cond ? 'ok' : 'not ok'} - ${name}`);
	if (!cond) for (const d of diag) for (const l of String(d).split('\n').slice(0, 8)) console.log(`# ${l}`);
	return cond;
}
async function check(name, fn) {
	try {
		const r = await fn();
		return ok(name, r !== false, 'the condition did not hold');
	} catch (e) {
		return ok(name, false, e.message || e);
	}
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--lang=zh-CN'] });
const problems = [];
const ctx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
	viewport: { width: 1280, height: 900 } });
const page = await ctx.newPage();
page.setDefaultTimeout(15000);
page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
page.on('console', (m) => {
	if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
});

// as console.mjs: a run of ASCII text of three words or more, outside code
async function english() {
	return page.evaluate(() => {
		const out = [];
		// a run of ASCII (between Chinese text, or all of it) of three words or more
		const sentence = (s) => s.split(/[^\x00-\x7f]+/).some((r) => (r.match(/\b[A-Za-z][a-z']+\b/g) || []).length >= 3);
		const code = (e) => e.closest('code, pre, script, style, .mono, .json, .dn');
		const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n; (n = w.nextNode());) {
			const e = n.parentElement, s = n.textContent.trim();
			if (e && s && !code(e) && (e.checkVisibility ? e.checkVisibility() : !!e.offsetParent) && sentence(s)) out.push(s);
		}
		for (const e of document.querySelectorAll('[title], [placeholder], [aria-label]'))
			for (const a of ['title', 'placeholder', 'aria-label']) {
				const s = (e.getAttribute(a) || '').trim();
				if (s && !code(e) && sentence(s)) out.push(`${a}="${s}"`);
			}
		return out;
	});
}
const bad = [];
async function shot(name) {
	bad.push(...(await english()).map((s) => `${name}: ${s}`));
	try {
		fs.mkdirSync(SHOTS, { recursive: true });
		await page.screenshot({ path: path.join(SHOTS, `${PREFIX}-${name}.png`), fullPage: true });
	} catch (e) {
		console.log(`# screenshot ${name}: ${e.message}`);
	}
}
const settle = () => page.waitForLoadState('networkidle').catch(() => {});

try {
	await check('the login page links to the loss report', async () => {
		await page.goto(UI);
		await page.waitForSelector('.cert-opt');
		await page.waitForSelector('#login-loss');
	});
	await shot('login');
	await check('张一 logs in with the USBKey through the agent and lands on 我的证书', async () => {
		await page.locator('.cert-opt').filter({ hasText: H.cert_serial.replace(/^0+/, '') }).first()
			.locator('input[type=radio]').check();
		await page.click('#login-btn');
		await page.waitForSelector('nav.menu');
		await page.waitForFunction(() => location.hash === '#/me');
		await page.waitForSelector('#my-certs');
	});
	await check('the menu: 我的证书, 我的申请, 我的授权', async () => {
		for (const p of ['me', 'me/requests', 'me/grants'])
			assert(await page.locator(`nav.menu a[data-page="${p}"]`).count() === 1, `no ${p}`);
		assert(await page.locator('nav.menu a[data-page="certs"]').count() === 0, 'the certificate search is offered');
	});
	await check('told to change the default PIN first (art. 23)', async () => {
		const n = page.locator('.me-banners .note-warn').filter({ hasText: '请先修改默认PIN码' });
		await n.waitFor();
	});
	await check('the expiry banner from 30 days before the end (art. 14)', async () => {
		const n = page.locator('.me-banners .note-warn').filter({ hasText: '到期' });
		await n.waitFor();
		assert(/还剩1?\d天|还剩20天/.test(await n.innerText()), await n.innerText());
	});
	await settle();
	await shot('desk');
	await check('the PIN change in the dialog, through the agent', async () => {
		await page.click(`.me-banners button[data-token="${H.token}"]`);
		await page.waitForSelector('dialog.dlg #pin-go');
		await shot('pin-dialog');
		await page.click('#pin-go');
		await page.waitForSelector('.note-ok:has-text("PIN码已修改")');
	});
	execFileSync(process.env.FINCA_HOOK, ['pin-changed'], { stdio: 'inherit' });
	await check('the PIN banner gone, the USBKey says changed', async () => {
		await page.waitForSelector(`#my-tokens tr[data-serial="${H.token}"] td:has-text("已修改")`);
		assert(await page.locator('.me-banners .note-warn').filter({ hasText: '请先修改默认PIN码' }).count() === 0, 'still asked');
	});
	await shot('pin-changed');
	await check('the renewal asked from the banner: a draft for the officer', async () => {
		await page.locator('.me-banners button:has-text("申请延期")').click();
		await page.locator('dialog.dlg button[type=submit]').click();
		await page.waitForSelector('.note-ok:has-text("延期申请已生成")');
		await page.waitForSelector('.me-banners .note-warn:has-text("办理中")');
	});
	await settle();
	await shot('renewed');
	await check('我的申请: the renewal, a draft', async () => {
		await page.click('nav.menu a[data-page="me/requests"]');
		await page.waitForSelector('#my-requests');
		assert(await page.locator('#my-requests tr').filter({ hasText: '延期' }).filter({ hasText: '草稿' }).count() === 1, 'no draft renewal');
	});
	await settle();
	await shot('requests');
	await check('我的授权: 预算管理一体化系统', async () => {
		await page.click('nav.menu a[data-page="me/grants"]');
		await page.waitForSelector('#my-grants td:has-text("预算管理一体化系统")');
	});
	await settle();
	await shot('grants');
	await check('logged out, the loss report from the login page (no login, no key)', async () => {
		await page.click('header.top button:has-text("退出")');
		await page.waitForSelector('#login-loss');
		await page.click('#login-loss');
		await page.waitForSelector('#loss-h');
		await page.fill('input[name=serial]', H.cert_serial);
		await page.fill('input[name=loss_code]', H.loss_code);
		await page.fill('textarea[name=note]', '地铁上遗失');
		await shot('loss');
		await page.click('form button[type=submit]');
		await page.waitForSelector('.note-ok:has-text("已冻结")');
	});
	await shot('loss-done');
	ok('no English sentence on the holder\'s pages (zh)', bad.length === 0, ...bad);
	ok('no script error or CSP refusal', problems.length === 0, ...problems);
} catch (e) {
	console.log(`not ok - the script: ${e.message}`);
}
await browser.close();
