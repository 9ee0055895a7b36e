/* The Chinese catalogue (see msg_zh.c), this part: dual certificates
 * through the request workflow and the API, and key recovery (密钥恢复,
 * issue 16): ra/cert.c's envelopes, ra/recover.c; a server pair's TLCP
 * listener (tlcp/). */
#include "util/msg_int.h"

static const struct msg_entry reasons[] = {
	{ "km.no_envelope", "证书{1}没有数字信封（不是双证书的签名证书）" },
	{ "km.locked", "密钥管理：KM私钥未打开，无法恢复密钥（须由持有CA口令的服务进程执行）" },
	{ "km.nothing", "{1}没有可恢复的托管加密密钥（新双证书自身的除外）" },
	{ "km.recover_to", "证书{1}不是有效的SM2或P-256双证书签名证书：恢复的密钥须封装给新USBKey的签名证书" },
	{ "km.recover_enc", "加密证书{1}不属于该申请对象，或未托管" },
	{ "request.two_person", "申请{1}（密钥恢复）：{2}已提交或已批准过该申请，第二次批准须由另一账户完成（双人规则）" },
	{ "tlcp.not_sm2", "TLCP须使用SM2双证书：签名密钥和加密密钥都须为SM2" },
	{ "tlcp.key_mismatch", "TLCP密钥与其证书不符（sign_key须对应sign_cert，数字信封中的加密密钥须对应enc_cert）" },
	{ "tlcp.cert", "[tlcp] {1}：不是PEM格式的证书" },
	{ "tlcp.config", "[tlcp]：TLCP监听须配置sign_cert、sign_key、enc_cert和enc_envelope（服务器双证书：finca cert issue --profile server --genkey --dual）" },
	{ NULL, NULL },
};

static const struct msg_entry fields[] = {
	{ "data.enc_serial", "加密证书序列号" },
	{ NULL, NULL },
};

const struct msg_table msg_zh_km = { reasons, fields };
