// Every string of the console, in Chinese (default) and English, and the
// Beijing-time formatting of dates.  t('key', {name: value}) fills {name}.
import { zh, en } from './strings.js';

const LANG_KEY = 'finca.lang';
const dicts = { zh, en };
let lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';

export const getLang = () => lang;
export function setLang(l) {
	lang = l === 'en' ? 'en' : 'zh';
	localStorage.setItem(LANG_KEY, lang);
	document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

export function t(key, params) {
	let s = dicts[lang][key] ?? zh[key];
	if (s === undefined) {
		console.warn('i18n: no string', key);
		return key;
	}
	if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] ?? m));
	return s;
}

// A label of an enumerated value (state, type, role...), or the value.
export function label(group, value) {
	if (value == null || value === '') return '';
	const s = dicts[lang][`${group}.${value}`] ?? zh[`${group}.${value}`];
	return s ?? String(value);
}

export const TZ = 'Asia/Shanghai';
const fmt = {
	dt: new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit',
		hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }),
	d: new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }),
};

// A Date from the API's ISO 8601 text or Unix seconds.
export function toDate(v) {
	if (v == null || v === '') return null;
	const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
	return isNaN(d) ? null : d;
}

function parts(f, d) {
	const p = {};
	for (const x of f.formatToParts(d)) p[x.type] = x.value;
	return p;
}

// "2026-11-24 11:55:18" in Beijing time.
export function fmtTime(v) {
	const d = toDate(v);
	if (!d) return '';
	const p = parts(fmt.dt, d);
	return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

// "2026-11-24" in Beijing time.
export function fmtDate(v) {
	const d = toDate(v);
	if (!d) return '';
	const p = parts(fmt.d, d);
	return `${p.year}-${p.month}-${p.day}`;
}

// Days from now until v (negative when past).
export function daysLeft(v) {
	const d = toDate(v);
	return d ? Math.floor((d - Date.now()) / 86400000) : null;
}

// A date picked in Beijing time ("2026-11-24") as the UTC text the server
// reads ("2026-11-23T16:00:00Z"); endOfDay: 23:59:59 that day.
export function bjDate(d, endOfDay = false) {
	if (!d) return undefined;
	const x = new Date(`${d}T${endOfDay ? '23:59:59' : '00:00:00'}+08:00`);
	return isNaN(x) ? d : x.toISOString().replace(/\.\d+Z$/, 'Z');
}
