package handlers

import "fmt"

// The messages of delivery: /broadcast, its progress message, and the
// scheduled reminders and digests. They are part of the one catalog
// (i18n.go) and follow its rules; like the ledger's (i18n_ledger.go) they
// live in a file of their own, merged by init, which refuses an id defined
// twice.

func init() {
	for lang, msgs := range map[string]map[string]string{"en": enDelivery, "zh": zhDelivery} {
		for id, msg := range msgs {
			if _, dup := catalog[lang][id]; dup {
				panic(fmt.Sprintf("handlers: message %q is defined twice in %s", id, lang))
			}
			catalog[lang][id] = msg
		}
	}
}

var enDelivery = map[string]string{
	"desc.broadcast":  "send a message to members",
	"usage.broadcast": "Usage: <code>/broadcast &lt;audience&gt; &lt;text&gt;</code>, or <code>/broadcast</code> alone to be guided.\nAudiences: <code>all</code>, <code>team:T2</code>, <code>building:19</code>, <code>skill:electrician</code>, <code>activity:A7</code> (signed up), <code>below-minimum</code>, <code>no-post</code>, <code>unit:&lt;unit&gt;</code>; an audience with spaces in quotes, <code>unit:\"Bank of China\"</code>.\nExample: <code>/broadcast building:19 Street-light check on Saturday at 9:00, meet at the gate.</code>",

	"broadcast.ask_audience": "📣 New broadcast. Who should receive it? Press one, or type an audience: <code>team:T2</code>, <code>building:19</code>, <code>skill:electrician</code>, <code>activity:A7</code>, <code>unit:&lt;unit&gt;</code>.",
	"broadcast.ask_text":     "📣 To <b>%s</b>. Send the text of the message.",
	"broadcast.confirm":      "📣 Broadcast to <b>%s</b>: <b>%d</b> recipient(s).",
	"broadcast.skipped":      "%d more cannot be reached on Telegram (never opened the bot, or blocked it).",
	"broadcast.preview":      "They will read:",
	"broadcast.nobody":       "Nobody in <b>%s</b> can receive it (%d member(s) there cannot be reached on Telegram). Nothing was sent.",
	"broadcast.sending":      "📣 Sending to <b>%d</b> recipient(s) of <b>%s</b> (%s). The progress message below follows the delivery.",
	"broadcast.cancelled":    "Broadcast cancelled; nothing was sent.",
	"broadcast.header":       "📢 <b>%s</b>",
	"broadcast.too_long":     "The message is too long (%d characters; at most %d). Please shorten it.",
	"broadcast.no_text":      "The message is empty. Send the text to broadcast.",
	"invalid.audience":       "Unknown audience. Use all, team:T2, building:19, skill:&lt;skill&gt;, activity:A7, below-minimum, no-post or unit:&lt;unit&gt;.",
	"button.send":            "✅ Send",
	"button.cancel":          "✖️ Cancel",
	"button.aud_all":         "All members",
	"button.aud_below":       "Below the minimum",
	"button.aud_nopost":      "Without a post",

	"progress.title":   "📣 Broadcast to %s",
	"progress.line":    "%d%% done: sent %d of %d · failed %d · unreachable %d",
	"progress.running": "⏳ Delivering…",
	"progress.done":    "✅ Finished.",

	"remind.below.title":         "🔔 <b>%s</b>: your volunteer service this year",
	"remind.below.stand":         "You have <b>%d</b> of the %d participations asked for in %d, and %d days are left.",
	"remind.below.activities":    "Upcoming activities you can sign up for:",
	"remind.below.no_activities": "No activity is planned right now; you can also /log a service you did.",
	"remind.below.hint":          "/activities lists every activity, /log reports a service you did, /me shows your record.",
	"remind.nopost.title":        "🔔 <b>%s</b>: claim a service post",
	"remind.nopost.stand":        "Every member holds at least %d post(s); you hold %d.",
	"remind.nopost.posts":        "Open posts:",
	"remind.nopost.none":         "No post is open right now; the committee will announce new ones.",
	"remind.nopost.hint":         "/posts lists every open post.",
	"remind.activity.title":      "⏰ Reminder: you signed up for <b>%s</b> %s",
	"remind.activity.code":       "To check in there: scan the QR code shown on site, or send <code>/checkin &lt;code&gt;</code> with the code shown there. Check-in opens 30 minutes before the start.",
	"remind.activity.location":   "To check in there: scan the QR code shown on site, send <code>/checkin &lt;code&gt;</code> with the code shown there, or share your <b>live</b> location on the spot (📎 → Location → Share My Live Location). Check-in opens 30 minutes before the start.",
	"remind.activity.withdraw":   "Cannot come? <code>/withdraw %s</code> frees your place.",

	"digest.title":         "📋 <b>%s</b>: the week in brief",
	"digest.compliance":    "In %d so far: %d of %d active members compliant (%d%%); %d below the participation minimum.",
	"digest.pending":       "Service records awaiting approval: <b>%d</b> (/pending).",
	"digest.no_pending":    "No service record awaits approval.",
	"digest.new":           "New members since %s (%d): %s",
	"digest.no_new":        "No new members since %s.",
	"digest.unreachable":   "Not reachable on Telegram (%d): %s",
	"digest.all_reachable": "Every active member can be reached on Telegram.",
	"escalation.title":     "⚠️ <b>%s</b>: %d days left in %d",
	"escalation.below":     "%d member(s) are still below the minimum of %d participations:",
	"escalation.more":      "… and %d more (/report lists them all).",
	"escalation.hint":      "<code>/broadcast below-minimum &lt;text&gt;</code> writes to them all; /member M12 shows one record.",
	"noticechat.failed":    "⚠️ I cannot post to the notice chat of <b>%s</b> (%d): %s\nCheck that the bot is still in that chat with the right to post (in a channel: as an admin), or set another one with <code>/settings notice</code>.",
}

var zhDelivery = map[string]string{
	"desc.broadcast":  "向党员群发消息",
	"usage.broadcast": "用法：<code>/broadcast &lt;对象&gt; &lt;内容&gt;</code>，或只发送 <code>/broadcast</code> 按提示操作。\n对象：<code>all</code>（全部）、<code>team:T2</code>、<code>building:19</code>、<code>skill:电工</code>、<code>activity:A7</code>（已报名者）、<code>below-minimum</code>（未达最低次数）、<code>no-post</code>（未认领岗位）、<code>unit:&lt;单位&gt;</code>；含空格的对象加引号，如 <code>unit:\"Bank of China\"</code>。\n示例：<code>/broadcast building:19 周六上午9点检修路灯，在小区门口集合。</code>",

	"broadcast.ask_audience": "📣 新建群发。发给谁？请点选，或输入对象：<code>team:T2</code>、<code>building:19</code>、<code>skill:电工</code>、<code>activity:A7</code>、<code>unit:&lt;单位&gt;</code>。",
	"broadcast.ask_text":     "📣 发给<b>%s</b>。请发送消息内容。",
	"broadcast.confirm":      "📣 群发对象：<b>%s</b>，共 <b>%d</b> 人。",
	"broadcast.skipped":      "另有 %d 人无法通过 Telegram 联系（从未打开机器人或已屏蔽）。",
	"broadcast.preview":      "他们将收到：",
	"broadcast.nobody":       "<b>%s</b>中没有可接收消息的党员（其中 %d 人无法通过 Telegram 联系），未发送。",
	"broadcast.sending":      "📣 正在发送给 <b>%d</b> 人（<b>%s</b>，%s）。下方的进度消息会随发送更新。",
	"broadcast.cancelled":    "已取消群发，未发送任何消息。",
	"broadcast.header":       "📢 <b>%s</b>",
	"broadcast.too_long":     "消息太长（%d 个字符，最多 %d 个），请精简。",
	"broadcast.no_text":      "消息内容为空，请发送要群发的内容。",
	"invalid.audience":       "无法识别的对象。可用：all、team:T2、building:19、skill:&lt;技能&gt;、activity:A7、below-minimum、no-post 或 unit:&lt;单位&gt;。",
	"button.send":            "✅ 发送",
	"button.cancel":          "✖️ 取消",
	"button.aud_all":         "全部党员",
	"button.aud_below":       "未达最低次数",
	"button.aud_nopost":      "未认领岗位",

	"progress.title":   "📣 群发：%s",
	"progress.line":    "已完成 %d%%：已发送 %d / %d · 失败 %d · 无法联系 %d",
	"progress.running": "⏳ 发送中……",
	"progress.done":    "✅ 发送完毕。",

	"remind.below.title":         "🔔 <b>%s</b>：您今年的志愿服务",
	"remind.below.stand":         "您已参加 <b>%d</b> 次，要求至少 %d 次（%d 年），今年还剩 %d 天。",
	"remind.below.activities":    "近期可报名的活动：",
	"remind.below.no_activities": "目前没有安排活动；您也可以用 /log 登记已完成的服务。",
	"remind.below.hint":          "/activities 查看所有活动，/log 登记服务，/me 查看您的台账。",
	"remind.nopost.title":        "🔔 <b>%s</b>：请认领服务岗位",
	"remind.nopost.stand":        "每名党员至少认领 %d 个岗位，您目前认领了 %d 个。",
	"remind.nopost.posts":        "可认领的岗位：",
	"remind.nopost.none":         "目前没有开放的岗位，社区大党委会另行通知。",
	"remind.nopost.hint":         "/posts 查看所有可认领的岗位。",
	"remind.activity.title":      "⏰ 活动提醒：您已报名 <b>%s</b> %s",
	"remind.activity.code":       "现场签到：扫描现场的二维码，或发送 <code>/checkin &lt;签到码&gt;</code>（签到码见现场）。活动开始前 30 分钟起可签到。",
	"remind.activity.location":   "现场签到：扫描现场的二维码，发送 <code>/checkin &lt;签到码&gt;</code>（签到码见现场），或在现场共享<b>实时位置</b>（📎 → 位置 → 共享实时位置）。活动开始前 30 分钟起可签到。",
	"remind.activity.withdraw":   "无法参加？发送 <code>/withdraw %s</code> 让出名额。",

	"digest.title":         "📋 <b>%s</b>：本周简报",
	"digest.compliance":    "%d 年至今：%d 人达标（共 %d 名在册党员，%d%%）；%d 人未达最低服务次数。",
	"digest.pending":       "待审核的服务记录：<b>%d</b> 条（/pending）。",
	"digest.no_pending":    "没有待审核的服务记录。",
	"digest.new":           "%s 以来新报到的党员（%d）：%s",
	"digest.no_new":        "%s 以来没有新报到的党员。",
	"digest.unreachable":   "无法通过 Telegram 联系（%d）：%s",
	"digest.all_reachable": "所有在册党员都可通过 Telegram 联系。",
	"escalation.title":     "⚠️ <b>%s</b>：今年还剩 %d 天（%d 年）",
	"escalation.below":     "仍有 %d 名党员未达到 %d 次的最低服务次数：",
	"escalation.more":      "……另有 %d 人（/report 可查看全部）。",
	"escalation.hint":      "<code>/broadcast below-minimum &lt;内容&gt;</code> 可一次通知他们；/member M12 查看个人台账。",
	"noticechat.failed":    "⚠️ 无法在<b>%s</b>的公示群（%d）发布消息：%s\n请确认机器人仍在该群并有发言权限（频道中须为管理员），或用 <code>/settings notice</code> 另设公示群。",
}
