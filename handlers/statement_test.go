package handlers_test

import (
	"bytes"
	"image"
	_ "image/png"
	"io"
	"net/http"
	"net/http/httptest"
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
	"github.com/lamplighter-bot/lamplighter/web"
)

// statementEnv is dongan with the statements' verify page served by an
// httptest server, whose URL is the public URL of the verify links.
func statementEnv(t *testing.T) (*env, *httptest.Server) {
	t.Helper()
	e := dongan(t)
	ap := app.New(e.store)
	srv := httptest.NewServer(web.New(web.Config{Statements: ap.Statements, Now: func() time.Time { return e.now }, Logger: e.log}))
	t.Cleanup(srv.Close)
	ap.Statements.PublicURL = srv.URL
	e.h = handlers.New(e.store, handlers.Config{Render: report.Renderer{}, App: ap, BotUsername: botName,
		Now: func() time.Time { return e.now }, Logger: e.log})
	return e, srv
}

// qrOf decodes the QR code of the photo in the replies, as a phone would.
func qrOf(t *testing.T, rs []ll.Reply) string {
	t.Helper()
	for _, r := range rs {
		if r.File == nil || !r.File.Photo || r.File.MIME != "image/png" {
			continue
		}
		img, _, err := image.Decode(bytes.NewReader(r.File.Data))
		if err != nil {
			t.Fatalf("the statement's photo is not a PNG: %v", err)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		res, err := decodeQR(bmp)
		if err != nil {
			t.Fatalf("no QR code in the statement's photo: %v", err)
		}
		return res.GetText()
	}
	t.Fatalf("no PNG photo in %q", texts(rs))
	return ""
}

// page GETs url in English and returns its status and body.
func page(t *testing.T, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestStatementCommand(t *testing.T) {
	e, srv := statementEnv(t)
	start := at(2026, 3, 1, 9, 0)
	lamps := e.activity(ll.Activity{Title: "Lamps", Start: start})
	garden := e.activity(ll.Activity{Title: "Garden", Start: start.Add(3 * time.Hour)})
	wantIn(t, "attend", e.send(deputy, "/attend "+lamps.ID+" M3"), "M3")
	wantIn(t, "attend", e.send(deputy, "/attend "+garden.ID+" M3"), "M3")

	rs := e.send(alice, "/statement")
	url := qrOf(t, rs)
	if !strings.HasPrefix(url, srv.URL+"/verify/dongan.") {
		t.Fatalf("QR code = %q, want a verify link under %s", url, srv.URL)
	}
	wantIn(t, "/statement caption", rs, "Your statement of 2026: 2 participations", url)
	if log, err := e.store.AuditLog(e.ctx, "dongan", 1, time.Time{}); err != nil || len(log) != 1 || log[0].Action != "statement" || log[0].Actor != "M3" {
		t.Fatalf("audit after /statement = %+v, %v; want a statement entry by M3", log, err)
	}

	status, body := page(t, url)
	if status != http.StatusOK || !strings.Contains(body, "Valid: this statement still holds.") || !strings.Contains(body, "A*** C***") {
		t.Fatalf("verify page = %d\n%s\nwant 200, valid, the masked name", status, body)
	}
	for _, secret := range []string{strconv.FormatInt(alice.id, 10), "Alice", "Chen", "Bank of China"} {
		if strings.Contains(body, secret) {
			t.Errorf("the verify page shows %q:\n%s", secret, body)
		}
	}

	// A void of a participation behind it: superseded on the day of the void.
	e.now = testNow.Add(24 * time.Hour)
	wantIn(t, "void", e.send(deputy, "/void "+lamps.ID+" M3 was not there"), lamps.ID)
	if status, body := page(t, url); status != http.StatusOK || !strings.Contains(body, "Superseded on 2026-03-03") || strings.Contains(body, "A***") {
		t.Fatalf("verify page after the void = %d\n%s\nwant superseded on 2026-03-03, no name", status, body)
	}

	// A tampered link is refused, with a page and no error text.
	tampered := url[:len(url)-2] + "xx"
	if status, body := page(t, tampered); status != http.StatusBadRequest || !strings.Contains(body, "Not a valid statement link") {
		t.Fatalf("tampered link = %d\n%s\nwant 400 and the refusal page", status, body)
	}

	// A new statement, then /forgetme: withdrawn.
	url2 := qrOf(t, e.send(alice, "/statement 2026"))
	if url2 == url {
		t.Fatalf("after the void /statement gave the same link")
	}
	if status, body := page(t, url2); status != http.StatusOK || !strings.Contains(body, "Valid") {
		t.Fatalf("new statement page = %d\n%s", status, body)
	}
	rs = e.send(alice, "/forgetme")
	e.press(alice, button(t, rs, "Yes").Data)
	status, body = page(t, url2)
	if status != http.StatusOK || !strings.Contains(body, "Withdrawn") || strings.Contains(body, "A***") {
		t.Fatalf("after /forgetme the page = %d\n%s\nwant withdrawn, no name", status, body)
	}
}

func TestStatementCommandRefusals(t *testing.T) {
	e, _ := statementEnv(t)
	wantIn(t, "future year", e.send(alice, "/statement 2031"), "year")
	wantIn(t, "stranger", e.send(stranger, "/statement"), "You are not a registered member")
	wantIn(t, "zh", e.send(lin, "/statement"), "您还不是已报到的党员")
}

func TestStatementCommandWithoutPublicURL(t *testing.T) {
	e := dongan(t)
	rs := e.send(alice, "/statement")
	wantIn(t, "/statement without a public URL", rs, "Online verification is not configured")
	for _, r := range rs {
		if r.File == nil || !r.File.Photo {
			continue
		}
		img, _, err := image.Decode(bytes.NewReader(r.File.Data))
		if err != nil {
			t.Fatal(err)
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		if res, err := qrreader.NewQRCodeReader().Decode(bmp, nil); err == nil {
			t.Fatalf("a certificate without a public URL carries the QR code %q", res.GetText())
		}
		return
	}
	t.Fatalf("no certificate in %q", texts(rs))
}

// TestStatementInGroup: asked in the community group, the certificate goes
// to the member's private chat, never to the group.
func TestStatementInGroup(t *testing.T) {
	e, _ := statementEnv(t)
	files := 0
	for _, r := range e.sendGroup(alice, "/statement") {
		if r.File == nil {
			continue
		}
		files++
		if r.ChatID != alice.id {
			t.Fatalf("the certificate went to chat %d, want alice's private chat %d", r.ChatID, alice.id)
		}
	}
	if files != 1 {
		t.Fatalf("/statement in the group sent %d files, want the certificate", files)
	}
}
