package handlers

import (
	"fmt"
	"html"
	"log/slog"
	"strings"
)

// Every text the handlers send lives in catalog, keyed by message id, once
// per language. Messages are Telegram HTML and fmt formats; both languages of
// a message take the same verbs in the same order (a test checks it). String
// arguments are escaped when formatted, so user text can never add markup;
// rawHTML arguments are markup built by the handlers and pass through.
// Keys starting with "button.", "field.", "desc.", "skills.", "page.toast" and
// the mode and role names are plain text too (buttons, toasts, menus).

// languages are the reply languages, in catalog order.
var languages = []string{"zh", "en"}

// rawHTML is markup the handlers built themselves; it is not escaped again.
type rawHTML string

// escape makes user text safe inside Telegram HTML.
func escape(s string) string { return html.EscapeString(s) }

// t formats message id in the caller's language, escaping string arguments.
func (c *call) t(id string, args ...any) string {
	return tr(c.lang, id, args...)
}

// label formats message id in the caller's language without escaping, for
// button labels and toasts, which Telegram shows as plain text.
func (c *call) label(id string, args ...any) string {
	return format(c.lang, id, false, args...)
}

// tr formats message id in lang, escaping string arguments.
func tr(lang, id string, args ...any) string {
	return format(lang, id, true, args...)
}

func format(lang, id string, escapeArgs bool, args ...any) string {
	msg, ok := catalog[lang][id]
	if !ok {
		msg, ok = catalog["en"][id]
	}
	if !ok {
		slog.Error("missing message", "id", id, "lang", lang)
		return id
	}
	if len(args) == 0 {
		return msg
	}
	a := make([]any, len(args))
	for i, v := range args {
		switch v := v.(type) {
		case string:
			if escapeArgs {
				a[i] = escape(v)
			} else {
				a[i] = v
			}
		case rawHTML:
			a[i] = string(v)
		default:
			a[i] = v
		}
	}
	return fmt.Sprintf(msg, a...)
}

// plain turns a Telegram HTML message into plain text for a toast or menu.
func plain(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}

// catalog holds every message, by language then id.
var catalog = map[string]map[string]string{"zh": zh, "en": en}

var en = map[string]string{
	// Welcome and help.
	"start.guest":         "👋 Welcome to <b>Lamplighter</b>, the volunteer desk of your residential community.\nTo register, open the invite link your community committee sent you, or send <code>/join &lt;code&gt;</code>.",
	"start.member":        "👋 Welcome back, %s (%s).",
	"start.bad_link":      "This link is not one I know. If it was an invite, ask your committee for a new one.",
	"help.title":          "<b>What I can do</b>",
	"help.guest":          "You are not registered yet. Open your invite link, or:",
	"help.member":         "Member",
	"help.committee":      "Committee",
	"help.admin":          "District admin",
	"help.secretary_only": "(/role and /invite with a role: secretary only)",
	"help.usage":          "Send a command without its arguments to see how to use it, with an example.",

	"desc.start":        "welcome and help",
	"desc.join":         "register with an invite code",
	"desc.me":           "my card: community, posts, teams, this year's record",
	"desc.profile":      "change my name, unit, building, skills",
	"desc.posts":        "open service posts to claim",
	"desc.claim":        "claim a post, e.g. /claim P3",
	"desc.unclaim":      "give up a post, e.g. /unclaim P3",
	"desc.teams":        "volunteer teams to join",
	"desc.jointeam":     "join a team, e.g. /jointeam T2",
	"desc.leaveteam":    "leave a team, e.g. /leaveteam T2",
	"desc.lang":         "language: /lang zh or /lang en",
	"desc.cancel":       "stop the current step-by-step dialogue",
	"desc.help":         "what I can do",
	"desc.newpost":      "create a service post",
	"desc.editpost":     "change a post",
	"desc.newteam":      "create a team",
	"desc.leader":       "appoint or remove a team leader",
	"desc.invite":       "create an invite link",
	"desc.role":         "appoint or remove a committee role",
	"desc.remove":       "a member moved away",
	"desc.members":      "find members",
	"desc.member":       "one member's card",
	"desc.settings":     "community settings",
	"desc.audit":        "recent committee actions",
	"desc.newcommunity": "create a community",
	"desc.use":          "choose the community to act on",
	"desc.communities":  "all communities at a glance",

	"usage.join":         "Usage: <code>/join &lt;invite code&gt;</code>\nExample: <code>/join dongan-k3x9q2m7ab</code>\nYour committee gives you the code or a link that does this for you.",
	"usage.profile":      "Usage: <code>/profile &lt;name|unit|building|skills&gt; &lt;value&gt;</code>, or <code>/profile</code> alone to be guided.\nExample: <code>/profile unit Bank of China Dongan branch</code>",
	"usage.claim":        "Usage: <code>/claim &lt;post id&gt;</code>\nExample: <code>/claim P3</code>\n/posts lists the open posts.",
	"usage.unclaim":      "Usage: <code>/unclaim &lt;post id&gt;</code>\nExample: <code>/unclaim P3</code>\n/me shows the posts you hold.",
	"usage.jointeam":     "Usage: <code>/jointeam &lt;team id&gt;</code>\nExample: <code>/jointeam T2</code>\n/teams lists the teams.",
	"usage.leaveteam":    "Usage: <code>/leaveteam &lt;team id&gt;</code>\nExample: <code>/leaveteam T2</code>",
	"usage.lang":         "Usage: <code>/lang zh</code> (中文) or <code>/lang en</code> (English)\nExample: <code>/lang en</code>",
	"usage.newpost":      "Usage: <code>/newpost &lt;title&gt; | &lt;mode&gt; | &lt;capacity&gt; | &lt;description&gt;</code>\nMode: claimed, fixed-point or paired; capacity 0 means unlimited.\nExample: <code>/newpost Legal aid desk | fixed-point | 2 | Answer residents' legal questions</code>\nOr send /newpost alone to be guided.",
	"usage.editpost":     "Usage: <code>/editpost &lt;post id&gt; &lt;field&gt; &lt;value&gt;</code>\nFields: title, description, capacity, skills, place, time, target, status (open/closed); the value <code>-</code> clears a field.\nExample: <code>/editpost P3 place Community centre, room 2</code>",
	"usage.newteam":      "Usage: <code>/newteam &lt;name&gt;</code>\nExample: <code>/newteam Street lighting team</code>",
	"usage.leader":       "Usage: <code>/leader &lt;team id&gt; &lt;member&gt;</code> (again to remove)\nA member is an M id or a Telegram user id.\nExample: <code>/leader T2 M12</code>",
	"usage.invite":       "Usage: <code>/invite</code> for members, or <code>/invite &lt;secretary|deputy|committee&gt;</code>\nExample: <code>/invite committee</code>",
	"usage.role":         "Usage: <code>/role &lt;member&gt; &lt;secretary|deputy|committee|none&gt;</code>\nExample: <code>/role M12 committee</code>",
	"usage.remove":       "Usage: <code>/remove &lt;member&gt;</code> — their service record is kept.\nExample: <code>/remove M12</code>",
	"usage.members":      "Usage: <code>/members [text]</code> — searches names, units, buildings and skills.\nExample: <code>/members lawyer</code>",
	"usage.member":       "Usage: <code>/member &lt;member&gt;</code> (an M id or a Telegram user id)\nExample: <code>/member M12</code>",
	"usage.settings":     "Usage: <code>/settings &lt;key&gt; &lt;value&gt;</code>\nKeys: minimum, postminimum, timezone, language (zh/en), notice (a chat id, off, or <code>/settings notice</code> alone and then forward a message from the notice channel).\nExample: <code>/settings minimum 3</code>",
	"usage.audit":        "Usage: <code>/audit [n]</code>, n from 1 to 50\nExample: <code>/audit 20</code>",
	"usage.newcommunity": "Usage: <code>/newcommunity &lt;id&gt; &lt;name&gt;</code> — the id is 1-20 of a-z, 0-9 and -.\nExample: <code>/newcommunity dongan Dongan Community</code>",
	"usage.use":          "Usage: <code>/use &lt;community id&gt;</code>\nExample: <code>/use dongan</code>\n/communities lists them.",

	"unknown.command":    "I don't know the command /%s. Send /help to see what I can do.",
	"input.unreadable":   "I could not read that message. Please send it again as plain text.",
	"input.too_long":     "Your message is too long (%d characters; at most %d). Please send something shorter.",
	"text.hint":          "I only understand commands here. Send /help to see them.",
	"text.hint_guest":    "You are not registered yet. Open the invite link from your committee, or send <code>/join &lt;code&gt;</code>.",
	"text.group":         "In a group I only answer commands. For step-by-step dialogues, talk to me in a private chat.",
	"group.sent_private": "📬 I have answered you in a private chat.",
	"label.community":    "🏘 <b>%s</b> (%s)",
	"lang.set":           "Language set to English.",
	"cancel.done":        "Cancelled.",
	"cancel.none":        "There is nothing to cancel.",
	"flow.cancel_hint":   "<i>/cancel stops here.</i>",
	"flow.press_button":  "Please press one of the buttons, or send /cancel.",
	"page.footer":        "Page %d of %d",
	"page.toast":         "Page %d",

	// Errors.
	"error.not_found":           "Not found. Check the id (like P3, T2 or M12).",
	"error.not_found_id":        "%s was not found. Check the id.",
	"error.forbidden":           "Only the community committee can do this.",
	"error.forbidden_secretary": "Only the community secretary or a district admin can do this.",
	"error.forbidden_admin":     "Only district admins can do this.",
	"error.use_first":           "Choose the community to act on first: <code>/use &lt;community id&gt;</code> (/communities lists them).",
	"error.full":                "That is full.",
	"error.full_id":             "%s is full. /posts shows the posts that still have room.",
	"error.closed":              "That post is closed.",
	"error.closed_id":           "%s is closed.",
	"error.conflict":            "That was already done, or it already exists.",
	"error.not_member":          "You are not a registered member. Open the invite link from your community committee, or send <code>/join &lt;code&gt;</code>.",
	"error.registered":          "You are already registered with this community under another member id. Ask your committee to sort it out.",
	"error.not_active":          "That member is not an active member of the community.",
	"error.stale":               "This button no longer applies.",
	"error.unavailable":         "The service is temporarily unavailable, try again in a minute.",
	"error.internal":            "Sorry, something went wrong. Please try again later.",

	"invalid.generic":     "That input is not valid.",
	"invalid.name":        "The name must be 1 to %d characters of text.",
	"invalid.unit":        "The unit must be at most %d characters of text.",
	"invalid.building":    "The building must be at most %d characters of text.",
	"invalid.skills":      "At most %d skills, each at most %d characters.",
	"invalid.title":       "The title must be 1 to %d characters of text.",
	"invalid.description": "The description must be at most %d characters of text.",
	"invalid.mode":        "The mode must be claimed, fixed-point or paired (认领, 定点, 结对).",
	"invalid.capacity":    "The capacity must be a whole number from 0 (unlimited) to %d.",
	"invalid.place":       "The place must be at most %d characters of text.",
	"invalid.time":        "The time must be at most %d characters of text.",
	"invalid.target":      "The pairing target must be at most %d characters of text.",
	"invalid.role":        "The role must be secretary, deputy, committee or none.",
	"invalid.id":          "A community id is 1 to %d of a-z, 0-9 and -, like <code>dongan</code>.",
	"invalid.timezone":    "Unknown time zone. Use a name like <code>Asia/Shanghai</code>.",
	"invalid.language":    "The language must be zh or en.",
	"invalid.minimum":     "The minimum must be a whole number from 0 to 365.",
	"invalid.postminimum": "The post minimum must be a whole number from 0 to 50.",
	"invalid.member":      "Name a member by M id (like M12) or Telegram user id.",
	"invalid.post":        "That is not a post id. Post ids look like P3.",
	"invalid.team":        "That is not a team id. Team ids look like T2.",
	"invalid.notice":      "The notice chat must be a chat id (like -1001234567890) or off.",
	"invalid.count":       "Give a number from 1 to 50.",
	"invalid.search":      "That search is too long. Use a few words.",
	"invalid.field":       "Unknown field. Fields: title, description, capacity, skills, place, time, target, status.",
	"invalid.status":      "The status must be open or closed.",

	// Registration.
	"invite.invalid":    "This invite is not valid or has expired. Ask your committee for a new link.",
	"invite.used":       "This invite has already been used. Ask your committee for a new link.",
	"invite.created":    "Invite for: <b>%s</b>\n%s\nValid until %s. Anyone with it can register, so share it only with the people it is meant for.",
	"join.intro":        "Registering with <b>%s</b> (%s).",
	"join.role":         "Role: <b>%s</b>",
	"join.move":         "You are registered with %s now; registering here moves you (your record there stays there).",
	"join.personal":     "This invite was made for you; check your details.",
	"join.already":      "You are already registered as %s with %s. /me shows your card.",
	"join.role_applied": "You are now <b>%s</b> of %s. /help shows the committee commands.",
	"ask.name":          "What is your name?",
	"ask.unit":          "Where do you work (your unit)? Press one, or type it.",
	"ask.unit_type":     "Type the name of your unit.",
	"ask.building":      "Which building do you live in (e.g. 19)?",
	"ask.skills":        "What skills can you offer? Press to select, or type them separated by commas; then press Done.\nSelected: %s",
	"reg.confirm":       "Please check your registration with <b>%s</b>:",
	"profile.summary":   "Name: %s\nUnit: %s\nBuilding: %s\nSkills: %s",
	"reg.done":          "✅ Welcome, %s! You are registered as <b>%s</b> with %s.",
	"reg.next":          "/me shows your card, /posts the posts to claim, /teams the teams, /help everything else.",
	"posts.suggest":     "<b>Posts you could claim:</b>",
	"profile.choose":    "What would you like to change?",
	"profile.saved":     "✅ Saved.\n%s",
	"skills.none":       "—",
	"field.name":        "Name",
	"field.unit":        "Unit",
	"field.building":    "Building",
	"field.skills":      "Skills",
	"button.keep":       "Keep: %s",
	"button.other_unit": "✏️ Type another",
	"button.done":       "✅ Done",
	"button.register":   "✅ Register",
	"button.change":     "✏️ Change",
	"button.claim":      "✋ Claim %s %s",
	"button.join_team":  "➕ Join %s %s",
	"button.leave_team": "➖ Leave %s %s",
	"button.unlimited":  "Unlimited",
	"button.skip":       "Skip",

	// Cards.
	"card.title":       "👤 <b>%s</b> %s",
	"card.community":   "Community: %s (%s)",
	"card.unit":        "Unit: %s",
	"card.building":    "Building: %s",
	"card.skills":      "Skills: %s",
	"card.role":        "Role: %s",
	"card.status":      "Status: %s · joined %s",
	"card.unreachable": "⚠️ I cannot reach this member on Telegram.",
	"card.posts":       "Posts held: %d (minimum %d)",
	"card.teams":       "Teams: %s",
	"card.leader":      "(leader)",
	"card.more":        "… and %d more",
	"card.days_left":   "Days left in %d: %d",
	"status.active":    "active",
	"status.left":      "moved away",
	"status.forgotten": "forgotten",
	"role.member":      "member",
	"role.secretary":   "secretary",
	"role.deputy":      "deputy secretary",
	"role.committee":   "committee member",
	"role.admin":       "district admin",

	// Posts.
	"posts.title":             "<b>Open posts (%d)</b>",
	"posts.none":              "There are no open posts at the moment.",
	"posts.yours":             "✅ yours",
	"posts.full":              "(full)",
	"post.holders":            "%d/%d",
	"post.holders_unlimited":  "%d (no limit)",
	"post.closed":             "closed",
	"post.skills":             "Skills wanted: %s",
	"post.place_time":         "📍 %s 🕘 %s",
	"post.target":             "🤝 Pairing: %s",
	"post.created":            "✅ Created post <b>%s</b>.",
	"post.saved":              "✅ Post <b>%s</b> saved.",
	"post.capacity_below":     "%s has %d holders; its capacity cannot be lower than that (0 means unlimited).",
	"post.hint_fixed":         "Set where and when: <code>/editpost %s place …</code> and <code>/editpost … time …</code>",
	"post.hint_paired":        "Set who is paired: <code>/editpost %s target …</code> (only holders and the committee see it).",
	"mode.claimed":            "claimed",
	"mode.fixed-point":        "fixed-point",
	"mode.paired":             "paired",
	"claim.done":              "✅ You hold <b>%s</b> %s (%s).",
	"claim.already":           "You already hold <b>%s</b> %s.",
	"claim.hint":              "To give it up: /unclaim %s",
	"unclaim.done":            "You gave up %s.",
	"unclaim.none":            "You do not hold %s.",
	"newpost.ask_title":       "New post. What is its title?",
	"newpost.ask_mode":        "How is «%s» served?",
	"newpost.ask_capacity":    "How many people can hold it? Press one or type a number (0 = unlimited).",
	"newpost.ask_description": "Send a description, or press Skip.",

	// Teams.
	"teams.title":     "<b>Teams (%d)</b>",
	"teams.none":      "There are no teams yet.",
	"teams.count":     "%d members",
	"teams.leaders":   "leaders: %s",
	"teams.yours":     "✅ yours",
	"team.joined":     "✅ You joined <b>%s</b> %s.",
	"team.already":    "You are already in <b>%s</b> %s.",
	"team.left":       "You left <b>%s</b> %s.",
	"team.not_in":     "You are not in <b>%s</b> %s.",
	"team.created":    "✅ Created team <b>%s</b> %s.",
	"leader.on":       "%s now leads <b>%s</b> %s.",
	"leader.off":      "%s no longer leads <b>%s</b> %s.",
	"leader.told_on":  "You are now a leader of team <b>%s</b> %s.",
	"leader.told_off": "You are no longer a leader of team <b>%s</b> %s.",

	// Committee.
	"member.not_active":  "%s is not an active member.",
	"role.set":           "✅ %s: %s.",
	"role.unchanged":     "%s is already %s.",
	"role.told":          "You were appointed <b>%s</b> of %s. /help shows the committee commands.",
	"role.told_removed":  "Your committee role in %s has ended.",
	"remove.done":        "✅ %s is no longer a member; their service record is kept.",
	"remove.already":     "%s is not an active member.",
	"remove.told":        "You are no longer registered with %s. Your service record there is kept.",
	"members.title":      "<b>Members (%d)</b>",
	"members.found":      "<b>Members matching «%s» (%d)</b>",
	"members.none":       "No member matches «%s».",
	"members.empty":      "There are no members yet. /invite makes an invite link.",
	"settings.card":      "Time zone: %s\nLanguage: %s\nYearly minimum: %d\nPost minimum: %d\nNotice chat: %s",
	"settings.no_notice": "not set",
	"settings.saved":     "✅ Saved.",
	"notice.ask":         "Forward me any message from the notice channel or group (I must be a member there), or send its chat id. /cancel stops here.",
	"audit.title":        "<b>Last %d audit entries</b>",
	"audit.empty":        "The audit log is empty.",

	// Admin.
	"community.created": "✅ Created community <b>%s</b> (%s), time zone %s, language %s. Your committee commands now act on it; /invite secretary makes the secretary's invite.",
	"community.exists":  "A community with the id %s already exists.",
	"use.done":          "Committee commands now act on <b>%s</b> (%s).",
	"communities.title": "<b>Communities (%d)</b>",
	"communities.line":  "<b>%s</b> %s · %d members · %d hold ≥%d post(s)",
	"communities.empty": "There are no communities yet. /newcommunity creates one.",
}

var zh = map[string]string{
	// Welcome and help.
	"start.guest":         "👋 欢迎使用<b>点灯人</b>——社区志愿服务助手。\n请打开社区大党委发给您的邀请链接报到，或发送 <code>/join &lt;邀请码&gt;</code>。",
	"start.member":        "👋 欢迎回来，%s（%s）。",
	"start.bad_link":      "无法识别这个链接。如果是邀请链接，请向社区大党委索取新的。",
	"help.title":          "<b>我能做什么</b>",
	"help.guest":          "您还没有报到。请打开邀请链接，或：",
	"help.member":         "党员",
	"help.committee":      "社区大党委",
	"help.admin":          "区级管理员",
	"help.secretary_only": "（/role 以及带角色的 /invite 仅限书记）",
	"help.usage":          "发送不带参数的命令，可查看用法和示例。",

	"desc.start":        "欢迎与帮助",
	"desc.join":         "用邀请码报到",
	"desc.me":           "我的信息：社区、岗位、服务队、本年台账",
	"desc.profile":      "修改姓名、单位、楼栋、技能",
	"desc.posts":        "可认领的服务岗位",
	"desc.claim":        "认领岗位，如 /claim P3",
	"desc.unclaim":      "放弃岗位，如 /unclaim P3",
	"desc.teams":        "可加入的服务队",
	"desc.jointeam":     "加入服务队，如 /jointeam T2",
	"desc.leaveteam":    "退出服务队，如 /leaveteam T2",
	"desc.lang":         "语言：/lang zh 或 /lang en",
	"desc.cancel":       "结束当前的分步对话",
	"desc.help":         "我能做什么",
	"desc.newpost":      "创建服务岗位",
	"desc.editpost":     "修改岗位",
	"desc.newteam":      "创建服务队",
	"desc.leader":       "任命或撤销服务队队长",
	"desc.invite":       "生成邀请链接",
	"desc.role":         "任命或撤销大党委职务",
	"desc.remove":       "党员迁出",
	"desc.members":      "查找党员",
	"desc.member":       "查看某位党员",
	"desc.settings":     "社区设置",
	"desc.audit":        "最近的管理操作",
	"desc.newcommunity": "创建社区",
	"desc.use":          "选择要管理的社区",
	"desc.communities":  "各社区概况",

	"usage.join":         "用法：<code>/join &lt;邀请码&gt;</code>\n示例：<code>/join dongan-k3x9q2m7ab</code>\n邀请码或邀请链接由社区大党委提供。",
	"usage.profile":      "用法：<code>/profile &lt;name|unit|building|skills&gt; &lt;内容&gt;</code>，或只发送 <code>/profile</code> 按提示修改。\n示例：<code>/profile unit 中国银行东安支行</code>",
	"usage.claim":        "用法：<code>/claim &lt;岗位编号&gt;</code>\n示例：<code>/claim P3</code>\n/posts 列出可认领的岗位。",
	"usage.unclaim":      "用法：<code>/unclaim &lt;岗位编号&gt;</code>\n示例：<code>/unclaim P3</code>\n/me 显示您认领的岗位。",
	"usage.jointeam":     "用法：<code>/jointeam &lt;服务队编号&gt;</code>\n示例：<code>/jointeam T2</code>\n/teams 列出服务队。",
	"usage.leaveteam":    "用法：<code>/leaveteam &lt;服务队编号&gt;</code>\n示例：<code>/leaveteam T2</code>",
	"usage.lang":         "用法：<code>/lang zh</code>（中文）或 <code>/lang en</code>（English）\n示例：<code>/lang zh</code>",
	"usage.newpost":      "用法：<code>/newpost &lt;名称&gt; | &lt;方式&gt; | &lt;名额&gt; | &lt;说明&gt;</code>\n方式：认领、定点或结对；名额为 0 表示不限。\n示例：<code>/newpost 法律援助岗 | 定点 | 2 | 为居民解答法律问题</code>\n也可只发送 /newpost 按提示创建。",
	"usage.editpost":     "用法：<code>/editpost &lt;岗位编号&gt; &lt;字段&gt; &lt;内容&gt;</code>\n字段：title、description、capacity、skills、place、time、target、status（open/closed）；内容为 <code>-</code> 表示清空。\n示例：<code>/editpost P3 place 社区服务中心二楼</code>",
	"usage.newteam":      "用法：<code>/newteam &lt;名称&gt;</code>\n示例：<code>/newteam 路灯维修服务队</code>",
	"usage.leader":       "用法：<code>/leader &lt;服务队编号&gt; &lt;党员&gt;</code>（再次执行即撤销）\n党员可用 M 编号或 Telegram 用户 ID。\n示例：<code>/leader T2 M12</code>",
	"usage.invite":       "用法：<code>/invite</code> 邀请党员，或 <code>/invite &lt;secretary|deputy|committee&gt;</code>\n示例：<code>/invite committee</code>",
	"usage.role":         "用法：<code>/role &lt;党员&gt; &lt;secretary|deputy|committee|none&gt;</code>\n示例：<code>/role M12 committee</code>",
	"usage.remove":       "用法：<code>/remove &lt;党员&gt;</code>——其服务台账保留。\n示例：<code>/remove M12</code>",
	"usage.members":      "用法：<code>/members [关键词]</code>——按姓名、单位、楼栋、技能查找。\n示例：<code>/members 律师</code>",
	"usage.member":       "用法：<code>/member &lt;党员&gt;</code>（M 编号或 Telegram 用户 ID）\n示例：<code>/member M12</code>",
	"usage.settings":     "用法：<code>/settings &lt;项目&gt; &lt;值&gt;</code>\n项目：minimum（年度最低次数）、postminimum（最少岗位数）、timezone（时区）、language（zh/en）、notice（公示群 ID、off，或只发送 <code>/settings notice</code> 后转发一条公示频道的消息）。\n示例：<code>/settings minimum 3</code>",
	"usage.audit":        "用法：<code>/audit [n]</code>，n 为 1 到 50\n示例：<code>/audit 20</code>",
	"usage.newcommunity": "用法：<code>/newcommunity &lt;编号&gt; &lt;名称&gt;</code>——编号为 1 到 20 个小写字母、数字或 -。\n示例：<code>/newcommunity dongan 东安社区</code>",
	"usage.use":          "用法：<code>/use &lt;社区编号&gt;</code>\n示例：<code>/use dongan</code>\n/communities 列出所有社区。",

	"unknown.command":    "没有 /%s 这个命令。发送 /help 查看可用命令。",
	"input.unreadable":   "无法识别这条消息，请以纯文本重新发送。",
	"input.too_long":     "消息太长（%d 个字符，最多 %d 个），请精简后再发。",
	"text.hint":          "这里只能识别命令。发送 /help 查看可用命令。",
	"text.hint_guest":    "您还没有报到。请打开社区大党委发来的邀请链接，或发送 <code>/join &lt;邀请码&gt;</code>。",
	"text.group":         "在群里我只回应命令。分步操作请私聊我。",
	"group.sent_private": "📬 已私信回复您。",
	"label.community":    "🏘 <b>%s</b>（%s）",
	"lang.set":           "语言已设为中文。",
	"cancel.done":        "已取消。",
	"cancel.none":        "当前没有可取消的操作。",
	"flow.cancel_hint":   "<i>发送 /cancel 可随时退出。</i>",
	"flow.press_button":  "请点击上面的按钮，或发送 /cancel 退出。",
	"page.footer":        "第 %d 页，共 %d 页",
	"page.toast":         "第 %d 页",

	// Errors.
	"error.not_found":           "没有找到。请检查编号（如 P3、T2、M12）。",
	"error.not_found_id":        "没有找到 %s，请检查编号。",
	"error.forbidden":           "只有社区大党委成员可以执行此操作。",
	"error.forbidden_secretary": "只有社区书记或区级管理员可以执行此操作。",
	"error.forbidden_admin":     "只有区级管理员可以执行此操作。",
	"error.use_first":           "请先选择要管理的社区：<code>/use &lt;社区编号&gt;</code>（/communities 列出所有社区）。",
	"error.full":                "名额已满。",
	"error.full_id":             "%s 名额已满。/posts 可查看尚有名额的岗位。",
	"error.closed":              "该岗位已关闭。",
	"error.closed_id":           "%s 已关闭。",
	"error.conflict":            "该操作已完成，或对象已存在。",
	"error.not_member":          "您还不是已报到的党员。请打开社区大党委发来的邀请链接，或发送 <code>/join &lt;邀请码&gt;</code>。",
	"error.registered":          "您已以其他编号在该社区报到，请联系社区大党委处理。",
	"error.not_active":          "该党员不是本社区的在册党员。",
	"error.stale":               "此按钮已失效。",
	"error.unavailable":         "服务暂时不可用，请一分钟后再试。",
	"error.internal":            "抱歉，出了点问题，请稍后再试。",

	"invalid.generic":     "输入无效。",
	"invalid.name":        "姓名须为 1 到 %d 个字符的文字。",
	"invalid.unit":        "单位最多 %d 个字符。",
	"invalid.building":    "楼栋最多 %d 个字符。",
	"invalid.skills":      "技能最多 %d 项，每项最多 %d 个字符。",
	"invalid.title":       "名称须为 1 到 %d 个字符的文字。",
	"invalid.description": "说明最多 %d 个字符。",
	"invalid.mode":        "服务方式须为认领、定点或结对（claimed、fixed-point、paired）。",
	"invalid.capacity":    "名额须为 0（不限）到 %d 的整数。",
	"invalid.place":       "地点最多 %d 个字符。",
	"invalid.time":        "时间最多 %d 个字符。",
	"invalid.target":      "结对对象最多 %d 个字符。",
	"invalid.role":        "职务须为 secretary（书记）、deputy（副书记）、committee（委员）或 none（无）。",
	"invalid.id":          "社区编号为 1 到 %d 个小写字母、数字或 -，如 <code>dongan</code>。",
	"invalid.timezone":    "未知时区，请使用如 <code>Asia/Shanghai</code> 的名称。",
	"invalid.language":    "语言须为 zh 或 en。",
	"invalid.minimum":     "年度最低次数须为 0 到 365 的整数。",
	"invalid.postminimum": "最少岗位数须为 0 到 50 的整数。",
	"invalid.member":      "请用 M 编号（如 M12）或 Telegram 用户 ID 指定党员。",
	"invalid.post":        "这不是岗位编号，岗位编号形如 P3。",
	"invalid.team":        "这不是服务队编号，服务队编号形如 T2。",
	"invalid.notice":      "公示群须为群 ID（如 -1001234567890）或 off。",
	"invalid.count":       "请输入 1 到 50 的数字。",
	"invalid.search":      "关键词太长，请精简。",
	"invalid.field":       "未知字段。可用字段：title、description、capacity、skills、place、time、target、status。",
	"invalid.status":      "状态须为 open（开放）或 closed（关闭）。",

	// Registration.
	"invite.invalid":    "邀请无效或已过期，请向社区大党委索取新的链接。",
	"invite.used":       "该邀请已被使用，请向社区大党委索取新的链接。",
	"invite.created":    "邀请对象：<b>%s</b>\n%s\n有效期至 %s。持有链接者均可报到，请只发给相应人员。",
	"join.intro":        "正在向<b>%s</b>（%s）报到。",
	"join.role":         "职务：<b>%s</b>",
	"join.move":         "您目前在%s报到；在此报到将转移您的组织关系（原社区的台账保留在原社区）。",
	"join.personal":     "这是为您专门生成的邀请，请核对您的信息。",
	"join.already":      "您已经以 %s 在%s报到。/me 查看您的信息。",
	"join.role_applied": "您现在是<b>%s</b>（%s）。/help 查看大党委命令。",
	"ask.name":          "请问您的姓名？",
	"ask.unit":          "您的工作单位是？请点选或直接输入。",
	"ask.unit_type":     "请输入您的单位名称。",
	"ask.building":      "您住在哪栋楼（如 19 栋）？",
	"ask.skills":        "您有哪些特长技能？点选或用逗号分隔输入，完成后点「完成」。\n已选：%s",
	"reg.confirm":       "请核对您在<b>%s</b>的报到信息：",
	"profile.summary":   "姓名：%s\n单位：%s\n楼栋：%s\n技能：%s",
	"reg.done":          "✅ 欢迎您，%s！您已报到，编号 <b>%s</b>，所在社区：%s。",
	"reg.next":          "/me 查看您的信息，/posts 认领岗位，/teams 加入服务队，/help 查看更多。",
	"posts.suggest":     "<b>您可以认领这些岗位：</b>",
	"profile.choose":    "您要修改哪一项？",
	"profile.saved":     "✅ 已保存。\n%s",
	"skills.none":       "—",
	"field.name":        "姓名",
	"field.unit":        "单位",
	"field.building":    "楼栋",
	"field.skills":      "技能",
	"button.keep":       "保持：%s",
	"button.other_unit": "✏️ 输入其他单位",
	"button.done":       "✅ 完成",
	"button.register":   "✅ 确认报到",
	"button.change":     "✏️ 修改",
	"button.claim":      "✋ 认领 %s %s",
	"button.join_team":  "➕ 加入 %s %s",
	"button.leave_team": "➖ 退出 %s %s",
	"button.unlimited":  "不限",
	"button.skip":       "跳过",

	// Cards.
	"card.title":       "👤 <b>%s</b> %s",
	"card.community":   "社区：%s（%s）",
	"card.unit":        "单位：%s",
	"card.building":    "楼栋：%s",
	"card.skills":      "技能：%s",
	"card.role":        "职务：%s",
	"card.status":      "状态：%s · %s 报到",
	"card.unreachable": "⚠️ 无法通过 Telegram 联系到此党员。",
	"card.posts":       "认领岗位：%d 个（最少 %d 个）",
	"card.teams":       "服务队：%s",
	"card.leader":      "（队长）",
	"card.more":        "……等另外 %d 个",
	"card.days_left":   "%d 年剩余天数：%d",
	"status.active":    "在册",
	"status.left":      "已迁出",
	"status.forgotten": "已删除个人信息",
	"role.member":      "党员",
	"role.secretary":   "书记",
	"role.deputy":      "副书记",
	"role.committee":   "委员",
	"role.admin":       "区级管理员",

	// Posts.
	"posts.title":             "<b>可认领的岗位（%d）</b>",
	"posts.none":              "目前没有开放的岗位。",
	"posts.yours":             "✅ 已认领",
	"posts.full":              "（已满）",
	"post.holders":            "%d/%d",
	"post.holders_unlimited":  "%d（不限名额）",
	"post.closed":             "已关闭",
	"post.skills":             "所需技能：%s",
	"post.place_time":         "📍 %s 🕘 %s",
	"post.target":             "🤝 结对对象：%s",
	"post.created":            "✅ 已创建岗位 <b>%s</b>。",
	"post.saved":              "✅ 岗位 <b>%s</b> 已保存。",
	"post.capacity_below":     "%s 已有 %d 人认领，名额不能少于此数（0 表示不限）。",
	"post.hint_fixed":         "设置地点和时间：<code>/editpost %s place …</code> 以及 <code>/editpost … time …</code>",
	"post.hint_paired":        "设置结对对象：<code>/editpost %s target …</code>（仅认领人和大党委可见）。",
	"mode.claimed":            "认领",
	"mode.fixed-point":        "定点",
	"mode.paired":             "结对",
	"claim.done":              "✅ 您已认领 <b>%s</b> %s（%s）。",
	"claim.already":           "您已经认领了 <b>%s</b> %s。",
	"claim.hint":              "如需放弃：/unclaim %s",
	"unclaim.done":            "您已放弃 %s。",
	"unclaim.none":            "您没有认领 %s。",
	"newpost.ask_title":       "新建岗位。岗位名称是？",
	"newpost.ask_mode":        "「%s」的服务方式是？",
	"newpost.ask_capacity":    "可由几人认领？点选或输入数字（0 表示不限）。",
	"newpost.ask_description": "请发送岗位说明，或点「跳过」。",

	// Teams.
	"teams.title":     "<b>服务队（%d）</b>",
	"teams.none":      "还没有服务队。",
	"teams.count":     "%d 人",
	"teams.leaders":   "队长：%s",
	"teams.yours":     "✅ 已加入",
	"team.joined":     "✅ 您已加入 <b>%s</b> %s。",
	"team.already":    "您已经在 <b>%s</b> %s 中。",
	"team.left":       "您已退出 <b>%s</b> %s。",
	"team.not_in":     "您不在 <b>%s</b> %s 中。",
	"team.created":    "✅ 已创建服务队 <b>%s</b> %s。",
	"leader.on":       "%s 现在是 <b>%s</b> %s 的队长。",
	"leader.off":      "%s 不再是 <b>%s</b> %s 的队长。",
	"leader.told_on":  "您已被任命为服务队 <b>%s</b> %s 的队长。",
	"leader.told_off": "您已不再担任服务队 <b>%s</b> %s 的队长。",

	// Committee.
	"member.not_active":  "%s 不是在册党员。",
	"role.set":           "✅ %s：%s。",
	"role.unchanged":     "%s 已经是%s。",
	"role.told":          "您已被任命为<b>%s</b>（%s）。/help 查看大党委命令。",
	"role.told_removed":  "您在%s的大党委职务已结束。",
	"remove.done":        "✅ %s 已迁出，其服务台账保留。",
	"remove.already":     "%s 不是在册党员。",
	"remove.told":        "您已不在%s报到，您在该社区的服务台账保留。",
	"members.title":      "<b>党员（%d）</b>",
	"members.found":      "<b>符合「%s」的党员（%d）</b>",
	"members.none":       "没有符合「%s」的党员。",
	"members.empty":      "还没有党员。/invite 可生成邀请链接。",
	"settings.card":      "时区：%s\n语言：%s\n年度最低次数：%d\n最少岗位数：%d\n公示群：%s",
	"settings.no_notice": "未设置",
	"settings.saved":     "✅ 已保存。",
	"notice.ask":         "请转发一条公示频道或群的消息给我（我须是其成员），或直接发送其 ID。发送 /cancel 退出。",
	"audit.title":        "<b>最近 %d 条操作记录</b>",
	"audit.empty":        "还没有操作记录。",

	// Admin.
	"community.created": "✅ 已创建社区<b>%s</b>（%s），时区 %s，语言 %s。您的大党委命令现在作用于该社区；/invite secretary 可生成书记的邀请。",
	"community.exists":  "编号为 %s 的社区已存在。",
	"use.done":          "大党委命令现在作用于<b>%s</b>（%s）。",
	"communities.title": "<b>社区（%d）</b>",
	"communities.line":  "<b>%s</b> %s · %d 名党员 · %d 人认领 ≥%d 个岗位",
	"communities.empty": "还没有社区。/newcommunity 可创建社区。",
}
