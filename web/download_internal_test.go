package web

import (
	"strings"
	"testing"
	"time"
)

// TestDownloadLinks: a link opens to what it was made for until it
// expires, and not a second later; a changed token, another bot's token, a
// token made far in the future and garbage open to nothing.
func TestDownloadLinks(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	m := &MiniApp{download: downloadAEAD("123:token")}
	c := downloadClaims{tg: 987654321, community: "dongan", year: "2026", expires: now.Add(downloadLinkTTL)}
	tok := m.sealDownload(c)
	if strings.Contains(tok, "987654321") || strings.Contains(tok, "dongan") {
		t.Errorf("token %q shows what it holds", tok)
	}
	for _, at := range []time.Time{now, now.Add(downloadLinkTTL - time.Second)} {
		got, err := m.openDownload(tok, at)
		if err != nil || got.tg != c.tg || got.community != c.community || got.year != c.year || !got.expires.Equal(c.expires) {
			t.Errorf("open at %v = %+v, %v; want %+v", at, got, err, c)
		}
	}
	if _, err := m.openDownload(tok, now.Add(downloadLinkTTL)); err == nil {
		t.Errorf("the link opened when it expired")
	}
	if m.sealDownload(c) == tok {
		t.Errorf("two links for the same export are the same token: no fresh nonce")
	}
	other := &MiniApp{download: downloadAEAD("123:another")}
	if _, err := other.openDownload(tok, now); err == nil {
		t.Errorf("another bot token opened the link")
	}
	far := m.sealDownload(downloadClaims{tg: 1, community: "dongan", expires: now.Add(24 * time.Hour)})
	if _, err := m.openDownload(far, now); err == nil {
		t.Errorf("a link good for a day opened: links are made for %v", downloadLinkTTL)
	}
	raw := []byte(tok)
	for i := range raw {
		changed := append([]byte(nil), raw...)
		changed[i] = map[bool]byte{true: 'B', false: 'A'}[changed[i] == 'A']
		if _, err := m.openDownload(string(changed), now); err == nil {
			t.Fatalf("the token changed at %d opened", i)
		}
	}
	for _, bad := range []string{"", "x", "!!!!", strings.Repeat("A", 40), tok[:len(tok)-2]} {
		if _, err := m.openDownload(bad, now); err == nil {
			t.Errorf("openDownload(%q) opened", bad)
		}
	}
}
