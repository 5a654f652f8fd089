package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/record"
)

// scanFixture is the fixture with an activity whose check-in is open (it
// starts in ten minutes), by location only: a scan needs neither code nor
// place.
func scanFixture(t *testing.T) (*fixture, ll.Activity) {
	f := newFixture(t)
	in := f.lamps()
	in.Start = f.now.Add(10 * time.Minute)
	in.CheckIn = ll.CheckInLocation
	in.Location = &ll.GeoPoint{Latitude: 31.23, Longitude: 121.47}
	return f, f.create(in)
}

func (f *fixture) myCode(tg int64, now time.Time) app.ScanCode {
	f.t.Helper()
	ac := f.actor(tg, false)
	ac.Now = now
	c, err := f.app.Scans.MyCode(f.ctx, ac)
	if err != nil {
		f.t.Fatalf("MyCode(tg %d): %v", tg, err)
	}
	return c
}

func (f *fixture) scan(tg int64, now time.Time, activity, code string) (app.Scanned, error) {
	ac := f.actor(tg, false)
	ac.Now, ac.Channel = now, app.ChannelWebApp
	return f.app.Scans.Scan(f.ctx, ac, activity, code)
}

// participation returns member's participation in ref, failing without one.
func (f *fixture) participations(member string) []ll.Participation {
	f.t.Helper()
	ps, err := f.store.Participations(f.ctx, f.comm.ID, member)
	if err != nil {
		f.t.Fatalf("Participations(%s): %v", member, err)
	}
	return ps
}

func TestScanChecksInOnce(t *testing.T) {
	f, a := scanFixture(t)
	c := f.myCode(3, f.now)
	if p := strings.Split(c.Code, "."); len(p) != 6 || p[1] != "elm" || p[2] != "M3" || c.Member != "M3" || !c.Expires.Equal(f.now.Add(app.ScanCodeTTL)) {
		t.Fatalf("MyCode = %+v", c)
	}
	got, err := f.scan(2, f.now.Add(10*time.Second), a.ID, c.Code)
	if err != nil || !got.Changed || got.Member.ID != "M3" || got.Activity.ID != a.ID {
		t.Fatalf("Scan = %+v, %v; want M3 checked in to %s", got, err, a.ID)
	}
	ps := f.participations("M3")
	if len(ps) != 1 || ps[0].Ref != a.ID || ps[0].Method != ll.MethodScan || ps[0].VerifiedBy != "M2" {
		t.Fatalf("M3's participations = %+v, want one in %s by scan verified by M2", ps, a.ID)
	}
	f.wantAudit("Scan", "scan", a.ID, "M3 (via webapp)", "M2")
	// It counts as an activity, by a strong method, in the year's figures
	// (the standing /me and the statement show, the exports' method columns).
	year := a.Start.In(f.comm.Location()).Year()
	if st := ll.ComputeStanding(ps, year, 0, f.comm); st.Activities != 1 || st.Total != 1 {
		t.Fatalf("standing after the scan = %+v, want one activity", st)
	}
	if b := record.CountMethods(ps, year); b.Strong() != 1 || len(b.Listed()) == 0 {
		t.Fatalf("CountMethods after the scan = %+v, want one strong", b)
	} else if i := slices.IndexFunc(b.Listed(), func(m record.MethodCount) bool { return m.Method == ll.MethodScan }); i < 0 || b.Listed()[i].Count != 1 {
		t.Fatalf("CountMethods after the scan lists %+v, want scan 1", b.Listed())
	}

	// The same code again: refused, nothing changes.
	before := len(f.audit())
	_, err = f.scan(2, f.now.Add(11*time.Second), a.ID, c.Code)
	wantRefusal(t, "Scan(reused code)", err, ll.ECONFLICT, ll.ReasonScanUsed)
	// A new code of the same member: idempotent.
	got, err = f.scan(1, f.now.Add(12*time.Second), a.ID, f.myCode(3, f.now.Add(12*time.Second)).Code)
	if err != nil || got.Changed {
		t.Fatalf("second scan of M3 = %+v, %v; want unchanged", got, err)
	}
	if ps := f.participations("M3"); len(ps) != 1 || ps[0].VerifiedBy != "M2" {
		t.Fatalf("after a second scan M3's participations = %+v", ps)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("a refused and a repeated scan wrote %d audit entries", after-before)
	}
}

func TestScanRefusesBadCodes(t *testing.T) {
	f, a := scanFixture(t)
	now := f.now.Add(time.Second)
	good := f.myCode(3, f.now)
	parts := strings.Split(good.Code, ".")
	swap := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, ".")
	}
	mac := []byte(parts[5])
	mac[0] ^= 1
	if mac[0] == '.' {
		mac[0] = 'A'
	}

	// Another community's member and code.
	oak := ll.Community{ID: "oak", Name: "Oak", TimeZone: "Asia/Shanghai", Language: "en", Minimum: 2, Created: f.now}
	if err := f.store.CreateCommunity(f.ctx, oak, nil); err != nil {
		t.Fatalf("CreateCommunity: %v", err)
	}
	if _, err := f.store.ImportMembers(f.ctx, "oak", []ll.Member{{TelegramID: 9, Name: "Oak member"}}, f.now, nil); err != nil {
		t.Fatalf("ImportMembers: %v", err)
	}
	oakCode := f.myCode(9, f.now)

	for _, tc := range []struct {
		name, code   string
		now          time.Time
		code_, cause string
	}{
		{"not a code", "123456", now, ll.EINVALID, ll.ReasonScanCode},
		{"empty", "", now, ll.EINVALID, ll.ReasonScanCode},
		{"another member named", swap(2, "M1"), now, ll.EINVALID, ll.ReasonScanCode},
		{"a later expiry", swap(3, "zzzzzzzz"), now, ll.EINVALID, ll.ReasonScanCode},
		{"a wrong signature", swap(5, string(mac)), now, ll.EINVALID, ll.ReasonScanCode},
		{"another community's", oakCode.Code, now, ll.EFORBIDDEN, ll.ReasonScanCommunity},
		{"another community's renamed", strings.Replace(oakCode.Code, ".oak.", ".elm.", 1), now, ll.EINVALID, ll.ReasonScanCode},
		{"expired", good.Code, f.now.Add(app.ScanCodeTTL), ll.ECONFLICT, ll.ReasonScanExpired},
		{"made ahead of the clock", f.myCode(3, f.now.Add(5*time.Minute)).Code, now, ll.EINVALID, ll.ReasonScanCode},
	} {
		_, err := f.scan(2, tc.now, a.ID, tc.code)
		wantRefusal(t, "Scan("+tc.name+")", err, tc.code_, tc.cause)
	}
	if ps := f.participations("M3"); len(ps) != 0 {
		t.Fatalf("refused scans checked M3 in: %+v", ps)
	}

	// Not an organizer: a plain member, someone of another community, a
	// stranger.
	_, err := f.scan(3, now, a.ID, f.myCode(1, f.now).Code)
	wantRefusal(t, "Scan by a plain member", err, ll.EFORBIDDEN, "")
	_, err = f.scan(9, now, a.ID, f.myCode(1, f.now).Code)
	wantRefusal(t, "Scan by another community's member", err, ll.ENOTFOUND, "")
	ac := app.Actor{TelegramID: 777, Now: now, Channel: app.ChannelWebApp}
	_, err = f.app.Scans.Scan(f.ctx, ac, a.ID, f.myCode(1, f.now).Code)
	wantRefusal(t, "Scan by a stranger", err, ll.ENOTMEMBER, "")

	// Their own code: refused and audited.
	_, err = f.scan(2, now, a.ID, f.myCode(2, f.now).Code)
	wantRefusal(t, "Scan(own code)", err, ll.EFORBIDDEN, ll.ReasonOwnEntry)
	f.wantAudit("Scan(own code)", "refused", a.ID, "scan M2: self (via webapp)", "M2")
	if ps := f.participations("M2"); len(ps) != 0 {
		t.Fatalf("a self scan checked M2 in: %+v", ps)
	}

	// A stranger asks for a code.
	if _, err := f.app.Scans.MyCode(f.ctx, ac); ll.ErrorCode(err) != ll.ENOTMEMBER {
		t.Fatalf("MyCode(stranger) = %v, want not a member", err)
	}
}

func TestScanByTeamLeader(t *testing.T) {
	f, a := scanFixture(t)
	if _, _, err := f.app.Scans.Scannable(f.ctx, f.actor(3, false)); ll.ErrorCode(err) != ll.EFORBIDDEN {
		t.Fatalf("Scannable(a plain member) = %v, want forbidden", err)
	}
	team, err := f.store.CreateTeam(f.ctx, ll.Team{Community: "elm", Name: "Lamps"}, nil)
	if err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	if _, err := f.app.Teams.ToggleLeader(f.ctx, f.scope(2), team.ID, "M3"); err != nil {
		t.Fatalf("ToggleLeader: %v", err)
	}
	_, list, err := f.app.Scans.Scannable(f.ctx, f.actor(3, false))
	if err != nil || len(list) != 0 {
		t.Fatalf("Scannable(leader of no activity's team) = %v, %v; want none", list, err)
	}
	if _, err := f.app.Activities.Edit(f.ctx, f.scope(2), a.ID, app.ActivityChange{Field: app.ActivityTeam, Text: team.ID, Typed: team.ID}); err != nil {
		t.Fatalf("Edit team: %v", err)
	}
	_, list, err = f.app.Scans.Scannable(f.ctx, f.actor(3, false))
	if err != nil || len(list) != 1 || list[0].ID != a.ID || list[0].Code != "" || list[0].Secret != "" {
		t.Fatalf("Scannable(team leader) = %+v, %v; want %s without its code", list, err, a.ID)
	}
	got, err := f.scan(3, f.now, a.ID, f.myCode(1, f.now).Code)
	if err != nil || !got.Changed || got.Member.ID != "M1" {
		t.Fatalf("Scan by the team leader = %+v, %v", got, err)
	}
	if ps := f.participations("M1"); len(ps) != 1 || ps[0].Method != ll.MethodScan || ps[0].VerifiedBy != "M3" {
		t.Fatalf("M1's participations = %+v, want scan verified by M3", ps)
	}
	f.wantAudit("Scan by the team leader", "scan", a.ID, "M1 (via webapp)", "M3")

	// Check-in closed: refused as the chat's check-in is.
	late := a.End.Add(ll.CheckInClosesAfter + time.Minute)
	_, err = f.scan(2, late, a.ID, f.myCode(3, late).Code)
	wantRefusal(t, "Scan after check-in closed", err, ll.ECONFLICT, ll.ReasonNotOpen)
}

// TestMyNeeds: the needs page shows a person the needs they asked, by
// Telegram id, and a member the needs they took; nobody else's.
func TestMyNeeds(t *testing.T) {
	f := newFixture(t)
	// M3 (tg 3) asks as a resident; tg 900, not a member, asks too.
	ask := func(tg int64, text, token string) ll.Need {
		n, _, err := f.app.Needs.Ask(f.ctx, app.Actor{TelegramID: tg, Channel: app.ChannelChat, Now: f.now},
			app.NeedDraft{Community: "elm", Text: text, Token: token})
		if err != nil {
			t.Fatalf("Ask(%s) = %v", text, err)
		}
		return n
	}
	// The resident came through the community's need link (as the chat's
	// /start need_<community> records).
	if _, err := f.app.Needs.OpenLink(f.ctx, app.Actor{TelegramID: 900, Channel: app.ChannelChat, Now: f.now}, "elm"); err != nil {
		t.Fatalf("OpenLink: %v", err)
	}
	mine, other := ask(3, "my lamp", "a"), ask(900, "their tap", "b")
	if _, err := f.app.Needs.Publish(f.ctx, f.scope(1), nil, other.ID, app.PublishOptions{}, word); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if _, err := f.app.Needs.Take(f.ctx, f.actor(3, false), "elm", other.ID); err != nil {
		t.Fatalf("Take: %v", err)
	}
	got, err := f.app.Needs.Mine(f.ctx, f.actor(3, false))
	if err != nil || len(got.Asked) != 1 || got.Asked[0].ID != mine.ID || len(got.Taken) != 1 || got.Taken[0].ID != other.ID {
		t.Fatalf("Mine(M3) = %+v, %v; want asked %s, taken %s", got, err, mine.ID, other.ID)
	}
	got, err = f.app.Needs.Mine(f.ctx, app.Actor{TelegramID: 900, Now: f.now})
	if err != nil || len(got.Asked) != 1 || got.Asked[0].ID != other.ID || len(got.Taken) != 0 {
		t.Fatalf("Mine(resident 900) = %+v, %v; want asked %s only", got, err, other.ID)
	}
	if got, err := f.app.Needs.Mine(f.ctx, f.actor(2, false)); err != nil || len(got.Asked)+len(got.Taken) != 0 {
		t.Fatalf("Mine(M2) = %+v, %v; want nothing", got, err)
	}
}

// TestScanRaces: one code sent by eight organizers' phones at once checks
// the member in once and is refused as used seven times; eight new codes of
// another member scanned at once check them in once (seven unchanged).
func TestScanRaces(t *testing.T) {
	f, a := scanFixture(t)
	type result struct {
		changed bool
		err     error
	}
	race := func(codes []string, organizers ...int64) []result {
		out := make(chan result, len(codes))
		for i, c := range codes {
			go func() {
				s, err := f.scan(organizers[i%len(organizers)], f.now, a.ID, c)
				out <- result{s.Changed, err}
			}()
		}
		rs := make([]result, 0, len(codes))
		for range codes {
			rs = append(rs, <-out)
		}
		return rs
	}
	one := f.myCode(3, f.now).Code
	changed, used := 0, 0
	for _, r := range race(slices.Repeat([]string{one}, 8), 1, 2) {
		switch {
		case r.err == nil && r.changed:
			changed++
		case ll.ErrorDetail(r.err) == ll.ReasonScanUsed:
			used++
		default:
			t.Errorf("a racing scan of one code = %v, %v", r.changed, r.err)
		}
	}
	if changed != 1 || used != 7 {
		t.Fatalf("eight scans of one code: %d checked in, %d refused as used; want 1 and 7", changed, used)
	}
	var codes []string
	for range 8 {
		codes = append(codes, f.myCode(1, f.now).Code)
	}
	changed = 0
	for _, r := range race(codes, 2) {
		if r.err != nil {
			t.Errorf("a racing scan of a new code = %v", r.err)
		}
		if r.changed {
			changed++
		}
	}
	if ps := f.participations("M1"); changed != 1 || len(ps) != 1 {
		t.Fatalf("eight new codes of M1 at once: %d changed, participations %+v; want 1 and one", changed, ps)
	}
}
