/* The Chinese catalogue (see msg_zh.c), this part: backups and restores
 * of a data directory (src/ca/backup.c, restore.c, manifest.c,
 * src/store/store_backup.c). */
#include "util/msg_int.h"

static const struct msg_entry reasons[] = {
	{ "backup.store_kind", "{1}存储不能由finca备份：请使用该数据库自身的工具" },
	{ "backup.not_empty", "{1}：目录非空（备份须写入新目录）" },
	{ "backup.read", "无法读取{1}：{2}" },
	{ "backup.write", "无法写入{1}：{2}" },
	{ "backup.inside", "{1}位于数据目录{2}之内：备份须存放在别处" },
	{ "backup.deep", "{1}：目录嵌套超过{2}层" },
	{ "backup.long_path", "{1}/{2}：路径过长，无法备份" },
	{ "backup.manifest", "备份清单第{1}行：{2}" },
	{ "backup.manifest_key", "备份清单第{1}行：应为“{2}”，实为“{3}”" },
	{ "backup.manifest_short", "备份清单缺少“{1}”（是否被截断？）" },
	{ "backup.file_size", "{1}：大小为{2}字节，备份清单记载为{3}字节" },
	{ "backup.file_hash", "{1}：SHA-256与备份清单不符（已被改动或损坏）" },
	{ "backup.no_manifest", "{1}：没有备份清单（不是备份，或备份未完成）" },
	{ "backup.unknown_store", "存储类型“{1}”：本版finca只能恢复sqlite和postgresql存储" },
	{ "backup.store_mismatch", "备份中是{1}存储，而配置指定的是{2}存储" },
	{ "backup.store_url", "--store：备份中是{1}存储，它恢复到数据目录中" },
	{ "backup.tool", "{1}执行失败：{2}" },
	{ "backup.tool_missing", "{1}：无法运行（{2}）：请安装与服务器版本相同的PostgreSQL客户端工具" },
	{ "backup.db_finca", "PostgreSQL数据库{1}中已有finca存储：恢复从不覆盖数据库，即使使用--force；请恢复到空数据库（--store URL），或用PostgreSQL自身的工具删除该数据库" },
	{ "backup.db_not_empty", "PostgreSQL数据库{1}中有{2}张表：恢复须写入空数据库" },
	{ "backup.schema_newer", "备份的数据库结构版本{1}高于本版finca（{2}）：请使用finca {3}或更新版本恢复" },
	{ "backup.target_exists", "{1}：已有数据目录；使用--force可将其移至一旁" },
	{ "backup.audit_head", "数据库的最后一条审计记录为第{1}条，而备份清单记载的是第{2}条（哈希不同）" },
	{ "backup.no_issuing", "备份中没有签发CA证书，无法核验其审计链" },
	{ "backup.rename", "无法将恢复的目录移至{1}：{2}" },
	{ NULL, NULL },
};

static const struct msg_entry fields[] = {
	{ "manifest", "备份清单" },
	{ "dir", "目录" },
	{ NULL, NULL },
};

const struct msg_table msg_zh_backup = { reasons, fields };
