package main

import (
	"context"
	"fmt"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
)

// The demo district: who is who, so the banner, the README and the tests
// agree.
const (
	demoCommunity   = "dongan"
	demoCommunity2  = "xiyuan"
	demoInviteCode  = "dongan-welcome123" // <community>-<10 of [a-z0-9]>
	demoInviteCode2 = "xiyuan-welcome456"
	demoSecretaryTG = 10001 // M1 of dongan
	demoAdminTG     = 10000 // a district admin, member nowhere
	demoNewcomerTG  = 99999 // not registered anywhere
)

// demoMembers of dongan, in import order: M1, M2, ...
var demoMembers = []ll.Member{
	{TelegramID: 10001, Name: "李秀兰", Unit: "东安街道办事处", Building: "1栋", Skills: []string{"组织协调"}, Role: ll.RoleSecretary},
	{TelegramID: 10002, Name: "王建国", Unit: "区公安分局东安派出所", Building: "3栋", Skills: []string{"治安", "调解"}, Role: ll.RoleCommittee},
	{TelegramID: 10003, Name: "张伟", Unit: "区人民法院", Building: "19栋", Skills: []string{"法律咨询"}},
	{TelegramID: 10004, Name: "刘芳", Unit: "东安第一中学", Building: "5栋", Skills: []string{"课业辅导", "英语"}},
	{TelegramID: 10005, Name: "陈明", Unit: "国网供电公司", Building: "19栋", Skills: []string{"电工", "照明"}},
	{TelegramID: 10006, Name: "赵丽", Unit: "工商银行东安支行", Building: "7栋", Skills: []string{"金融知识", "摄影"}},
	{TelegramID: 10007, Name: "Li Wei", Unit: "Riverside Hospital", Building: "2栋", Skills: []string{"first aid"}, Language: "en"},
}

// demoMembers2 of xiyuan.
var demoMembers2 = []ll.Member{
	{TelegramID: 10011, Name: "周静", Unit: "西苑街道办事处", Building: "A座", Skills: []string{"组织协调"}, Role: ll.RoleSecretary},
	{TelegramID: 10012, Name: "吴刚", Unit: "市自来水公司", Building: "B座", Skills: []string{"水电维修"}},
}

// demoDistrict is what seedDemo created.
type demoDistrict struct {
	Communities []ll.Community
	Members     map[string][]ll.Member // by community
	Posts       []ll.Post              // of dongan
	Teams       []ll.Team              // of dongan
	Invites     []ll.Invite
	Waitlisted  ll.Activity // of dongan: full, with a waitlist
}

// seedDemo fills st with the demo district through the same Store methods
// that real use goes through: two communities, members with units, buildings,
// skills and Telegram ids, a secretary and a committee member, posts in all
// three modes, two teams, some claims and a community invite code each.
func seedDemo(ctx context.Context, st *storage.Store, now time.Time) (demoDistrict, error) {
	var d demoDistrict
	d.Members = map[string][]ll.Member{}
	comms := []struct {
		id, name string
		members  []ll.Member
		invite   string
	}{
		{demoCommunity, "东安社区", demoMembers, demoInviteCode},
		{demoCommunity2, "西苑社区", demoMembers2, demoInviteCode2},
	}
	units, err := seedUnits(ctx, st, now) // units.go
	if err != nil {
		return d, err
	}
	for _, cm := range comms {
		c := ll.Community{
			ID: cm.id, Name: cm.name, TimeZone: ll.DefaultTimeZone, Language: ll.DefaultLanguage,
			Minimum: ll.DefaultMinimum, PostMinimum: ll.DefaultPostMinimum, Created: now,
		}
		c.EvalFrom = demoEvalFrom // units.go: /evaluate works in the demo whatever the month
		if err := st.CreateCommunity(ctx, c, &ll.AuditEntry{Actor: cliActor, Action: "newcommunity", Detail: c.Name}); err != nil {
			return d, fmt.Errorf("seed community %s: %w", c.ID, err)
		}
		d.Communities = append(d.Communities, c)
		ms := make([]ll.Member, len(cm.members))
		for i, m := range cm.members {
			m.Community, m.Status, m.Joined = cm.id, ll.StatusActive, now
			m.UnitID = units[ll.UnitKey(m.Unit)]
			ms[i] = m
		}
		created, err := st.ImportMembers(ctx, cm.id, ms, now,
			&ll.AuditEntry{Actor: cliActor, Action: "import", Detail: fmt.Sprintf("%d demo members", len(ms))})
		if err != nil {
			return d, fmt.Errorf("seed members of %s: %w", cm.id, err)
		}
		d.Members[cm.id] = created
		inv, err := st.CreateInvite(ctx, ll.Invite{Code: cm.invite, Community: cm.id, CreatedBy: "M1", Created: now},
			&ll.AuditEntry{Actor: "M1", Action: "invite"})
		if err != nil {
			return d, fmt.Errorf("seed invite of %s: %w", cm.id, err)
		}
		d.Invites = append(d.Invites, inv)
	}

	secretary := &ll.AuditEntry{Actor: "M1", Action: "newpost"}
	posts := []ll.Post{
		{Title: "楼道照明巡查", Description: "每月检查一次楼道灯，坏了及时报修。", Mode: ll.ModeClaimed, Capacity: 3, Skills: []string{"电工", "照明"}},
		{Title: "法律咨询服务站", Description: "为居民解答法律问题。", Mode: ll.ModeFixedPoint, Capacity: 2, Skills: []string{"法律咨询"},
			Place: "社区党群服务中心一楼", Time: "每周六 9:00-11:00"},
		{Title: "结对帮扶独居老人", Description: "每周上门看望一次，帮忙买菜、陪聊。", Mode: ll.ModePaired, Capacity: 1,
			Target: "19栋302 王奶奶（独居，腿脚不便）"},
		{Title: "留守儿童课业辅导", Description: "周末陪孩子写作业。", Mode: ll.ModeClaimed, Capacity: 0, Skills: []string{"课业辅导"}},
	}
	for _, p := range posts {
		p.Community, p.Created = demoCommunity, now
		a := *secretary
		created, err := st.CreatePost(ctx, p, &a)
		if err != nil {
			return d, fmt.Errorf("seed post %q: %w", p.Title, err)
		}
		d.Posts = append(d.Posts, created)
	}
	xp := ll.Post{Community: demoCommunity2, Title: "垃圾分类督导", Mode: ll.ModeFixedPoint, Capacity: 4,
		Place: "西苑小区北门", Time: "每天 7:00-8:00", Created: now}
	if _, err := st.CreatePost(ctx, xp, &ll.AuditEntry{Actor: "M1", Action: "newpost"}); err != nil {
		return d, fmt.Errorf("seed post %q: %w", xp.Title, err)
	}

	// Claims: M5 holds the lighting post, M3 the legal-aid post, M4 is paired
	// with the old lady (that post is now full).
	for _, c := range []struct{ post, member string }{{"P1", "M5"}, {"P2", "M3"}, {"P3", "M4"}} {
		if _, _, err := st.Claim(ctx, demoCommunity, c.post, c.member, now); err != nil {
			return d, fmt.Errorf("seed claim %s by %s: %w", c.post, c.member, err)
		}
	}

	teams := []struct {
		name    string
		leader  string
		members []string
	}{
		{"党员服务队", "M2", []string{"M1", "M3", "M6"}},
		{"义务工队", "M5", []string{"M4", "M7"}},
	}
	for _, t := range teams {
		team, err := st.CreateTeam(ctx, ll.Team{Community: demoCommunity, Name: t.name, Created: now},
			&ll.AuditEntry{Actor: "M1", Action: "newteam"})
		if err != nil {
			return d, fmt.Errorf("seed team %s: %w", t.name, err)
		}
		if _, err := st.ToggleLeader(ctx, demoCommunity, team.ID, t.leader, &ll.AuditEntry{Actor: "M1", Action: "leader"}); err != nil {
			return d, fmt.Errorf("seed leader of %s: %w", team.ID, err)
		}
		for _, m := range t.members {
			if _, err := st.JoinTeam(ctx, demoCommunity, team.ID, m); err != nil {
				return d, fmt.Errorf("seed %s joining %s: %w", m, team.ID, err)
			}
		}
		team, err = st.Team(ctx, demoCommunity, team.ID)
		if err != nil {
			return d, fmt.Errorf("seed team %s: %w", t.name, err)
		}
		d.Teams = append(d.Teams, team)
	}
	if err := seedWaitlist(ctx, st, now, &d); err != nil {
		return d, err
	}
	if err := seedDemoNeeds(ctx, st, now); err != nil { // residents' needs (seed_needs.go)
		return d, err
	}
	return d, nil
}

// seedWaitlist adds a full activity with a waitlist (SPEC section 10): M1,
// M3 and M5 hold its three seats, M4 then M6 wait. The demo starts as M1:
// /withdraw on it shows the seat offered to M4 ("→ M4: …").
func seedWaitlist(ctx context.Context, st *storage.Store, now time.Time, d *demoDistrict) error {
	loc, err := time.LoadLocation(ll.DefaultTimeZone)
	if err != nil {
		return fmt.Errorf("seed activity: %w", err)
	}
	day := now.In(loc)
	start := time.Date(day.Year(), day.Month(), day.Day()+2, 9, 0, 0, 0, loc) // the day after tomorrow, 09:00
	a, err := st.CreateActivity(ctx, ll.Activity{Community: demoCommunity, Title: "楼道灯检修", Place: "19栋楼下",
		Start: start, End: start.Add(2 * time.Hour), Capacity: 3, CreatedBy: "M2", Created: now},
		&ll.AuditEntry{Actor: "M2", Action: "newactivity"})
	if err != nil {
		return fmt.Errorf("seed activity: %w", err)
	}
	for _, m := range []string{"M1", "M3", "M5"} {
		if _, _, err := st.SignUp(ctx, demoCommunity, a.ID, m, now); err != nil {
			return fmt.Errorf("seed sign-up of %s: %w", m, err)
		}
	}
	for i, m := range []string{"M4", "M6"} {
		if _, err := st.JoinWaitlist(ctx, demoCommunity, a.ID, m, now.Add(time.Duration(i)*time.Second)); err != nil {
			return fmt.Errorf("seed waitlist of %s: %w", m, err)
		}
	}
	d.Waitlisted = a
	return nil
}
