package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// grades is a fake app.GradeSource: grades by member id, for any year.
type grades map[string]grade

type grade struct {
	value string
	at    time.Time
}

func (g grades) Grade(_ context.Context, community, memberID string, year int) (string, string, time.Time, bool, error) {
	v, ok := g[memberID]
	return v.value, "a comment", v.at, ok, nil
}

// statementFixture is the fixture with M3 attending two activities.
func statementFixture(t *testing.T) (*fixture, []ll.Activity) {
	f := newFixture(t)
	var acts []ll.Activity
	for _, title := range []string{"Lamps", "Garden"} {
		a := f.create(app.NewActivity{Title: title, Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour})
		if _, changed, err := f.app.Ledger.Attend(f.ctx, f.scope(2), a.ID, f.ms[2].ID, ""); err != nil || !changed {
			t.Fatalf("Attend(%s, M3) = %v, %v", a.ID, changed, err)
		}
		acts = append(acts, a)
	}
	f.app.Statements.PublicURL = "https://bot.example.org/"
	return f, acts
}

func (f *fixture) issue(tg int64, year string) app.IssuedStatement {
	f.t.Helper()
	is, err := f.app.Statements.Issue(f.ctx, f.actor(tg, false), year)
	if err != nil {
		f.t.Fatalf("Issue(tg %d, %q): %v", tg, year, err)
	}
	return is
}

func (f *fixture) verify(token string) app.Verification {
	f.t.Helper()
	v, err := f.app.Statements.Verify(f.ctx, token)
	if err != nil {
		f.t.Fatalf("Verify(%s): %v", token, err)
	}
	return v
}

func TestStatementIssueVerifyVoid(t *testing.T) {
	f, acts := statementFixture(t)
	m3 := f.ms[2].ID
	is := f.issue(3, "")
	st := is.Statement
	if st.Year != 2026 || st.Total() != 2 || st.Member != m3 || st.Grade != "" || !st.Issued.Equal(f.now) {
		t.Fatalf("Issue = %+v, want M3's 2026 with 2 participations issued now, no grade", st)
	}
	if want := "https://bot.example.org/verify/" + is.Token; is.URL != want {
		t.Errorf("URL = %q, want %q", is.URL, want)
	}
	if len(is.URL) > 90 {
		t.Errorf("URL %q is %d characters: too long for a small QR code", is.URL, len(is.URL))
	}
	f.wantAudit("Issue", "statement", m3, "2026 "+st.ID, m3)

	v := f.verify(is.Token)
	if v.Status != ll.StatementValid || v.Name != "M**" || v.CommunityName != "Elm Street" || v.Statement.Total() != 2 || !v.Since.IsZero() {
		t.Fatalf("Verify = %+v, want valid, name M**, Elm Street, 2 participations", v)
	}

	// Asked again with nothing changed: the same statement.
	f.now = f.now.Add(time.Minute)
	again := f.issue(3, "2026")
	if again.Token != is.Token || !again.Statement.Issued.Equal(st.Issued) {
		t.Fatalf("Issue again = %s issued %v, want the same %s issued %v", again.Token, again.Statement.Issued, is.Token, st.Issued)
	}
	f.wantAudit("Issue again", "statement", m3, "2026 "+st.ID+" again", m3)

	// A new participation does not supersede it: what it states still holds.
	a := f.create(app.NewActivity{Title: "More", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour})
	if _, _, err := f.app.Ledger.Attend(f.ctx, f.scope(2), a.ID, m3, ""); err != nil {
		t.Fatal(err)
	}
	if v := f.verify(is.Token); v.Status != ll.StatementValid {
		t.Fatalf("after a new participation Verify = %s, want valid", v.Status)
	}

	// A void of a participation behind it supersedes it, from the void on.
	f.now = f.now.Add(time.Hour)
	voidAt := f.now
	if err := f.app.Ledger.Void(f.ctx, f.scope(1), acts[0].ID, m3, "was not there"); err != nil {
		t.Fatalf("Void: %v", err)
	}
	v = f.verify(is.Token)
	if v.Status != ll.StatementSuperseded || !v.Since.Equal(voidAt) {
		t.Fatalf("after the void Verify = %s since %v, want superseded since %v", v.Status, v.Since, voidAt)
	}

	// A new statement states what holds now; the old one stays superseded.
	fresh := f.issue(3, "")
	if fresh.Token == is.Token || fresh.Statement.Total() != 2 {
		t.Fatalf("Issue after the void = %s with %d, want a new statement of 2 (Garden, More)", fresh.Token, fresh.Statement.Total())
	}
	if v := f.verify(fresh.Token); v.Status != ll.StatementValid {
		t.Fatalf("new statement: %s, want valid", v.Status)
	}
	if v := f.verify(is.Token); v.Status != ll.StatementSuperseded {
		t.Fatalf("old statement: %s, want superseded", v.Status)
	}
}

func TestStatementGrade(t *testing.T) {
	f, _ := statementFixture(t)
	m3 := f.ms[2].ID
	g := grades{m3: {"good", f.now.Add(-time.Hour)}}
	f.app.Statements.Grades = g
	is := f.issue(3, "")
	if is.Statement.Grade != "good" {
		t.Fatalf("Grade = %q, want good", is.Statement.Grade)
	}
	if v := f.verify(is.Token); v.Status != ll.StatementValid || v.Statement.Grade != "good" {
		t.Fatalf("Verify = %s grade %q, want valid, good", v.Status, v.Statement.Grade)
	}
	// The same grade given again (a new comment) changes nothing it states.
	g[m3] = grade{"good", f.now.Add(time.Minute)}
	if v := f.verify(is.Token); v.Status != ll.StatementValid {
		t.Fatalf("same grade again: %s, want valid", v.Status)
	}
	regraded := f.now.Add(2 * time.Hour)
	g[m3] = grade{"excellent", regraded}
	if v := f.verify(is.Token); v.Status != ll.StatementSuperseded || !v.Since.Equal(regraded) {
		t.Fatalf("regraded: %s since %v, want superseded since %v", v.Status, v.Since, regraded)
	}
	delete(g, m3)
	if v := f.verify(is.Token); v.Status != ll.StatementSuperseded {
		t.Fatalf("grade withdrawn: %s, want superseded", v.Status)
	}
	// Without a grade source, statements carry no grade.
	f.app.Statements.Grades = nil
	if is := f.issue(3, ""); is.Statement.Grade != "" {
		t.Fatalf("without grades: grade %q", is.Statement.Grade)
	}
}

func TestStatementWithdrawnAfterForget(t *testing.T) {
	f, _ := statementFixture(t)
	m3 := f.ms[2].ID
	is := f.issue(3, "")
	if err := f.app.Members.Forget(f.ctx, f.actor(3, false), f.comm.ID, m3); err != nil {
		t.Fatalf("Forget: %v", err)
	}
	v := f.verify(is.Token)
	if v.Status != ll.StatementWithdrawn || v.Name != "" {
		t.Fatalf("after /forgetme Verify = %s name %q, want withdrawn without a name", v.Status, v.Name)
	}
	if _, err := f.app.Statements.Issue(f.ctx, f.actor(3, false), ""); ll.ErrorCode(err) != ll.ENOTMEMBER {
		t.Fatalf("Issue after /forgetme: %v, want ErrNotMember", err)
	}
}

func TestStatementTampered(t *testing.T) {
	f, _ := statementFixture(t)
	is := f.issue(3, "")
	community, kid, id, sig := splitToken(t, is.Token)
	flip := func(s string) string {
		c := byte('A')
		if s[len(s)-1] == 'A' {
			c = 'B'
		}
		return s[:len(s)-1] + string(c)
	}
	for _, tc := range []struct{ name, token string }{
		{"signature", strings.Join([]string{community, kid, id, flip(sig)}, ".")},
		{"id", strings.Join([]string{community, kid, flip(id), sig}, ".")},
		{"community", strings.Join([]string{"oak", kid, id, sig}, ".")},
		{"key id", strings.Join([]string{community, "2", id, sig}, ".")},
		{"truncated", is.Token[:len(is.Token)-1]},
		{"empty", ""},
		{"junk", "../../etc/passwd"},
		{"extra part", is.Token + ".x"},
	} {
		_, err := f.app.Statements.Verify(f.ctx, tc.token)
		wantRefusal(t, "Verify("+tc.name+")", err, ll.EINVALID, "token")
	}
}

func splitToken(t *testing.T, token string) (community, kid, id, sig string) {
	t.Helper()
	p := strings.Split(token, ".")
	if len(p) != 4 {
		t.Fatalf("token %q has %d parts, want 4", token, len(p))
	}
	return p[0], p[1], p[2], p[3]
}

func TestStatementKeyRotation(t *testing.T) {
	f, _ := statementFixture(t)
	old := f.issue(3, "")
	if _, kid, _, _ := splitToken(t, old.Token); kid != "1" {
		t.Fatalf("first token's key = %s, want 1", kid)
	}
	id, err := f.app.Statements.RotateKey(f.ctx, f.now)
	if err != nil || id != "2" {
		t.Fatalf("RotateKey = %q, %v; want 2", id, err)
	}
	if v := f.verify(old.Token); v.Status != ll.StatementValid {
		t.Fatalf("after rotation the old token reads %s, want valid", v.Status)
	}
	fresh := f.issue(3, "")
	if _, kid, _, _ := splitToken(t, fresh.Token); kid != "2" || fresh.Token == old.Token {
		t.Fatalf("after rotation Issue = %s, want a new token signed with key 2", fresh.Token)
	}
	wantRefusal(t, "RetireKey(current)", f.app.Statements.RetireKey(f.ctx, "2"), ll.ECONFLICT, "current")
	wantRefusal(t, "RetireKey(unknown)", f.app.Statements.RetireKey(f.ctx, "7"), ll.ENOTFOUND, "")
	if err := f.app.Statements.RetireKey(f.ctx, "1"); err != nil {
		t.Fatalf("RetireKey(1): %v", err)
	}
	_, err = f.app.Statements.Verify(f.ctx, old.Token)
	wantRefusal(t, "Verify(retired key)", err, ll.EINVALID, "token")
	if v := f.verify(fresh.Token); v.Status != ll.StatementValid {
		t.Fatalf("token of the current key reads %s, want valid", v.Status)
	}
	keys, current, err := f.app.Statements.Keys(f.ctx)
	if err != nil || current != "2" || len(keys) != 1 || keys[0].ID != "2" || keys[0].Key != nil {
		t.Fatalf("Keys = %+v, %q, %v; want key 2 alone, current, without its bytes", keys, current, err)
	}
}

func TestStatementRefusals(t *testing.T) {
	f, _ := statementFixture(t)
	for _, year := range []string{"2027", "2025", "next", "1999"} {
		_, err := f.app.Statements.Issue(f.ctx, f.actor(3, false), year)
		wantRefusal(t, "Issue("+year+")", err, ll.EINVALID, "year")
	}
	_, err := f.app.Statements.Issue(f.ctx, f.actor(99, false), "")
	wantRefusal(t, "Issue(not a member)", err, ll.ENOTMEMBER, "")
	// Without a public URL a statement is issued all the same, without a link.
	f.app.Statements.PublicURL = ""
	if is := f.issue(3, ""); is.URL != "" || is.Token == "" {
		t.Fatalf("without a public URL Issue = URL %q token %q, want no URL and a token", is.URL, is.Token)
	}
}

// TestStatementGradeFromEvaluations: app.New wires the year-end grades into
// the statements: a grade set through the store shows on the statement, and
// a new grade supersedes it from the day it was set.
func TestStatementGradeFromEvaluations(t *testing.T) {
	f, _ := statementFixture(t)
	m3 := f.ms[2].ID
	set := func(value string, at time.Time) {
		t.Helper()
		g := ll.Grade{Community: f.comm.ID, MemberID: m3, Year: 2026, Value: value, By: "M1", At: at}
		if _, _, err := f.store.SetGrade(f.ctx, g, &ll.AuditEntry{Community: f.comm.ID, Actor: "M1", Action: "grade", Object: m3, Time: at}); err != nil {
			t.Fatalf("SetGrade(%s): %v", value, err)
		}
	}
	set("good", f.now.Add(-time.Hour))
	is := f.issue(3, "")
	if is.Statement.Grade != "good" {
		t.Fatalf("statement grade = %q, want good from the evaluations", is.Statement.Grade)
	}
	if v := f.verify(is.Token); v.Status != ll.StatementValid {
		t.Fatalf("Verify = %s, want valid", v.Status)
	}
	regraded := f.now.Add(time.Hour)
	set("excellent", regraded)
	if v := f.verify(is.Token); v.Status != ll.StatementSuperseded || !v.Since.Equal(regraded) {
		t.Fatalf("after a new grade: %s since %v, want superseded since %v", v.Status, v.Since, regraded)
	}
}
