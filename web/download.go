package web

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// Download links for the XLSX export inside Telegram. Telegram's phone apps
// open a Mini App in a web view that saves no file a page builds itself (a
// blob link does nothing there); since Bot API 8.0 the page asks the client
// to download an HTTPS URL (Telegram.WebApp.downloadFile), and the client
// fetches it on its own, without the page's Authorization header. So the
// page first asks for a link (POST /api/export/link, a committee route like
// GET /api/export) and hands the client
// <app>/api/download/<token>: the token is the credential.
//
// A token is sealed with AES-256-GCM under a key derived from the bot token
// (so replicas agree and a new bot token voids every link): it holds the
// Telegram id of whom it was made for, the community, the year typed and
// when it expires (downloadLinkTTL), and nobody can read or change it. It
// names no one in the clear, so a link seen in a log shows no Telegram id. A
// download checks the role again, as of now, through the same services as
// GET /api/export (a secretary removed after asking gets 403), and each
// download is audited as an export via the web app. A link may be used more
// than once until it expires (the client may retry), never after.

// downloadLinkTTL is how long a download link works.
const downloadLinkTTL = 5 * time.Minute

// downloadClaims is what a download token holds.
type downloadClaims struct {
	tg        int64
	community string
	year      string
	expires   time.Time
}

// downloadAEAD is the cipher of download tokens, keyed from the bot token.
func downloadAEAD(botToken string) cipher.AEAD {
	mac := hmac.New(sha256.New, []byte("lamplighter mini app download links"))
	mac.Write([]byte(botToken))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// sealDownload makes the token of c.
func (m *MiniApp) sealDownload(c downloadClaims) string {
	plain := binary.BigEndian.AppendUint64(nil, uint64(c.tg))
	plain = binary.BigEndian.AppendUint64(plain, uint64(c.expires.Unix()))
	plain = append(plain, byte(len(c.community)))
	plain = append(plain, c.community...)
	plain = append(plain, c.year...)
	nonce := make([]byte, m.download.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(m.download.Seal(nonce, nonce, plain, nil))
}

// errBadLink is any token that does not open, or is out of date.
var errBadLink = errors.New("not a download link of this bot, or expired")

// openDownload reads a token made by sealDownload and still good at now.
func (m *MiniApp) openDownload(token string, now time.Time) (downloadClaims, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	ns := m.download.NonceSize()
	if err != nil || len(raw) < ns {
		return downloadClaims{}, errBadLink
	}
	plain, err := m.download.Open(nil, raw[:ns], raw[ns:], nil)
	if err != nil || len(plain) < 17 || len(plain) < 17+int(plain[16]) {
		return downloadClaims{}, errBadLink
	}
	n := int(plain[16])
	c := downloadClaims{
		tg:        int64(binary.BigEndian.Uint64(plain[0:8])),
		expires:   time.Unix(int64(binary.BigEndian.Uint64(plain[8:16])), 0),
		community: string(plain[17 : 17+n]),
		year:      string(plain[17+n:]),
	}
	if !now.Before(c.expires) || c.expires.After(now.Add(downloadLinkTTL+time.Minute)) {
		return downloadClaims{}, errBadLink
	}
	return c, nil
}

// downloadLink is the answer to POST /api/export/link.
type downloadLink struct {
	Path    string `json:"path"` // relative to the API: download/<token>
	Name    string `json:"name"` // the file's name
	Expires string `json:"expires"`
}

// exportLink answers POST /api/export/link?year=: a link to the year's
// export for Telegram's downloadFile, for the committee only (as GET
// /api/export). The year is checked now, so a bad one is refused here, in
// the page, not later in the client's download.
func (m *MiniApp) exportLink(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	typed := q.r.URL.Query().Get("year")
	year, err := app.ParseYear(typed, sc.Now.In(sc.Community.Location()))
	if err != nil {
		return nil, err
	}
	c := downloadClaims{tg: q.actor.TelegramID, community: sc.Community.ID, year: typed, expires: sc.Now.Add(downloadLinkTTL).Truncate(time.Second)}
	return downloadLink{
		Path:    "download/" + m.sealDownload(c),
		Name:    exportName(sc.Community.ID, year),
		Expires: c.expires.UTC().Format(time.RFC3339),
	}, nil
}

// exportName is the export file's name.
func exportName(community string, year int) string {
	return fmt.Sprintf("lamplighter-%s-%d.xlsx", community, year)
}

// downloadExport answers GET /api/download/{token}: the export the token
// was made for, if it is still good and its holder is still on the
// committee of its community; 404 for a token that does not open or has
// expired, the services' refusals otherwise.
func (m *MiniApp) downloadExport(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	now := m.cfg.Now()
	c, err := m.openDownload(r.PathValue("token"), now)
	if err != nil {
		m.writeJSON(w, r, http.StatusNotFound, apiError{Error: "not_found", Detail: "link"})
		return
	}
	r.URL.RawQuery = url.Values{"year": {c.year}}.Encode()
	m.answerAs(w, r, c.tg, now, func(q *request) (any, error) {
		sc, err := m.committee(q)
		if err != nil {
			return nil, err
		}
		if sc.Community.ID != c.community {
			return nil, ll.ErrForbidden // no longer on the committee of the community the link is for
		}
		return m.exportOf(q, sc)
	})
}
