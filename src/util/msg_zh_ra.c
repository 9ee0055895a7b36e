/* The Chinese catalogue (see msg_zh.c), this part: the registration authority:
 * organisations, requests, batches, grants, the spreadsheet, notices.
 *
 * The words are the console's (web/strings.js: state.*, type.*, action.*):
 * 草稿、待审批、已批准、已驳回、已受理、已制作、已交接、已办结、已撤回.  A
 * state, a type or an action is never placed as a parameter (the English
 * word would show): a refusal that depends on one has a reason of its own
 * (request.state_approve…, moves.c's table). */
#include "util/msg_int.h"

static const struct msg_entry reasons[] = {
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
	{ "request.type", "不是有效的申请类型" },
	{ "request.subject_kind", "应为个人、单位或设备" },
	{ "request.no_subject", "“{2}”未登记" },
	{ "request.app_missing", "请填写应用系统（由其主管部门审批）" },
	{ "request.no_app", "“{1}”未登记" },
	{ "request.cert_missing", "请填写证书序列号" },
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
	{ "request.roles", "请填写授予的角色" },
	{ "request.grant_person", "访问授权只能授予个人" },
	{ "request.pin_cert", "请填写需初始化密码的USBKey上的证书序列号" },
	{ "batch.empty", "批次中没有申请" },
	{ "batch.problems", "申请中有{1}处问题，未创建任何申请" },
	{ "batch.twice", "同一对象在同一批次中重复申请同一业务" },
	{ "batch.one_unit", "一个批次只能包含一个单位的申请，该对象属于其他单位" },

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
	{ "sheet.roles", "请填写授予的角色" },
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
