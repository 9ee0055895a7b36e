// Just enough DER to show a CA certificate: serial, subject, issuer,
// validity and key algorithm.
function tlv(b, i) {
	const tag = b[i];
	let len = b[i + 1], off = i + 2;
	if (len & 0x80) {
		const n = len & 0x7f;
		len = 0;
		for (let k = 0; k < n; k++) len = len * 256 + b[off + k];
		off += n;
	}
	return { tag, start: off, end: off + len, next: off + len };
}

function kids(b, node) {
	const out = [];
	for (let i = node.start; i < node.end;) {
		const c = tlv(b, i);
		out.push(c);
		i = c.next;
	}
	return out;
}

function oid(b, n) {
	const v = b.subarray(n.start, n.end), parts = [Math.floor(v[0] / 40), v[0] % 40];
	let x = 0;
	for (let i = 1; i < v.length; i++) {
		x = x * 128 + (v[i] & 0x7f);
		if (!(v[i] & 0x80)) { parts.push(x); x = 0; }
	}
	return parts.join('.');
}

function str(b, n) {
	const v = b.subarray(n.start, n.end);
	if (n.tag === 0x1e) { // BMPString
		let s = '';
		for (let i = 0; i + 1 < v.length; i += 2) s += String.fromCharCode(v[i] << 8 | v[i + 1]);
		return s;
	}
	return new TextDecoder().decode(v);
}

const NAMES = { '2.5.4.6': 'C', '2.5.4.8': 'ST', '2.5.4.7': 'L', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.3': 'CN', '2.5.4.5': 'serialNumber' };
const ALGS = { '1.2.840.10045.3.1.7': 'ECDSA P-256', '1.3.132.0.34': 'ECDSA P-384', '1.2.156.10197.1.301': 'SM2', '1.2.840.113549.1.1.1': 'RSA' };

function name(b, n) {
	return kids(b, n).map((set) => kids(b, set).map((atv) => {
		const [o, v] = kids(b, atv);
		return `${NAMES[oid(b, o)] || oid(b, o)}=${str(b, v)}`;
	}).join('+')).join(', ');
}

function time(b, n) {
	let s = new TextDecoder().decode(b.subarray(n.start, n.end));
	if (n.tag === 0x17) s = (Number(s.slice(0, 2)) < 50 ? '20' : '19') + s;
	return new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}Z`);
}

export async function parseCert(der) {
	const cert = tlv(der, 0);
	const tbs = kids(der, kids(der, cert)[0]);
	let i = tbs[0].tag === 0xa0 ? 1 : 0;
	const serialN = tbs[i++];
	const serial = [...der.subarray(serialN.start, serialN.end)].map((x) => x.toString(16).padStart(2, '0')).join('').replace(/^00(?=[89a-f])/, '').toUpperCase();
	i++; // signature algorithm
	const issuer = name(der, tbs[i++]);
	const [nb, na] = kids(der, tbs[i++]);
	const subject = name(der, tbs[i++]);
	const algSeq = kids(der, kids(der, tbs[i++])[0]);
	let alg = oid(der, algSeq[0]);
	if (alg === '1.2.840.10045.2.1' && algSeq[1]?.tag === 0x06) alg = oid(der, algSeq[1]);
	let sha256 = '';
	if (crypto.subtle) {
		const d = new Uint8Array(await crypto.subtle.digest('SHA-256', der));
		sha256 = [...d].map((x) => x.toString(16).padStart(2, '0')).join(':').toUpperCase();
	}
	return { serial, issuer, subject, notBefore: time(der, nb), notAfter: time(der, na), algorithm: ALGS[alg] || alg, sha256 };
}
