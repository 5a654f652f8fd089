package catalog

// The messages the Telegram adapter (package bot) writes itself, outside any
// handler's reply: the apology after a failure, the flood notice, the note
// after a refused file, and the location button. All are plain text: no
// markup, no arguments; the flood notice is also a button's toast.

var enBot = map[string]string{
	"bot.apology":           "Sorry, something went wrong with your message. Please try again later.",
	"bot.flood":             "You are sending too fast. Please wait a few seconds and try again.",
	"bot.file_refused":      "⚠️ The file could not be sent (Telegram refused it). Please try again later; if it keeps failing, tell the committee.",
	"button.share_location": "📍 Share my location",
}

var zhBot = map[string]string{
	"bot.apology":           "抱歉，处理您的消息时出错了，请稍后再试。",
	"bot.flood":             "您发送得太快了，请等几秒钟再试。",
	"bot.file_refused":      "⚠️ 文件未能发送（Telegram 拒绝了它）。请稍后重试；若仍不行，请告诉社区管理员。",
	"button.share_location": "📍 发送我的位置",
}
