/* The Chinese catalogue (see msg_zh.c), this part: USBKeys made from the
 * console (issue 15): the server's signed instructions
 * (token/instruction.c, ra/instruction.c) and the operator's agent
 * (agent/produce.c). */
#include "util/msg_int.h"

static const struct msg_entry reasons[] = {
	/* signed instructions */
	{ "instr.random", "无法生成指令随机数" },
	{ "instr.no_ca", "代理未配置用于核验指令的CA证书（--ca-cert）" },
	{ "instr.form", "指令应为服务器给出的{payload, signature}，均为base64" },
	{ "instr.signature", "该指令不是服务器（服务CA）签发的" },
	{ "instr.payload", "指令内容缺少account、op、request、token、expires或nonce" },
	{ "agent.instr_account", "该指令是签发给{1}的，不能用{2}的会话使用" },
	{ "instr.expired", "指令已于{1}秒前过期：请向服务器重新获取" },
	{ "instr.too_long", "指令有效期{1}秒，超过{2}秒（代理所在计算机的时钟是否正确？）" },
	{ "instr.op", "操作“{1}”：应为produce、pin_reset、change_pin或wipe" },
	{ "instr.wipe_state", "USBKey {1}当前为{2}：只有已交回的USBKey可以擦除" },
	{ "instr.token", "USBKey序列号“{1}”：最多16个字符" },
	{ "station.session", "会话令牌缺失或格式不正确" },

	/* the operator's agent */
	{ "agent.produce_config", "制作USBKey须同时指定--server（管理控制台）和--ca-cert（其服务CA证书）" },
	{ "agent.server", "--server {1}：应为管理控制台的https://来源，并同时作为--origin" },
	{ "agent.ca_cert", "--ca-cert {1}：不是可读取的PEM证书" },
	{ "agent.produce_pin", "代理在此步骤没有可用的PIN" },
	{ "agent.instr_replay", "该指令已使用过：请向服务器重新获取" },
	{ "agent.instr_many", "{2}秒内的指令超过{1}条" },
	{ "agent.instr_blank", "当前空白USBKey的序列号为{1}：指令须写明该序列号" },
	{ "agent.blank_count", "当前插入了{1}个空白USBKey：请只插入一个" },
	{ "agent.produce_state", "USBKey {1}的状态为{2}：只能制作空白、已交回或已初始化的USBKey" },
	{ "agent.instr_token", "{1}指令须写明USBKey" },
	{ "agent.no_produce", "此代理不制作USBKey（启动时须指定--server和--ca-cert）" },
	{ "agent.not_console", "只有管理控制台（{1}）可以更改USBKey" },
	{ "agent.instr_op", "该指令用于{1}，不能用于{2}" },
	{ "agent.instr_other_token", "该指令是针对USBKey {1}的，不能用于{2}" },
	{ "agent.pin_differ", "两次输入的新PIN码不一致" },
	{ NULL, NULL },
};

static const struct msg_entry fields[] = {
	{ "instruction", "指令" },
	{ "session", "会话令牌" },
	{ "op", "操作" },
	{ NULL, NULL },
};

const struct msg_table msg_zh_produce = { reasons, fields };
