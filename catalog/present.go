package catalog

// The presenter screen's messages (/present, SPEC section 9).

var enPresent = map[string]string{
	"desc.present":          "show an activity's live check-in QR code",
	"usage.present":         "Usage: <code>/present &lt;activity id&gt;</code>\nExample: <code>/present A7</code>\nThe bot sends the check-in QR code and renews it every 30 seconds while check-in is open. /present A7 again, or [Stop], ends it.",
	"error.location_only":   "This activity takes check-ins by live location only: there is no code to present.",
	"present.caption":       "<b>%s</b> %s\n\nCheck-in code:\n<b>%s</b>\n\nChanges at %s · checked in: <b>%d</b>\n%s",
	"present.static":        "<b>%s</b> %s\n\nCheck-in code:\n<b>%s</b>\n\nChecked in: <b>%d</b>\n%s",
	"present.closed":        "<b>%s</b> %s\n\nCheck-in is closed. Checked in: <b>%d</b>.",
	"present.stopped":       "<b>%s</b> %s\n\nPresenting stopped. Checked in: <b>%d</b>.",
	"present.not_yet":       "<b>%s</b> %s\n\nCheck-in opens at %s; this screen shows the code from then on.",
	"present.stop":          "Stop",
	"present.stopped_toast": "Stopped.",
	"present.stopping":      "Presenting %s stopped.",
	"present.console":       "(The console shows the screen once; in Telegram it renews every 30 seconds.)",
}

var zhPresent = map[string]string{
	"desc.present":          "展示活动的实时签到二维码",
	"usage.present":         "用法：<code>/present &lt;活动编号&gt;</code>\n示例：<code>/present A7</code>\n机器人发送签到二维码，签到开放期间每 30 秒更新一次。再次发送 /present A7 或点击［停止］即结束。",
	"error.location_only":   "该活动只接受实时位置签到，没有可展示的签到码。",
	"present.caption":       "<b>%s</b> %s\n\n签到码：\n<b>%s</b>\n\n%s 更换 · 已签到：<b>%d</b>\n%s",
	"present.static":        "<b>%s</b> %s\n\n签到码：\n<b>%s</b>\n\n已签到：<b>%d</b>\n%s",
	"present.closed":        "<b>%s</b> %s\n\n签到已结束。已签到：<b>%d</b>。",
	"present.stopped":       "<b>%s</b> %s\n\n已停止展示。已签到：<b>%d</b>。",
	"present.not_yet":       "<b>%s</b> %s\n\n签到于 %s 开放，届时本画面显示签到码。",
	"present.stop":          "停止",
	"present.stopped_toast": "已停止。",
	"present.stopping":      "已停止展示 %s。",
	"present.console":       "（控制台只显示一次画面；在 Telegram 中每 30 秒更新。）",
}
