package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// TestUnitsImportAllOrNothing: a good file creates the units with their
// liaisons; a file with one bad row writes nothing and names every bad line.
func TestUnitsImportAllOrNothing(t *testing.T) {
	f := newFixture(t)
	op := app.Operator("", f.now)
	_, err := f.app.Units.Import(f.ctx, op, []app.UnitRow{
		{Line: 2, Name: "Bank", ShortName: "B", Liaison: 7},
		{Line: 3, Name: "School", ShortName: "b"},   // the bank's short name
		{Line: 4, Name: "Bad\u202eName"},            // a direction control
		{Line: 5, Name: "Bank", ShortName: "Other"}, // disagrees with line 2
		{Line: 6, Name: "Clinic", Liaison: 8},       // good
	}, "units.csv")
	var ie *app.ImportError
	if !errors.As(err, &ie) || len(ie.Rows) != 3 || ie.Rows[0].Line != 3 || ie.Rows[1].Line != 4 || ie.Rows[2].Line != 5 {
		t.Fatalf("Import with bad rows = %v, want lines 3, 4 and 5", err)
	}
	if us, _ := f.store.Units(f.ctx); len(us) != 0 {
		t.Fatalf("a refused import wrote %d units", len(us))
	}
	if _, err := f.app.Units.Import(f.ctx, f.actor(3, false), []app.UnitRow{{Line: 2, Name: "Bank"}}, "x"); ll.ErrorDetail(err) != ll.ReasonAdminOnly {
		t.Errorf("Import by a member = %v, want admin only", err)
	}
	res, err := f.app.Units.Import(f.ctx, op, []app.UnitRow{
		{Line: 2, Name: "Bank", ShortName: "B", Liaison: 7},
		{Line: 3, Name: "bank", Liaison: 9},
		{Line: 4, Name: "Clinic", Liaison: 8},
	}, "units.csv")
	if err != nil || res.Created != 2 || res.Liaisons != 3 {
		t.Fatalf("Import = %+v, %v; want 2 units, 3 liaisons", res, err)
	}
	if ids, _ := f.store.LiaisonUnits(f.ctx, 9); len(ids) != 1 || ids[0] != "U1" {
		t.Errorf("liaison 9's units = %v, want U1", ids)
	}
}

// TestUnitMatchingAtJoinProfileAndImport: a member's typed unit is linked
// when it is a unit's name or short name, whichever path stores it.
func TestUnitMatchingAtJoinProfileAndImport(t *testing.T) {
	f := newFixture(t)
	if _, err := f.app.Units.Create(f.ctx, app.Operator("", f.now), "Bank of Elm | BoE"); err != nil {
		t.Fatal(err)
	}
	inv, err := f.store.CreateInvite(f.ctx, ll.Invite{Community: "elm", Created: f.now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := f.actor(50, false)
	m, err := f.app.Invites.Join(f.ctx, a, inv.Code, ll.Member{Name: "New", Unit: " boe "})
	if err != nil || m.UnitID != "U1" {
		t.Fatalf("Join with unit boe = %+v, %v; want U1", m, err)
	}
	// A unit picked from the offered ones: the typed text becomes its name.
	a = f.actor(51, false)
	m, err = f.app.Invites.Join(f.ctx, a, inv.Code, ll.Member{Name: "Picked", Unit: "bank", UnitID: "U1"})
	if err != nil || m.UnitID != "U1" || m.Unit != "Bank of Elm" {
		t.Fatalf("Join with U1 picked = %+v, %v", m, err)
	}
	// /profile: typed anew, the old link does not stick.
	m, err = f.app.Members.UpdateProfile(f.ctx, f.actor(51, false), ll.Member{Name: "Picked", Unit: "Elsewhere", UnitID: "U1"})
	if err != nil || m.UnitID != "" {
		t.Fatalf("UpdateProfile to Elsewhere = %+v, %v; want unmatched", m, err)
	}
	imp, err := f.app.Members.Import(f.ctx, f.scope(1), []ll.Member{{Name: "Imp", Unit: "BANK OF ELM"}}, "m.csv")
	if err != nil || imp.Members[0].UnitID != "U1" {
		t.Fatalf("Import = %+v, %v; want U1", imp.Members, err)
	}
	v, err := f.app.Units.View(f.ctx, app.Operator("", f.now), "U1")
	if err != nil || len(v.Members) != 2 {
		t.Fatalf("View(U1) = %d members, %v; want the two linked active members", len(v.Members), err)
	}
}

// TestGradesAreVersionedAndAudited: the secretary grades from the opening
// day on, a grade keeps what was sent, and Grade reads it.
func TestGradesAreVersionedAndAudited(t *testing.T) {
	f := newFixture(t)
	sc := f.scope(1)
	if _, _, err := f.app.Evaluations.SetGrade(f.ctx, sc, "M3", 2026, "good", ""); ll.ErrorDetail(err) != ll.ReasonEvalClosed {
		t.Fatalf("SetGrade in May = %v, want the evaluation closed", err)
	}
	f.now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) // 08:00 in Shanghai
	sc = f.scope(1)
	if _, _, err := f.app.Evaluations.SetGrade(f.ctx, f.scope(2), "M3", 2026, "good", ""); ll.ErrorDetail(err) != ll.ReasonSecretaryOnly {
		t.Fatalf("SetGrade by a committee member = %v, want secretary only", err)
	}
	p, err := f.app.Evaluations.Propose(f.ctx, sc, "M3", 2026)
	if err != nil || p.Proposed != ll.GradePoor {
		t.Fatalf("Propose(M3) = %+v, %v; want poor (no participation)", p, err)
	}
	g, changed, err := f.app.Evaluations.SetGrade(f.ctx, sc, "M3", 2026, "基本合格", "tries")
	if err != nil || !changed || g.Value != ll.GradeFair || g.Version != 1 {
		t.Fatalf("SetGrade = %+v, %v, %v", g, changed, err)
	}
	if _, changed, _ := f.app.Evaluations.SetGrade(f.ctx, sc, "M3", 2026, "fair", "tries"); changed {
		t.Error("the same grade again changed it")
	}
	if n, err := f.store.MarkGradesSent(f.ctx, "elm", 2026, map[string]int{"M3": 1}, f.now, nil); err != nil || n != 1 {
		t.Fatalf("MarkGradesSent = %d, %v", n, err)
	}
	g, _, _ = f.app.Evaluations.SetGrade(f.ctx, sc, "M3", 2026, "good", "")
	if g.Version != 2 || g.SentVersion != 1 || !g.Correction() {
		t.Errorf("changed after sending = %+v, want version 2, sent 1: a correction", g)
	}
	got, ok, err := f.app.Evaluations.Grade(f.ctx, "elm", "M3", 2026)
	if err != nil || !ok || got.Value != ll.GradeGood || got.Comment != "" || !got.At.Equal(f.now) || got.By != "M1" {
		t.Errorf("Grade(M3) = %+v, %v, %v", got, ok, err)
	}
	n := 0
	for _, e := range f.audit() {
		if e.Action == "grade" && e.Object == "M3" {
			n++
			if !strings.HasPrefix(e.Detail, "2026 ") {
				t.Errorf("grade audit detail %q", e.Detail)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d grade audit entries, want 2 (the unchanged one writes none)", n)
	}
}
