/* The Chinese catalogue (see msg_zh.c), this part: the encryption key of
 * a dual pair imported onto the USBKey (issue 16): km/envelope.c's PKCS#11
 * envelope, token/p11.c's import, station/enroll.c, ra/tokens.c. */
#include "util/msg_int.h"

static const struct msg_entry reasons[] = {
	{ "km.envelope_ec", "数字信封：PKCS#11数字信封只用于P-256密钥封装给P-256签名密钥" },
	{ "km.envelope_ec_der", "数字信封格式有误（不是finca的PKCS#11数字信封FincaP11EnvelopedKey）" },
	{ "km.envelope_ec_fields", "数字信封字段的版本或长度有误（版本1，公钥点65字节，密钥封装为8字节整块）" },
	{ "station.envelope_answer", "服务器返回的数字信封不完整（缺少信封或加密证书）" },
	{ "station.envelopes_max", "证书{1}的数字信封超过{2}个" },
	{ "token.no_sign_key", "USBKey上没有可打开数字信封的签名密钥" },
	{ "token.import_mismatch", "导入的密钥与加密证书的公钥不符" },
	{ "token.import_derive", "该USBKey的签名密钥不允许密钥协商（CKA_DERIVE）：它是在支持导入加密密钥之前制作的，请重新制作USBKey" },
	{ "token.import_wrong_key", "数字信封无法用该USBKey的签名密钥打开（为其他USBKey制作，或已被篡改）" },
	{ "token.import_unsupported", "该USBKey的PKCS#11模块无法导入SM2数字信封：须有厂商机制，用SM2签名密钥解开GM/T 0016 ENVELOPEDKEYBLOB（finca.conf中[token]的sm2_import_mechanism；SoftHSM2不支持）" },
	{ "token.import_unknown", "证书{1}没有加密证书{3}的{2}格式数字信封" },
	{ NULL, NULL },
};

static const struct msg_entry fields[] = {
	{ "enc_certificate", "加密证书序列号" },
	{ NULL, NULL },
};

const struct msg_table msg_zh_import = { reasons, fields };
