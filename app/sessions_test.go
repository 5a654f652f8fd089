package app_test

import (
	"testing"

	"github.com/lamplighter-bot/lamplighter/app"
)

// TestSessionsActor: the web app's caller is read from the user record of
// the Telegram id, as the chat reads an update's sender; the committee
// check then works on it like on the chat's.
func TestSessionsActor(t *testing.T) {
	f := newFixture(t)
	a, err := f.app.Sessions.Actor(f.ctx, 1, false, app.ChannelWebApp, f.now)
	if err != nil || a.TelegramID != 1 || a.Self().MemberID != "M1" || a.Channel != app.ChannelWebApp || !a.Now.Equal(f.now) {
		t.Fatalf("Actor(1) = %+v, %v; want M1 through the web app", a, err)
	}
	sc, err := f.app.Access.Committee(f.ctx, a)
	if err != nil || sc.Community.ID != "elm" || sc.Actor != "M1" {
		t.Errorf("Committee(web app actor M1) = %+v, %v", sc, err)
	}
	if e := sc.Audit("approve", "S1", ""); e.Detail != "via webapp" {
		t.Errorf("audit detail = %q, want via webapp", e.Detail)
	}
	stranger, err := f.app.Sessions.Actor(f.ctx, 999, false, app.ChannelWebApp, f.now)
	if err != nil || stranger.IsMember() {
		t.Errorf("Actor(999) = %+v, %v; want no membership", stranger, err)
	}
	if _, err := f.app.Access.Committee(f.ctx, stranger); err == nil {
		t.Errorf("a stranger passed the committee check")
	}
}

// TestSessionsLanguage: the user's /lang, then the member's language, then
// the client's language code, then the community's, then the default.
func TestSessionsLanguage(t *testing.T) {
	f := newFixture(t) // elm speaks en
	lang := func(tg int64, hint string) string {
		t.Helper()
		a, err := f.app.Sessions.Actor(f.ctx, tg, false, app.ChannelWebApp, f.now)
		if err != nil {
			t.Fatal(err)
		}
		return f.app.Sessions.Language(f.ctx, a, nil, hint, "zh")
	}
	if got := lang(3, ""); got != "en" {
		t.Errorf("member without a language, no hint = %q, want the community's en", got)
	}
	if got := lang(3, "zh-hans"); got != "zh" {
		t.Errorf("member with Telegram zh-hans = %q, want zh", got)
	}
	if err := f.store.SetUserLanguage(f.ctx, 3, "en"); err != nil {
		t.Fatal(err)
	}
	if got := lang(3, "zh-hans"); got != "en" {
		t.Errorf("member who chose en, Telegram zh = %q, want en", got)
	}
	if got := lang(999, "fr"); got != "zh" {
		t.Errorf("stranger speaking fr = %q, want the default zh", got)
	}
}
