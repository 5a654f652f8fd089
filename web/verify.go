package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/catalog"
)

// The verify page (SPEC section 11): plain HTML, no script, no image, no
// login. What it shows is the least that lets someone holding a
// certificate check it: whether it still holds, and, while it does, the
// member's name masked (enough to match the certificate in hand), the
// community, the year, the counts by kind and by method, the grade and
// the issue date. Never a Telegram id, a unit or a full name; once
// superseded or withdrawn, no name and no counts: only the community, the
// year, the issue date and the status.

// pageCSS is the page's only style, allowed by its hash in the
// Content-Security-Policy.
const pageCSS = `body{font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222;background:#faf6ef;line-height:1.5}
h1{color:#b02a2a;font-size:1.5rem}
.status{padding:.8rem 1rem;border-radius:.4rem;font-weight:600}
.valid{background:#e3f2df;color:#1d5e18}
.superseded{background:#fdf0d5;color:#7a4b00}
.withdrawn,.refused{background:#eee;color:#444}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}
dt{color:#666}
dd{margin:0}
footer{margin-top:2rem;font-size:.85rem;color:#666}
a{color:#b02a2a}`

// contentSecurityPolicy allows nothing but the page's own style.
var contentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

// pageTemplate is every page: a verification or a refusal.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.HTMLLang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{.Title}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<p class="status {{.Class}}">{{.Status}}</p>
{{- if .Facts}}
<dl>
{{- range .Facts}}
<dt>{{.Label}}</dt><dd>{{.Value}}</dd>
{{- end}}
</dl>
{{- end}}
</main>
<footer>
<p>{{.About}}</p>
{{- if .Other}}
<p><a href="?lang={{.OtherLang}}" hreflang="{{.OtherLang}}">{{.Other}}</a></p>
{{- end}}
</footer>
</body>
</html>
`))

// page is what pageTemplate fills in.
type page struct {
	HTMLLang  string
	Title     string
	CSS       template.CSS
	Class     string
	Status    string
	Facts     []fact
	About     string
	Other     string // the link to the page in the other language; "" for none
	OtherLang string
}

type fact struct{ Label, Value string }

// verify serves GET /verify/<token>.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	lang := h.language(r)
	if ok, retry := h.limiter.allow(h.clientAddr(r)); !ok {
		secs := int(math.Ceil(retry.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		h.refuse(w, r, lang, http.StatusTooManyRequests, "verify.limited_title", catalog.Text(lang, "verify.limited", max(secs, 1)))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.refuse(w, r, lang, http.StatusMethodNotAllowed, "verify.invalid_title", catalog.Text(lang, "verify.invalid"))
		return
	}
	token := strings.TrimPrefix(r.URL.Path, "/verify/")
	if token == "" || len(token) > 128 || strings.Contains(token, "/") {
		h.refuse(w, r, lang, http.StatusBadRequest, "verify.invalid_title", catalog.Text(lang, "verify.invalid"))
		return
	}
	v, err := h.cfg.Statements.Verify(r.Context(), token)
	switch ll.ErrorCode(err) {
	case "":
	case ll.EINVALID:
		h.refuse(w, r, lang, http.StatusBadRequest, "verify.invalid_title", catalog.Text(lang, "verify.invalid"))
		return
	case ll.ENOTFOUND:
		h.refuse(w, r, lang, http.StatusNotFound, "verify.notfound_title", catalog.Text(lang, "verify.notfound"))
		return
	default:
		h.log.Error("verify statement", "err", err)
		h.refuse(w, r, lang, http.StatusServiceUnavailable, "verify.error_title", catalog.Text(lang, "verify.error"))
		return
	}
	h.render(w, r, http.StatusOK, verification(v, lang))
}

// verification is the page of a statement that was found.
func verification(v app.Verification, lang string) page {
	t := func(id string, args ...any) string { return catalog.Text(lang, id, args...) }
	loc := v.CommunityZone
	if loc == nil {
		loc = time.UTC
	}
	st := v.Statement
	p := page{Title: t("verify.title"), Class: v.Status}
	community := v.CommunityName
	if community == "" {
		community = st.Community
	}
	switch v.Status {
	case ll.StatementValid:
		p.Status = t("verify.valid")
		p.Facts = append(p.Facts, fact{t("verify.name"), v.Name})
	case ll.StatementSuperseded:
		p.Status = t("verify.superseded")
		if !v.Since.IsZero() {
			p.Status = t("verify.superseded_on", v.Since.In(loc).Format(time.DateOnly))
		}
	default:
		p.Class = "withdrawn"
		p.Status = t("verify.withdrawn")
	}
	p.Facts = append(p.Facts, fact{t("verify.community"), community}, fact{t("verify.year"), strconv.Itoa(st.Year)})
	if v.Status == ll.StatementValid {
		p.Facts = append(p.Facts, fact{t("verify.total"), strconv.Itoa(st.Total())})
		if kinds, order := st.Counts(false); len(order) > 0 {
			p.Facts = append(p.Facts, fact{t("verify.by_kind"), joinCounts(lang, "statement.kind.", kinds, order)})
		}
		if methods, order := st.Counts(true); len(order) > 0 {
			p.Facts = append(p.Facts, fact{t("verify.by_method"), joinCounts(lang, "method.", methods, order)})
		}
		if st.Grade != "" {
			grade := st.Grade // a grade the catalog does not name is shown as given
			if msg, ok := catalog.Lookup(lang, "statement.grade."+st.Grade); ok {
				grade = msg
			}
			p.Facts = append(p.Facts, fact{t("verify.grade"), grade})
		}
	}
	p.Facts = append(p.Facts, fact{t("verify.issued"), st.Issued.In(loc).Format(time.DateOnly)})
	return p
}

// joinCounts is "activities 2 · services 1" of counts, labelled with the
// catalog's prefix+key messages.
func joinCounts(lang, prefix string, n map[string]int, order []string) string {
	l := make([]string, 0, len(order))
	for _, k := range order {
		l = append(l, catalog.Text(lang, prefix+k)+" "+strconv.Itoa(n[k]))
	}
	return strings.Join(l, " · ")
}

// refuse answers with a refusal page: a title and a sentence.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, lang string, status int, title, text string) {
	h.render(w, r, status, page{Title: catalog.Text(lang, title), Class: "refused", Status: text})
}

// render writes p in lang with the page's headers.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p page) {
	lang := h.language(r)
	p.HTMLLang = map[string]string{"zh": "zh-CN", "en": "en"}[lang]
	p.CSS = template.CSS(pageCSS)
	p.About = catalog.Text(lang, "verify.about")
	p.Other = catalog.Text(lang, "verify.other_language")
	p.OtherLang = "en"
	if lang == "en" {
		p.OtherLang = "zh"
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		h.log.Error("verify page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Language", lang)
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Vary", "Accept-Language")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// language is the page's language: the lang query parameter when it is zh
// or en, else the first of zh and en in Accept-Language by quality, else
// the default.
func (h *Handler) language(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "zh" || l == "en" {
		return l
	}
	best, bestQ := "", 0.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (base == "zh" || base == "en") && q > bestQ {
			best, bestQ = base, q
		}
	}
	if best != "" {
		return best
	}
	return h.cfg.DefaultLanguage
}
