package catalog

// The messages of broadcasts that act (SPEC section 10): a broadcast that
// carries an activity, post or need, and what its button answers.

var enActBC = map[string]string{
	"actbc.attached":      "Each message carries %s with its button [%s].",
	"actbc.signed_up":     "✅ Signed up — %s",
	"actbc.already_in":    "☑️ You were already signed up — %s",
	"actbc.claimed":       "✅ %s is yours — %s",
	"actbc.already_held":  "☑️ %s was already yours — %s",
	"actbc.awaiting":      "⏳ Your claim of %s waits for a committee member's confirmation; you will be told here.",
	"actbc.refused":       "❌ %s",
	"actbc.gone":          "❌ %s no longer exists.",
	"actbc.ask_text_hint": "To attach an activity, post or need, start the text with its id: <code>A7 Come and help!</code>, or send the id alone.",
	"actbc.need_card":     "<b>%s</b> %s\n%s · helpers: %d/%d · due %s",
	"actbc.usage":         "To attach an activity, post or need with its button: <code>/broadcast &lt;audience&gt; A7|P3|N4 [text]</code>, e.g. <code>/broadcast all A7 Come and help!</code>",
	"invalid.attach":      "That is not an activity, post or need id (A7, P3, N4).",
}

var zhActBC = map[string]string{
	"actbc.attached":      "每条消息附带 %s 及其按钮［%s］。",
	"actbc.signed_up":     "✅ 已报名 — %s",
	"actbc.already_in":    "☑️ 您此前已报名 — %s",
	"actbc.claimed":       "✅ %s 已由您认领 — %s",
	"actbc.already_held":  "☑️ %s 此前已由您认领 — %s",
	"actbc.awaiting":      "⏳ 您对 %s 的认领须经大党委成员确认，结果将在此通知您。",
	"actbc.refused":       "❌ %s",
	"actbc.gone":          "❌ %s 已不存在。",
	"actbc.ask_text_hint": "如需附带活动、岗位或心愿，请在正文开头写上编号：<code>A7 欢迎参加！</code>，或只发送编号。",
	"actbc.need_card":     "<b>%s</b> %s\n%s · 志愿者：%d/%d · 截止 %s",
	"actbc.usage":         "附带活动、岗位或心愿及其按钮：<code>/broadcast &lt;对象&gt; A7|P3|N4 [正文]</code>，例如 <code>/broadcast all A7 欢迎参加！</code>",
	"invalid.attach":      "这不是活动、岗位或心愿的编号（A7、P3、N4）。",
}
