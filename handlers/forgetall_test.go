package handlers_test

import (
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/record"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// TestForgetMeIsComplete: a person who was a member three times in two
// communities (joined one, was removed, joined again, moved to the other),
// with service records there and audit entries naming them, forgets; then
// no key and no value of the whole store holds their name, unit, building
// or Telegram id (every master of a cluster is scanned), and the figures
// keep their member ids with the name "—" (SPEC sections 6 and 9).
func TestForgetMeIsComplete(t *testing.T) {
	e := dongan(t)
	e.community("xiyuan", "西苑社区")
	xsec := person{id: 1101, name: "Xi Secretary", lang: "en"}
	e.member("xiyuan", xsec, ll.RoleSecretary, "Office", "1")
	zhou := person{id: 7318264905, name: "Zhou Mingxuan", lang: "en"}
	secrets := []string{"Zhou Mingxuan", "周明轩", "Grid Xinzhou Works", "Tower Q-77", "welding-arc", "7318264905"}

	join := func(code, name string) {
		t.Helper()
		rs := e.send(zhou, "/join "+code)
		if b, ok := findButton(rs, "Keep"); ok && name == zhou.name {
			rs = e.press(zhou, b.Data)
		} else {
			rs = e.send(zhou, name)
		}
		rs = e.send(zhou, "Grid Xinzhou Works")
		rs = e.send(zhou, "Tower Q-77")
		rs = e.send(zhou, "welding-arc")
		rs = e.press(zhou, button(t, rs, "Done").Data)
		rs = e.press(zhou, button(t, rs, "Register").Data)
		wantIn(t, "join "+code, rs, "Welcome")
	}
	// dongan: joins, logs a service that is approved, is removed (the
	// audit entry names them), joins again under another name.
	join(inviteCode(t, e.send(secretary, "/invite")), zhou.name)
	first := e.storedMember("dongan", zhou)
	wantIn(t, "/log", e.send(zhou, "/log repaired 3 lamps near Tower Q-77"), "S1")
	wantIn(t, "/approve", e.send(secretary, "/approve S1"), "S1")
	wantIn(t, "/remove", e.send(secretary, "/remove "+first.ID), first.ID)
	join(inviteCode(t, e.send(secretary, "/invite")), "周明轩")
	second := e.storedMember("dongan", zhou)
	wantIn(t, "/log again", e.send(zhou, "/log welding-arc work for Zhou Mingxuan's block"), "S2")
	// xiyuan: moves there, logs a service that waits.
	join(inviteCode(t, e.send(xsec, "/invite committee")), zhou.name) // a role invite keeps who used it
	third := e.storedMember("xiyuan", zhou)
	wantIn(t, "/log in xiyuan", e.send(zhou, "/log painted railings of Tower Q-77"), "S1")
	wantIn(t, "/profile", e.send(zhou, "/profile name Zhou Mingxuan"), "Saved")
	e.send(zhou, "/checkin 000000") // a wrong code, counted for the person
	if first.ID == second.ID || second.Community != "dongan" || third.Community != "xiyuan" {
		t.Fatalf("memberships = %s, %s, %s/%s", first.ID, second.ID, third.Community, third.ID)
	}
	// Before: the store does hold them (the check below can see them).
	found := findSecrets(t, e, secrets)
	for _, f := range found {
		t.Log("before: " + f)
	}
	if len(found) == 0 {
		t.Fatalf("before /forgetme no secret was found: the scan is broken")
	}

	rs := e.send(zhou, "/forgetme")
	rs = e.press(zhou, button(t, rs, "Yes").Data)
	wantIn(t, "forget", rs, "personal data is deleted")

	for _, f := range findSecrets(t, e, secrets) {
		t.Errorf("after /forgetme: %s", f)
	}
	// The figures keep the member ids, with "—" for the name.
	for _, tt := range []struct {
		c  string
		m  ll.Member
		by person
	}{{"dongan", first, secretary}, {"dongan", second, secretary}, {"xiyuan", third, xsec}} {
		m, err := e.store.Member(e.ctx, tt.c, tt.m.ID)
		if err != nil || m.Status != ll.StatusForgotten || m.Name != "" || m.TelegramID != 0 || m.Unit != "" || m.Building != "" || len(m.Skills) != 0 {
			t.Errorf("%s/%s after forgetting = %+v, %v", tt.c, tt.m.ID, m, err)
		}
		wantIn(t, "/member "+tt.m.ID, e.send(tt.by, "/member "+tt.m.ID), "<b>"+tt.m.ID+"</b> —")
	}
	if _, err := e.store.User(e.ctx, zhou.id); err != nil {
		t.Errorf("User after forgetting: %v", err)
	}
	// The approved participation still counts for dongan.
	ps, _, err := e.store.CommunityLedger(e.ctx, "dongan")
	if err != nil || len(ps) != 1 || ps[0].Member != first.ID {
		t.Errorf("dongan ledger after forgetting = %+v, %v; want %s's approved service", ps, err, first.ID)
	}
	// The exports show "—" for the name and the service texts.
	members, _ := e.store.Members(e.ctx, "dongan")
	d := record.CommunityData{Members: members, Participations: ps}
	d.Community, _ = e.store.Community(e.ctx, "dongan")
	for _, r := range record.MemberRows(d, 2026, testNow) {
		if (r.ID == first.ID || r.ID == second.ID) && (r.Name != record.ForgottenName || r.MemberID != r.ID || r.Unit != "" || r.Building != "") {
			t.Errorf("members export row = %+v, want %s under its M id", r, record.ForgottenName)
		}
	}
	if rows := record.LedgerRows(d, 2026); len(rows) != 1 || rows[0].Name != record.ForgottenName || rows[0].Title != "—" || rows[0].MemberID != first.ID {
		t.Errorf("ledger export = %+v, want one row of %s with — for the name and the text", rows, first.ID)
	}
	// Forgetting is done once: the person is no member now.
	wantIn(t, "again", e.send(zhou, "/forgetme"), "not a registered member")
}

// findButton is the first button whose label contains label.
func findButton(rs []ll.Reply, label string) (ll.Button, bool) {
	for _, r := range rs {
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.Contains(b.Text, label) {
					return b, true
				}
			}
		}
	}
	return ll.Button{}, false
}

// findSecrets scans every key of the env's store (every master of a
// cluster) and reports each key whose name or value holds one of secrets.
func findSecrets(t *testing.T, e *env, secrets []string) []string {
	t.Helper()
	var found []string
	check := func(key, where, v string) {
		for _, s := range secrets {
			if strings.Contains(v, s) {
				found = append(found, key+" "+where+" holds "+s)
			}
		}
	}
	for _, k := range storagetest.Keys(t, e.rdb, e.prefix+"*") {
		check(k, "name", k)
		typ, err := e.rdb.Type(e.ctx, k).Result()
		if err != nil {
			t.Fatalf("TYPE %s: %v", k, err)
		}
		var vals []string
		switch typ {
		case "string":
			v, _ := e.rdb.Get(e.ctx, k).Result()
			vals = []string{v}
		case "hash":
			h, _ := e.rdb.HGetAll(e.ctx, k).Result()
			for f, v := range h {
				vals = append(vals, f, v)
			}
		case "list":
			vals, _ = e.rdb.LRange(e.ctx, k, 0, -1).Result()
		case "set":
			vals, _ = e.rdb.SMembers(e.ctx, k).Result()
		case "zset":
			vals, _ = e.rdb.ZRange(e.ctx, k, 0, -1).Result()
		case "stream":
			xs, _ := e.rdb.XRange(e.ctx, k, "-", "+").Result()
			for _, x := range xs {
				for f, v := range x.Values {
					vals = append(vals, f, toString(v))
				}
			}
		case "none":
		default:
			t.Fatalf("key %s of type %s: the scan does not read it", k, typ)
		}
		for _, v := range vals {
			check(k, "value", v)
		}
	}
	return found
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

var _ redis.UniversalClient // the env's client type
