package handlers_test

import (
	"strconv"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Every update reads only the user record: its membership pointer and the
// snapshot of that membership say who the caller is. The hot commands
// (/claim, /unclaim, their buttons, /checkin <code>, /start ci_<code>, /me)
// act straight through the pointer, the Store's one script checking the
// member; the others read the member record where they need it. These
// tests pin that a stale or forged pointer acts for nobody, whichever way.

// setPointer points Telegram user p at member id of dongan, with a reply
// language and a membership snapshot, as a stale or forged user record
// would.
func (e *env) setPointer(p person, id string) {
	e.t.Helper()
	key := e.prefix + "{u:" + strconv.FormatInt(p.id, 10) + "}:user"
	if err := e.rdb.HSet(e.ctx, key, "m", "dongan/"+id, "lang", "en", "r", "").Err(); err != nil {
		e.t.Fatal(err)
	}
}

// setOldPointer is setPointer as a version before membership snapshots
// wrote the record: a pointer without a snapshot.
func (e *env) setOldPointer(p person, id string) {
	e.t.Helper()
	e.setPointer(p, id)
	key := e.prefix + "{u:" + strconv.FormatInt(p.id, 10) + "}:user"
	if err := e.rdb.HDel(e.ctx, key, "r").Err(); err != nil {
		e.t.Fatal(err)
	}
}

func TestStalePointerNeverActsForSomeoneElse(t *testing.T) {
	t.Run("snapshot", func(t *testing.T) { testStalePointer(t, (*env).setPointer) })
	t.Run("old record", func(t *testing.T) { testStalePointer(t, (*env).setOldPointer) })
}

func testStalePointer(t *testing.T, setPointer func(*env, person, string)) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Street lamps"})
	a := e.activity(ll.Activity{Start: e.now, Location: &gate})
	if _, _, err := e.store.Claim(e.ctx, "dongan", "P1", "M3", e.now); err != nil {
		t.Fatal(err)
	}
	// stranger's record points at alice's membership (M3), mou's at no
	// member, bob's at his own membership, which he left.
	setPointer(e, stranger, "M3")
	setPointer(e, mou, "M99")
	if err := e.store.RemoveMember(e.ctx, "dongan", "M4", e.now, nil); err != nil {
		t.Fatal(err)
	}
	setPointer(e, bob, "M4")

	before := e.snapshot()
	for _, p := range []person{stranger, mou, bob} {
		for _, cmd := range []string{"/claim P1", "/unclaim P1", "/checkin " + a.Code, "/me",
			"/profile unit Bank", "/signup " + a.ID, "/withdraw " + a.ID, "/forgetme", "/log today swept the yard"} {
			rs := e.send(p, cmd)
			wantIn(t, cmd, rs, "You are not a registered member")
			wantNotIn(t, cmd, rs, "Alice", "Bob", "Bank of China", "P1", "A1")
		}
		wantIn(t, "deep link", e.send(p, "/start ci_"+a.Code), "To check in you need to be registered first")
		rs := e.press(p, "c:P1")
		if len(rs) != 1 || rs[0].Text != "" || rs[0].CallbackAnswer == "" {
			t.Errorf("[Claim] pressed on a stale pointer = %+v, want only a toast", rs)
		}
	}
	e.unchanged("requests on stale pointers", before)
	if n := e.countsFor("M3", "A1"); n != 0 {
		t.Errorf("M3 has %d participations in A1, want 0", n)
	}
}

func TestHotCommandsMarkReachable(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Street lamps"})
	a := e.activity(ll.Activity{Start: e.now, Location: &gate})
	for _, cmd := range []string{"/claim P1", "/unclaim P1", "/checkin " + a.Code, "/me", "/start ci_" + a.Code} {
		if err := e.store.SetReachable(e.ctx, alice.id, false); err != nil {
			t.Fatal(err)
		}
		e.send(alice, cmd)
		if m := e.storedMember("dongan", alice); m.Unreachable {
			t.Errorf("alice still unreachable after %s", cmd)
		}
	}
	if err := e.store.SetReachable(e.ctx, alice.id, false); err != nil {
		t.Fatal(err)
	}
	e.press(alice, "c:P1")
	if m := e.storedMember("dongan", alice); m.Unreachable {
		t.Errorf("alice still unreachable after pressing [Claim]")
	}
}

// A user record without a language (written before Register stored the
// member's language there) takes the longer way, reading the member, and
// answers in the member's language as before.
func TestHotCommandsWithoutUserLanguage(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Street lamps"})
	zhang := person{id: 2010, name: "张伟", lang: "zh"}
	e.member("dongan", zhang, ll.RoleNone, "Bank", "3")
	if err := e.rdb.HDel(e.ctx, e.prefix+"{u:2010}:user", "lang").Err(); err != nil {
		t.Fatal(err)
	}
	zhang.lang = "en" // the Telegram client now says English; the member chose Chinese
	wantIn(t, "/claim", e.send(zhang, "/claim P1"), "P1")
	rs := e.send(zhang, "/claim P1")
	wantIn(t, "/claim again", rs, "您已经认领了")
	wantIn(t, "/me", e.send(zhang, "/me"), "东安社区")
}

// The check-in reply's standing line comes from the check-in's own script:
// it counts this check-in and the posts held now.
func TestCheckInReplyShowsStanding(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Street lamps"})
	if _, _, err := e.store.Claim(e.ctx, "dongan", "P1", "M3", e.now); err != nil {
		t.Fatal(err)
	}
	a1 := e.activity(ll.Activity{Start: e.now.Add(-time.Hour)})
	a2 := e.activity(ll.Activity{Start: e.now})
	wantIn(t, "first", e.send(alice, "/checkin "+a1.Code), "2026: <b>1/2</b>", "posts 1/1", "not yet compliant")
	wantIn(t, "second", e.send(alice, "/checkin "+a2.Code), "2026: <b>2/2</b>", "posts 1/1", "✅ compliant")
	wantIn(t, "bob", e.send(bob, "/start ci_"+a2.Code), "2026: <b>1/2</b>", "posts 0/1")
}
