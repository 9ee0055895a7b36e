// The console in a real browser (Debian's Chromium, driven by
// playwright-core): each role logs in as its holder would, through the
// signing agent with its USBKey, and does its part of one batch's life:
// the officer uploads the unified spreadsheet (first with mistakes) and
// submits the batch, the approver approves it, the operator accepts it,
// has the USBKeys made at the token station (the harness's hook) and hands
// them over; the dashboard counts follow; the administrator sees the
// units, the auditor the audit trail and its verification.  Every role
// lacks some menu entry, and a direct link to it shows 无权访问 with the
// server's 403.
//
// Run by tests/e2e/console.sh with FINCA_URL, FINCA_CA, FINCA_ACCOUNTS
// ([{name, role, password|null, cert_serial}]), SCREENSHOTS,
// FINCA_SPREADSHEET, FINCA_BAD_SPREADSHEET, FINCA_HOOK (optional: the
// token station's work between pages).  Prints "ok - NAME" or
// "not ok - NAME" (with "# ..." lines) per check; exits 1 only when the
// script itself breaks.
//
// TLS: Chromium takes no CA file, so the browser context ignores
// certificate errors (ignoreHTTPSErrors); the server's certificate is
// verified against FINCA_CA once, here, with Node's TLS, before the
// browser starts.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';

const URL_ = (process.env.FINCA_URL || 'https://127.0.0.1:8443').replace(/\/+$/, '');
const UI = `${URL_}/ui/`;
const SHOTS = process.env.SCREENSHOTS || 'build/screenshots';
const ACCOUNTS = JSON.parse(process.env.FINCA_ACCOUNTS || '[]');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const acct = (role) => ACCOUNTS.find((a) => a.role === role);

let failed = 0;
function ok(name, cond, ...diag) {
	console.log(`${cond ? 'ok' : 'not ok'} - ${name}`);
	if (!cond) {
		failed++;
		for (const d of diag) for (const l of String(d).split('\n').slice(0, 8)) console.log(`# ${l}`);
	}
	return cond;
}
// One check: fn throws (a Playwright timeout, an assertion) -> not ok.
async function check(name, fn) {
	try {
		const r = await fn();
		if (r === false) return ok(name, false, 'the condition did not hold');
		return ok(name, true);
	} catch (e) {
		return ok(name, false, e.message || e);
	}
}
function skip(name, why) {
	console.log(`ok - ${name} # SKIP ${why}`);
}
function assert(cond, msg) {
	if (!cond) throw new Error(msg);
}

// GET with Node's TLS, trusting only FINCA_CA.
function fetchTrusted(p) {
	return new Promise((resolve, reject) => {
		const ca = process.env.FINCA_CA ? fs.readFileSync(process.env.FINCA_CA) : undefined;
		const req = https.get(`${URL_}${p}`, { ca, rejectUnauthorized: !!ca }, (res) => {
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { body += d; });
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
		});
		req.on('error', reject);
		req.setTimeout(10000, () => req.destroy(new Error('timeout')));
	});
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--lang=zh-CN'] });
const problems = []; // script errors and CSP refusals, from every page

async function newPage() {
	const ctx = await browser.newContext({
		ignoreHTTPSErrors: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
		viewport: { width: 1280, height: 800 },
	});
	const page = await ctx.newPage();
	page.setDefaultTimeout(15000);
	page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
	});
	return page;
}

async function shot(page, name) { // and checked for English (noEnglish)
	await noEnglish(page, `screenshot ${name}`).catch(() => {});
	try {
		fs.mkdirSync(SHOTS, { recursive: true });
		await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
	} catch (e) {
		console.log(`# screenshot ${name}: ${e.message}`);
	}
}

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The login page: pick the account's certificate (by serial, else by its
// name), add the password when given, log in; resolves when the shell shows.
async function login(page, a, { password = a.password, expectShell = true } = {}) {
	if (!page.url().startsWith(UI)) await page.goto(UI);
	await page.waitForSelector('.cert-opt, .note-error');
	const serial = (a.cert_serial || '').replace(/^0+/, '');
	let opt = page.locator('.cert-opt').filter({ hasText: new RegExp(serial ? esc(serial) : esc(a.name), 'i') });
	if (!serial || await opt.count() === 0) opt = page.locator('.cert-opt').filter({ hasText: new RegExp(`\\b${esc(a.name)}\\b`) });
	assert(await opt.count() > 0, `no certificate of ${a.name} (${a.cert_serial}) in the agent's list`);
	await opt.first().locator('input[type=radio]').check();
	await page.fill('#login-pw', password || '');
	await page.click('#login-btn');
	if (expectShell) {
		await page.waitForSelector('nav.menu');
		await page.waitForSelector('main h1');
	}
}

async function logout(page) {
	await page.click('header.top button:has-text("退出")');
	await page.waitForSelector('#login-btn');
}

async function goto(page, hash) {
	await page.evaluate((h) => { location.hash = h; }, hash);
	await page.waitForFunction((h) => location.hash === h, hash);
}

// The menu lacks page, and a direct link to it shows 无权访问 (and, with
// wantServer, the server's 403).
async function denied(page, role, pageName, wantServer = true) {
	await check(`${role}: the menu has no entry for #/${pageName}`, async () =>
		(await page.locator(`nav.menu a[data-page="${pageName}"]`).count()) === 0);
	await check(`${role}: #/${pageName} shows 无权访问${wantServer ? ' and the server\'s 403' : ''}`, async () => {
		await goto(page, `#/${pageName}`);
		const d = page.locator('.denied');
		await d.waitFor();
		assert((await d.innerText()).includes('无权访问'), 'no 无权访问');
		if (wantServer) {
			const s = page.locator('.denied .server-says');
			await s.waitFor();
			const txt = await s.innerText();
			assert(/403/.test(txt), `the server's answer: ${txt}`);
			const en = await noEnglish(page, `${role} #/${pageName} denied`);
			assert(en.length === 0, en.join(' | '));
		}
	});
}

// Issue 14: no English sentence in the Chinese console.  Every text node
// the user can see (and the titles, placeholders and labels read out by a
// screen reader) is checked: a run of ASCII text of three words or more
// (all of a text, or between Chinese) is an English sentence left in zh
// mode.  Code (commands, serials, raw
// records: <code>, <pre>, .mono; distinguished names, .dn, which name
// the CA as `finca init --name` was told) is not prose and is not checked.
const english = []; // "page: text", from every page checked
async function noEnglish(page, where) {
	const found = await page.evaluate(() => {
		const out = [];
		// an English sentence: a run of ASCII (between Chinese text, or
		// all of it) with three words or more
		const sentence = (s) => s.split(/[^\x00-\x7f]+/).some((r) => (r.match(/\b[A-Za-z][a-z']+\b/g) || []).length >= 3);
		const code = (e) => e.closest('code, pre, script, style, .mono, .json, .dn');
		const seen = (e) => e.tagName === 'OPTION' ? seen(e.closest('select') || e) :
			e.checkVisibility ? e.checkVisibility() : !!e.offsetParent;
		const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n; (n = w.nextNode());) {
			const e = n.parentElement, s = n.textContent.trim();
			if (e && s && !code(e) && seen(e) && sentence(s)) out.push(s);
		}
		for (const e of document.querySelectorAll('[title], [placeholder], [aria-label]'))
			for (const a of ['title', 'placeholder', 'aria-label']) {
				const s = (e.getAttribute(a) || '').trim();
				if (s && !code(e) && sentence(s)) out.push(`${a}="${s}"`);
			}
		return out;
	});
	for (const s of found) english.push(`${where}: ${s.slice(0, 120)}`);
	return found;
}

// The role's walk: every page of its menu, each once loaded checked for
// English; the dashboard's to-do (待办) is photographed as todo-ROLE.
async function walk(page, role) {
	await check(`${role}: the dashboard opens on the to-do (待办)`, async () => {
		await goto(page, '#/dashboard');
		await page.waitForSelector('.todo-panel h2:has-text("待办")');
		await settle(page);
	});
	await shot(page, `todo-${role}`);
	const pages = await page.locator('nav.menu a[data-page]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
	await check(`${role}: every page of the menu (${pages.length}) reads in Chinese: no English sentence`, async () => {
		const bad = [];
		for (const hash of pages) {
			await goto(page, hash);
			await settle(page);
			bad.push(...(await noEnglish(page, `${role} ${hash}`)).map((s) => `${hash}: ${s}`));
		}
		assert(bad.length === 0, bad.join('\n'));
	});
}

// Waits until the page's content has come (no 加载中 left in main).
async function settle(page) {
	await page.waitForSelector('main h1');
	await page.waitForFunction(() => !document.querySelector('main .loading'), null, { timeout: 10000 }).catch(() => {});
	await page.waitForTimeout(150);
}

async function dashCounts(page) {
	await goto(page, '#/dashboard');
	await page.waitForSelector('[data-stat="req.completed"]');
	return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-stat]')]
		.map((e) => [e.dataset.stat, Number(e.textContent) || 0])));
}

// Confirms the open dialog (its submit button) and waits until it closes
// or shows a result; returns the text of the result dialog, if any.
async function confirmDialog(page) {
	const dlg = page.locator('dialog[open]');
	await dlg.locator('button[type=submit]').click();
	await page.waitForFunction(() => !document.querySelector('dialog[open] form[aria-busy]'));
	const err = dlg.locator('.form-error .note-error');
	if (await err.count()) throw new Error(`the dialog says: ${await err.innerText()}`);
}

async function closeResult(page) {
	const res = page.locator('dialog[open] .note');
	await res.first().waitFor();
	const txt = await res.first().innerText();
	await page.keyboard.press('Escape');
	await page.waitForFunction(() => !document.querySelector('dialog[open]'));
	return txt;
}

async function requestStates(page, batch) {
	return page.evaluate(async (b) => {
		const r = await fetch(`/api/v1/batches/${b}`, { headers: { Authorization: `Bearer ${sessionStorage.getItem('finca.token')}` } });
		const j = await r.json();
		return (j.requests || []).map((x) => x.state);
	}, batch);
}

let batch = null;

try {
	// --- the console as served ---
	await check('the console is served over HTTPS with its CSP (server certificate checked against FINCA_CA)', async () => {
		const r = await fetchTrusted('/ui/');
		assert(r.status === 200, `status ${r.status}`);
		const csp = r.headers['content-security-policy'] || '';
		assert(/script-src 'self'/.test(csp) && /frame-ancestors 'none'/.test(csp), `CSP: ${csp}`);
		assert(/app\.js/.test(r.body), 'index.html does not load app.js');
	});
	await check('/ui/config.json names the signing agent', async () => {
		const r = await fetchTrusted('/ui/config.json');
		const j = JSON.parse(r.body);
		assert(/^http:\/\/(127\.0\.0\.1|localhost):\d+/.test(j.agent), `agent: ${j.agent}`);
	});

	// --- the information officer ---
	const io = acct('officer');
	let page = await newPage();
	await page.goto(UI);
	await check('login page lists the USBKey certificates read by the agent', async () => {
		await page.waitForSelector('.cert-opt');
		const n = await page.locator('.cert-opt').count();
		assert(n >= ACCOUNTS.length, `${n} certificates listed`);
	});
	await shot(page, 'login');
	let officerIn = await check(`officer ${io?.name} logs in with its USBKey through the agent`, async () => {
		await login(page, io);
		assert((await page.locator('.who-acct').innerText()).trim() === io.name, 'another account shows');
		assert((await page.locator('.badge.role').innerText()).includes('信息员'), 'role not shown as 信息员');
	});
	let before = null;
	if (officerIn) {
		await check('officer: the dashboard greets the officer by name (姓名), not by account', async () => {
			const hello = await page.locator('.page-tools .muted').first().innerText();
			assert(hello.includes('王丽萍') && !hello.includes(io.name), hello);
		});
		await check('officer: the dashboard shows certificates, requests and the 26-week expiry chart', async () => {
			before = await dashCounts(page);
			assert('cert.valid' in before && 'req.submitted' in before, JSON.stringify(before));
			const bars = await page.locator('svg.chart g.bar rect').count();
			assert(bars === 26, `${bars} bars`);
			assert(await page.locator('svg.chart text.xlab').count() > 5, 'no axis labels');
		});

		await check('officer: the template downloads', async () => {
			await goto(page, '#/upload');
			const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#template-dl')]);
			assert(/\.xlsx$/.test(dl.suggestedFilename()), dl.suggestedFilename());
		});
		await check('officer: a spreadsheet with mistakes is refused, its problems listed in place (sheet, row, column)', async () => {
			await goto(page, '#/upload');
			await page.setInputFiles('#sheet-file', process.env.FINCA_BAD_SPREADSHEET);
			await page.click('#sheet-upload');
			await page.waitForSelector('#problems tbody tr');
			const rows = await page.locator('#problems tbody tr').allInnerTexts();
			assert(rows.length >= 2, `${rows.length} problems: ${rows.join(' | ')}`);
			assert(rows.some((r) => /身份证号/.test(r)) && rows.some((r) => /单位编码/.test(r)), rows.join(' | '));
			assert(rows.every((r) => /申请/.test(r)), 'a problem without its sheet');
			const en = await noEnglish(page, 'officer #/upload problems');
			assert(en.length === 0, en.join(' | '));
		});
		await shot(page, 'officer-upload');
		await check('officer: the good spreadsheet makes a batch of drafts', async () => {
			await page.setInputFiles('#sheet-file', process.env.FINCA_SPREADSHEET);
			await page.click('#sheet-upload');
			const link = page.locator('#upload-result .note-ok a[href^="#/batches/"]');
			await link.waitFor();
			batch = (await link.getAttribute('href')).split('/').pop();
			assert(/^\d+$/.test(batch), `batch ${batch}`);
			console.log(`# batch ${batch}`);
		});
		await walk(page, 'officer'); // the batch's drafts wait: 待提交的草稿
		if (batch) {
			await check('officer: submits the whole batch', async () => {
				await goto(page, `#/batches/${batch}`);
				await page.click('[data-batch-action=submit]');
				await confirmDialog(page);
				await closeResult(page);
				await page.waitForFunction((b) => location.hash === `#/batches/${b}`, batch);
				const st = await requestStates(page, batch);
				assert(st.length >= 1 && st.every((s) => s === 'submitted'), st.join(' '));
			});
			await check('officer: the batch page offers the annex forms and the scan upload', async () => {
				await goto(page, `#/batches/${batch}`);
				await page.waitForSelector('[data-form="person"]');
				await page.waitForSelector('input[type=file][id^="att-"]');
			});
		}
		await check('officer: a request form shows the server\'s error next to its field', async () => {
			await goto(page, '#/requests/new?type=freeze&subject=110105194912310021');
			await page.waitForSelector('select[name=app] option[value="ysgl"]', { state: 'attached' });
			await page.selectOption('select[name=app]', 'ysgl');
			await page.fill('input[name=cert_serial]', 'ABCDEF0123');
			await page.uncheck('input[name=submit_now]');
			await page.click('main form button[type=submit]');
			const e = page.locator('main .field-error:not(:empty)');
			await e.first().waitFor();
		});
		await denied(page, 'officer', 'audit');
		await logout(page);
	}

	// --- the approver ---
	const ap = acct('approver');
	page = await newPage();
	await page.goto(UI);
	if (await check(`approver ${ap?.name} logs in`, () => login(page, ap))) {
		await walk(page, 'approver'); // the submitted batch waits: 待审批
		await check('approver: the queue shows the submitted batch', async () => {
			await goto(page, '#/approvals');
			await page.waitForSelector(`#appr-batches tr[data-batch="${batch}"]`);
			await page.waitForSelector('.list tbody tr[data-key]');
		});
		await shot(page, 'approver-queue');
		await check('approver: a dialog keeps the focus inside and closes on Escape', async () => {
			await page.locator('[data-action=reject]').first().click();
			await page.waitForSelector('dialog[open] textarea[name=reason]');
			for (let i = 0; i < 8; i++) await page.keyboard.press('Tab');
			assert(await page.evaluate(() => !!document.activeElement.closest('dialog[open]')), 'focus left the dialog');
			await page.keyboard.press('Escape');
			await page.waitForFunction(() => !document.querySelector('dialog[open]'));
		});
		// art. 19: no approval before the stamped scan; the officer's scan
		// is attached at the command line (hook attach) in between
		await check('approver: approval waits for the stamped scan, said in Chinese', async () => {
			const b = page.locator(`#appr-batches tr[data-batch="${batch}"] [data-batch-action=approve]`);
			assert(await b.isDisabled(), 'the approve button is enabled');
			assert(/第十九条/.test(await b.getAttribute('title')), 'no explanation');
			await goto(page, `#/batches/${batch}`);
			await page.waitForSelector('[data-batch-action=approve][disabled]');
			const n = await page.locator('main .note-warn').first().innerText();
			assert(/尚未上传加盖公章的纸质申请表扫描件/.test(n), n);
		});
		await shot(page, 'approver-paper-missing');
		if (process.env.FINCA_HOOK)
			await check('the officer\'s stamped scan is attached', async () => {
				execFileSync(process.env.FINCA_HOOK, ['attach', batch], { encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'pipe'] });
			});
		await check('approver: the approval dialog shows the scan', async () => {
			await goto(page, '#/approvals');
			await page.click(`#appr-batches tr[data-batch="${batch}"] [data-batch-action=approve]:not([disabled])`);
			await page.waitForSelector('dialog[open] .paper-scans [data-scan]');
		});
		await shot(page, 'approver-paper-dialog');
		await check('approver: approves the whole batch', async () => {
			await confirmDialog(page);
			await closeResult(page);
			const st = await requestStates(page, batch);
			assert(st.every((s) => s === 'approved'), st.join(' '));
		});
		await denied(page, 'approver', 'production');
		await logout(page);
	}

	// --- the operator ---
	const op = acct('operator');
	page = await newPage();
	await page.goto(UI);
	await check('operator: without its password the login is refused and the password field says so', async () => {
		await login(page, op, { password: '', expectShell: false });
		const e = page.locator('#pw-e:not(:empty)');
		await e.waitFor();
	});
	let opBefore = null;
	if (await check(`operator ${op?.name} logs in with USBKey and password`, () => login(page, op))) {
		opBefore = await dashCounts(page).catch(() => null);
		await walk(page, 'operator'); // the approved batch waits: 待受理
		await check('operator: the production queue shows the approved batch', async () => {
			await goto(page, '#/production');
			await page.waitForSelector(`#prod-batches tr[data-batch="${batch}"]`);
		});
		await shot(page, 'operator-queue');
		await check('operator: accepts the whole batch', async () => {
			await page.click(`#prod-batches tr[data-batch="${batch}"] [data-batch-action=accept]`);
			await confirmDialog(page);
			await closeResult(page);
			const st = await requestStates(page, batch);
			assert(st.every((s) => s === 'accepted'), st.join(' '));
		});
		await check('operator: persons\' certificates point to the token station (finca token enroll --request)', async () => {
			await goto(page, '#/production?state=accepted');
			const c = page.locator('.station code').first();
			await c.waitFor();
			assert(/finca token enroll --request \d+/.test(await c.innerText()), await c.innerText());
		});
		if (process.env.FINCA_HOOK) {
			let made = '';
			await check('the token station makes the USBKeys (harness hook)', () => {
				try {
					made = execFileSync(process.env.FINCA_HOOK, ['produce'], { encoding: 'utf8', timeout: 120000, stdio: ['ignore', 'pipe', 'pipe'] });
				} catch (e) {
					throw new Error(`hook: ${e.message}\n${e.stderr || ''}`);
				}
				for (const l of made.trim().split('\n')) console.log(`# made at the station: request, USBKey ${l}`);
				return made.trim().split('\n').filter(Boolean).length >= 1;
			});
			await check('operator: hands the USBKeys over to the unit\'s handler', async () => {
				await goto(page, '#/production?state=produced');
				await page.waitForSelector('.list tbody tr[data-key]');
				await page.check('.list thead input[type=checkbox]');
				await page.click('[data-bulk=handover]');
				await page.fill('dialog[open] input[name=handler]', '王经办');
				await confirmDialog(page);
				const res = await closeResult(page);
				assert(!/失败 [1-9]/.test(res), res);
				const st = await requestStates(page, batch);
				assert(st.every((s) => s === 'handed_over'), st.join(' '));
			});
			await check('operator: completes the batch', async () => {
				await goto(page, '#/production?state=handed_over');
				await page.waitForSelector(`#prod-batches tr[data-batch="${batch}"] [data-batch-action=complete]`);
				await page.click(`#prod-batches tr[data-batch="${batch}"] [data-batch-action=complete]`);
				await confirmDialog(page);
				await closeResult(page);
				const st = await requestStates(page, batch);
				assert(st.every((s) => s === 'completed'), st.join(' '));
			});
			await check('operator: the dashboard counts follow (valid certificates, completed requests)', async () => {
				const after = await dashCounts(page);
				const n = (await requestStates(page, batch)).length;
				assert(opBefore, 'no dashboard before');
				assert(after['req.completed'] >= opBefore['req.completed'] + n, `completed ${opBefore['req.completed']} -> ${after['req.completed']}`);
				assert(after['cert.valid'] >= opBefore['cert.valid'] + n, `valid ${opBefore['cert.valid']} -> ${after['cert.valid']}`);
			});
			await shot(page, 'dashboard');
		} else {
			skip('the token station makes the USBKeys', 'no FINCA_HOOK');
			await dashCounts(page).catch(() => null);
			await shot(page, 'dashboard');
		}
		await check('operator: finds a certificate and offers freeze / revoke after confirmation', async () => {
			await goto(page, '#/certs?status=valid');
			await page.waitForSelector('.list tbody tr[data-key]');
			const b = page.locator('[data-op=freeze]').first();
			await b.click();
			await page.waitForSelector('dialog[open]');
			await page.keyboard.press('Escape');
		});
		await check('operator: the USBKey inventory lists tokens', async () => {
			await goto(page, '#/tokens');
			await page.waitForSelector('.list tbody tr[data-key]');
		});
		await denied(page, 'operator', 'audit');
		await logout(page);
	}

	// --- the administrator ---
	const ad = acct('admin');
	page = await newPage();
	await page.goto(UI);
	if (await check(`administrator ${ad?.name} logs in with USBKey and password`, () => login(page, ad))) {
		await check('administrator: the units page lists the applying units', async () => {
			await goto(page, '#/org/units');
			await page.waitForSelector('.list tbody tr[data-key]');
		});
		await shot(page, 'admin-units');
		await check('administrator: adds a department; a bad code is shown at its field', async () => {
			await goto(page, '#/org/depts');
			await page.click('#org-add');
			await page.fill('dialog[open] input[name=code]', 'bad code!');
			await page.fill('dialog[open] input[name=name]', '国库处');
			await page.selectOption('dialog[open] select[name=node]', { index: 1 });
			await page.click('dialog[open] button[type=submit]');
			await page.waitForSelector('dialog[open] .field-error:not(:empty)');
			await page.fill('dialog[open] input[name=code]', 'guoku');
			await confirmDialog(page);
			await page.waitForFunction(() => !document.querySelector('dialog[open]'));
			await page.waitForSelector('.list tbody tr:has-text("guoku")');
		});
		await check('administrator: the CA certificates show their validity', async () => {
			await goto(page, '#/ca');
			await page.waitForSelector('[data-ca="issuing"] dl');
		});
		await walk(page, 'admin');
		await denied(page, 'admin', 'audit');
		await logout(page);
	}

	// --- the auditor ---
	const au = acct('auditor');
	page = await newPage();
	await page.goto(UI);
	if (await check(`auditor ${au?.name} logs in`, () => login(page, au))) {
		await check('auditor: the audit trail lists the day\'s records', async () => {
			await goto(page, '#/audit');
			await page.waitForSelector('.list tbody tr[data-key]');
			const txt = await page.locator('.list tbody').innerText();
			assert(/auth\.login/.test(txt) && /request\.move/.test(txt), 'no login or request move in the trail');
		});
		await check('auditor: the trail reads in Chinese: action names and summaries', async () => {
			const txt = await page.locator('.list tbody').innerText();
			// the newest page: the operator's moves (制作, 交接, 办结) and logins
			assert(/登录/.test(txt) && /证书制作|证书交接|申请办结/.test(txt), 'no 登录 or request move named in the trail');
			assert(/申请 \d+：(制作|交接|办结)，(已受理|已制作|已交接) → (已制作|已交接|已办结)/.test(txt), 'no summary of a move');
		});
		await check('auditor: 详细 shows the raw record', async () => {
			await page.locator('.list tbody tr[data-key] td.actions button').first().click();
			const pre = page.locator('dialog pre.json');
			await pre.waitFor();
			const raw = JSON.parse(await pre.innerText());
			assert(raw.seq && raw.action && 'details' in raw, JSON.stringify(raw));
			await page.keyboard.press('Escape');
		});
		await check('auditor: the action filter lists Chinese names and families, and filters', async () => {
			await page.waitForSelector('#audit-action option[value="cert."]', { state: 'attached' });
			assert(await page.locator('#audit-action option[value="cert."]').innerText() === '证书（全部）', 'no 证书（全部）');
			await page.selectOption('#audit-action', 'request.');
			await page.click('form.filters button[type=submit]');
			await page.waitForFunction(() => {
				const rows = [...document.querySelectorAll('.list tbody tr[data-key]')];
				return rows.length && rows.every((r) => /request\./.test(r.innerText));
			});
		});
		await check('auditor: 导出CSV downloads the filtered trail', async () => {
			const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#audit-export-csv')]);
			assert(/\.csv$/.test(dl.suggestedFilename()), dl.suggestedFilename());
			const text = fs.readFileSync(await dl.path(), 'utf8');
			assert(text.startsWith('\uFEFF序号,时间,操作者,操作,对象,摘要,详细内容'), text.slice(0, 80));
			assert(/,审批通过,/.test(text) && !/,登录,/.test(text), 'not the filtered trail (request.)');
		});
		await check('auditor: 导出Excel downloads an XLSX', async () => {
			const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#audit-export-xlsx')]);
			assert(/\.xlsx$/.test(dl.suggestedFilename()), dl.suggestedFilename());
			assert(fs.readFileSync(await dl.path()).subarray(0, 2).toString() === 'PK', 'not a zip');
		});
		await check('auditor: verifying the chain reports it intact', async () => {
			await page.click('#audit-verify');
			const n = page.locator('#verify-result .note');
			await n.waitFor();
			assert(await page.locator('#verify-result .note-ok').count() === 1, await n.innerText());
		});
		await shot(page, 'auditor-audit');
		await walk(page, 'auditor');
		await denied(page, 'auditor', 'production');
		await check('the English switch relabels the console', async () => {
			await page.click('header.top button:has-text("English")');
			await page.waitForSelector('nav.menu a[data-page="audit"]:has-text("Audit trail")');
			await page.click('header.top button:has-text("中文")');
			await page.waitForSelector('nav.menu a[data-page="audit"]:has-text("审计日志")');
		});
		await logout(page);
	}

	await confPages(); // configuration shown as pages (functions at the end)
	await confFilePicker();
	await confDatePicker();

	ok('no script error and no CSP refusal in any page', problems.length === 0, ...problems);
	ok('zh: no English sentence on any page checked', english.length === 0, ...english);
	console.log(`# ${failed} check(s) failed`);
	await browser.close();
	process.exit(0);
} catch (e) {
	console.log(`# the browser script broke: ${e.stack || e}`);
	await browser.close().catch(() => {});
	process.exit(1);
}

// Issue 14, item 8: configuration shown as pages, not JSON.  The
// administrator's 证书模板 page names each profile in Chinese, its usages in
// words, and shows no raw JSON.
async function confPages() {
	const a = acct('admin');
	if (!a) return skip('confpages: the profiles page', 'no admin account');
	const page = await newPage();
	await login(page, a);
	await check('certificate list: the search narrows as one types, no Enter, q kept in the address', async () => {
		await goto(page, '#/certs');
		await page.waitForSelector('.list tbody tr[data-key]');
		const rows = page.locator('.list tbody tr[data-key]');
		const before = await rows.count();
		assert(before > 1, `only ${before} certificate(s) to search`);
		const serial = await rows.first().getAttribute('data-key');
		await page.locator('.list-head input[type=search]').pressSequentially(serial, { delay: 10 });
		await page.waitForFunction(() => document.querySelectorAll('.list tbody tr[data-key]').length === 1);
		assert(/[?&]q=/.test(await page.evaluate(() => location.hash)), 'q not in the address');
	});
	await check('profiles page: 个人证书, usages in words, no raw JSON', async () => {
		await goto(page, '#/profiles');
		await page.waitForSelector('section[data-profile="personal"] h2');
		const txt = await page.locator('main').innerText();
		assert(/个人证书/.test(txt) && /单位证书/.test(txt) && /OCSP签名证书/.test(txt), 'no Chinese profile names');
		assert(/数字签名/.test(txt) && /不可否认/.test(txt) && /签发CA（用户CA）/.test(txt), 'no usages or CA in words');
		assert(/2年/.test(txt), 'no validity in 年');
		assert(!/[{}]|"\w+":|digitalSignature|subscriber/.test(txt), 'raw keys or JSON shown');
	});
	await shot(page, 'confpages-profiles');
	await check('CA page: 根CA, 签发CA (用户CA), 服务CA from the server, with CRL and OCSP addresses', async () => {
		await goto(page, '#/ca');
		await page.waitForSelector('[data-ca="issuing"] dl');
		const txt = await page.locator('main').innerText();
		assert(/根CA/.test(txt) && /签发CA（用户CA）/.test(txt) && /服务CA/.test(txt), 'no Chinese CA names');
		assert(/CRL地址/.test(txt) && /\/crl\/issuing\.crl/.test(txt) && /OCSP地址/.test(txt), 'no CRL or OCSP address');
		assert(!/[{}]|"\w+":/.test(txt), 'raw JSON shown');
	});
	await shot(page, 'confpages-ca');
	await logout(page);
	await page.context().close();
}

// The file picker speaks the console's language, not the browser's: an
// English-locale Chromium still shows 选择文件 / 未选择文件, then the name.
async function confFilePicker() {
	const a = acct('officer');
	if (!a || !process.env.FINCA_SPREADSHEET) return skip('confpages: the file picker', 'no officer or spreadsheet');
	const en = await chromium.launch({ executablePath: CHROMIUM, args: ['--lang=en-US'] });
	try {
		const ctx = await en.newContext({ ignoreHTTPSErrors: true, locale: 'en-US', viewport: { width: 1280, height: 800 } });
		const page = await ctx.newPage();
		page.setDefaultTimeout(15000);
		await login(page, a);
		await check('file picker in an en-US browser: 选择文件 / 未选择文件, then the file name', async () => {
			await goto(page, '#/upload');
			const pick = page.locator('.file-pick').first();
			await pick.waitFor();
			const txt = await pick.innerText();
			assert(/选择文件/.test(txt) && /未选择文件/.test(txt), txt);
			await page.setInputFiles('#sheet-file', process.env.FINCA_SPREADSHEET);
			const name = path.basename(process.env.FINCA_SPREADSHEET);
			await page.waitForFunction((n) => document.querySelector('.file-pick .file-name').textContent === n, name);
		});
	} finally {
		await en.close();
	}
}

// The date field speaks the console's language, not the browser's: in an
// en-US Chromium (which draws <input type=date> as mm/dd/yyyy) the
// auditor's 起始日期 shows 年-月-日 and a calendar headed 2026年12月 and
// 一 … 日; a day is picked with the keyboard and with the mouse, the value
// stays ISO; 2026年1月5日 typed becomes 2026-01-05, garbage is said in
// Chinese at the field; the officer's request form (ui/form.js) has it too.
async function confDatePicker() {
	const au = acct('auditor'), io = acct('officer');
	if (!au) return skip('datefield: the date field', 'no auditor account');
	const en = await chromium.launch({ executablePath: CHROMIUM, args: ['--lang=en-US'] });
	// ISO day n days after day (UTC arithmetic, no time zone involved)
	const addDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
	try {
		const ctx = await en.newContext({ ignoreHTTPSErrors: true, locale: 'en-US', viewport: { width: 1280, height: 800 } });
		const page = await ctx.newPage();
		page.setDefaultTimeout(15000);
		page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
		page.on('console', (m) => {
			if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
		});
		await login(page, au);
		const field = page.locator('.date-field:has(#audit-since)');
		const since = page.locator('#audit-since');
		const pop = field.locator('.date-pop');
		await check('date field in an en-US browser: 年-月-日, a calendar headed 年/月 and 一 … 日, 上月/下月, 今天/清除', async () => {
			await goto(page, '#/audit');
			await since.waitFor();
			assert(await since.getAttribute('type') === 'text', 'still a native date input');
			assert(/^\d{4}-\d{2}-\d{2}$/.test(await since.inputValue()), await since.inputValue());
			assert(await since.getAttribute('placeholder') === '年-月-日', await since.getAttribute('placeholder'));
			await field.locator('.date-toggle').click();
			await pop.waitFor();
			const heads = await pop.locator('thead th').allInnerTexts();
			assert(heads.join('') === '一二三四五六日', heads.join(' '));
			const title = await pop.locator('.date-title').innerText();
			assert(/^\d{4}年\d{1,2}月$/.test(title), title);
			const txt = await pop.innerText();
			assert(['上月', '下月', '今天', '清除'].every((w) => txt.includes(w)), txt);
		});
		await check('date field: the keyboard picks a day (→, Enter), the value stays ISO', async () => {
			const before = await since.inputValue();
			assert(await page.evaluate(() => document.activeElement?.dataset.day) === before, 'the calendar does not open on the chosen day');
			await page.keyboard.press('ArrowRight');
			await page.keyboard.press('Enter');
			await pop.waitFor({ state: 'hidden' });
			assert(await since.inputValue() === addDays(before, 1), `${before} -> ${await since.inputValue()}`);
		});
		await check('date field: 上月 then a day with the mouse gives that ISO date', async () => {
			const before = await since.inputValue();
			const [y, m] = before.split('-').map(Number);
			const want = m === 1 ? `${y - 1}-12-15` : `${y}-${String(m - 1).padStart(2, '0')}-15`;
			await field.locator('.date-toggle').click();
			await pop.locator('button:has-text("上月")').click();
			await pop.locator(`[data-day="${want}"]`).click();
			await pop.waitFor({ state: 'hidden' });
			assert(await since.inputValue() === want, `${await since.inputValue()}, not ${want}`);
		});
		await check('date field: 2026年1月5日 typed becomes 2026-01-05', async () => {
			await since.fill('2026年1月5日');
			await since.press('Tab');
			await page.waitForFunction(() => document.querySelector('#audit-since').value === '2026-01-05');
		});
		await check('date field: garbage typed is said in Chinese at the field', async () => {
			await since.fill('hello 12');
			await since.press('Tab');
			// the error element the field names (aria-describedby)
			const e = page.locator(`#${await since.getAttribute('aria-describedby')}`);
			await page.waitForFunction(() => /不是有效日期/.test(document.getElementById(
				document.querySelector('#audit-since').getAttribute('aria-describedby'))?.textContent || ''));
			assert(await since.getAttribute('aria-invalid') === 'true', 'not marked invalid');
			assert(/年-月-日/.test(await e.innerText()), await e.innerText());
		});
		await field.locator('.date-toggle').click();
		await pop.waitFor();
		await shot(page, 'datefield');
		await check('date field: Escape closes the calendar, focus back on the field', async () => {
			await page.keyboard.press('Escape');
			await pop.waitFor({ state: 'hidden' });
			assert(await page.evaluate(() => document.activeElement?.id) === 'audit-since', 'focus not on the field');
		});
		await logout(page);
		if (!io) return skip('datefield: the request form', 'no officer account');
		await login(page, io);
		await check('date field in a form (ui/form.js): the authorize request\'s 授权有效期至 is ours, a wrong date said at it', async () => {
			await goto(page, '#/requests/new?type=authorize');
			const na = page.locator('input[name=not_after]');
			await na.waitFor();
			assert(await na.getAttribute('type') === 'text', 'still a native date input');
			assert(await na.getAttribute('placeholder') === '年-月-日', await na.getAttribute('placeholder'));
			await na.fill('2026/12/5');
			await na.press('Tab');
			assert(await na.inputValue() === '2026-12-05', await na.inputValue());
			await na.fill('2026-02-30');
			await na.press('Tab');
			await page.waitForFunction(() => /不是有效日期/.test(document.getElementById(
				document.querySelector('input[name=not_after]').getAttribute('aria-describedby').split(' ')[0])?.textContent || ''));
		});
		await logout(page);
	} finally {
		await en.close();
	}
}
