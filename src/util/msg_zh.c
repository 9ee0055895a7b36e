/* The Chinese catalogue, in parts by area (msg_zh_*.c), each a table of
 * reasons an error names (err_why, send_err) and their texts, the error's
 * parameters placed as {1}, {2}…, and a table of the fields its messages
 * name with their Chinese names.  This part: the classes of errors (what an
 * error of no named reason says), the API's door, logging in and the loss
 * report.  scripts/msgcheck.py (tests/e2e/messages.sh) checks that every
 * reason in src/ has its text and that no text places a parameter its
 * message lacks. */
#include "util/msg_int.h"

static const struct msg_entry reasons[] = {
	/* the classes (err_name): an error whose reason is not named */
	{ "invalid", "输入有误" },
	{ "not_found", "没有找到" },
	{ "conflict", "当前状态不允许此操作" },
	{ "policy", "不符合证书策略" },
	{ "crypto", "密码运算失败" },
	{ "store", "数据库错误" },
	{ "io", "文件读写错误" },
	{ "no_memory", "内存不足" },
	{ "auth", "身份验证失败" },
	{ "integrity", "数据完整性校验失败" },
	{ "config", "配置有误" },
	{ "too_many", "次数过多，请稍后再试" },
	{ "error", "操作失败" },
	{ "internal", "服务器内部错误" },

	/* the API's door (src/http/) */
	{ "api.batch_body", "应为文件（base64编码的XLSX或CSV）或申请列表" },
	{ "api.cert_pem", "应为PEM格式的证书" },
	{ "api.cert_status", "应为valid（有效）、frozen（冻结）、revoked（注销）或expired（过期）" },
	{ "api.crl_reason", "不是RFC 5280规定的注销原因" },
	{ "api.csr_pem", "应为PEM格式的证书请求（CSR）" },
	{ "api.days", "应为1到36500之间的天数" },
	{ "api.forbidden", "您的角色无权进行此操作" },
	{ "api.https_only", "API只通过HTTPS提供" },
	{ "api.method", "此资源不支持该请求方法" },
	{ "api.missing", "缺少此项" },
	{ "api.no_resource", "没有此资源" },
	{ "api.not_object", "应为JSON对象" },
	{ "api.order", "应为asc（升序）或desc（降序）" },
	{ "api.export_format", "应为csv或xlsx" },
	{ "api.order_asc", "只能与order=asc一起使用" },
	{ "api.order_desc", "只能与order=desc一起使用" },
	{ "api.range", "应为{1}到{2}之间的数字" },
	{ "api.too_large", "请求内容过大" },
	{ "api.too_long", "最多64字节" },
	{ "body.boolean", "应为true或false" },
	{ "body.integer", "应为整数" },
	{ "body.missing", "缺少此项" },
	{ "body.not_json", "请求内容不是有效的JSON" },
	{ "body.not_object", "请求内容应为JSON对象" },
	{ "body.string", "应为字符串" },
	{ "body.too_large", "请求内容超过{1}字节" },
	{ "body.unknown_field", "未知字段" },

	/* logging in (src/auth/) */
	{ "login.no_certificate", "请出示客户端证书，或提交证书及签名的挑战值" },
	{ "login.throttled", "登录失败次数过多，已暂时锁定，请稍后再试" },
	{ "login.together", "证书、挑战值和签名须一并提交" },

	/* the loss report (src/ra/loss.c, art. 25) */
	{ "loss.no_code", "拒绝：未登录挂失须提供USBKey密码信封中的挂失码；证书上印有的序列号、"
			  "姓名和身份证号不能证明身份（第二十五条）。未冻结任何证书。没有挂失码的，"
			  "请联系本单位信息员冻结证书" },
	{ "loss.wrong_code", "拒绝：挂失码与该证书或持有人在用的USBKey不符（补办、延期或已交回的"
			     "USBKey的挂失码不再有效）。未冻结任何证书。请核对密码信封中的挂失码，"
			     "或联系本单位信息员冻结证书" },

	/* USBKeys */
	{ "token.none", "没有此USBKey" },
	{ NULL, NULL },
};

static const struct msg_entry fields[] = {
	{ "after", "起始位置" },
	{ "app", "应用系统" },
	{ "before", "截止位置" },
	{ "cert_serial", "证书序列号" },
	{ "certificate", "证书" },
	{ "challenge", "挑战值" },
	{ "code", "代码" },
	{ "csr", "证书请求" },
	{ "data", "申请内容" },
	{ "data.action", "授权操作" },
	{ "data.csr", "证书请求" },
	{ "data.not_after", "授权截止日期" },
	{ "data.profile", "证书模板" },
	{ "data.roles", "角色" },
	{ "data.unit", "新单位" },
	{ "date", "日期" },
	{ "days", "有效天数" },
	{ "email", "电子邮箱" },
	{ "expiring_within", "到期天数" },
	{ "file", "文件" },
	{ "form", "表格" },
	{ "handler", "经办人" },
	{ "id_number", "身份证号" },
	{ "limit", "条数" },
	{ "loss_code", "挂失码" },
	{ "name", "名称" },
	{ "new_token", "新USBKey" },
	{ "note", "备注" },
	{ "order", "排序" },
	{ "password", "密码" },
	{ "phone", "联系电话" },
	{ "profile", "证书模板" },
	{ "q", "检索词" },
	{ "reason", "原因" },
	{ "requests", "申请" },
	{ "serial", "序列号" },
	{ "signature", "签名" },
	{ "since", "起始时间" },
	{ "status", "状态" },
	{ "subject", "主体" },
	{ "subject_kind", "主体类型" },
	{ "to", "交付对象" },
	{ "token_serial", "USBKey序列号" },
	{ "type", "申请类型" },
	{ "unit", "单位" },
	{ "unit_code", "统一社会信用代码" },
	{ "until", "截止时间" },
	{ NULL, NULL },
};

const struct msg_table msg_zh_door = { reasons, fields };
