/* The audit trail read by people: every action's name and a one-line
 * summary of its details, in Chinese (the auditors read only Chinese) and
 * in English.  One table: adding an action is adding a row.
 *
 * A summary template is text with placeholders and optional parts:
 *   {key}        the detail's value ("{object}": the object's id, what
 *                follows "cert:", "request:"…; "{a.b}": b inside a)
 *   {key:dict}   the value named by a dictionary below ("{from:state}")
 *   [ … ]        left out, punctuation and all, when a placeholder inside
 *                has no value; these nest.
 * The dictionaries' names and values are the console's own (web/strings.js
 * state.*, type.*, action.*, reason.*, role.*, kind.*, token.*, cert.*,
 * level.*): tests/unit/test_actions.c checks that both say the same. */
#include "audit/audit.h"
#include "store/store.h"
#include "util/err.h"
#include "util/util.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct word {
	const char *dict, *value, *zh, *en;
};

static const struct word words[] = {
	/* a request's state (src/ra/moves.c moves[]) */
	{ "state", "draft", "草稿", "Draft" },
	{ "state", "submitted", "待审批", "Submitted" },
	{ "state", "approved", "已批准", "Approved" },
	{ "state", "rejected", "已驳回", "Rejected" },
	{ "state", "accepted", "已受理", "Accepted" },
	{ "state", "produced", "已制作", "Produced" },
	{ "state", "handed_over", "已交接", "Handed over" },
	{ "state", "completed", "已办结", "Completed" },
	{ "state", "withdrawn", "已撤回", "Withdrawn" },
	/* a request's type */
	{ "type", "apply", "申请", "Apply" },
	{ "type", "renew", "延期", "Renew" },
	{ "type", "update", "更新", "Update" },
	{ "type", "reissue", "补办", "Reissue" },
	{ "type", "freeze", "冻结", "Freeze" },
	{ "type", "unfreeze", "解冻", "Unfreeze" },
	{ "type", "revoke", "注销", "Revoke" },
	{ "type", "pin-reset", "密码初始化", "PIN reset" },
	{ "type", "authorize", "访问授权", "Authorize" },
	{ "type", "recover", "密钥恢复", "Key recovery" },
	/* a request's move */
	{ "action", "submit", "提交", "Submit" },
	{ "action", "withdraw", "撤回", "Withdraw" },
	{ "action", "resubmit", "重新提交", "Resubmit" },
	{ "action", "approve", "批准", "Approve" },
	{ "action", "reject", "驳回", "Reject" },
	{ "action", "accept", "受理", "Accept" },
	{ "action", "produce", "制作", "Produce" },
	{ "action", "handover", "交接", "Hand over" },
	{ "action", "return", "交回旧USBKey", "Old USBKey returned" },
	{ "action", "complete", "办结", "Complete" },
	/* RFC 5280 §5.3.1 reason codes (src/ca/status.c), and the token's */
	{ "reason", "unspecified", "未说明（unspecified）", "unspecified" },
	{ "reason", "keyCompromise", "密钥泄露（keyCompromise）", "keyCompromise" },
	{ "reason", "cACompromise", "CA密钥泄露（cACompromise）", "cACompromise" },
	{ "reason", "affiliationChanged", "调出（affiliationChanged）", "affiliationChanged" },
	{ "reason", "superseded", "已被取代（superseded）", "superseded" },
	{ "reason", "cessationOfOperation", "不再使用（cessationOfOperation）",
	  "cessationOfOperation" },
	{ "reason", "certificateHold", "冻结（certificateHold）", "certificateHold" },
	{ "reason", "removeFromCRL", "解除冻结（removeFromCRL）", "removeFromCRL" },
	{ "reason", "privilegeWithdrawn", "权限撤销（privilegeWithdrawn）", "privilegeWithdrawn" },
	{ "reason", "aACompromise", "属性机构密钥泄露（aACompromise）", "aACompromise" },
	{ "reason", "lost", "丢失", "Lost" },
	{ "reason", "damaged", "损坏", "Damaged" },
	/* roles (src/ra/actor.c) */
	{ "role", "officer", "信息员", "Information officer" },
	{ "role", "approver", "审批人", "Approver" },
	{ "role", "operator", "操作员", "Operator" },
	{ "role", "admin", "管理员", "Administrator" },
	{ "role", "auditor", "审计员", "Auditor" },
	{ "role", "holder", "证书持有人", "Certificate holder" },
	{ "role", "app", "应用系统", "Application system" },
	{ "role", "system", "系统", "System" },
	/* whom a request is for */
	{ "kind", "person", "个人", "Person" },
	{ "kind", "unit", "单位", "Unit" },
	{ "kind", "device", "设备", "Device" },
	/* a USBKey's state (src/token/token.c) */
	{ "token", "in_stock", "库存", "In stock" },
	{ "token", "initialized", "已初始化", "Initialized" },
	{ "token", "issued", "已发放", "Issued" },
	{ "token", "suspended", "挂失（暂停）", "Suspended" },
	{ "token", "returned", "已交回", "Returned" },
	{ "token", "lost", "丢失", "Lost" },
	{ "token", "damaged", "损坏", "Damaged" },
	{ "token", "destroyed", "已销毁", "Destroyed" },
	/* a certificate's status (src/ca/status.c state_names) */
	{ "cert", "valid", "有效", "Valid" },
	{ "cert", "frozen", "冻结", "Frozen" },
	{ "cert", "revoked", "注销", "Revoked" },
	{ "cert", "expired", "过期", "Expired" },
	/* a node's level */
	{ "level", "province", "省级", "Province" },
	{ "level", "city", "市级", "City" },
	{ "level", "county", "区县级", "County" },
	/* not the console's: a CRL's kind, the token's fixed notes */
	{ "delta", "true", "增量CRL", "delta CRL" },
	{ "delta", "false", "完整CRL", "full CRL" },
	{ "tnote", "default PIN changed by the holder", "持有人已修改默认PIN",
	  "default PIN changed by the holder" },
	{ "tnote", "PIN reset to a new default PIN", "PIN已重置为新的默认PIN",
	  "PIN reset to a new default PIN" },
	{ "tnote", "SO PIN handed out", "管理员PIN已交付", "SO PIN handed out" },
	/* the notes src/ra/produce.c and station_req.c give the token's moves */
	{ "tnote", "certificate frozen", "证书已冻结", "certificate frozen" },
	{ "tnote", "certificate unfrozen", "证书已解冻", "certificate unfrozen" },
	{ "tnote", "request handover", "按申请交接", "request handover" },
	{ "tnote", "returned with the request", "随申请交回", "returned with the request" },
	{ "tnote", "reissue request", "补办申请", "reissue request" },
};

/* The summaries several actions share */
#define S_REQ_MOVE_ZH "申请 {object}：{action:action}[，{from:state} → {to:state}][，理由：{reason}]"
#define S_REQ_MOVE_EN "Request {object}: {action:action}[, {from:state} → {to:state}][, reason: {reason}]"
#define S_ISSUE_ZH "证书 {object}[，主题 {subject}][，模板 {profile}][，密钥 {key}]" \
	"[，有效期至 {not_after:time}][，取代 {replaces}]"
#define S_ISSUE_EN "Certificate {object}[, subject {subject}][, profile {profile}][, key {key}]" \
	"[, valid until {not_after:time}][, replaces {replaces}]"
#define S_STATUS_ZH "证书 {object}[（原状态：{from:cert}）][，主题 {subject}]"
#define S_STATUS_EN "Certificate {object}[ (was {from:cert})][, subject {subject}]"
#define S_TOKEN_ZH "USBKey {object}[，状态 [{from:token} → ]{state:token}][，相关人员 {party}]" \
	"[，证书 {certificate}][，说明：{note:tnote}]"
#define S_TOKEN_EN "USBKey {object}[, state [{from:token} → ]{state:token}][, party {party}]" \
	"[, certificate {certificate}][, note: {note:tnote}]"
#define S_PERSON_ZH "人员[ {name}][（身份证号 {id_number}）][，单位 {unit}]"
#define S_PERSON_EN "Person[ {name}][ (ID {id_number})][, unit {unit}]"
#define S_NODE_ZH "管理节点 {object}[ {name}][，{level:level}][，上级 {parent}][，代管 {served_by}]"
#define S_NODE_EN "Node {object}[ {name}][, {level:level}][, parent {parent}][, served by {served_by}]"
#define S_DEPT_ZH "审批部门 {object}[ {name}][，所属节点 {node}]"
#define S_DEPT_EN "Department {object}[ {name}][, node {node}]"
#define S_APP_ZH "应用系统 {object}[ {name}][，审批部门 {dept}][，系统账户 {account}]"
#define S_APP_EN "Application {object}[ {name}][, department {dept}][, account {account}]"
#define S_UNIT_ZH "申请单位 {object}[ {name}][，所属节点 {node}][，信息员 {officer}]"
#define S_UNIT_EN "Unit {object}[ {name}][, node {node}][, officer {officer}]"
#define S_DEVICE_ZH "设备 {object}[ {name}][，单位 {unit}]"
#define S_DEVICE_EN "Device {object}[ {name}][, unit {unit}]"

struct action {
	const char *action;
	const char *move;  /* request.move: the move (details.action) it names */
	const char *zh, *en, *sum_zh, *sum_en;
};

static const struct action actions[] = {
	{ "request.create", NULL, "申请创建", "Request created",
	  "申请 {object}[，类型：{type:type}][，{subject_kind:kind} {name}][（{subject}）][，单位 {unit}]"
	  "[，应用系统 {app}][，批次 {batch}]",
	  "Request {object}[, type {type:type}][, for {subject_kind:kind} {name}][ ({subject})][, unit {unit}]"
	  "[, application {app}][, batch {batch}]" },
	{ "request.move", NULL, "申请流转", "Request moved", S_REQ_MOVE_ZH, S_REQ_MOVE_EN },
	{ "request.move", "submit", "申请提交", "Request submitted", S_REQ_MOVE_ZH, S_REQ_MOVE_EN },
	{ "request.move", "resubmit", "申请重新提交", "Request resubmitted", S_REQ_MOVE_ZH,
	  S_REQ_MOVE_EN },
	{ "request.move", "withdraw", "申请撤回", "Request withdrawn", S_REQ_MOVE_ZH, S_REQ_MOVE_EN },
	{ "request.move", "approve", "审批通过", "Request approved", S_REQ_MOVE_ZH, S_REQ_MOVE_EN },
	{ "request.move", "reject", "审批驳回", "Request rejected", S_REQ_MOVE_ZH, S_REQ_MOVE_EN },
	{ "request.move", "accept", "申请受理", "Request accepted", S_REQ_MOVE_ZH, S_REQ_MOVE_EN },
	{ "request.move", "produce", "证书制作", "Produced", S_REQ_MOVE_ZH, S_REQ_MOVE_EN },
	{ "request.move", "handover", "证书交接", "Handed over", S_REQ_MOVE_ZH, S_REQ_MOVE_EN },
	{ "request.move", "return", "旧USBKey交回", "Old USBKey returned", S_REQ_MOVE_ZH,
	  S_REQ_MOVE_EN },
	{ "request.move", "complete", "申请办结", "Request completed", S_REQ_MOVE_ZH, S_REQ_MOVE_EN },
	{ "request.emergency_freeze", NULL, "紧急冻结", "Emergency freeze",
	  "紧急冻结申请 {object}[：证书 {certificate}][，{role:role} {by}][，说明：{note}]",
	  "Emergency freeze request {object}[: certificate {certificate}][, by {role:role} {by}]"
	  "[, note: {note}]" },
	{ "batch.create", NULL, "批次创建", "Batch created",
	  "批次 {object}[，单位 {unit}][，来源 {source}][，提交人 {submitter}]",
	  "Batch {object}[, unit {unit}][, from {source}][, submitted by {submitter}]" },
	{ "batch.attach", NULL, "书面材料上传", "Paper attached",
	  "批次 {object}[ 上传 {name}][（{size} 字节）]",
	  "Batch {object}[: attached {name}][ ({size} bytes)]" },
	{ "cert.issue", NULL, "证书签发", "Certificate issued", S_ISSUE_ZH, S_ISSUE_EN },
	{ "cert.issue.token", NULL, "USBKey证书签发", "USBKey certificate issued", S_ISSUE_ZH,
	  S_ISSUE_EN },
	{ "cert.renew", NULL, "证书延期", "Certificate renewed", S_ISSUE_ZH, S_ISSUE_EN },
	{ "cert.update", NULL, "证书更新", "Certificate updated", S_ISSUE_ZH, S_ISSUE_EN },
	{ "cert.freeze", NULL, "证书冻结", "Certificate frozen", S_STATUS_ZH, S_STATUS_EN },
	{ "cert.unfreeze", NULL, "证书解冻", "Certificate unfrozen", S_STATUS_ZH, S_STATUS_EN },
	{ "cert.revoke", NULL, "证书注销", "Certificate revoked",
	  "证书 {object}[，原因：{reason:reason}][（原状态：{from:cert}）][，主题 {subject}]"
	  "[，由 {superseded_by} 取代]",
	  "Certificate {object}[, reason: {reason:reason}][ (was {from:cert})][, subject {subject}]"
	  "[, superseded by {superseded_by}]" },
	{ "km.envelope", NULL, "数字信封领取", "Enveloped key fetched",
	  "证书 {object} 的数字信封[（{envelopes} 个）]",
	  "Enveloped keys of certificate {object}[ ({envelopes})]" },
	{ "km.recover", NULL, "密钥恢复", "Key recovered",
	  "证书 {object}[ 恢复加密密钥 {recovered}][，申请 {request}]",
	  "Certificate {object}[: encryption keys {recovered} recovered][, request {request}]" },
	{ "account.cert", NULL, "账户证书签发", "Account certificate issued", S_ISSUE_ZH,
	  S_ISSUE_EN },
	{ "tls.server", NULL, "服务器证书签发", "TLS server certificate issued", S_ISSUE_ZH,
	  S_ISSUE_EN },
	{ "ocsp.signer", NULL, "OCSP签名证书签发", "OCSP signer certificate issued", S_ISSUE_ZH,
	  S_ISSUE_EN },
	{ "request.instruction", NULL, "USBKey操作指令签发", "USBKey instruction signed",
	  "申请 {object}：{op}[，USBKey {token}]", "Request {object}: {op}[, USBKey {token}]" },
	{ "token.instruction", NULL, "USBKey修改PIN码指令签发", "USBKey PIN change instruction signed",
	  "USBKey {object}：证书持有人修改PIN码", "USBKey {object}: the holder's PIN change" },
	/* the note of an init is the token's label */
	{ "token.init", NULL, "USBKey初始化", "USBKey initialized",
	  "USBKey {object}[，状态 [{from:token} → ]{state:token}][，标签 {note}]",
	  "USBKey {object}[, state [{from:token} → ]{state:token}][, label {note}]" },
	{ "token.so_pin", NULL, "USBKey管理员PIN交付", "USBKey SO PIN handed out",
	  "USBKey {object}[：{note:tnote}]", "USBKey {object}[: {note:tnote}]" },
	{ "token.enroll_begin", NULL, "USBKey开始制作", "USBKey enrolment begun",
	  "USBKey {object}[ 写入证书 {certificate}][，模板 {note}]",
	  "USBKey {object}[: certificate {certificate}][, profile {note}]" },
	{ "token.enroll", NULL, "USBKey制作", "USBKey enrolled", S_TOKEN_ZH, S_TOKEN_EN },
	{ "token.enroll_abort", NULL, "USBKey制作中止", "USBKey enrolment aborted",
	  "USBKey {object}[，证书 {certificate}][，原因：{note}]",
	  "USBKey {object}[, certificate {certificate}][, why: {note}]" },
	{ "token.key_import", NULL, "USBKey导入加密密钥", "USBKey encryption key imported",
	  "USBKey {object}：加密证书 {enc_certificate}[（签名证书 {certificate}）][，数字信封 {format}]",
	  "USBKey {object}: encryption certificate {enc_certificate}[ (signing certificate "
	  "{certificate})][, envelope {format}]" },
	{ "token.handover", NULL, "USBKey交接", "USBKey handed over", S_TOKEN_ZH, S_TOKEN_EN },
	{ "token.return", NULL, "USBKey交回", "USBKey returned", S_TOKEN_ZH, S_TOKEN_EN },
	{ "token.state", NULL, "USBKey状态变更", "USBKey state changed", S_TOKEN_ZH, S_TOKEN_EN },
	{ "token.pin", NULL, "USBKey密码初始化", "USBKey PIN reset",
	  "USBKey {object}[：{note:tnote}]", "USBKey {object}[: {note:tnote}]" },
	{ "person.add", NULL, "人员新增", "Person added", S_PERSON_ZH, S_PERSON_EN },
	{ "person.edit", NULL, "人员修改", "Person edited", S_PERSON_ZH, S_PERSON_EN },
	{ "node.add", NULL, "管理节点新增", "Node added", S_NODE_ZH, S_NODE_EN },
	{ "node.edit", NULL, "管理节点修改", "Node edited", S_NODE_ZH, S_NODE_EN },
	{ "dept.add", NULL, "审批部门新增", "Department added", S_DEPT_ZH, S_DEPT_EN },
	{ "dept.edit", NULL, "审批部门修改", "Department edited", S_DEPT_ZH, S_DEPT_EN },
	{ "app.add", NULL, "应用系统新增", "Application added", S_APP_ZH, S_APP_EN },
	{ "app.edit", NULL, "应用系统修改", "Application edited", S_APP_ZH, S_APP_EN },
	{ "unit.add", NULL, "申请单位新增", "Unit added", S_UNIT_ZH, S_UNIT_EN },
	{ "unit.edit", NULL, "申请单位修改", "Unit edited", S_UNIT_ZH, S_UNIT_EN },
	{ "device.add", NULL, "设备新增", "Device added", S_DEVICE_ZH, S_DEVICE_EN },
	{ "device.edit", NULL, "设备修改", "Device edited", S_DEVICE_ZH, S_DEVICE_EN },
	{ "grant.give", NULL, "访问授权", "Access granted",
	  "授权[ {person}][ 访问 {app}][，角色 {roles}][，至 {not_after:time}]",
	  "Access[ for {person}][ to {app}][, roles {roles}][, until {not_after:time}]" },
	{ "grant.withdraw", NULL, "撤销授权", "Access withdrawn",
	  "撤销授权[：{person}][ 访问 {app}]", "Access withdrawn[ from {person}][ to {app}]" },
	{ "account.add", NULL, "账户新增", "Account added",
	  "账户 {object}[ {person}][，角色 {role:role}][，范围 {scope}][，证书 {cert}]",
	  "Account {object}[ {person}][, role {role:role}][, scope {scope}][, certificate {cert}]" },
	{ "account.holder", NULL, "证书持有人首次登录", "Holder's first login",
	  "证书持有人账户 {object}[ 身份证号 {id_number}][，证书 {cert}]",
	  "Holder account {object}[ for ID {id_number}][, certificate {cert}]" },
	{ "account.person", NULL, "账户姓名修改", "Account's person named",
	  "账户 {object}[ 姓名 {person}]", "Account {object}[ named {person}]" },
	{ "auth.login", NULL, "登录", "Login",
	  "账户 {object} 登录[，方式 {method}][，地址 {address}]",
	  "Account {object} logged in[ by {method}][ from {address}]" },
	{ "auth.login.denied", NULL, "登录失败", "Login refused",
	  "账户 {object} 登录失败[：{result:msg}][，方式 {method}][，地址 {address}]",
	  "Account {object} not logged in[: {result:msg}][, by {method}][ from {address}]" },
	{ "auth.throttled", NULL, "登录锁定", "Logins locked",
	  "账户 {object} 登录被暂时锁定[：{rule}][，地址 {address}]",
	  "Account {object} locked out[: {rule}][, address {address}]" },
	{ "auth.denied", NULL, "越权被拒绝", "Refused",
	  "账户 {object}[（{role:role}）] 被拒绝[，所需权限 {right}][：{why:msg}]",
	  "Account {object}[ ({role:role})] refused[, right {right}][: {why:msg}]" },
	{ "loss_report", NULL, "挂失", "Loss reported",
	  "挂失（申请 {object}）[：证书 {certificate}][，USBKey {token}][，已通知 {notices} 条]",
	  "Loss reported (request {object})[: certificate {certificate}][, USBKey {token}]"
	  "[, {notices} notices]" },
	{ "loss_report.refused", NULL, "挂失被拒绝", "Loss report refused",
	  "挂失被拒绝[：{why:msg}][，证书 {serial}][，地址 {source}]",
	  "Loss report refused[: {why:msg}][, certificate {serial}][, from {source}]" },
	{ "crl.issue", NULL, "CRL签发", "CRL issued",
	  "[{delta:delta} ]第 {object} 号[，{entries} 个条目][，基于第 {base} 号]",
	  "[{delta:delta} ]number {object}[, {entries} entries][, base {base}]" },
	{ "remind.scan", NULL, "到期提醒", "Expiry reminders",
	  "到期提醒[：{certificates} 张证书][，发出 {queued} 条通知]",
	  "Expiry reminders[: {certificates} certificates][, {queued} notices queued]" },
	{ "config.load", NULL, "配置加载", "Configuration loaded",
	  "finca.conf[（SHA-256 {new_sha256}）]", "finca.conf[ (SHA-256 {new_sha256})]" },
	{ "config.change", NULL, "配置变更", "Configuration changed",
	  "finca.conf[ 由 {old_sha256}][ 变为 {new_sha256}]",
	  "finca.conf[ from {old_sha256}][ to {new_sha256}]" },
	{ "ca.init", NULL, "CA初始化", "CA initialized",
	  "CA初始化[，算法 {algorithm}][，地址 {base_url}]",
	  "CA initialized[, algorithm {algorithm}][, base URL {base_url}]" },
	{ "ca.install", NULL, "CA证书安装", "CA certificates installed",
	  "安装CA证书[：签发CA {issuing.subject}][，根CA {root.subject}]",
	  "CA certificates installed[: issuing {issuing.subject}][, root {root.subject}]" },
	{ "ca.backup", NULL, "数据备份", "Backup made",
	  "数据目录备份[至 {dir}]", "Data directory backed up[ to {dir}]" },
	{ "ca.restore", NULL, "数据恢复", "Restored from backup",
	  "从备份恢复[ {from}][，审计记录截至第 {audit_seq} 条][，CRL编号自 {crl_floor} 起]",
	  "Restored from backup[ {from}][, audit trail to record {audit_seq}][, CRL numbers from {crl_floor}]" },
	{ "audit.export", NULL, "审计日志导出", "Audit trail exported",
	  "导出审计日志[（{format}）][，{rows} 条][，操作 {filter.action}]"
	  "[，操作者 {filter.actor}][，对象 {filter.object}][，自 {filter.since}]"
	  "[，至 {filter.until}]",
	  "Audit trail exported[ ({format})][, {rows} records][, action {filter.action}]"
	  "[, actor {filter.actor}][, object {filter.object}][, since {filter.since}]"
	  "[, until {filter.until}]" },
};

/* The filter's families: a prefix and what it covers */
static const struct {
	const char *prefix, *zh, *en;
} families[] = {
	{ "request.", "申请（全部）", "Requests (all)" },
	{ "batch.", "批次（全部）", "Batches (all)" },
	{ "cert.", "证书（全部）", "Certificates (all)" },
	{ "token.", "USBKey（全部）", "USBKeys (all)" },
	{ "loss_report*", "挂失（全部）", "Loss reports (all)" },
	{ "grant.", "访问授权（全部）", "Access grants (all)" },
	{ "account.", "账户（全部）", "Accounts (all)" },
	{ "auth.", "登录与权限（全部）", "Logins and refusals (all)" },
	{ "person.", "人员（全部）", "Persons (all)" },
	{ "node.", "管理节点（全部）", "Nodes (all)" },
	{ "dept.", "审批部门（全部）", "Departments (all)" },
	{ "app.", "应用系统（全部）", "Applications (all)" },
	{ "unit.", "申请单位（全部）", "Units (all)" },
	{ "device.", "设备（全部）", "Devices (all)" },
	{ "crl.", "CRL（全部）", "CRLs (all)" },
	{ "config.", "配置（全部）", "Configuration (all)" },
	{ "ca.", "CA（全部）", "CA (all)" },
	{ "audit.", "审计（全部）", "Audit (all)" },
};

static const struct action *find(const char *action, const char *move)
{
	const struct action *base = NULL;

	for (size_t i = 0; i < ARRAY_LEN(actions); i++) {
		if (strcmp(actions[i].action, action))
			continue;
		if (!actions[i].move)
			base = &actions[i];
		else if (move && !strcmp(actions[i].move, move))
			return &actions[i];
	}
	return base;
}

const char *audit_value_name(const char *dict, const char *value, enum msg_lang lang)
{
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (!strcmp(words[i].dict, dict) && !strcmp(words[i].value, value))
			return lang == MSG_ZH ? words[i].zh : words[i].en;
	return NULL;
}

const char *audit_action_name(const char *action, enum msg_lang lang)
{
	const struct action *a = find(action, NULL);

	return !a ? action : lang == MSG_ZH ? a->zh : a->en;
}

const char *audit_action_at(size_t i)
{
	size_t k = 0;

	for (size_t j = 0; j < ARRAY_LEN(actions); j++)
		if (!actions[j].move && k++ == i)
			return actions[j].action;
	return NULL;
}

const char *audit_family_at(size_t i, enum msg_lang lang, const char **prefix)
{
	if (i >= ARRAY_LEN(families))
		return NULL;
	*prefix = families[i].prefix;
	return lang == MSG_ZH ? families[i].zh : families[i].en;
}

/* details.action of a request.move, borrowed from d */
static const char *move_of(json_t *d)
{
	return json_string_value(json_object_get(d, "action"));
}

const char *audit_rec_name(const struct audit_rec *r, enum msg_lang lang)
{
	const struct action *a;
	json_t *d = r->details ? json_loads(r->details, 0, NULL) : NULL;

	a = find(r->action, move_of(d));
	json_decref(d);
	return !a ? r->action : lang == MSG_ZH ? a->zh : a->en;
}

/* Text being built, bounded; a cut falls on a UTF-8 character boundary. */
struct out {
	char *s;
	size_t n, len;
	int full; /* cut once: nothing shorter follows the cut */
};

static void put(struct out *o, const char *s, size_t len)
{
	if (o->full)
		return;
	if (len > o->n - 1 - o->len) {
		o->full = 1;
		len = o->n - 1 - o->len;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(o->s + o->len, s, len);
	o->len += len;
	o->s[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A value as text: strings as they are, numbers, booleans as "true" and
 * "false", arrays joined, objects as "key=value, …".  0 when there is none
 * (missing, null, ""). */
static int render(struct out *o, json_t *v, enum msg_lang lang)
{
	char b[64];
	size_t i;
	const char *k;
	json_t *x;
	int first = 1;

	switch (json_typeof(v)) {
	case JSON_STRING:
		if (!*json_string_value(v))
			return 0;
		puts_(o, json_string_value(v));
		return 1;
	case JSON_INTEGER:
		snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
		puts_(o, b);
		return 1;
	case JSON_REAL:
		snprintf(b, sizeof b, "%g", json_real_value(v));
		puts_(o, b);
		return 1;
	case JSON_TRUE:
	case JSON_FALSE:
		puts_(o, json_is_true(v) ? "true" : "false");
		return 1;
	case JSON_ARRAY:
		json_array_foreach(v, i, x) {
			if (!first)
				puts_(o, lang == MSG_ZH ? "、" : ", ");
			first = !render(o, x, lang) && first;
		}
		return !first;
	case JSON_OBJECT:
		json_object_foreach(v, k, x) {
			if (json_is_null(x))
				continue;
			if (!first)
				puts_(o, ", ");
			puts_(o, k);
			puts_(o, "=");
			if (!render(o, x, lang))
				puts_(o, "\"\"");
			first = 0;
		}
		return !first;
	default:
		return 0;
	}
}

/* The value of a placeholder's key: "object" is the object's id, "a.b" is
 * b inside a.  Borrowed from d, or a new string *tmp (caller frees). */
static json_t *lookup(json_t *d, const struct audit_rec *r, const char *key, size_t klen,
		      json_t **tmp)
{
	char k[64], *dot;
	json_t *v = d;

	if (klen >= sizeof k)
		return NULL;
	memcpy(k, key, klen);
	k[klen] = '\0';
	if (!strcmp(k, "object")) {
		const char *c = r->object ? strchr(r->object, ':') : NULL;
		return c ? (*tmp = json_string(c + 1)) : NULL;
	}
	for (char *p = k; v && p; p = dot ? dot + 1 : NULL) {
		dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		v = json_object_get(v, p);
	}
	return v;
}

void audit_set_error(json_t *d, const char *key)
{
	char k[64];
	json_t *ps;

	json_object_set_new(d, key, json_string(err_msg()));
	if (!*err_reason())
		return;
	snprintf(k, sizeof k, "%s_reason", key);
	json_object_set_new(d, k, json_string(err_reason()));
	ps = json_array();
	for (unsigned i = 0; i < err_nparams(); i++)
		json_array_append_new(ps, json_string(err_param(i)));
	snprintf(k, sizeof k, "%s_params", key);
	json_object_set_new(d, k, ps);
}

/* "{key:msg}" in Chinese: the catalogue's text of key_reason with
 * key_params placed; 0 when the record has no reason or the catalogue no
 * text (the message as recorded is shown then). */
static int place_msg(struct out *o, json_t *d, const char *key, size_t klen)
{
	const char *params[16], *t;
	char k[64], b[512];
	json_t *ps, *x;
	size_t i;
	unsigned np = 0;

	snprintf(k, sizeof k, "%.*s_reason", (int)klen, key);
	if (!(t = msg_zh(json_string_value(json_object_get(d, k)))))
		return 0;
	snprintf(k, sizeof k, "%.*s_params", (int)klen, key);
	ps = json_object_get(d, k);
	json_array_foreach(ps, i, x)
		if (np < ARRAY_LEN(params))
			params[np++] = json_string_value(x) ? json_string_value(x) : "";
	msg_place(t, params, np, b, sizeof b);
	puts_(o, b);
	return 1;
}

/* Renders one placeholder's text ("key" or "key:dict"); 0 when it has no
 * value. */
static int place(struct out *o, json_t *d, const struct audit_rec *r, const char *ph,
		 size_t len, enum msg_lang lang)
{
	const char *colon = memchr(ph, ':', len);
	size_t klen = colon ? (size_t)(colon - ph) : len;
	json_t *tmp = NULL, *v = lookup(d, r, ph, klen, &tmp);
	char dict[16], b[512];
	struct out t = { b, sizeof b, 0, 0 };
	int rc = 0;

	b[0] = '\0';
	if (!v || !render(&t, v, lang))
		goto out;
	rc = 1;
	if (colon && len - klen - 1 == 3 && !memcmp(colon + 1, "msg", 3)) {
		if (lang == MSG_ZH && place_msg(o, d, ph, klen))
			goto out;
	} else if (colon && len - klen - 1 < sizeof dict) {
		const char *w;
		memcpy(dict, colon + 1, len - klen - 1);
		dict[len - klen - 1] = '\0';
		int64_t when = json_integer_value(v);
		if (!strcmp(dict, "time") &&
		    (json_is_integer(v) || (json_is_string(v) && time_parse(b, &when) == FINCA_OK))) {
			/* Beijing time: the auditors' (UTC+8, no summer time) */
			time_t at = (time_t)when + 8 * 3600;
			struct tm tm;
			gmtime_r(&at, &tm);
			strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
		} else if ((w = audit_value_name(dict, b, lang))) {
			puts_(o, w);
			goto out;
		}
	}
	puts_(o, b);
out:
	json_decref(tmp);
	return rc;
}

/* Renders t[0..len) into o; 0 when a placeholder at this level (not in a
 * nested [ ]) had no value. */
static int fill(struct out *o, json_t *d, const struct audit_rec *r, const char *t, size_t len,
		enum msg_lang lang)
{
	int ok = 1;

	for (size_t i = 0; i < len;) {
		if (t[i] == '[') {
			size_t j = i + 1, depth = 1, mark = o->len;
			while (j < len && depth)
				depth += t[j] == '[' ? 1 : t[j] == ']' ? -1 : 0, j++;
			/* a part that has no value is taken back */
			if (!fill(o, d, r, t + i + 1, j - i - 1 - (depth == 0), lang)) {
				o->len = mark;
				o->s[mark] = '\0';
			}
			i = j;
		} else if (t[i] == '{') {
			const char *e = memchr(t + i, '}', len - i);
			size_t l = e ? (size_t)(e - t - i - 1) : len - i - 1;
			ok &= place(o, d, r, t + i + 1, l, lang);
			i += l + 2;
		} else {
			size_t j = i;
			while (j < len && t[j] != '[' && t[j] != '{')
				j++;
			put(o, t + i, j - i);
			i = j;
		}
	}
	return ok;
}

const char *audit_summary(const struct audit_rec *r, enum msg_lang lang, char *out, size_t n)
{
	json_t *d = r->details ? json_loads(r->details, 0, NULL) : NULL;
	const struct action *a = find(r->action, move_of(d));
	struct out o = { out, n, 0, 0 };
	const char *t;

	if (n == 0)
		return out;
	out[0] = '\0';
	if (a) {
		t = lang == MSG_ZH ? a->sum_zh : a->sum_en;
		fill(&o, d, r, t, strlen(t), lang);
	} else {
		/* not in the table: the code, the object and the details */
		puts_(&o, r->action);
		if (r->object && *r->object) {
			puts_(&o, " ");
			puts_(&o, r->object);
		}
		if (d && json_object_size(d)) {
			puts_(&o, lang == MSG_ZH ? "：" : ": ");
			render(&o, d, lang);
		}
	}
	json_decref(d);
	return out;
}
