// A bar chart in SVG: one bar per value, x labels under every few bars,
// a y axis with round ticks.  Sizes in viewBox units; CSS scales it.
import { h } from '../dom.js';

// A round step for about four ticks up to m (integers: counts).
function niceStep(m) {
	const raw = Math.max(1, m / 4), p = 10 ** Math.floor(Math.log10(raw));
	for (const k of [1, 2, 5, 10]) if (k * p >= raw) return k * p;
	return 10 * p;
}

// values: numbers; labels: x labels (same length); tip(i) -> hover text;
// href(i) -> where a bar (not empty) leads
export function barChart({ values, labels, tip, href, title, yTitle, xTitle, every = 2, empty }) {
	const W = 800, H = 250, L = 48, R = 12, T = 16, B = 52;
	const top = Math.max(0, ...values), step = niceStep(top), max = Math.max(step, Math.ceil(top / step) * step);
	const n = values.length;
	const pw = W - L - R, ph = H - T - B, bw = pw / n;
	const y = (v) => T + ph - (v / max) * ph;
	const ticks = [];
	for (let v = 0; v <= max; v += step) ticks.push(v);
	const svg = h('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title },
		h('title', {}, title),
		ticks.map((v) => h('g', { class: 'tick' },
			h('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'gridline' }),
			h('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v)))),
		values.map((v, i) => h(href && v ? 'a' : 'g', { class: 'bar', xmlns: 'http://www.w3.org/2000/svg', href: href && v ? href(i) : null, 'data-week': i },
			h('rect', { x: L + i * bw + bw * 0.15, y: y(v), width: bw * 0.7, height: Math.max(0, T + ph - y(v)), class: v ? 'bar-fill' : 'bar-zero' },
				h('title', {}, tip ? tip(i) : `${labels[i]}: ${v}`)),
			v ? h('text', { x: L + i * bw + bw / 2, y: y(v) - 4, 'text-anchor': 'middle', class: 'bar-val' }, String(v)) : null)),
		labels.map((l, i) => (i % every === 0
			? h('text', { x: L + i * bw + bw / 2, y: T + ph + 16, 'text-anchor': 'middle', class: 'xlab' }, l) : null)),
		h('line', { x1: L, x2: L, y1: T, y2: T + ph, class: 'axis' }),
		yTitle && h('text', { x: 12, y: T + ph / 2, transform: `rotate(-90 12 ${T + ph / 2})`, 'text-anchor': 'middle', class: 'ytitle' }, yTitle),
		xTitle && h('text', { x: L + pw / 2, y: H - 8, 'text-anchor': 'middle', class: 'xtitle' }, xTitle),
		empty && top === 0 && h('text', { x: L + pw / 2, y: T + ph / 2, 'text-anchor': 'middle', class: 'empty-note' }, empty));
	return svg;
}
