package handlers_test

import (
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// TestEvaluationFromProposalToSending: the secretary walks through the
// members with the proposed grades, sets one directly, sends the grades to
// the units' liaisons (summary and XLSX) and to the members, and a change
// after sending goes again as a correction.
func TestEvaluationFromProposalToSending(t *testing.T) {
	e := withUnits(withOutbox(dongan(t)))
	e.send(alice, "/profile unit BoD")       // M3, U1 (liaison A)
	e.send(bob, "/profile unit Water Works") // M4, U3 (liaison B)
	e.delivered()

	wantIn(t, "before December", e.send(secretary, "/evaluate"), "not open yet")
	e.now = time.Date(2026, time.December, 2, 2, 0, 0, 0, time.UTC)
	wantIn(t, "deputy", e.send(deputy, "/grade M3 good"), "secretary")

	// alice: a post and two participations, compliant: good is proposed.
	p := e.post(ll.Post{Community: "dongan", Title: "Street lighting"})
	e.send(alice, "/claim "+p.ID)
	for _, title := range []string{"Clean-up", "Lamps"} {
		a := e.activity(ll.Activity{Title: title, Start: e.now.Add(-time.Hour)})
		e.send(deputy, "/attend "+a.ID+" M3")
	}

	rs := e.send(secretary, "/evaluate")
	wantIn(t, "/evaluate", rs, "Year-end evaluation 2026", "<b>M1</b> Li Wei", "Proposed: <b>poor</b>")
	rs = e.press(secretary, button(t, rs, "Skip").Data)
	wantIn(t, "skip M1", rs, "<b>M2</b> Zhao Min")
	rs = e.press(secretary, button(t, rs, "Skip").Data)
	wantIn(t, "M3", rs, "<b>M3</b> Alice Chen", "unit: BoD (U1)", "Participations 2/2", "Proposed: <b>good</b>")
	if b := button(t, rs, "★ good"); b.Data == "" {
		t.Fatal("the proposed grade is not marked")
	}
	rs = e.press(secretary, button(t, rs, "excellent").Data)
	wantIn(t, "grade pressed", rs, "Type a short comment")
	rs = e.send(secretary, "Always there when the lamps go out")
	wantIn(t, "comment", rs, "M3 graded excellent", "<b>M4</b> Bob Sun", "Proposed: <b>poor</b>")
	rs = e.press(secretary, button(t, rs, "fair").Data)
	rs = e.press(secretary, button(t, rs, "No comment").Data)
	wantIn(t, "end", rs, "M4 graded fair", "the last member for 2026", "/evaluations send 2026")

	rs = e.send(secretary, "/grade M4 good tutors the children")
	wantIn(t, "/grade", rs, "M4 graded for 2026: good (tutors the children)", "/evaluations send 2026")
	wantIn(t, "/grade again", e.send(secretary, "/grade M4 合格 tutors the children"), "already has the grade")
	wantIn(t, "bad grade", e.send(secretary, "/grade M4 brilliant"), "excellent (优秀)")

	rs = e.send(secretary, "/evaluations send")
	wantIn(t, "send", rs, "Grades of 2026 sent: 2 (0 corrections) · units 2 · messages to liaisons 2 · to members 2")
	q := e.delivered()
	la := q[liaisonA.id]
	if len(la) != 1 || la[0].Message.Reply.File == nil || !strings.HasSuffix(la[0].Message.Reply.File.Name, ".xlsx") ||
		!strings.HasPrefix(string(la[0].Message.Reply.File.Data), "PK") {
		t.Fatalf("liaison A got %+v, want one message with an XLSX", la)
	}
	if txt := la[0].Message.Reply.Text; !strings.Contains(txt, "M3 Alice Chen: excellent") || strings.Contains(txt, "Bob") {
		t.Errorf("liaison A's summary = %q", txt)
	}
	if lb := q[liaisonB.id]; len(lb) != 1 || !strings.Contains(lb[0].Message.Reply.Text, "M4 Bob Sun: good") {
		t.Errorf("liaison B got %+v", lb)
	}
	if m := q[alice.id]; len(m) != 1 || !strings.Contains(m[0].Message.Reply.Text, "for 2026: <b>excellent</b> (Always there") {
		t.Errorf("alice got %+v", m)
	}
	if m := q[bob.id]; len(m) != 1 || !strings.Contains(m[0].Message.Reply.Text, "<b>good</b>") {
		t.Errorf("bob got %+v", m)
	}
	wantIn(t, "send again", e.send(secretary, "/evaluations send 2026"), "has been sent already")
	if q := e.delivered(); len(q) != 0 {
		t.Errorf("a second send queued %v", q)
	}

	// A change after sending is a correction, to the liaison and the member.
	rs = e.send(secretary, "/grade M3 good")
	wantIn(t, "correction", rs, "sent before: the correction is on its way to 1 liaison messages and 1 member messages")
	q = e.delivered()
	if la := q[liaisonA.id]; len(la) != 1 || !strings.Contains(la[0].Message.Reply.Text, "Correction of the year-end evaluation") ||
		!strings.Contains(la[0].Message.Reply.Text, "M3 Alice Chen: good") {
		t.Errorf("liaison A's correction = %+v", la)
	}
	if m := q[alice.id]; len(m) != 1 || !strings.Contains(m[0].Message.Reply.Text, "Correction: your year-end evaluation in 东安社区 for 2026 is now <b>good</b>") {
		t.Errorf("alice's correction = %+v", m)
	}
	if len(q[bob.id])+len(q[liaisonB.id]) != 0 {
		t.Errorf("a correction of M3 told bob or his liaison: %v", q)
	}

	// The read the statements use.
	g, ok, err := app.New(e.store).Evaluations.Grade(e.ctx, "dongan", "M3", 2026)
	if err != nil || !ok || g.Value != ll.GradeGood || g.Version != 2 || g.SentVersion != 2 || g.By != "M1" || g.At.IsZero() || g.At.After(e.now) {
		t.Errorf("Grade(M3, 2026) = %+v, %v, %v", g, ok, err)
	}
	if _, ok, _ := app.New(e.store).Evaluations.Grade(e.ctx, "dongan", "M2", 2026); ok {
		t.Error("M2 has a grade")
	}
	if log := e.auditActions("dongan"); !strings.Contains(log, "M1:grade:M3") || !strings.Contains(log, "M1:evaluations send:2026") {
		t.Errorf("audit = %s", log)
	}
}

// TestEvaluationOpensOnTheSetDay: /settings evalfrom moves the opening.
func TestEvaluationOpensOnTheSetDay(t *testing.T) {
	e := dongan(t)
	wantIn(t, "closed", e.send(secretary, "/grade M3 good"), "not open yet")
	wantIn(t, "deputy", e.send(deputy, "/settings evalfrom 03-01"), "secretary")
	wantIn(t, "bad", e.send(secretary, "/settings evalfrom 13-01"), "MM-DD")
	wantIn(t, "set", e.send(secretary, "/settings evalfrom 03-01"), "Evaluation opens: 03-01")
	wantIn(t, "open", e.send(secretary, "/grade M3 good"), "M3 graded for 2026: good")
	wantIn(t, "not a member then", e.send(secretary, "/grade 2025 M3 fair late"), "M3 was not a member of the community in that year")
	wantIn(t, "comment", e.send(secretary, "/grade M3 fair "+strings.Repeat("x", 201)), "at most 200 characters")
}
