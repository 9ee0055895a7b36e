/* TLCP, server side (tlcp.h).  Wire formats as GM/T 0024-2014 6.4 and
 * GB/T 38636-2020 write them; where the standard leaves a choice, what the
 * GmSSL project's tlcp.c (an independent implementation, read, not copied)
 * does, so that its `gmssl tlcp_client` talks to this server:
 *   - version 0x0101 in every record and hello;
 *   - Certificate: the signing certificate first, the encryption one
 *     second, then the CA certificates;
 *   - ServerKeyExchange (ECC): only a signature<0..2^16-1> (TLS 1.1 form,
 *     no SignatureAndHashAlgorithm), SM2 with SM3 and the default ID over
 *     client_random || server_random || uint24 length || the encryption
 *     certificate's DER;
 *   - ClientKeyExchange (ECC): ECCEncryptedPreMasterSecret<0..2^16-1>, the
 *     SM2 ciphertext (GM/T 0009 SEQUENCE, as OpenSSL writes it) of the
 *     48-byte pre-master secret, whose first two bytes are 0x0101;
 *   - key block: client MAC key, server MAC key (32 each), client key,
 *     server key (16 each); the IVs are explicit, per record.
 * A pre-master secret that does not decrypt is replaced by random bytes,
 * so that the Finished check fails the same way (RFC 5246 7.4.7.1). */
#include "tlcp/tlcp.h"
#include "crypto/key.h"
#include "crypto/sig.h"
#include "util/err.h"
#include "util/util.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
	CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_DATA = 23,
	HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_CERTIFICATE = 11,
	HS_SERVER_KEY_EXCHANGE = 12, HS_SERVER_HELLO_DONE = 14,
	HS_CLIENT_KEY_EXCHANGE = 16, HS_FINISHED = 20,
	AL_CLOSE_NOTIFY = 0, AL_UNEXPECTED = 10, AL_BAD_MAC = 20,
	AL_HANDSHAKE_FAILURE = 40, AL_DECODE = 50, AL_DECRYPT = 51,
	AL_PROTOCOL_VERSION = 70, AL_INTERNAL = 80,
	VERSION = 0x0101, SUITE = 0xE013,
	MAC_LEN = 32, KEY_LEN = 16, IV_LEN = 16, VERIFY_LEN = 12,
	/* a record's fragment: IV, data, MAC, at most 256 bytes of padding */
	FRAGMENT_MAX = TLCP_RECORD_MAX + 2048,
	HANDSHAKE_MAX = 1 << 16,
};

struct tlcp_server {
	EVP_PKEY *sign_key, *enc_key;  /* owned references */
	unsigned char *certs;          /* the Certificate message's body */
	size_t certs_len;
	unsigned char *enc_der;        /* the encryption certificate */
	size_t enc_len;
};

/* One direction's protection once ChangeCipherSpec has passed. */
struct dir {
	int on;
	uint64_t seq;
	unsigned char mac[MAC_LEN], key[KEY_LEN];
	EVP_CIPHER_CTX *cipher;
};

struct tlcp_conn {
	const struct tlcp_server *s;   /* borrowed */
	int fd;                        /* borrowed */
	int up;                        /* handshake done, close_notify due */
	struct dir rd, wr;
	unsigned char client_random[32], server_random[32], master[48];
	EVP_MD_CTX *transcript;        /* SM3 of the handshake messages */
	/* handshake bytes read and not yet taken */
	unsigned char hs[HANDSHAKE_MAX + 4];
	size_t hs_len;
	unsigned char rec[FRAGMENT_MAX];
};

/* --- bytes --- */

static void put16(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put24(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)(v >> 16);
	put16(p + 1, v);
}

static size_t get16(const unsigned char *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static size_t get24(const unsigned char *p)
{
	return (size_t)p[0] << 16 | get16(p + 1);
}

static int read_all(int fd, unsigned char *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* --- the PRF and the record protection --- */

int tlcp_prf(const unsigned char *secret, size_t slen, const char *label,
	     const unsigned char *seed, size_t seedlen, unsigned char *out, size_t outlen)
{
	unsigned char a[MAC_LEN], buf[MAC_LEN + 64 + 64], blk[MAC_LEN];
	size_t llen = strlen(label), mlen = llen + seedlen;
	unsigned int n;
	int rc = FINCA_ECRYPTO;

	if (mlen > 128)
		return err_set(FINCA_EINVAL, "tlcp: PRF seed too long");
	memcpy(buf + MAC_LEN, label, llen);
	memcpy(buf + MAC_LEN + llen, seed, seedlen);
	/* A(1) = HMAC(secret, label || seed) */
	if (!HMAC(EVP_sm3(), secret, (int)slen, buf + MAC_LEN, mlen, a, &n))
		goto out;
	while (outlen) {
		size_t take = outlen < MAC_LEN ? outlen : MAC_LEN;
		memcpy(buf, a, MAC_LEN);
		if (!HMAC(EVP_sm3(), secret, (int)slen, buf, MAC_LEN + mlen, blk, &n) ||
		    !HMAC(EVP_sm3(), secret, (int)slen, a, MAC_LEN, a, &n))
			goto out;
		memcpy(out, blk, take);
		out += take;
		outlen -= take;
	}
	rc = FINCA_OK;
out:
	OPENSSL_cleanse(a, sizeof a);
	OPENSSL_cleanse(blk, sizeof blk);
	return rc == FINCA_OK ? rc : err_ssl(rc, "tlcp: PRF");
}

/* HMAC-SM3 of seq || type || version || length || data. */
static int record_mac(const struct dir *d, int type, const unsigned char *data, size_t len,
		      unsigned char *mac)
{
	unsigned char hdr[13];
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
	OSSL_PARAM p[2];
	size_t out = 0;
	int ok;

	for (int i = 0; i < 8; i++)
		hdr[i] = (unsigned char)(d->seq >> (56 - 8 * i));
	hdr[8] = (unsigned char)type;
	put16(hdr + 9, VERSION);
	put16(hdr + 11, len);
	p[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SM3", 0);
	p[1] = OSSL_PARAM_construct_end();
	ok = ctx && EVP_MAC_init(ctx, d->mac, MAC_LEN, p) && EVP_MAC_update(ctx, hdr, 13) &&
	     EVP_MAC_update(ctx, data, len) && EVP_MAC_final(ctx, mac, &out, MAC_LEN) &&
	     out == MAC_LEN;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	return ok ? FINCA_OK : err_ssl(FINCA_ECRYPTO, "tlcp: record MAC");
}

/* Sends one record of type with data (len <= TLCP_RECORD_MAX), protected
 * when the write side is on: IV || SM4-CBC(data || MAC || padding). */
static int send_record(struct tlcp_conn *c, int type, const unsigned char *data, size_t len)
{
	unsigned char *out = c->rec, *body = out + 5;
	size_t n = len;
	int ok, outl = 0, fin = 0;

	if (!c->wr.on) {
		memcpy(body, data, len);
	} else {
		unsigned char *pt = body + IV_LEN;
		size_t pad = 15 - (len + MAC_LEN) % 16;

		memcpy(pt, data, len);
		if (record_mac(&c->wr, type, data, len, pt + len) != FINCA_OK)
			return FINCA_ECRYPTO;
		memset(pt + len + MAC_LEN, (int)pad, pad + 1);
		n = len + MAC_LEN + pad + 1;
		ok = RAND_bytes(body, IV_LEN) == 1 &&
		     EVP_EncryptInit_ex(c->wr.cipher, NULL, NULL, c->wr.key, body) &&
		     EVP_EncryptUpdate(c->wr.cipher, pt, &outl, pt, (int)n) &&
		     EVP_EncryptFinal_ex(c->wr.cipher, pt + outl, &fin) && (size_t)(outl + fin) == n;
		if (!ok)
			return err_ssl(FINCA_ECRYPTO, "tlcp: encrypting a record");
		n += IV_LEN;
		c->wr.seq++;
	}
	out[0] = (unsigned char)type;
	put16(out + 1, VERSION);
	put16(out + 3, n);
	return write_all(c->fd, out, n + 5) ? err_set(FINCA_EIO, "tlcp: peer gone") : FINCA_OK;
}

static void send_alert(struct tlcp_conn *c, int level, int desc)
{
	unsigned char a[2] = { (unsigned char)level, (unsigned char)desc };

	(void)send_record(c, CT_ALERT, a, 2);
}

/* Fails the connection with a fatal alert; the error names why. */
static int fatal(struct tlcp_conn *c, int desc, int rc, const char *why)
{
	send_alert(c, 2, desc);
	return err_set(rc, "tlcp: %s", why);
}

/* Reads one record into c->rec: its type in *type, its (decrypted)
 * content at *data, *len. */
static int recv_record(struct tlcp_conn *c, int *type, unsigned char **data, size_t *len)
{
	unsigned char h[5], mac[MAC_LEN];
	size_t n;
	int outl = 0, fin = 0, bad;

	if (read_all(c->fd, h, 5))
		return err_set(FINCA_EIO, "tlcp: the peer closed the connection");
	n = get16(h + 3);
	if (h[0] < CT_CCS || h[0] > CT_DATA)
		return fatal(c, AL_UNEXPECTED, FINCA_EINVAL, "not a TLCP record");
	if (get16(h + 1) != VERSION)
		return fatal(c, AL_PROTOCOL_VERSION, FINCA_EINVAL, "not TLCP's version 1.1");
	if (n > FRAGMENT_MAX || n == 0)
		return fatal(c, AL_DECODE, FINCA_EINVAL, "a record of a bad length");
	if (read_all(c->fd, c->rec, n))
		return err_set(FINCA_EIO, "tlcp: the peer closed the connection");
	*type = h[0];
	if (!c->rd.on) {
		*data = c->rec;
		*len = n;
		return FINCA_OK;
	}
	if (n < IV_LEN + 48 || (n - IV_LEN) % 16)
		return fatal(c, AL_BAD_MAC, FINCA_ECRYPTO, "a record of a bad length");
	if (!EVP_DecryptInit_ex(c->rd.cipher, NULL, NULL, c->rd.key, c->rec) ||
	    !EVP_DecryptUpdate(c->rd.cipher, c->rec + IV_LEN, &outl, c->rec + IV_LEN,
			       (int)(n - IV_LEN)) ||
	    !EVP_DecryptFinal_ex(c->rd.cipher, c->rec + IV_LEN + outl, &fin))
		return fatal(c, AL_INTERNAL, FINCA_ECRYPTO, "decrypting a record");
	n -= IV_LEN;
	/* the padding and the MAC are both checked before either is told */
	{
		unsigned char *pt = c->rec + IV_LEN;
		size_t pad = pt[n - 1], dlen;

		bad = pad + 1 + MAC_LEN > n;
		dlen = bad ? 0 : n - pad - 1 - MAC_LEN;
		for (size_t i = 0; !bad && i <= pad; i++)
			bad |= pt[n - 1 - i] != pad;
		if (record_mac(&c->rd, h[0], pt, dlen, mac) != FINCA_OK)
			return FINCA_ECRYPTO;
		bad |= CRYPTO_memcmp(mac, pt + dlen, MAC_LEN) != 0;
		if (bad)
			return fatal(c, AL_BAD_MAC, FINCA_ECRYPTO, "a record failed its MAC");
		c->rd.seq++;
		*data = pt;
		*len = dlen;
	}
	return FINCA_OK;
}

/* --- the handshake --- */

/* The next handshake message: *body (in c->hs, valid until the next
 * call) of *len bytes, of type want; added to the transcript. */
static int next_message(struct tlcp_conn *c, int want, unsigned char **body, size_t *len)
{
	size_t n = 0;

	/* whole messages may come several in a record, or across records */
	for (;;) {
		if (c->hs_len >= 4 && (n = get24(c->hs + 1)) + 4 <= c->hs_len)
			break;
		unsigned char *d;
		size_t dl;
		int type, rc;

		if ((rc = recv_record(c, &type, &d, &dl)) != FINCA_OK)
			return rc;
		if (type == CT_ALERT)
			return err_set(FINCA_EIO, "tlcp: the client gave up (alert %d)",
				       dl == 2 ? d[1] : -1);
		if (type != CT_HANDSHAKE)
			return fatal(c, AL_UNEXPECTED, FINCA_EINVAL, "a handshake message was due");
		if (c->hs_len + dl > sizeof c->hs)
			return fatal(c, AL_DECODE, FINCA_EINVAL, "a handshake message too long");
		memcpy(c->hs + c->hs_len, d, dl);
		c->hs_len += dl;
	}
	if (c->hs[0] != want)
		return fatal(c, AL_UNEXPECTED, FINCA_EINVAL, "handshake messages out of order");
	if (!EVP_DigestUpdate(c->transcript, c->hs, n + 4))
		return err_ssl(FINCA_ECRYPTO, "tlcp: transcript");
	*body = c->hs + 4;
	*len = n;
	return FINCA_OK;
}

/* Takes the message next_message returned out of c->hs. */
static void consume(struct tlcp_conn *c)
{
	size_t n = get24(c->hs + 1) + 4;

	memmove(c->hs, c->hs + n, c->hs_len - n);
	c->hs_len -= n;
}

/* Sends a handshake message of type and body (header added), in one
 * record, and adds it to the transcript. */
static int send_message(struct tlcp_conn *c, int type, const unsigned char *body, size_t len)
{
	unsigned char *m;
	int rc;

	if (len + 4 > TLCP_RECORD_MAX)
		return err_set(FINCA_EINVAL, "tlcp: a handshake message over one record");
	m = xcalloc(1, len + 4);
	m[0] = (unsigned char)type;
	put24(m + 1, len);
	if (len)
		memcpy(m + 4, body, len);
	rc = EVP_DigestUpdate(c->transcript, m, len + 4) ? send_record(c, CT_HANDSHAKE, m, len + 4)
						       : err_ssl(FINCA_ECRYPTO, "tlcp: transcript");
	free(m);
	return rc;
}

/* ClientHello: its random; refuses a client without ECC_SM4_CBC_SM3. */
static int client_hello(struct tlcp_conn *c)
{
	unsigned char *b;
	size_t n, i, sid, cs, cm;
	int rc, ours = 0, plain = 0;

	if ((rc = next_message(c, HS_CLIENT_HELLO, &b, &n)) != FINCA_OK)
		return rc;
	if (n < 2 + 32 + 1 || (sid = b[34]) > 32 || n < 35 + sid + 2 ||
	    (cs = get16(b + 35 + sid)) % 2 || n < 37 + sid + cs + 1 ||
	    n < 38 + sid + cs + (cm = b[37 + sid + cs]))
		return fatal(c, AL_DECODE, FINCA_EINVAL, "a malformed ClientHello");
	if (get16(b) != VERSION)
		return fatal(c, AL_PROTOCOL_VERSION, FINCA_EINVAL,
			     "the client does not offer TLCP 1.1 (0x0101)");
	memcpy(c->client_random, b + 2, 32);
	for (i = 0; i < cs; i += 2)
		ours |= get16(b + 37 + sid + i) == SUITE;
	for (i = 0; i < cm; i++)
		plain |= b[38 + sid + cs + i] == 0;
	consume(c);
	if (!ours || !plain)
		return fatal(c, AL_HANDSHAKE_FAILURE, FINCA_EINVAL,
			     "the client offers no ECC_SM4_CBC_SM3 (0xE013) without compression");
	return FINCA_OK;
}

/* ServerHello, Certificate, ServerKeyExchange, ServerHelloDone. */
static int server_flight(struct tlcp_conn *c)
{
	const struct tlcp_server *s = c->s;
	unsigned char hello[2 + 32 + 1 + 2 + 1], *tbs = NULL, *sig = NULL, *ske = NULL;
	uint32_t now = (uint32_t)time(NULL);
	size_t tlen = 64 + 3 + s->enc_len, slen = 0;
	int rc;

	put16(hello, VERSION);
	hello[2] = (unsigned char)(now >> 24);
	hello[3] = (unsigned char)(now >> 16);
	hello[4] = (unsigned char)(now >> 8);
	hello[5] = (unsigned char)now;
	if (RAND_bytes(hello + 6, 28) != 1)
		return err_ssl(FINCA_ECRYPTO, "tlcp: random");
	memcpy(c->server_random, hello + 2, 32);
	hello[34] = 0;                 /* no session id: nothing is resumed */
	put16(hello + 35, SUITE);
	hello[37] = 0;                 /* no compression */
	tbs = xcalloc(1, tlen);
	memcpy(tbs, c->client_random, 32);
	memcpy(tbs + 32, c->server_random, 32);
	put24(tbs + 64, s->enc_len);
	memcpy(tbs + 67, s->enc_der, s->enc_len);
	if ((rc = sig_sign(s->sign_key, tbs, tlen, &sig, &slen)) != FINCA_OK)
		goto out;
	ske = xcalloc(1, slen + 2);
	put16(ske, slen);
	memcpy(ske + 2, sig, slen);
	if ((rc = send_message(c, HS_SERVER_HELLO, hello, sizeof hello)) != FINCA_OK ||
	    (rc = send_message(c, HS_CERTIFICATE, s->certs, s->certs_len)) != FINCA_OK ||
	    (rc = send_message(c, HS_SERVER_KEY_EXCHANGE, ske, slen + 2)) != FINCA_OK)
		goto out;
	rc = send_message(c, HS_SERVER_HELLO_DONE, NULL, 0);
out:
	free(tbs);
	free(ske);
	OPENSSL_free(sig);
	return rc;
}

/* ClientKeyExchange: the pre-master secret, decrypted with the encryption
 * key (random when it does not decrypt: the Finished fails then); the
 * master secret and the record keys from it. */
static int key_exchange(struct tlcp_conn *c)
{
	unsigned char *b, pms[48], seed[64], block[2 * MAC_LEN + 2 * KEY_LEN], *pt = NULL;
	size_t n, ptlen = 0;
	EVP_PKEY_CTX *pc = NULL;
	int rc, ok;

	if ((rc = next_message(c, HS_CLIENT_KEY_EXCHANGE, &b, &n)) != FINCA_OK)
		return rc;
	if (n < 2 || get16(b) != n - 2)
		return fatal(c, AL_DECODE, FINCA_EINVAL, "a malformed ClientKeyExchange");
	if (RAND_bytes(pms, sizeof pms) != 1)
		return err_ssl(FINCA_ECRYPTO, "tlcp: random");
	pc = EVP_PKEY_CTX_new_from_pkey(NULL, c->s->enc_key, NULL);
	ok = pc && EVP_PKEY_decrypt_init(pc) > 0 &&
	     EVP_PKEY_decrypt(pc, NULL, &ptlen, b + 2, n - 2) > 0 &&
	     (pt = OPENSSL_malloc(ptlen)) != NULL &&
	     EVP_PKEY_decrypt(pc, pt, &ptlen, b + 2, n - 2) > 0 && ptlen == 48 &&
	     get16(pt) == VERSION;
	ERR_clear_error();
	if (ok)
		memcpy(pms, pt, 48);
	OPENSSL_clear_free(pt, ptlen);
	EVP_PKEY_CTX_free(pc);
	consume(c);
	memcpy(seed, c->client_random, 32);
	memcpy(seed + 32, c->server_random, 32);
	rc = tlcp_prf(pms, 48, "master secret", seed, 64, c->master, 48);
	OPENSSL_cleanse(pms, sizeof pms);
	if (rc != FINCA_OK)
		return rc;
	memcpy(seed, c->server_random, 32);
	memcpy(seed + 32, c->client_random, 32);
	if ((rc = tlcp_prf(c->master, 48, "key expansion", seed, 64, block, sizeof block)))
		return rc;
	memcpy(c->rd.mac, block, MAC_LEN);
	memcpy(c->wr.mac, block + MAC_LEN, MAC_LEN);
	memcpy(c->rd.key, block + 2 * MAC_LEN, KEY_LEN);
	memcpy(c->wr.key, block + 2 * MAC_LEN + KEY_LEN, KEY_LEN);
	OPENSSL_cleanse(block, sizeof block);
	return FINCA_OK;
}

/* verify_data of a Finished: PRF(master, label, SM3(transcript so far)). */
static int finished(struct tlcp_conn *c, const char *label, unsigned char *out)
{
	unsigned char h[32];
	unsigned int hl = 0;
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	int ok = m && EVP_MD_CTX_copy_ex(m, c->transcript) && EVP_DigestFinal_ex(m, h, &hl);

	EVP_MD_CTX_free(m);
	if (!ok || hl != 32)
		return err_ssl(FINCA_ECRYPTO, "tlcp: transcript");
	return tlcp_prf(c->master, 48, label, h, 32, out, VERIFY_LEN);
}

/* Turns one direction's protection on, SM4-CBC without padding of its own. */
static int dir_on(struct dir *d)
{
	if (!(d->cipher = EVP_CIPHER_CTX_new()) ||
	    !EVP_CipherInit_ex(d->cipher, EVP_sm4_cbc(), NULL, NULL, NULL, -1) ||
	    !EVP_CIPHER_CTX_set_padding(d->cipher, 0))
		return err_ssl(FINCA_ECRYPTO, "tlcp: SM4-CBC");
	d->on = 1;
	d->seq = 0;
	return FINCA_OK;
}

/* The client's ChangeCipherSpec and Finished; ours. */
static int finish(struct tlcp_conn *c)
{
	unsigned char want[VERIFY_LEN], *b, *d, ccs = 1;
	size_t n, dl;
	int type, rc;

	if ((rc = recv_record(c, &type, &d, &dl)) != FINCA_OK)
		return rc;
	if (type != CT_CCS || dl != 1 || d[0] != 1 || c->hs_len)
		return fatal(c, AL_UNEXPECTED, FINCA_EINVAL, "ChangeCipherSpec was due");
	if ((rc = dir_on(&c->rd)) != FINCA_OK ||
	    (rc = finished(c, "client finished", want)) != FINCA_OK ||
	    (rc = next_message(c, HS_FINISHED, &b, &n)) != FINCA_OK)
		return rc;
	if (n != VERIFY_LEN || CRYPTO_memcmp(b, want, VERIFY_LEN))
		return fatal(c, AL_DECRYPT, FINCA_EAUTH,
			     "the client's Finished is wrong (another server key, or tampering)");
	consume(c);
	if ((rc = finished(c, "server finished", want)) != FINCA_OK ||
	    (rc = send_record(c, CT_CCS, &ccs, 1)) != FINCA_OK || (rc = dir_on(&c->wr)) != FINCA_OK)
		return rc;
	return send_message(c, HS_FINISHED, want, VERIFY_LEN);
}

int tlcp_accept(const struct tlcp_server *s, int fd, struct tlcp_conn **out)
{
	struct tlcp_conn *c = xcalloc(1, sizeof *c);
	int rc;

	*out = NULL;
	c->s = s;
	c->fd = fd;
	if (!(c->transcript = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(c->transcript, EVP_sm3(), NULL)) {
		rc = err_ssl(FINCA_ECRYPTO, "tlcp: SM3");
		goto out;
	}
	if ((rc = client_hello(c)) != FINCA_OK || (rc = server_flight(c)) != FINCA_OK ||
	    (rc = key_exchange(c)) != FINCA_OK || (rc = finish(c)) != FINCA_OK)
		goto out;
	c->up = 1;
	*out = c;
	c = NULL;
out:
	tlcp_conn_free(c);
	return rc;
}

ssize_t tlcp_read(struct tlcp_conn *c, unsigned char *buf, size_t n)
{
	unsigned char *d;
	size_t dl;
	int type;

	for (;;) {
		int rc = recv_record(c, &type, &d, &dl);

		if (rc != FINCA_OK)
			return rc == FINCA_EIO ? 0 : -1;  /* EIO: the stream ended */
		if (type == CT_DATA) {
			if (dl > n)
				return -1;
			memcpy(buf, d, dl);
			if (dl)
				return (ssize_t)dl;
			continue;
		}
		if (type == CT_ALERT && dl == 2 && d[1] == AL_CLOSE_NOTIFY)
			return 0;
		if (type == CT_HANDSHAKE)  /* a renegotiation: not offered */
			send_alert(c, 2, AL_HANDSHAKE_FAILURE);
		return -1;
	}
}

int tlcp_write(struct tlcp_conn *c, const unsigned char *buf, size_t n)
{
	int rc = FINCA_OK;

	while (n && rc == FINCA_OK) {
		size_t take = n < TLCP_RECORD_MAX ? n : TLCP_RECORD_MAX;
		rc = send_record(c, CT_DATA, buf, take);
		buf += take;
		n -= take;
	}
	return rc;
}

void tlcp_conn_free(struct tlcp_conn *c)
{
	if (!c)
		return;
	if (c->up)
		send_alert(c, 1, AL_CLOSE_NOTIFY);
	EVP_CIPHER_CTX_free(c->rd.cipher);
	EVP_CIPHER_CTX_free(c->wr.cipher);
	EVP_MD_CTX_free(c->transcript);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

/* --- the server's material --- */

/* Appends x's DER to the Certificate body b (uint24 length first). */
static int add_cert(struct tlcp_server *s, X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	if (n <= 0)
		return err_ssl(FINCA_ECRYPTO, "tlcp: encoding a certificate");
	s->certs = xrealloc(s->certs, s->certs_len + 3 + (size_t)n);
	put24(s->certs + s->certs_len, (size_t)n);
	memcpy(s->certs + s->certs_len + 3, der, (size_t)n);
	s->certs_len += 3 + (size_t)n;
	OPENSSL_free(der);
	return FINCA_OK;
}

int tlcp_server_new(EVP_PKEY *sign_key, X509 *sign, EVP_PKEY *enc_key, X509 *enc,
		    STACK_OF(X509) *chain, struct tlcp_server **out)
{
	struct tlcp_server *s;
	unsigned char *der = NULL;
	int rc = FINCA_OK, n;

	*out = NULL;
	if (!key_is_sm2(sign_key) || !key_is_sm2(enc_key))
		return err_why(FINCA_EINVAL, NULL, "tlcp.not_sm2",
			       "TLCP needs an SM2 pair: a signing and an encryption key");
	if (X509_check_private_key(sign, sign_key) != 1 || X509_check_private_key(enc, enc_key) != 1) {
		ERR_clear_error();
		return err_why(FINCA_EINVAL, NULL, "tlcp.key_mismatch",
			       "a TLCP key is not its certificate's (sign_key with sign_cert, "
			       "the envelope's key with enc_cert)");
	}
	s = xcalloc(1, sizeof *s);
	/* the Certificate body: certificate_list<0..2^24-1>, filled below */
	s->certs = xcalloc(1, 3);
	s->certs_len = 3;
	if ((rc = add_cert(s, sign)) || (rc = add_cert(s, enc)))
		goto out;
	for (int i = 0; chain && i < sk_X509_num(chain); i++)
		if ((rc = add_cert(s, sk_X509_value(chain, i))))
			goto out;
	put24(s->certs, s->certs_len - 3);
	if ((n = i2d_X509(enc, &der)) <= 0) {
		rc = err_ssl(FINCA_ECRYPTO, "tlcp: encoding a certificate");
		goto out;
	}
	s->enc_der = xrealloc(NULL, (size_t)n);
	memcpy(s->enc_der, der, (size_t)n);
	s->enc_len = (size_t)n;
	EVP_PKEY_up_ref(sign_key);
	EVP_PKEY_up_ref(enc_key);
	s->sign_key = sign_key;
	s->enc_key = enc_key;
	*out = s;
	s = NULL;
out:
	OPENSSL_free(der);
	tlcp_server_free(s);
	return rc;
}

void tlcp_server_free(struct tlcp_server *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->sign_key);
	EVP_PKEY_free(s->enc_key);
	free(s->certs);
	free(s->enc_der);
	free(s);
}
