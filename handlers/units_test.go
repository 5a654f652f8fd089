package handlers_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

var (
	liaisonA = person{id: 4001, name: "Liaison A", lang: "en"}
	liaisonB = person{id: 4002, name: "Liaison B", lang: "en"}
)

// withUnits adds U1 Bank of Dongan (BoD, liaison A), U2 City Hospital (no
// liaison) and U3 Water Works (liaison B).
func withUnits(e *env) *env {
	e.t.Helper()
	_, err := e.store.ChangeUnits(e.ctx, func([]ll.Unit) ([]ll.Unit, error) {
		return []ll.Unit{
			{Name: "Bank of Dongan", ShortName: "BoD", Liaisons: []int64{liaisonA.id}},
			{Name: "City Hospital"},
			{Name: "Water Works", Liaisons: []int64{liaisonB.id}},
		}, nil
	}, e.now, nil)
	if err != nil {
		e.t.Fatalf("ChangeUnits: %v", err)
	}
	for _, p := range []person{liaisonA, liaisonB} {
		if err := e.store.SetUserLanguage(e.ctx, p.id, "en"); err != nil {
			e.t.Fatal(err)
		}
	}
	return e
}

// delivered claims everything due in the outbox, acknowledges it as sent
// (so that the next messages to the same chats can be claimed) and
// returns it by chat; the clock then moves a minute on, past every chat's
// pace.
func (e *env) delivered() map[int64][]ll.Delivery {
	e.t.Helper()
	out := map[int64][]ll.Delivery{}
	defer func() { e.now = e.now.Add(time.Minute) }()
	for {
		ds, _, err := e.store.ClaimDeliveries(e.ctx, e.now, 100, 1e6, time.Hour)
		if err != nil {
			e.t.Fatalf("ClaimDeliveries: %v", err)
		}
		if len(ds) == 0 {
			return out
		}
		for _, d := range ds {
			out[d.Message.ChatID] = append(out[d.Message.ChatID], d)
			if err := e.store.AckDelivery(e.ctx, d, ll.Ack{Status: ll.AckSent}, e.now); err != nil {
				e.t.Fatalf("AckDelivery: %v", err)
			}
		}
	}
}

// unitMember registers p with community, their unit linked to unit id.
func (e *env) unitMember(community string, p person, unit, id string) ll.Member {
	e.t.Helper()
	inv, err := e.store.CreateInvite(e.ctx, ll.Invite{Community: community, Created: e.now}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	m, err := e.store.Register(e.ctx, inv, ll.Member{TelegramID: p.id, Name: p.name, Unit: unit, UnitID: id, Language: "en"}, e.now)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// registerTo walks p through registration with invite code up to the unit
// step, and answers it with typed.
func registerTo(t *testing.T, e *env, p person, code, typed string) []ll.Reply {
	t.Helper()
	rs := e.send(p, "/start join_"+code)
	rs = e.press(p, button(t, rs, "Keep: "+p.name).Data)
	wantIn(t, "unit step", rs, "Where do you work", "Type a few letters")
	return e.send(p, typed)
}

// finishRegistration answers building and skills and confirms.
func finishRegistration(t *testing.T, e *env, p person, rs []ll.Reply) []ll.Reply {
	t.Helper()
	wantIn(t, "building step", rs, "Which building")
	rs = e.send(p, "7")
	rs = e.press(p, button(t, rs, "Done").Data)
	return rs
}

func TestRegistrationMatchesUnits(t *testing.T) {
	e := withUnits(withOutbox(dongan(t)))
	code := inviteCode(t, e.send(secretary, "/invite"))

	// A few letters offer the units that contain them, and the typed text.
	p1 := person{id: 5101, name: "Zhang San", lang: "en"}
	rs := registerTo(t, e, p1, code, "dong")
	wantIn(t, "typed dong", rs, "Units matching “dong”")
	if !strings.Contains(dumpButtons(rs), "U1 Bank of Dongan (BoD)") || strings.Contains(dumpButtons(rs), "Hospital") {
		t.Fatalf("offered %s, want U1 only and keep-as-typed", dumpButtons(rs))
	}
	rs = e.press(p1, button(t, rs, "U1 Bank of Dongan").Data)
	rs = finishRegistration(t, e, p1, rs)
	wantIn(t, "summary", rs, "Unit: Bank of Dongan (U1)")
	rs = e.press(p1, button(t, rs, "Register").Data)
	wantIn(t, "registered", rs, "Welcome, Zhang San")
	if m := e.storedMember("dongan", p1); m.UnitID != "U1" || m.Unit != "Bank of Dongan" {
		t.Fatalf("member = unit %q id %q, want Bank of Dongan U1", m.Unit, m.UnitID)
	}
	// The unit's liaison got a receipt through the outbox, without the
	// member's Telegram id; nobody else did.
	q := e.delivered()
	if len(q) != 1 || len(q[liaisonA.id]) != 1 {
		t.Fatalf("queued %v, want one receipt to liaison A", q)
	}
	rc := q[liaisonA.id][0].Message.Reply.Text
	for _, want := range []string{"Registration receipt", "Bank of Dongan (U1)", "Zhang San (M5)", "东安社区 (dongan)", "2026-03-02"} {
		if !strings.Contains(rc, want) {
			t.Errorf("receipt %q lacks %q", rc, want)
		}
	}
	if strings.Contains(rc, strconv.FormatInt(p1.id, 10)) {
		t.Errorf("receipt %q names the member's Telegram id", rc)
	}

	// A unit's short name, typed whole, links at once.
	p2 := person{id: 5102, name: "Li Si", lang: "en"}
	rs = registerTo(t, e, p2, code, "bod")
	rs = finishRegistration(t, e, p2, rs)
	wantIn(t, "short name", rs, "Unit: bod (U1)")
	e.press(p2, button(t, rs, "Register").Data)
	if m := e.storedMember("dongan", p2); m.UnitID != "U1" || m.Unit != "bod" {
		t.Fatalf("member = unit %q id %q, want the typed bod linked to U1", m.Unit, m.UnitID)
	}
	e.delivered()

	// Free text stays possible, shown as unmatched.
	p3 := person{id: 5103, name: "Wang Wu", lang: "en"}
	rs = registerTo(t, e, p3, code, "Hosp")
	rs = e.press(p3, button(t, rs, "Keep “Hosp”").Data)
	rs = finishRegistration(t, e, p3, rs)
	wantIn(t, "free text", rs, "Unit: Hosp (unmatched)")
	e.press(p3, button(t, rs, "Register").Data)
	if m := e.storedMember("dongan", p3); m.UnitID != "" || m.Unit != "Hosp" {
		t.Fatalf("member = unit %q id %q, want Hosp unmatched", m.Unit, m.UnitID)
	}

	// A unit without a liaison: no receipt to anyone.
	p4 := person{id: 5104, name: "Zhao Liu", lang: "en"}
	rs = registerTo(t, e, p4, code, "City Hospital")
	rs = finishRegistration(t, e, p4, rs)
	e.press(p4, button(t, rs, "Register").Data)
	if m := e.storedMember("dongan", p4); m.UnitID != "U2" {
		t.Fatalf("member unit id %q, want U2", m.UnitID)
	}
	if q := e.delivered(); len(q) != 0 {
		t.Fatalf("queued %v for a unit without liaison and an unmatched unit, want nothing", q)
	}

	// /profile matches the same way: typed text that is a unit's name.
	rs = e.send(p3, "/profile unit water works")
	wantIn(t, "profile", rs, "water works (U3)")
	if m := e.storedMember("dongan", p3); m.UnitID != "U3" {
		t.Fatalf("after /profile unit id %q, want U3", m.UnitID)
	}
}

func TestReceiptsWhenMembersLeave(t *testing.T) {
	e := withUnits(withOutbox(dongan(t)))
	e.community("xiguan", "西关社区")
	zhou := person{id: 5201, name: "Zhou Qi", lang: "en"}
	wu := person{id: 5202, name: "Wu Ba", lang: "en"}
	zm := e.unitMember("dongan", zhou, "BoD", "U1")
	e.unitMember("dongan", wu, "BoD", "U1")
	e.delivered()

	// Removed by the committee.
	wantIn(t, "/remove", e.send(secretary, "/remove "+zm.ID), "")
	q := e.delivered()
	if len(q[liaisonA.id]) != 1 || !strings.Contains(q[liaisonA.id][0].Message.Reply.Text, "Zhou Qi (M5) has left 东安社区") {
		t.Fatalf("receipt of a removal = %v", q)
	}
	// The same removal again changes nothing and tells nobody.
	e.send(secretary, "/remove "+zm.ID)
	if q := e.delivered(); len(q[liaisonA.id]) != 0 {
		t.Fatalf("a second /remove queued %v", q[liaisonA.id])
	}

	// A move within the unit is one receipt naming both communities.
	inv, err := e.store.CreateInvite(e.ctx, ll.Invite{Community: "xiguan", Created: e.now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := e.send(wu, "/start join_"+inv.Code)
	rs = e.press(wu, button(t, rs, "Keep: Wu Ba").Data)
	rs = finishRegistration(t, e, wu, e.send(wu, "BoD"))
	wantIn(t, "move", e.press(wu, button(t, rs, "Register").Data), "Welcome")
	q = e.delivered()
	if len(q[liaisonA.id]) != 1 {
		t.Fatalf("a move queued %d receipts to the liaison, want 1: %v", len(q[liaisonA.id]), q)
	}
	if rc := q[liaisonA.id][0].Message.Reply.Text; !strings.Contains(rc, "has left 东安社区 for 西关社区 (xiguan, now M1)") {
		t.Errorf("move receipt = %q", rc)
	}

	// /forgetme: the liaison is told, without the name.
	rs = e.send(wu, "/forgetme")
	e.press(wu, button(t, rs, "Yes").Data)
	q = e.delivered()
	if len(q[liaisonA.id]) != 1 {
		t.Fatalf("/forgetme queued %v", q)
	}
	if rc := q[liaisonA.id][0].Message.Reply.Text; !strings.Contains(rc, "personal data deleted") || strings.Contains(rc, "Wu Ba") {
		t.Errorf("forget receipt = %q", rc)
	}
}

// secretaryOf lets the env's admin act on community (the admin is the
// test's district admin when the env was built with one).
func (e *env) secretaryOf(community string) {
	e.t.Helper()
	if err := e.store.SetUserUse(e.ctx, admin.id, community); err != nil {
		e.t.Fatal(err)
	}
}

func TestLiaisonViewAcrossCommunities(t *testing.T) {
	e := withUnits(dongan(t, admin.id))
	e.community("xiguan", "西关社区")
	e.secretaryOf("dongan")
	// alice and bob of dongan and one member of xiguan work at U1; alice
	// holds a post and took part twice: compliant.
	for _, m := range []struct {
		p    person
		unit string
	}{{alice, "Bank of Dongan"}, {bob, "BoD"}} {
		e.send(m.p, "/profile unit "+m.unit)
	}
	carol := person{id: 5301, name: "Carol Xu", lang: "en"}
	e.unitMember("xiguan", carol, "BoD", "U1")
	dave := person{id: 5302, name: "Dave Ma", lang: "en"}
	e.unitMember("xiguan", dave, "Water Works", "U3")
	p := e.post(ll.Post{Community: "dongan", Title: "Street lighting"})
	e.send(alice, "/claim "+p.ID)
	for _, title := range []string{"Clean-up", "Lamps"} {
		a := e.activity(ll.Activity{Title: title, Start: e.now.Add(-time.Hour)})
		wantIn(t, "/attend", e.send(deputy, "/attend "+a.ID+" M3"), a.ID)
	}
	rs := e.send(liaisonA, "/unit")
	wantIn(t, "/unit", rs, "U1 Bank of Dongan (BoD)", "Members: 3", "not yet compliant: 2",
		"Bob Sun (M4) · 东安社区", "Carol Xu (M1) · 西关社区", "Alice Chen (M3) · 东安社区 · posts 1 · 2/2 · compliant")
	out := texts(rs)
	if strings.Index(out, "Alice Chen") < strings.Index(out, "Bob Sun") || strings.Index(out, "Alice Chen") < strings.Index(out, "Carol Xu") {
		t.Errorf("/unit shows the compliant member before those at risk:\n%s", out)
	}
	wantNotIn(t, "/unit", rs, "Dave Ma", strconv.FormatInt(alice.id, 10), strconv.FormatInt(carol.id, 10))

	// The limits: another unit's liaison sees nothing of U1, by command or
	// by a forged page button; a member who is no liaison is refused; the
	// admin names the unit.
	for _, tc := range []struct {
		who  person
		what string
	}{{liaisonB, "/unit U1"}, {alice, "/unit"}, {alice, "/unit U1"}, {stranger, "/unit U1"}} {
		rs := e.send(tc.who, tc.what)
		wantIn(t, tc.what, rs, "Only the unit's liaisons")
		wantNotIn(t, tc.what, rs, "Bob Sun", "Carol")
	}
	rs = e.press(liaisonB, "pg:ul:1:U1")
	if strings.Contains(texts(rs), "Bob Sun") || !strings.Contains(rs[0].CallbackAnswer, "Only the unit's liaisons") {
		t.Errorf("forged page of U1 for liaison B = %+v", rs)
	}
	wantIn(t, "liaison B's own", e.send(liaisonB, "/unit"), "Water Works", "Dave Ma (M2) · 西关社区")
	wantIn(t, "admin", e.send(admin, "/unit U1"), "Members: 3")
	wantIn(t, "admin without id", e.send(admin, "/unit"), "not a unit id")
	wantIn(t, "unknown unit", e.send(liaisonA, "/unit U99"), "Only the unit's liaisons")
}

func TestUnitsAdminCommands(t *testing.T) {
	e := dongan(t, admin.id)
	wantIn(t, "none", e.send(admin, "/units"), "No units yet")
	wantIn(t, "/newunit", e.send(admin, "/newunit Bank of Dongan | BoD"), "Unit U1 Bank of Dongan (BoD) created")
	wantIn(t, "taken", e.send(admin, "/newunit bod"), "already another unit's")
	rs := e.send(admin, "/liaison u1 4001")
	wantIn(t, "/liaison", rs, "Liaison added to U1", "liaisons: 1")
	if len(rs) != 2 || rs[1].ChatID != liaisonA.id || !strings.Contains(rs[1].Text, "U1 Bank of Dongan") {
		t.Errorf("/liaison told the liaison %+v", rs)
	}
	wantIn(t, "again", e.send(admin, "/liaison U1 4001"), "Nothing changed")
	wantIn(t, "now a liaison", e.send(liaisonA, "/unit"), "U1 Bank of Dongan", "Members: 0")
	wantIn(t, "remove", e.send(admin, "/liaison U1 -4001"), "Liaison removed", "liaisons: 0")
	wantIn(t, "no longer", e.send(liaisonA, "/unit"), "Only the unit's liaisons")
	wantIn(t, "/units", e.send(admin, "/units"), "Units</b> (1)", "U1 Bank of Dongan (BoD) · liaisons: 0")
	for _, cmd := range []string{"/units", "/newunit X", "/liaison U1 5"} {
		wantIn(t, cmd+" by the secretary", e.send(secretary, cmd), "district admin")
	}
	wantIn(t, "bad id", e.send(admin, "/liaison U1 abc"), "Telegram user id")
	log, err := e.store.UnitsAudit(e.ctx, 10)
	if err != nil || len(log) != 3 || log[0].Action != "liaison" || log[0].Detail != "-4001" || log[2].Action != "newunit" {
		t.Errorf("units audit = %+v, %v", log, err)
	}
}

func TestLiaisonViewIsPaged(t *testing.T) {
	e := withUnits(dongan(t))
	e.community("xiguan", "西关社区")
	for i := 0; i < 10; i++ {
		e.unitMember("xiguan", person{id: int64(6000 + i), name: "Worker " + strconv.Itoa(i)}, "BoD", "U1")
	}
	rs := e.send(liaisonA, "/unit")
	wantIn(t, "page 1", rs, "Members: 10", "Worker 0 (M1)")
	wantNotIn(t, "page 1", rs, "Worker 9 (M10)")
	next := button(t, rs, "›")
	if next.Data != "pg:ul:2:U1" {
		t.Fatalf("next page button = %q", next.Data)
	}
	rs = e.press(liaisonA, next.Data)
	if len(rs) != 1 || !rs[0].Edit || !strings.Contains(rs[0].Text, "Worker 9 (M10)") {
		t.Fatalf("page 2 = %+v", rs)
	}
}
