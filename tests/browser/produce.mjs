// The operator makes USBKeys in the console (issue 15, item 4), in a real
// browser (Debian's Chromium, driven by playwright-core): the operator
// logs in with its own USBKey through the agent, opens the production
// queue's accepted tab, makes the batch's USBKeys with one button (the
// agent on "this computer" has SoftHSM2 blank tokens), watches the
// progress, and opens each PIN envelope for printing; the envelopes' bytes
// are saved for the harness (pdftotext).
//
// Run by tests/e2e/produce_browser.sh with FINCA_URL, FINCA_OPERATOR
// ({name, password, cert_serial}), FINCA_BATCH (its id), FINCA_N (USBKeys
// to make), SCREENSHOTS, ENVELOPES (a directory), and FINCA_HOOK: called
// as `HOOK returned SERIAL` for the last USBKey made, which the harness
// then takes back (art. 22), before the operator wipes it on the USBKey
// inventory page.  Prints "ok - NAME" or "not ok - NAME" per check and,
// per USBKey made, "# made SERIAL FILE".
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const URL_ = (process.env.FINCA_URL || 'https://127.0.0.1:8443').replace(/\/+$/, '');
const UI = `${URL_}/ui/`;
const SHOTS = process.env.SCREENSHOTS || 'build/screenshots';
const ENVELOPES = process.env.ENVELOPES || '.';
const OP = JSON.parse(process.env.FINCA_OPERATOR || '{}');
const BATCH = process.env.FINCA_BATCH;
const N = Number(process.env.FINCA_N || 3);

let failed = 0;
function ok(name, cond, ...diag) {
	console.log(`${cond ? 'ok' : 'not ok'} - ${name}`);
	if (!cond) {
		failed++;
		for (const d of diag) for (const l of String(d).split('\n').slice(0, 8)) console.log(`# ${l}`);
	}
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
function assert(cond, msg) {
	if (!cond) throw new Error(msg);
}
async function shot(page, name) {
	try {
		fs.mkdirSync(SHOTS, { recursive: true });
		await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
	} catch (e) {
		console.log(`# screenshot ${name}: ${e.message}`);
	}
}

// An English sentence (ASCII only, three words or more) in what the user
// sees, code and serials excepted (as console.mjs checks every page).
async function english(page, root) {
	return page.evaluate((sel) => {
		const out = [];
		const sentence = (s) => /^[\x00-\x7f]+$/.test(s) && (s.match(/\b[A-Za-z][a-z']+\b/g) || []).length >= 3;
		const w = document.createTreeWalker(document.querySelector(sel) || document.body, NodeFilter.SHOW_TEXT);
		for (let n; (n = w.nextNode());) {
			const e = n.parentElement, s = n.textContent.trim();
			if (e && s && !e.closest('code, pre, .mono') && sentence(s)) out.push(s);
		}
		return out;
	}, root);
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--lang=zh-CN'] });
const problems = [];
try {
	const ctx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
		viewport: { width: 1280, height: 860 } });
	// the Blob behind each blob: URL the console opens, kept so that this
	// script can read the envelope's bytes (a fetch of the URL is, rightly,
	// refused by the console's connect-src)
	await ctx.addInitScript(() => {
		const made = URL.createObjectURL.bind(URL);
		window.__blobs = new Map();
		URL.createObjectURL = (b) => { const u = made(b); window.__blobs.set(u, b); return u; };
	});
	const page = await ctx.newPage();
	page.setDefaultTimeout(20000);
	page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
	});

	await check('the operator logs in with its USBKey through the agent', async () => {
		await page.goto(UI);
		await page.waitForSelector('.cert-opt');
		const serial = (OP.cert_serial || '').replace(/^0+/, '');
		await page.locator('.cert-opt').filter({ hasText: new RegExp(serial, 'i') }).first().locator('input[type=radio]').check();
		await page.fill('#login-pw', OP.password || '');
		await page.click('#login-btn');
		await page.waitForSelector('nav.menu');
	});

	await check('the accepted tab offers the batch to make on USBKeys', async () => {
		await page.evaluate(() => { location.hash = '#/production?state=accepted'; });
		await page.waitForSelector(`#prod-make [data-produce-batch="${BATCH}"]`);
		const txt = await page.locator(`#prod-make [data-produce-batch="${BATCH}"]`).innerText();
		assert(txt.includes(`${N}`), `the button says ${txt}`);
	});
	await check('each accepted request has its 制作USBKey button', async () => {
		await page.waitForSelector('[data-produce]');
		return (await page.locator('button[data-produce]').count()) >= N;
	});
	await check('the production queue reads in Chinese', async () => {
		const en = await english(page, 'main');
		assert(en.length === 0, en.join(' | '));
	});
	await shot(page, 'operator-produce');

	await check(`the batch's ${N} USBKeys are made one after another, with progress`, async () => {
		await page.click(`#prod-make [data-produce-batch="${BATCH}"]`);
		await page.waitForSelector('dialog .mk-list');
		await page.waitForSelector('dialog [data-mk-state="busy"], dialog [data-mk-state="ok"]');
		await shot(page, 'operator-produce-progress');
		await page.waitForFunction((n) => document.querySelectorAll('dialog [data-mk-state="ok"]').length === n ||
			document.querySelector('dialog [data-mk-state="fail"]'), N, { timeout: 180000 });
		const fail = await page.locator('dialog [data-mk-state="fail"]').count();
		assert(fail === 0, await page.locator('dialog .mk-status').innerText());
		assert((await page.locator('dialog progress').getAttribute('value')) === String(N), 'the bar is not full');
	});
	await check('the dialog reads in Chinese', async () => {
		const en = await english(page, 'dialog');
		assert(en.length === 0, en.join(' | '));
	});
	await shot(page, 'operator-produce-done');

	await check('each PIN envelope opens for printing (a PDF from the agent, never the server)', async () => {
		const buttons = page.locator('dialog button[data-envelope]');
		assert(await buttons.count() === N, `${await buttons.count()} envelope buttons`);
		fs.mkdirSync(ENVELOPES, { recursive: true });
		for (let i = 0; i < N; i++) {
			const b = buttons.nth(i);
			const serial = await b.getAttribute('data-envelope');
			const [popup] = await Promise.all([page.waitForEvent('popup'), b.click()]);
			const url = popup.url();
			assert(url.startsWith('blob:'), `the envelope opened at ${url}`);
			// the blob's bytes, read by the page that made it
			const b64 = await page.evaluate((u) => new Promise((resolve, reject) => {
				const f = new FileReader();
				f.onload = () => resolve(String(f.result).replace(/^data:[^,]*,/, ''));
				f.onerror = () => reject(f.error);
				f.readAsDataURL(window.__blobs.get(u));
			}), url);
			const file = path.join(ENVELOPES, `envelope-${serial}.pdf`);
			fs.writeFileSync(file, Buffer.from(b64, 'base64'));
			console.log(`# made ${serial} ${file}`);
			await popup.close();
		}
	});

	await check('after closing, the batch is no longer waiting to be made', async () => {
		await page.click('dialog .form-actions button:has-text("关闭")');
		await page.waitForFunction((b) => !document.querySelector(`#prod-make [data-produce-batch="${b}"]`), BATCH);
	});
	await shot(page, 'operator-produce-after');

	// a USBKey taken back is wiped at once, from the inventory, through the agent
	const made = [...fs.readdirSync(ENVELOPES)].map((f) => f.replace(/^envelope-|\.pdf$/g, '')).sort();
	const back = made[made.length - 1];
	if (process.env.FINCA_HOOK && back) {
		execFileSync(process.env.FINCA_HOOK, ['returned', back], { stdio: 'inherit' });
		await check(`the returned USBKey ${back} has a 擦除 button in the inventory`, async () => {
			await page.evaluate(() => { location.hash = '#/tokens?state=returned'; });
			await page.waitForSelector(`button[data-wipe="${back}"]`);
		});
		await check('the agent wipes it; the console says so in Chinese', async () => {
			await page.click(`button[data-wipe="${back}"]`);
			await page.waitForSelector(`dialog [data-wiped="${back}"]`, { timeout: 60000 });
			const en = await english(page, 'dialog');
			assert(en.length === 0, en.join(' | '));
		});
		await shot(page, 'operator-wipe');
		await check('after closing, it is no longer listed as returned', async () => {
			await page.click('dialog .form-actions button:has-text("关闭")');
			await page.waitForFunction((b) => !document.querySelector(`button[data-wipe="${b}"]`), back);
		});
		console.log(`# wiped ${back}`);
	}
	ok('no script errors or CSP refusals', problems.length === 0, ...problems);
} catch (e) {
	console.log(`not ok - the browser script broke: ${e.message}`);
	failed++;
} finally {
	await browser.close();
}
process.exitCode = 0;
void failed;
