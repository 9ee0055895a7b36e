/* The Chinese catalogue (see msg_zh.c), this part: the registration authority:
 * organisations, requests, batches, grants, the spreadsheet, notices.
 *
 * Reasons are named area.what, the area the code's: request (what is asked,
 * its moves), batch, org, scope and grant (src/authz), cert, expiry, loss,
 * notice, paper, station, account, sheet (the upload: import.c's checks of
 * its rows and src/doc's reading of the file), form (src/doc/forms.c).
 * Texts follow the field's Chinese name and "：" (msg.c); a problem of a
 * spreadsheet follows its sheet, row and column ("申请 第3行 身份证号：").
 *
 * The words are the console's (web/strings.js: state.*, type.*, action.*):
 * 草稿、待审批、已批准、已驳回、已受理、已制作、已交接、已办结、已撤回.  A
 * state, a type or an action is never placed as a parameter (the English
 * word would show): a refusal that depends on one has a reason of its own
 * (request.state_approve…, moves.c's table). */
#include "util/msg_int.h"

static const struct msg_entry reasons[] = {
	/* the audit trail's export (trail.c) */
	{ "audit.export_cap", "符合条件的审计记录超过 {1} 条，请缩小查找条件（起始日期、操作者、操作、对象）后再导出" },

	/* scopes and rights (src/authz/) */
	{ "scope.unit", "无权办理：该对象属于其他单位" },
	{ "scope.node", "无权办理：该对象由其他制证节点办理" },
	{ "scope.dept", "无权办理：该申请由其他主管部门审批" },
	{ "scope.person", "无权办理：该对象不属于您本人" },
	{ "scope.none", "无权办理：您的角色在此没有管辖范围" },
	{ "scope.right", "您的角色无权进行此操作" },
	{ "grant.none", "{1}没有{2}的访问授权，无需撤销" },

	/* requests: what is asked (src/ra/request.c) */
	{ "request.missing", "缺少此项" },
	{ "request.type", "取值无效" },
	{ "request.subject_kind", "应为个人、单位或设备" },
	{ "request.no_subject", "“{2}”未登记" },
	{ "request.app_missing", "未填写（由应用系统的主管部门审批）" },
	{ "request.no_app", "“{1}”未登记" },
	{ "request.cert_missing", "未填写（须指明办理哪张证书）" },
	{ "request.serial", "“{1}”不是有效的证书序列号" },
	{ "request.no_cert", "没有序列号为{1}的证书" },
	{ "request.not_subjects", "证书{1}不属于该申请对象" },
	{ "request.cert_not_for", "此类申请不涉及证书，请勿填写" },
	{ "request.csr_needed", "单位或设备证书申请须附证书请求（CSR，PEM格式）" },
	{ "request.profile", "“{1}”不是用户证书模板，申请只能使用个人、单位或设备证书模板" },
	{ "request.update_what", "变更申请须写明变更内容：姓名或单位" },
	{ "request.no_unit", "单位“{1}”未登记" },
	{ "request.reason", "不是此类申请可选的原因" },
	{ "request.rfc5280", "“{1}”不是RFC 5280规定的注销原因" },
	{ "request.grant_action", "应为授权或撤销" },
	{ "request.roles", "未填写授予的角色" },
	{ "request.grant_person", "访问授权只能授予个人" },
	{ "request.pin_cert", "应为需初始化密码的USBKey上的证书" },
	{ "batch.empty", "批次中没有申请" },
	{ "batch.problems", "申请中有{1}处问题，未创建任何申请" },
	{ "batch.twice", "同一对象在同一批次中重复申请同一业务" },
	{ "batch.one_unit", "一个批次只能包含一个单位的申请，该对象属于其他单位" },

	/* what the subject already has (src/ra/duplicate.c), and the stamped
	 * paper before approval (src/ra/paper.c, art. 19) */
	{ "request.duplicate_cert", "{1}（{2}）已持有{4}的有效证书{3}，请办理延期或更新，不要重复申请" },
	{ "request.duplicate_request", "{1}（{2}）已有{4}的新申请（申请{3}）正在办理，不要重复申请" },
	{ "request.renew_none", "{1}（{2}）没有{3}的有效证书，请办理新申请" },
	{ "request.which_cert", "{1}（{2}）持有{3}张{4}的有效证书，请指明办理哪一张：{5}" },
	{ "request.cert_gone", "证书{1}已注销或已被替换，{2}（{3}）没有{4}的其他有效证书，请办理新申请" },
	{ "request.cert_not_current", "证书{1}已注销或已被替换，请办理现用证书：{2}" },
	{ "request.duplicate_replace", "{1}（{2}）证书{4}的延期或更新申请（申请{3}）正在办理，不要重复申请" },
	{ "batch.paper_missing", "批次{1}尚未上传加盖公章的纸质申请表扫描件（第十九条）" },

	/* requests: the moves (src/ra/moves.c) */
	{ "request.none", "没有第{1}号申请" },
	{ "batch.none", "没有第{1}号批次" },
	{ "request.action", "“{1}”不是有效的操作" },
	{ "request.state_submit", "第{1}号申请不是草稿，不能提交" },
	{ "request.state_resubmit", "第{1}号申请不是已驳回状态，不能重新提交" },
	{ "request.state_withdraw", "第{1}号申请已批准、已办结或已撤回，不能撤回" },
	{ "request.state_approve", "第{1}号申请不是待审批状态，不能批准" },
	{ "request.state_reject", "第{1}号申请不是待审批状态，不能驳回" },
	{ "request.state_accept", "第{1}号申请不是已批准状态，不能受理" },
	{ "request.state_produce", "第{1}号申请不是已受理状态，不能制作" },
	{ "request.state_handover", "第{1}号申请不是已制作状态，不能交接" },
	{ "request.state_return", "第{1}号申请不是已交接状态，不能登记交回旧USBKey" },
	{ "request.state_complete", "第{1}号申请不是已制作或已交接状态，不能办结" },
	{ "request.reject_why", "驳回须说明原因" },
	{ "request.at_station", "第{1}号申请须在USBKey制作工作站办理" },
	{ "request.old_back", "第{1}号申请的旧USBKey已交回" },
	{ "request.no_old_key", "第{1}号申请无需交回旧USBKey" },
	{ "request.handover_first", "第{1}号申请须先登记交接（经办人、新USBKey）" },
	{ "request.old_key_first", "第{1}号申请须先交回旧USBKey {2}（第二十二条）" },
	{ "batch.none_can", "第{1}号批次中没有可以进行此操作的申请" },

	/* the spreadsheet (src/ra/import.c); the sheet, row and column are
	 * said before the text (problem.c) */
	{ "sheet.problems", "表格中有{1}处问题，未创建任何申请" },
	{ "sheet.more", "问题过多，未全部列出：请先修改以上问题" },
	{ "sheet.headers", "表头与模板的任何工作表都不符：请使用模板的表头，或以工作表名称命名文件"
			   "（申请.csv、延期.csv、更新.csv、补办.csv、冻结.csv、解冻.csv、注销.csv、"
			   "密码初始化.csv、访问授权.csv）" },
	{ "sheet.headers_many", "表头与多个工作表（{1}）相符：请以工作表名称命名文件，如{2}.csv" },
	{ "sheet.header_twice", "有两列的表头都是“{1}”" },
	{ "sheet.header_missing", "缺少此列：“{1}”工作表须有“{2}”列" },
	{ "sheet.too_many_rows", "申请超过{1}行：请分成多个文件上传" },
	{ "sheet.no_rows", "没有申请：请在模板各工作表（申请、延期、更新、补办、冻结、解冻、注销、"
			   "密码初始化、访问授权）的示例行下方填写" },
	{ "sheet.missing", "未填写" },
	{ "sheet.number_cell", "Excel已将其存为数字并丢失了位数：请将该列设为文本格式后重新输入" },
	{ "sheet.update_what", "变更须填写新姓名或新单位编码" },
	{ "sheet.reason", "“{1}”不是可选的原因：应为调出、退休、其他、密钥泄露或RFC 5280规定的原因" },
	{ "sheet.reason_reissue", "“{1}”不是可选的原因：应为丢失或损坏" },
	{ "sheet.action", "“{1}”不是可选的操作：应为授权或撤销" },
	{ "sheet.roles", "未填写授予的角色" },
	{ "sheet.date", "“{1}”不是日期：应为YYYY-MM-DD格式" },
	{ "sheet.phone", "“{1}”不是有效的电话号码：只能包含数字、“+”、“-”和空格" },
	{ "sheet.email", "“{1}”不是有效的电子邮箱" },
	{ "sheet.twice", "{1}在“{2}”工作表中重复出现（第{3}行）：每人每类业务只能申请一次" },
	{ "sheet.no_app", "未登记编码为“{1}”的应用系统" },
	{ "sheet.no_unit", "未登记编码为{1}的单位" },
	{ "sheet.other_unit", "{1}登记在单位{2}，不是{3}" },
	{ "sheet.name", "“{1}”与{2}登记的姓名不符" },
	{ "sheet.name_update", "“{1}”与{2}登记的姓名不符（新姓名请填在“新姓名”列）" },
	{ "sheet.no_person", "未登记身份证号为{1}的人员（新人员须通过“申请”工作表登记）" },
	{ "sheet.joins_unit", "{1}在“申请”工作表中登记到单位{2}，不是{3}" },
	{ "sheet.one_unit", "一个批次只能包含一个单位的申请：其他行为单位{1}，此行为{2}" },

	/* organisations (src/ra/org.c) */
	{ "org.string", "应为字符串" },
	{ "org.too_long", "超过256字节" },
	{ "org.missing", "缺少此项" },
	{ "org.email", "不是有效的电子邮箱" },
	{ "org.webhook", "应为以http://或https://开头的网址" },
	{ "org.phone", "只能包含数字、“+”、“-”和空格" },
	{ "org.node_code", "应为6位行政区划代码" },
	{ "org.level", "应为省级（province）、市级（city）或县级（county）" },
	{ "org.province_parent", "省级节点没有上级节点" },
	{ "org.parent_missing", "市级、县级节点须填写上级节点" },
	{ "org.served_by", "只有县级节点可由其他节点代管" },
	{ "org.self", "节点不能指向自身" },
	{ "org.code", "应为1至32位字母、数字、“-”、“_”或“.”" },
	{ "org.ref_missing", "“{2}”未登记" },
	{ "org.unknown_field", "未知字段" },
	{ "org.exists", "“{2}”已登记" },
	{ "org.key_fixed", "不能修改" },
	{ "org.none", "“{2}”不存在或不在您的管辖范围内" },

	/* accounts acting from the command line (src/ra/actor.c) */
	{ "account.none", "没有账户“{1}”" },
	{ "account.disabled", "账户“{1}”已停用" },
	{ "account.password", "账户“{1}”须提供密码（$FINCA_ACCOUNT_PASSWORD）" },

	/* certificates (src/ra/cert.c, emergency.c, expiry.c) */
	{ "cert.none", "没有序列号为{1}的证书" },
	{ "cert.no_person", "证书{1}的持有人未登记" },
	{ "cert.internal", "证书{1}绑定了账户或供CA自身使用，只有管理员可以变更" },
	{ "cert.unit_unknown", "单位{4}未登记：只能为本节点已登记的持有人或单位制作证书" },
	{ "cert.holder_unknown", "持有人{4}未登记：只能为本节点已登记的持有人或单位制作证书" },
	{ "cert.whose", "请填写证书的持有人（身份证号）或单位（统一社会信用代码）" },
	/* the certificate holder's desk (ra/me.c) */
	{ "me.no_cert", "您没有证书 {1}" },
	{ "me.which_app", "您有{1}个应用系统的访问授权，请指明延期用于哪个应用系统" },
	{ "me.proof_not_yours", "证明由证书 {1}签名，该证书不属于您" },
	{ "me.proof_other_token", "USBKey {1}中没有证书 {2}" },
	{ "me.no_token", "您没有USBKey {1}" },
	{ "me.token_state", "USBKey {1}的状态为{2}：只有使用中的USBKey才能修改PIN码" },
	{ "expiry.which_app", "{1}有{2}个应用系统的访问授权，请指明由哪个主管部门审批延期" },
	{ "expiry.none", "没有{1}天内到期的证书" },
	{ "expiry.no_holder", "证书{1}没有可延期的持有人" },

	/* the loss report (src/ra/loss.c) and notices (notice.c) */
	{ "loss.what", "挂失须提供证书序列号或持有人身份证号，以及USBKey密码信封中的挂失码" },
	{ "loss.note", "最多{1}字节" },
	/* why a loss report was refused, as the audit trail says it */
	{ "loss.why_no_code", "未提供挂失码" },
	{ "loss.why_wrong_code", "挂失码不符" },
	{ "loss.why_no_token", "没有在用且设有挂失码的USBKey" },
	{ "loss.throttled_addr", "挂失次数过多（每小时最多{2}次）：请{3}分钟后再试，或请本单位信息员冻结证书" },
	{ "loss.throttled", "该证书或持有人的挂失次数过多（每小时最多{3}次）：请{4}分钟后再试，"
			    "或请本单位信息员冻结证书" },
	{ "notice.unit", "单位{1}的通知无法生成" },
	{ "notice.event", "通知“{1}”的事件不是有效的JSON" },

	/* a batch's paper (src/ra/paper.c) */
	{ "paper.scan", "{1}：扫描件应为PDF、PNG或JPEG格式" },
	{ "paper.too_large", "{1}：超过16 MiB" },
	{ "paper.name", "应为1至200字节" },
	{ "paper.form", "应为person（个人）、unit（单位）或pinreset（密码初始化）" },
	{ "paper.no_form", "此处没有需要填表的申请（设备证书无需填表）" },
	{ "paper.form_unused", "此处没有适用此表的申请" },

	/* production and the handover (src/ra/produce.c) */
	{ "request.csr", "不是PEM格式的证书请求" },
	{ "request.handler", "未填写（领取USBKey的人）" },
	{ "request.new_token", "证书制作在USBKey {1}上，不是{2}" },

	/* the token station (src/ra/station_req.c) */
	{ "station.not_accepted", "第{1}号申请不是已受理状态，不能制作USBKey" },
	{ "station.no_key", "第{1}号申请无需制作USBKey" },
	{ "station.pin_reset", "第{1}号申请不是USBKey {2}的已受理的密码初始化申请" },

	/* the spreadsheet as read (src/doc/sheet*.c) */
	{ "sheet.too_large", "文件超过{1} MiB" },
	{ "sheet.xls", "这是Excel 97-2003（.xls）格式或设有密码的工作簿：请另存为不设密码的.xlsx文件或CSV文件" },
	{ "sheet.utf16", "这是UTF-16编码的文本（“Unicode文本”）：请另存为.xlsx文件或CSV文件" },
	{ "sheet.rows", "第{1}行：超过{2}行" },
	{ "sheet.encoding", "第{1}行：编码有误（既不是UTF-8也不是GB18030）" },
	{ "sheet.quote", "第{1}行：引号未闭合" },
	{ "sheet.after_quote", "第{1}行：字段的右引号后还有内容" },
	{ "sheet.not_xlsx", "不是可读取的XLSX文件" },
	{ "sheet.no_workbook", "文件中没有工作簿" },
	{ "sheet.part_missing", "文件已损坏：缺少{1}" },
	{ "sheet.damaged", "文件已损坏（{1}）" },
	{ "sheet.xml", "文件已损坏（{1}不是格式正确的XML）" },
	{ "sheet.unzip_large", "文件过大：{1}解压后超过{3} MiB" },
	{ "sheet.unzip_total", "文件过大：解压后超过{2} MiB" },
	{ "sheet.too_many_sheets", "工作表超过{2}个" },
	{ "sheet.no_sheets", "文件中没有工作表" },

	/* the paper forms (src/doc/forms.c) */
	{ "form.too_long", "表中有一项内容超过{3}字节" },
	{ "form.utf8", "表中有一项内容不是有效的UTF-8文本" },
	{ "form.control", "表中有一项内容含有控制字符" },
	{ "form.no_glyph", "表中有一项内容含有无法打印的字符" },
	{ "form.no_font", "没有可打印“{2}”的字体（是否已安装fonts-noto-cjk？）" },
	{ "form.too_big", "内容超出一页A4纸：请缩短最长的内容" },
	{ "form.no_id", "表格须有编号" },
	{ "form.entries", "每份表格须有1至{3}项，实有{4}项" },
	{ "form.pdf_large", "生成的PDF将超过{3}字节" },

	/* a cell as read: in a CSV's line ({1} line, {2} column), or in an XLSX
	 * part's row (_x: {1} part, {2} row, {3} column) */
	{ "sheet.cell_rows", "第{1}行{2}列：行数超过上限" },
	{ "sheet.cell_rows_x", "{1}：第{2}行{3}列：行数超过上限" },
	{ "sheet.cell_cols", "第{1}行{2}列：列数超过上限" },
	{ "sheet.cell_cols_x", "{1}：第{2}行{3}列：列数超过上限" },
	{ "sheet.cell_long", "第{1}行{2}列：单元格内容过长" },
	{ "sheet.cell_long_x", "{1}：第{2}行{3}列：单元格内容过长" },
	{ "sheet.cell_nul", "第{1}行{2}列：单元格含有NUL字节" },
	{ "sheet.cell_nul_x", "{1}：第{2}行{3}列：单元格含有NUL字节" },
	{ "sheet.cell_utf8", "第{1}行{2}列：单元格内容不是UTF-8文本" },
	{ "sheet.cell_utf8_x", "{1}：第{2}行{3}列：单元格内容不是UTF-8文本" },
	{ "sheet.cell_total", "第{1}行{2}列：文本总量超过64 MiB" },
	{ "sheet.cell_total_x", "{1}：第{2}行{3}列：文本总量超过64 MiB" },
	{ "sheet.cell_sst", "第{1}行{2}列：文件已损坏（没有此共享字符串）" },
	{ "sheet.cell_sst_x", "{1}：第{2}行{3}列：文件已损坏（没有此共享字符串）" },
	{ "sheet.cell_type", "第{1}行{2}列：文件已损坏（未知的单元格类型）" },
	{ "sheet.cell_type_x", "{1}：第{2}行{3}列：文件已损坏（未知的单元格类型）" },
	{ NULL, NULL },
};

static const struct msg_entry fields[] = {
	{ "data.name", "新姓名" },
	{ "dept", "主管部门" },
	{ "level", "层级" },
	{ "node", "制证节点" },
	{ "parent", "上级节点" },
	{ "served_by", "代管节点" },
	{ NULL, NULL },
};

const struct msg_table msg_zh_ra = { reasons, fields };
