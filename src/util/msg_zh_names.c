/* The Chinese catalogue (see msg_zh.c), this part: people's names on
 * accounts (issue 14), and the messages that had no reason yet: the
 * spreadsheet writer (src/doc/sheet_write.c), notices (src/notify/), a
 * certificate the store does not have, and the signing agent
 * (src/agent/http.c). */
#include "util/msg_int.h"

static const struct msg_entry reasons[] = {
	/* accounts' person names (auth/account.c) */
	{ "account.person", "姓名最多32个字，不能含控制字符，首尾不能有空格" },

	/* the store: what it does not have (store/store_cert.c) */
	{ "cert.none_id", "没有编号为{1}的证书" },
	{ "crl.none_full", "尚未生成完整的CRL（请先运行“finca crl”）" },

	/* writing a spreadsheet template (doc/sheet_write.c): a template
	 * finca makes, so a failure is finca's, not the officer's */
	{ "sheet.write_def", "模板工作表“{1}”：须有名称和1至{2}列" },
	{ "sheet.write_name", "模板工作表名称“{1}”无效（{2}）" },
	{ "sheet.write_add", "模板工作表“{1}”：无法添加" },
	{ "sheet.write_column", "模板工作表“{1}”第{2}列：写入失败（{3}）" },
	{ "sheet.write_no_list", "模板工作表“{1}”第{2}列：没有第{3}个下拉列表" },
	{ "sheet.write_lists_max", "一个模板最多有26个下拉列表" },
	{ "sheet.write_lists_add", "模板：无法添加下拉列表工作表" },
	{ "sheet.write_list_items", "模板下拉列表“{1}”：应有1至{2}项" },
	{ "sheet.write_lists", "模板下拉列表写入失败（{1}）" },
	{ "sheet.write_sheets", "一个模板应有1至{1}个工作表" },
	{ "sheet.write_start", "{1}：无法创建工作簿" },
	{ "sheet.write_close", "{1}：工作簿写入失败（{2}）" },
	{ "sheet.write_temp", "{1}：无法创建临时文件（{2}）" },

	/* notices: the configuration and the delivery (notify/) */
	{ "notify.thresholds", "[notify] thresholds：{1}" },
	{ "notify.smtp_url", "[notify] smtp_url：“{1}”不是smtp://或smtps://地址" },
	{ "notify.smtp_from", "[notify] smtp_from：“{1}”不是邮箱地址（name@host）" },
	{ "notify.interval", "[notify] interval：“{1}”应为0至86400秒" },
	{ "notify.smtp_from_missing", "[notify] 设置了smtp_url，还须设置smtp_from" },
	{ "notify.curl", "无法发送通知（libcurl初始化失败）" },
	{ "notify.send", "通知发送失败（{1}：{2}）" },
	{ "notify.webhook_status", "通知发送失败：webhook回应HTTP {1}" },
	{ "notify.smtp_unset", "无法发送邮件：[notify] 未设置smtp_url和smtp_from" },

	/* the holder's signing agent (agent/): its answers to the console,
	 * in the language the browser asks for, and its start */
	{ "agent.challenge", "应为1至256个可打印ASCII字符" },
	{ "agent.id", "应为“USBKey序列号:CKA_ID十六进制”，即GET /v1/certificates所列的值" },
	{ "agent.pin_locked", "USBKey {1}的PIN已锁定：须经批准的PIN重置申请" },
	{ "agent.key_mismatch", "USBKey {1}：签名无法用证书验证（其密钥与证书不符）" },
	{ "agent.cert_encode", "证书无法编码" },
	{ "agent.host", "Host应为127.0.0.1:{1}或localhost:{2}" },
	{ "agent.origin", "此来源的网页不能使用签名助手（见--origin）" },
	{ "agent.no_origin", "请求没有Origin：只有--origin所列的网页可以使用签名助手" },
	{ "agent.no_path", "没有此路径（GET /v1/certificates，POST /v1/sign）" },
	{ "agent.method", "此路径只接受{1}" },
	{ "agent.stopping", "{1}：签名助手正在退出" },
	{ "agent.pin_timeout", "{1}：{2}秒内未输入PIN" },
	{ "agent.pin_read", "{1}：读取PIN失败（{2}）" },
	{ "agent.pin_long", "{1}：PIN超过{2}个字符" },
	{ "agent.pin_none", "{1}：未输入PIN" },
	{ "agent.pin_file_io", "--pin-file {1}：无法读取（{2}）" },
	{ "agent.pin_file_type", "--pin-file {1}：不是普通文件" },
	{ "agent.pin_file_mode", "--pin-file {1}：权限{2}允许其他用户读写，请执行chmod 600" },
	{ "agent.pin_file_big", "--pin-file {1}：超过{2}字节" },
	{ "agent.pin_file_none", "--pin-file {1}：没有USBKey {2}的行" },
	{ "agent.pin_file_pin", "--pin-file {1}：USBKey {2}的PIN为空或超过{3}个字符" },
	{ "agent.pin_command_io", "--pin-command：{1}" },
	{ "agent.pin_command_run", "--pin-command：无法运行/bin/sh（{1}）" },
	{ "agent.pin_command_failed", "--pin-command执行失败（{1} {2}），未得到PIN" },
	{ "agent.pin_nowhere", "无处询问PIN：没有终端，也未设置--pin-command或--pin-file" },
	{ "agent.token_blank", "USBKey {1}尚未初始化" },
	{ "agent.no_cert", "USBKey {1}中没有此证书" },
	{ "agent.pin_refused", "USBKey {1}此前已拒绝此PIN，不再重试" },
	{ "agent.pin_now_locked", "USBKey {1}：PIN错误，PIN现已锁定" },
	{ "agent.wrong_pin_final", "USBKey {1}：PIN错误，再错一次将锁定" },
	{ "agent.wrong_pin", "USBKey {1}：PIN错误" },
	{ "agent.listen_format", "--listen “{1}”：应为HOST:PORT" },
	{ "agent.listen_port", "--listen “{1}”：端口应为1至65535" },
	{ "agent.listen_ip", "--listen “{1}”：应为数字IP地址和端口" },
	{ "agent.listen_loopback", "--listen {1}：签名助手只在本机回环地址上监听" },
	{ "agent.listen", "无法在{1}上监听（{2}）" },
	{ "agent.origin_format", "--origin “{1}”：来源应为scheme://host[:port]" },
	{ "agent.origins_max", "--origin：最多{1}个来源" },

	{ NULL, NULL },
};

static const struct msg_entry fields[] = {
	{ "person", "姓名" },
	{ "making_unit", "证书制作管理单位" },
	{ NULL, NULL },
};

const struct msg_table msg_zh_names = { reasons, fields };
