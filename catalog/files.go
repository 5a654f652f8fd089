package catalog

// The files /export and /notice stream to disk (SPEC section 13), when one
// is over Telegram's upload limit for bots.

var enFiles = map[string]string{
	"export.too_large": "The ledger workbook is %s MB, over the %s MB a bot may send in Telegram, so it was not sent. Export it on the server instead: <code>lamplighter export --community %s --kind members --format xlsx --out members.xlsx</code> (and <code>--kind ledger</code>).",
	"notice.too_large": "The notice file is %s MB, over the %s MB a bot may send in Telegram, so nothing was posted. Ask the district admin to export it on the server.",
}

var zhFiles = map[string]string{
	"export.too_large": "台账工作簿有 %s MB，超过 Telegram 允许机器人发送的 %s MB，未能发送。请在服务器上导出：<code>lamplighter export --community %s --kind members --format xlsx --out members.xlsx</code>（以及 <code>--kind ledger</code>）。",
	"notice.too_large": "公示文件有 %s MB，超过 Telegram 允许机器人发送的 %s MB，未发布。请联系区管理员在服务器上导出。",
}
