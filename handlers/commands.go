package handlers

import (
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
)

// level is who may use a command.
type level int

const (
	anyone    level = iota // registered or not
	member                 // an active member
	committee              // the committee of the caller's community, or an admin after /use
	admin                  // a district admin from configuration
)

// command is one entry of the command table.
type command struct {
	name     string
	level    level
	run      func(*call) []ll.Reply
	needArgs bool // without arguments it answers with its usage
	public   bool // its answer may stay in a group chat
	menu     bool // listed in the Telegram command menu
}

// commands is the command table; commandOrder is the order of /help and the menus.
var (
	commands     map[string]*command
	commandOrder []string
)

func init() {
	table := []*command{
		{name: "start", level: anyone, run: (*call).start, public: true},
		{name: "join", level: anyone, run: (*call).cmdJoin, needArgs: true},
		{name: "me", level: member, run: (*call).me, menu: true},
		{name: "profile", level: member, run: (*call).profile, menu: true},
		{name: "posts", level: member, run: (*call).posts, menu: true},
		{name: "claim", level: member, run: (*call).cmdClaim, menu: true},
		{name: "unclaim", level: member, run: (*call).cmdUnclaim, needArgs: true, menu: true},
		{name: "teams", level: member, run: (*call).teams, public: true, menu: true},
		{name: "jointeam", level: member, run: (*call).cmdJoinTeam, needArgs: true, menu: true},
		{name: "leaveteam", level: member, run: (*call).cmdLeaveTeam, needArgs: true, menu: true},
		{name: "activities", level: member, run: (*call).activities, menu: true},
		{name: "signup", level: member, run: (*call).cmdSignUp, menu: true},
		{name: "withdraw", level: member, run: (*call).cmdWithdraw, needArgs: true, menu: true},
		{name: "waitlist", level: member, run: (*call).cmdWaitlist, needArgs: true, menu: true},
		{name: "take", level: member, run: (*call).cmdTake, needArgs: true},
		{name: "checkin", level: member, run: (*call).cmdCheckIn, menu: true},
		{name: "mycode", level: member, run: (*call).myCode, menu: true},
		{name: "log", level: member, run: (*call).logService, needArgs: true, menu: true},
		{name: "forgetme", level: member, run: (*call).forgetMe, menu: true},
		{name: "statement", level: member, run: (*call).statement, menu: true},
		{name: "lang", level: anyone, run: (*call).setLang, needArgs: true, menu: true},
		{name: "cancel", level: anyone, run: (*call).cancel, menu: true},
		{name: "help", level: anyone, run: (*call).help, public: true, menu: true},
		{name: "app", level: anyone, run: (*call).openApp, menu: true},

		{name: "newpost", level: committee, run: (*call).newPost, menu: true},
		{name: "editpost", level: committee, run: (*call).editPost, needArgs: true, menu: true},
		{name: "newteam", level: committee, run: (*call).newTeam, needArgs: true, menu: true},
		{name: "leader", level: committee, run: (*call).leader, needArgs: true, menu: true},
		{name: "invite", level: committee, run: (*call).invite, menu: true},
		{name: "role", level: committee, run: (*call).setRole, needArgs: true, menu: true},
		{name: "remove", level: committee, run: (*call).remove, needArgs: true, menu: true},
		{name: "members", level: committee, run: (*call).members, menu: true},
		{name: "member", level: committee, run: (*call).memberCard, needArgs: true, menu: true},
		{name: "newactivity", level: committee, run: (*call).newActivity, menu: true},
		{name: "editactivity", level: committee, run: (*call).editActivity, needArgs: true, menu: true},
		{name: "cancelactivity", level: committee, run: (*call).cancelActivity, needArgs: true, menu: true},
		{name: "present", level: member, run: (*call).present, needArgs: true, menu: true},
		{name: "roster", level: committee, run: (*call).roster, needArgs: true, menu: true},
		{name: "pending", level: committee, run: (*call).pending, menu: true},
		{name: "approve", level: committee, run: (*call).cmdApprove, menu: true},
		{name: "reject", level: committee, run: (*call).cmdReject, needArgs: true, menu: true},
		{name: "attend", level: committee, run: (*call).attend, needArgs: true, menu: true},
		{name: "void", level: committee, run: (*call).void, needArgs: true, menu: true},
		{name: "report", level: committee, run: (*call).report, menu: true},
		{name: "export", level: committee, run: (*call).export, menu: true},
		{name: "notice", level: committee, run: (*call).notice, menu: true},
		{name: "broadcast", level: committee, run: (*call).broadcast, menu: true},
		{name: "settings", level: committee, run: (*call).settings, menu: true},
		{name: "audit", level: committee, run: (*call).audit, menu: true},

		{name: "newcommunity", level: admin, run: (*call).newCommunity, needArgs: true},
		{name: "use", level: admin, run: (*call).use, needArgs: true},
		{name: "communities", level: admin, run: (*call).communities},

		// Workplaces and the year-end evaluation (SPEC section 11): units.go, evaluations.go.
		{name: "units", level: admin, run: (*call).unitsList},
		{name: "newunit", level: admin, run: (*call).newUnit, needArgs: true},
		{name: "liaison", level: admin, run: (*call).liaison, needArgs: true},
		{name: "unit", level: anyone, run: (*call).unit},
		{name: "evaluate", level: committee, run: (*call).evaluate, menu: true},
		{name: "grade", level: committee, run: (*call).grade, needArgs: true, menu: true},
		{name: "evaluations", level: committee, run: (*call).evaluations, needArgs: true, menu: true},
		// Needs (SPEC section 10, needs.go).
		{name: "need", level: anyone, run: (*call).cmdNeed, menu: true},
		{name: "reply", level: anyone, run: (*call).cmdReply, needArgs: true, menu: true},
		{name: "done", level: member, run: (*call).cmdDone, needArgs: true, menu: true},
		{name: "needs", level: committee, run: (*call).needs, menu: true},
		{name: "needlink", level: committee, run: (*call).needLinkCmd, menu: true},
		{name: "publish", level: committee, run: (*call).cmdPublish, needArgs: true, menu: true},
		{name: "decline", level: committee, run: (*call).cmdDecline, needArgs: true, menu: true},
		{name: "release", level: committee, run: (*call).cmdRelease, needArgs: true, menu: true},
	}
	commands = make(map[string]*command, len(table))
	for _, cmd := range table {
		commands[cmd.name] = cmd
		commandOrder = append(commandOrder, cmd.name)
	}
}

// onCommand checks who may run the command, then runs it or shows its usage.
func (c *call) onCommand() []ll.Reply {
	cmd, ok := commands[c.req.Command]
	if !ok {
		c.public = true
		return c.say("unknown.command", c.req.Command)
	}
	c.public = cmd.public
	if cmd.name == "start" && c.req.Args != "" {
		c.public = false
	}
	if err := c.allowed(cmd.level); err != nil {
		return c.fail(err, "")
	}
	if cmd.needArgs && c.req.Args == "" {
		return c.usage(cmd.name)
	}
	return cmd.run(c)
}

// allowed checks the caller's standing for a command level; for committee
// commands it also resolves the community they act on.
func (c *call) allowed(l level) error {
	switch l {
	case member:
		if !c.hasMembership() {
			return ll.ErrNotMember
		}
	case committee:
		_, err := c.committee()
		return err
	case admin:
		if !c.admin {
			return &ll.Error{Code: ll.EFORBIDDEN, Detail: "admin"}
		}
	}
	return nil
}

// usage answers a command given without its arguments.
func (c *call) usage(name string) []ll.Reply {
	return c.say("usage." + name)
}

// help lists the commands this user may use, by role.
func (c *call) help() []ll.Reply {
	var b strings.Builder
	b.WriteString(c.t("help.title"))
	me, _ := c.self() // help shows what the member record says; none on any error
	section := func(title string, l level) {
		b.WriteString("\n\n<b>" + c.t(title) + "</b>")
		for _, name := range commandOrder {
			cmd := commands[name]
			if cmd.level != l && !(l == member && cmd.level == anyone) {
				continue
			}
			if name == "start" || (me != nil && name == "join") {
				continue
			}
			b.WriteString("\n/" + name + " — " + c.t("desc."+name))
		}
	}
	if me == nil {
		b.WriteString("\n\n" + c.t("help.guest"))
		b.WriteString("\n/join — " + c.t("desc.join"))
		b.WriteString("\n/lang — " + c.t("desc.lang"))
		b.WriteString("\n/help — " + c.t("desc.help"))
		b.WriteString("\n/need — " + c.t("desc.need") + "\n/reply — " + c.t("desc.reply")) // residents (needs.go)
	} else {
		section("help.member", member)
	}
	if (me != nil && me.Role.IsCommittee()) || c.admin {
		section("help.committee", committee)
		if !c.admin && me.Role != ll.RoleSecretary {
			b.WriteString("\n" + c.t("help.secretary_only"))
		}
	}
	if c.admin {
		section("help.admin", admin)
	}
	b.WriteString("\n\n" + c.t("help.usage"))
	r := ll.Reply{Text: b.String()}
	switch {
	case !c.req.Private:
	case c.admin:
		r.SetMenu = menuFor(ll.RoleAdmin)
	case me != nil:
		r.SetMenu = c.menuWithApp(me.Role)
	}
	return []ll.Reply{r}
}

// menuFor names the command menu of a role.
// menuWithApp is menuFor(r) for the caller, with the Mini App's menu
// button for a member who leads a team or is a unit's liaison
// ("member+app"); when that cannot be read, the member menu.
func (c *call) menuWithApp(r ll.Role) string {
	menu := menuFor(r)
	if menu == "member" {
		if ok, err := c.h.app.Scans.AppMenu(c.ctx, c.actor()); err == nil && ok {
			menu = "member+app"
		}
	}
	return menu
}

func menuFor(r ll.Role) string {
	if r.IsCommittee() {
		return "committee"
	}
	return "member"
}

// Menus returns the command menus for Telegram's setMyCommands, keyed "member"
// and "committee", then by language "zh" and "en". The committee menu holds
// the member commands too. Descriptions are plain text.
func Menus() map[string]map[string][]ll.MenuCommand {
	out := map[string]map[string][]ll.MenuCommand{}
	for _, menu := range []string{"member", "committee"} {
		out[menu] = map[string][]ll.MenuCommand{}
		for _, lang := range languages {
			var cmds []ll.MenuCommand
			for _, name := range commandOrder {
				cmd := commands[name]
				if !cmd.menu || (cmd.level == committee && menu == "member") {
					continue
				}
				cmds = append(cmds, ll.MenuCommand{Command: name, Description: plain(tr(lang, "desc."+name))})
			}
			out[menu][lang] = cmds
		}
	}
	return out
}

// start welcomes the user; "/start join_<code>" registers through an
// invite, "/start ci_<code>" (an activity's QR code) checks in.
func (c *call) start() []ll.Reply {
	payload := c.req.Args
	if code, ok := strings.CutPrefix(payload, "join_"); ok {
		return c.join(code)
	}
	if code, ok := strings.CutPrefix(payload, "ci_"); ok {
		return c.checkInStart(code)
	}
	if community, ok := strings.CutPrefix(payload, "need_"); ok {
		return c.needStart(community)
	}
	var intro string
	switch {
	case payload != "":
		intro = c.t("start.bad_link") + "\n\n"
	case c.hasMembership():
		m, err := c.self()
		if err != nil {
			intro = c.t("start.guest") + "\n\n"
			break
		}
		intro = c.t("start.member", m.Name, m.ID) + "\n\n"
	default:
		intro = c.t("start.guest") + "\n\n"
	}
	rs := c.help()
	rs[0].Text = intro + rs[0].Text
	return rs
}

// setLang stores the user's reply language and answers in it.
func (c *call) setLang() []ll.Reply {
	lang := strings.ToLower(strings.TrimSpace(c.req.Args))
	switch lang {
	case "中文", "汉语", "chinese", "cn":
		lang = "zh"
	case "english", "英文", "英语":
		lang = "en"
	}
	if !ll.ValidLanguage(lang) {
		return c.usage("lang")
	}
	if err := c.h.store.SetUserLanguage(c.ctx, c.req.UserID, lang); err != nil {
		return c.fail(err, "")
	}
	c.lang = lang
	return c.say("lang.set")
}

// cancel ends the user's guided flow.
func (c *call) cancel() []ll.Reply {
	f, err := c.h.store.Flow(c.ctx, c.req.UserID)
	if err != nil {
		return c.fail(err, "")
	}
	if f == nil {
		return []ll.Reply{{Text: c.t("cancel.none"), RemoveKeyboard: true}}
	}
	if err := c.h.store.ClearFlow(c.ctx, c.req.UserID); err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{{Text: c.t("cancel.done"), RemoveKeyboard: true}}
}
