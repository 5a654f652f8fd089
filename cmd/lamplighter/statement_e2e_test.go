package main

import (
	"bytes"
	"image"
	_ "image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	qrreader "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

func TestPublicURLConfig(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string // PublicURL after Validate, or the variable named by the error
		err  bool
	}{
		{map[string]string{}, "", false},
		{map[string]string{"LAMPLIGHTER_PUBLIC_URL": "https://bot.example.org/"}, "https://bot.example.org", false},
		{map[string]string{"LAMPLIGHTER_PUBLIC_URL": "https://bot.example.org/ll/"}, "https://bot.example.org/ll", false},
		{map[string]string{"LAMPLIGHTER_WEBAPP_URL": "https://bot.example.org/app"}, "https://bot.example.org", false},
		{map[string]string{"LAMPLIGHTER_WEBAPP_URL": "https://a.example.org/app", "LAMPLIGHTER_PUBLIC_URL": "https://b.example.org"}, "https://b.example.org", false},
		{map[string]string{"LAMPLIGHTER_PUBLIC_URL": "http://127.0.0.1:8090"}, "http://127.0.0.1:8090", false},
		{map[string]string{"LAMPLIGHTER_PUBLIC_URL": "http://localhost:8090"}, "http://localhost:8090", false},
		{map[string]string{"LAMPLIGHTER_PUBLIC_URL": "http://bot.example.org"}, "LAMPLIGHTER_PUBLIC_URL (--public-url)", true},
		{map[string]string{"LAMPLIGHTER_PUBLIC_URL": "bot.example.org"}, "LAMPLIGHTER_PUBLIC_URL", true},
		{map[string]string{"LAMPLIGHTER_PUBLIC_URL": "https://bot.example.org/?x=1"}, "LAMPLIGHTER_PUBLIC_URL", true},
		{map[string]string{"LAMPLIGHTER_PUBLIC_URL": "https://u:p@bot.example.org"}, "LAMPLIGHTER_PUBLIC_URL", true},
		{map[string]string{"LAMPLIGHTER_PUBLIC_URL": "ftp://bot.example.org"}, "LAMPLIGHTER_PUBLIC_URL", true},
		{map[string]string{"LAMPLIGHTER_WEBAPP_URL": "http://bot.example.org/app"}, "LAMPLIGHTER_WEBAPP_URL", true},
		{map[string]string{"LAMPLIGHTER_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1"}, "", false},
		{map[string]string{"LAMPLIGHTER_TRUSTED_PROXIES": "10.0.0.0/8,proxy"}, "LAMPLIGHTER_TRUSTED_PROXIES", true},
	} {
		c := configFromEnv(func(k string) string { return tc.env[k] })
		err := c.Validate(false)
		switch {
		case tc.err && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Validate(%v) = %v, want an error naming %s", tc.env, err, tc.want)
		case !tc.err && (err != nil || c.PublicURL != tc.want):
			t.Errorf("Validate(%v): PublicURL %q, %v; want %q", tc.env, c.PublicURL, err, tc.want)
		}
	}
	c := configFromEnv(func(k string) string {
		return map[string]string{"LAMPLIGHTER_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1"}[k]
	})
	if err := c.Validate(false); err != nil || len(c.TrustedProxies) != 2 || c.TrustedProxies[1].String() != "192.0.2.1/32" {
		t.Errorf("TrustedProxies = %v, %v", c.TrustedProxies, err)
	}
	code, _, stderr := runCmd(t, map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "LAMPLIGHTER_PUBLIC_URL": "http://bot.example.org"}, "", "run")
	if code != 2 || !strings.Contains(stderr, "LAMPLIGHTER_PUBLIC_URL") {
		t.Errorf("run with a bad public URL: exit %d, stderr %q", code, stderr)
	}
}

// getPage GETs a verify link from the running bot's listen address.
func getPage(t *testing.T, r *botRun, link string) (int, string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("verify link %q: %v", link, err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+r.addr+u.Path, nil)
	req.Header.Set("Accept-Language", "zh-CN")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestStatementEndToEnd: "lamplighter run" sends /statement's certificate
// as a photo whose QR code is a verify link under LAMPLIGHTER_PUBLIC_URL
// (with a path), served on LAMPLIGHTER_LISTEN; the operator rotates the
// signing key (old links still verify) and retires the old one (then they
// are refused).
func TestStatementEndToEnd(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	tg := telegramtest.NewServer(t)
	r := startBot(t, e, tg, map[string]string{"LAMPLIGHTER_PUBLIC_URL": "https://verify.example.org/ll"})
	const member = 20002

	photo := say(t, tg, member, "/statement", "2026")
	if photo.Method != "sendPhoto" || len(photo.File) == 0 {
		t.Fatalf("/statement answered with %s %q, want a photo", photo.Method, photo.Text)
	}
	img, _, err := image.Decode(bytes.NewReader(photo.File))
	if err != nil {
		t.Fatalf("the photo is not a PNG: %v", err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := decodeQR(bmp)
	if err != nil {
		t.Fatalf("no QR code in the certificate: %v", err)
	}
	link := res.GetText()
	if !strings.HasPrefix(link, "https://verify.example.org/ll/verify/dongan.1.") || !strings.Contains(photo.Text, link) {
		t.Fatalf("QR code %q (caption %q), want a verify link under the public URL, also in the caption", link, photo.Text)
	}

	status, body := getPage(t, r, link)
	if status != http.StatusOK || !strings.Contains(body, "有效") || !strings.Contains(body, "王*") {
		t.Fatalf("GET %s = %d\n%s\nwant the valid statement", link, status, body)
	}
	for _, secret := range []string{"20002", "王芳", "第一小学"} {
		if strings.Contains(body, secret) {
			t.Errorf("the verify page shows %q", secret)
		}
	}
	repl := "A"
	if strings.HasSuffix(link, "A") {
		repl = "B"
	}
	if status, body := getPage(t, r, link[:len(link)-1]+repl); status != http.StatusBadRequest || !strings.Contains(body, "不是有效的证明链接") {
		t.Errorf("tampered link = %d\n%s\nwant 400 and the refusal page", status, body)
	}

	out := e.mustRun("statements", "rotate-key")
	if !strings.Contains(out, "key 2 is current") {
		t.Fatalf("statements rotate-key printed %q", out)
	}
	if status, _ := getPage(t, r, link); status != http.StatusOK {
		t.Fatalf("after rotate-key the old link = %d, want 200", status)
	}
	if out := e.mustRun("statements", "keys"); !strings.Contains(out, "1\t") || !strings.Contains(out, "2\t") || !strings.Contains(out, "current") {
		t.Fatalf("statements keys printed %q", out)
	}
	if code, _, stderr := e.run("", "statements", "retire-key", "2"); code != 1 || !strings.Contains(stderr, "current") {
		t.Fatalf("retire-key of the current key: exit %d, stderr %q", code, stderr)
	}
	e.mustRun("statements", "retire-key", "1")
	if status, body := getPage(t, r, link); status != http.StatusBadRequest || !strings.Contains(body, "不是有效的证明链接") {
		t.Fatalf("after retire-key 1 the old link = %d\n%s\nwant 400", status, body)
	}
	if code, _, _ := e.run("", "statements", "retire-key"); code != 2 {
		t.Fatalf("retire-key without an id: exit %d, want 2", code)
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
