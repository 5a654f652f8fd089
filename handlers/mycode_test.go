package handlers_test

import (
	"bytes"
	"image"
	_ "image/png"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	qrreader "github.com/makiuchi-d/gozxing/qrcode"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/report"
)

// TestMyCode: /mycode answers a member with a photo of their personal
// check-in code's QR, which an organizer's scan accepts once; a stranger
// is told to register.
func TestMyCode(t *testing.T) {
	e := newEnv(t)
	e.community("dongan", "Dongan")
	e.member("dongan", secretary, ll.RoleSecretary, "", "")
	m := e.member("dongan", alice, "", "", "")
	rs := e.send(alice, "/mycode")
	if len(rs) != 1 || rs[0].File == nil || !rs[0].File.Photo || !strings.Contains(rs[0].Text, m.ID) {
		t.Fatalf("/mycode = %+v, want one photo naming %s", rs, m.ID)
	}
	img, _, err := image.Decode(bytes.NewReader(rs[0].File.Data))
	if err != nil {
		t.Fatalf("the photo is no image: %v", err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := decodeQR(bmp)
	if err != nil {
		t.Fatalf("no QR code in the photo: %v", err)
	}
	code := res.GetText()
	if !strings.HasPrefix(code, "LLS1.dongan."+m.ID+".") {
		t.Fatalf("the QR holds %q, want alice's personal code", code)
	}
	// The code scans once, by the secretary, for an activity whose check-in is open.
	a, err := e.store.CreateActivity(e.ctx, ll.Activity{Community: "dongan", Title: "Lamps", Start: e.now.Add(5 * time.Minute),
		End: e.now.Add(time.Hour), CreatedBy: "M1", Created: e.now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(e.store)
	u, _ := e.store.User(e.ctx, secretary.id)
	ac := app.Actor{TelegramID: secretary.id, User: u, Channel: app.ChannelWebApp, Now: e.now}
	if s, err := svc.Scans.Scan(e.ctx, ac, a.ID, code); err != nil || !s.Changed || s.Member.ID != m.ID {
		t.Fatalf("Scan(alice's /mycode) = %+v, %v", s, err)
	}
	if _, err := svc.Scans.Scan(e.ctx, ac, a.ID, code); ll.ErrorDetail(err) != ll.ReasonScanUsed {
		t.Fatalf("Scan(the same code again) = %v, want scan_used", err)
	}
	if rs := e.send(stranger, "/mycode"); len(rs) != 1 || rs[0].File != nil {
		t.Fatalf("/mycode by a stranger = %+v, want a refusal without a code", rs)
	}
}

// TestAppMenuForLeaders: a member made a team's leader is given the Mini
// App as their menu button with the member's commands ("member+app"), and
// so is their /help from then on; a plain member's /help keeps the member
// menu.
func TestAppMenuForLeaders(t *testing.T) {
	e := newEnv(t)
	e.community("dongan", "Dongan")
	e.member("dongan", secretary, ll.RoleSecretary, "", "")
	m := e.member("dongan", alice, "", "", "")
	e.member("dongan", bob, "", "", "")
	team := e.team("dongan", "Lamps")
	if rs := e.send(alice, "/help"); rs[0].SetMenu != "member" {
		t.Fatalf("/help by a plain member sets menu %q, want member", rs[0].SetMenu)
	}
	rs := e.send(secretary, "/leader "+team.ID+" "+m.ID)
	told := false
	for _, r := range rs {
		if r.ChatID == alice.id {
			told = true
			if r.SetMenu != "member+app" {
				t.Errorf("the new leader's notice sets menu %q, want member+app", r.SetMenu)
			}
		}
	}
	if !told {
		t.Fatalf("/leader = %+v: the new leader was not told", rs)
	}
	if rs := e.send(alice, "/help"); rs[0].SetMenu != "member+app" {
		t.Errorf("/help by a team leader sets menu %q, want member+app", rs[0].SetMenu)
	}
	if rs := e.send(bob, "/help"); rs[0].SetMenu != "member" {
		t.Errorf("/help by another member sets menu %q, want member", rs[0].SetMenu)
	}
	if rs := e.send(secretary, "/help"); rs[0].SetMenu != "committee" {
		t.Errorf("/help by the secretary sets menu %q, want committee", rs[0].SetMenu)
	}
}

// TestAppMenuForLiaisons: a person made a unit's liaison is told with the
// Mini App as their menu button ("member+app"), a committee member keeps
// theirs, and a liaison's /help keeps the app's button.
func TestAppMenuForLiaisons(t *testing.T) {
	e := newEnv(t, admin.id)
	e.community("dongan", "Dongan")
	e.member("dongan", secretary, ll.RoleSecretary, "", "")
	e.member("dongan", alice, "", "", "")
	e.send(admin, "/newunit People's Bank")
	menuOf := func(rs []ll.Reply, to int64) (string, bool) {
		for _, r := range rs {
			if r.ChatID == to {
				return r.SetMenu, true
			}
		}
		return "", false
	}
	if menu, ok := menuOf(e.send(admin, "/liaison U1 "+strconv.FormatInt(alice.id, 10)), alice.id); !ok || menu != "member+app" {
		t.Errorf("the new liaison's notice: told %v, menu %q; want member+app", ok, menu)
	}
	if menu, ok := menuOf(e.send(admin, "/liaison U1 "+strconv.FormatInt(secretary.id, 10)), secretary.id); !ok || menu != "" {
		t.Errorf("the secretary made liaison: told %v, menu %q; want told, the committee menu left alone", ok, menu)
	}
	if rs := e.send(alice, "/help"); rs[0].SetMenu != "member+app" {
		t.Errorf("/help by a liaison sets menu %q, want member+app", rs[0].SetMenu)
	}
}

// TestReportAppButton: with an HTTPS Mini App, /report's message carries a
// web_app button to the app's committee overview.
func TestReportAppButton(t *testing.T) {
	e := newEnv(t)
	e.h = handlers.New(e.store, handlers.Config{Render: report.Renderer{}, BotUsername: botName, Now: func() time.Time { return e.now },
		Logger: e.log, WebAppURL: "https://bot.example.org/app"})
	e.community("dongan", "Dongan")
	e.member("dongan", secretary, ll.RoleSecretary, "", "")
	rs := e.send(secretary, "/report")
	if len(rs) == 0 || len(rs[0].Buttons) != 1 || len(rs[0].Buttons[0]) != 1 || rs[0].Buttons[0][0].WebApp != "https://bot.example.org/app?page=overview" {
		t.Fatalf("/report's first reply buttons = %+v, want one web_app button to ?page=overview", rs[0].Buttons)
	}
	if rs := e.send(alice, "/report"); len(rs) > 0 && len(rs[0].Buttons) > 0 {
		t.Errorf("/report by a stranger carries buttons: %+v", rs[0].Buttons)
	}
}

// decodeQR reads the QR code in bmp as a phone's scanner would try:
// plainly, then harder, then as a code alone in its image (gozxing's
// plain detector misses a few percent of generated codes, whose content
// here is random).
func decodeQR(bmp *gozxing.BinaryBitmap) (*gozxing.Result, error) {
	r := qrreader.NewQRCodeReader()
	res, err := r.Decode(bmp, nil)
	for _, hint := range []gozxing.DecodeHintType{gozxing.DecodeHintType_TRY_HARDER, gozxing.DecodeHintType_PURE_BARCODE} {
		if err == nil {
			break
		}
		res, err = r.Decode(bmp, map[gozxing.DecodeHintType]interface{}{hint: true})
	}
	return res, err
}
