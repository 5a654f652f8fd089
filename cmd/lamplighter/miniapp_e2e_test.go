package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-telegram/bot/models"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/lamplighter-bot/lamplighter/web/browsertest"
	"github.com/lamplighter-bot/lamplighter/web/initdata"
)

// The people of the Mini App tests (setupDistrict and miniAppDistrict).
const (
	maSecretary  = 10001 // M1 of dongan, secretary
	maMember     = 20002 // M2 of dongan, a plain member
	maOtherSec   = 30001 // M1 of xiyuan, its secretary
	maStranger   = 40004 // registered nowhere
	maDeputyName = "Zhang Wei"
)

// miniApp is "lamplighter run" serving the Mini App at
// LAMPLIGHTER_WEBAPP_URL=http://127.0.0.1:<port>/app.
type miniApp struct {
	*botRun
	base string // http://127.0.0.1:<port>/app
}

// freeLoopbackPort returns a loopback port that was free a moment ago.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startMiniApp runs the bot with the Mini App on a loopback port.
func startMiniApp(t *testing.T, e *testEnv, tg *telegramtest.Server, env map[string]string) *miniApp {
	t.Helper()
	port := freeLoopbackPort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d/app", port)
	all := map[string]string{"LAMPLIGHTER_LISTEN": fmt.Sprintf("127.0.0.1:%d", port), "LAMPLIGHTER_WEBAPP_URL": base}
	for k, v := range env {
		all[k] = v
	}
	return &miniApp{botRun: startBot(t, e, tg, all), base: base}
}

// miniAppDistrict is setupDistrict plus a second community, xiyuan, with a
// secretary of its own, and a service record S1 of M2 awaiting approval in
// dongan.
func miniAppDistrict(t *testing.T, e *testEnv) {
	t.Helper()
	setupDistrict(t, e)
	e.mustRun("community", "add", "--id", "xiyuan", "--name", "西园社区")
	e.mustRun("members", "import", "--community", "xiyuan", writeFile(t, "x.csv",
		"telegram_id,name,unit,building,skills,role\n30001,赵刚,区法院,9栋,法律咨询,secretary\n"))
	logService(t, e, "M2", "修好了19栋的32盏路灯")
}

// logService stores a pending service record of member in dongan.
func logService(t *testing.T, e *testEnv, member, text string) ll.ServiceRecord {
	t.Helper()
	r, err := e.st.LogService(context.Background(), ll.ServiceRecord{Community: "dongan", Member: member, Text: text,
		Date: testNow.Format(time.DateOnly), Status: ll.ServicePending, Created: testNow})
	if err != nil {
		t.Fatalf("LogService: %v", err)
	}
	return r
}

// signed is initData for Telegram user tg, signed with token at authDate.
func signed(tg int64, lang, token string, authDate time.Time) string {
	return initdata.Sign(url.Values{
		"user":     {initdata.UserField(initdata.User{ID: tg, FirstName: fmt.Sprint("user", tg), LanguageCode: lang})},
		"query_id": {"AAH" + fmt.Sprint(tg)},
	}, token, authDate)
}

// apiCall makes one API request with Authorization: tma <initData> (none
// when initData is empty) and returns the status and the decoded body.
func apiCall(t *testing.T, method, u, initData string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if initData != "" {
		req.Header.Set("Authorization", "tma "+initData)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s = %d, body %q is not a JSON object", method, u, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// TestMiniAppRefusals calls every API route as every kind of wrong caller
// against the real binary: no initData, forged (another token), expired,
// a plain member, a stranger and another community's secretary. Each is
// refused (401, 403, or 404 for what is not in the caller's own community)
// and nothing changes: the record stays pending, no participation, no
// audit entry. Then the secretary approves through the API, twice: the
// second answers the same and the ledger holds it once.
func TestMiniAppRefusals(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	miniAppDistrict(t, e)
	tg := telegramtest.NewServer(t)
	r := startMiniApp(t, e, tg, nil)
	api := r.base + "/api/"
	auditBefore, err := e.st.AuditLog(ctx, "dongan", 1000, time.Time{})
	if err != nil {
		t.Fatal(err)
	}

	type route struct{ method, path string }
	routes := []route{
		{"GET", "me"}, {"GET", "members"}, {"GET", "members?q=王"}, {"GET", "members/M2"}, {"GET", "members/M1"},
		{"GET", "approvals"}, {"POST", "approvals/S1/approve"}, {"POST", "approvals/S1/reject"},
		// The committee's pages of miniapp_committee_test.go.
		{"GET", "overview"}, {"GET", "overview?light=red&sort=total&offset=1"}, {"GET", "activities"},
		{"GET", "activities/A1/roster"}, {"POST", "activities/A1/present"}, {"GET", "export"}, {"POST", "export/link"}, {"GET", "needs"},
		{"POST", "needs/N1/decline"}, {"POST", "needs/N1/approve"},
		// The needs board's publish and release, the taker's done
		// (miniapp_needs_test.go): N1 is new and nobody took it, so even
		// the member's own route refuses them (not_taker).
		{"POST", "needs/N1/publish"}, {"POST", "needs/N1/release"}, {"POST", "needs/N1/done"},
	}
	refusalActivity(t, e)
	committeeOnly := func(rt route) bool { return rt.path != "me" }
	callers := []struct {
		name     string
		initData string
		want     func(route) []int // acceptable statuses
	}{
		{"no initData", "", func(route) []int { return []int{401} }},
		{"forged", signed(maSecretary, "zh", "123:forged-token", testNow), func(route) []int { return []int{401} }},
		{"expired", signed(maSecretary, "zh", tg.Token, testNow.Add(-2*time.Hour)), func(route) []int { return []int{401} }},
		{"future", signed(maSecretary, "zh", tg.Token, testNow.Add(time.Hour)), func(route) []int { return []int{401} }},
		{"member", signed(maMember, "zh", tg.Token, testNow), func(rt route) []int {
			if committeeOnly(rt) {
				return []int{403}
			}
			return []int{200}
		}},
		{"stranger", signed(maStranger, "en", tg.Token, testNow), func(rt route) []int {
			if committeeOnly(rt) {
				return []int{403}
			}
			return []int{200}
		}},
		{"other community's secretary", signed(maOtherSec, "zh", tg.Token, testNow), func(rt route) []int {
			switch {
			case rt.path == "me" || rt.path == "approvals" || strings.HasPrefix(rt.path, "members?") || rt.path == "members",
				strings.HasPrefix(rt.path, "overview") || rt.path == "activities" || rt.path == "export" || rt.path == "export/link" || rt.path == "needs":
				return []int{200} // their own community's
			case rt.path == "members/M1":
				return []int{200} // xiyuan's M1: themselves, not dongan's secretary
			}
			return []int{403, 404} // dongan's M2 and S1 are not in xiyuan
		}},
	}
	for _, c := range callers {
		for _, rt := range routes {
			var body any
			switch {
			case strings.HasSuffix(rt.path, "/reject") || strings.HasSuffix(rt.path, "/decline"):
				body = map[string]string{"reason": "不属实"}
			case strings.HasSuffix(rt.path, "/publish"):
				body = map[string]any{"helpers": 1, "again": true}
			case strings.HasSuffix(rt.path, "/done"):
				body = map[string]string{"note": "好了"}
			}
			status, out := apiCallAny(t, rt.method, api+rt.path, c.initData, body)
			want := c.want(rt)
			ok := false
			for _, w := range want {
				ok = ok || status == w
			}
			if !ok {
				t.Errorf("%s: %s %s = %d %v, want one of %v", c.name, rt.method, rt.path, status, out, want)
			}
			if status >= 400 && out["error"] == nil {
				t.Errorf("%s: %s %s = %d without an error code: %v", c.name, rt.method, rt.path, status, out)
			}
			// Whatever the answer, nobody else's data: the member sees only
			// M2, the other secretary only xiyuan.
			js, _ := json.Marshal(out)
			switch c.name {
			case "member":
				if strings.Contains(string(js), "李秀兰") {
					t.Errorf("member: %s %s leaks the secretary's record: %s", rt.method, rt.path, js)
				}
			case "other community's secretary":
				if strings.Contains(string(js), "王芳") || strings.Contains(string(js), "李秀兰") || strings.Contains(string(js), "路灯") {
					t.Errorf("xiyuan's secretary: %s %s leaks dongan's data: %s", rt.method, rt.path, js)
				}
			case "no initData", "forged", "expired", "future":
				if len(out) != 1 || out["error"] != "unauthorized" {
					t.Errorf("%s: %s %s answered %s, want only {\"error\":\"unauthorized\"}", c.name, rt.method, rt.path, js)
				}
			}
		}
	}
	// The member's own card is theirs, with their standing.
	_, mine := apiCall(t, "GET", api+"me", signed(maMember, "zh", tg.Token, testNow), nil)
	if m, _ := mine["member"].(map[string]any); m == nil || m["id"] != "M2" || mine["committee"] != nil || mine["lang"] != "zh" {
		t.Errorf("GET me as the member = %v, want their own card M2, no committee, lang zh", mine)
	}
	// A language chosen in the chat (/lang) wins over Telegram's.
	say(t, tg, maOtherSec, "/lang en", "")
	if _, out := apiCall(t, "GET", api+"me", signed(maOtherSec, "zh", tg.Token, testNow), nil); out["lang"] != "en" {
		t.Errorf("GET me after /lang en = %v, want lang en", out)
	}
	// The language follows Telegram's language_code when the user chose none.
	if _, out := apiCall(t, "GET", api+"me", signed(maStranger, "en-GB", tg.Token, testNow), nil); out["lang"] != "en" || out["member"] != nil {
		t.Errorf("GET me as an English-speaking stranger = %v, want lang en and no card", out)
	}

	// No effect.
	rec, err := e.st.ServiceRecord(ctx, "dongan", "S1")
	if err != nil || rec.Status != ll.ServicePending {
		t.Fatalf("S1 after the refusals = %+v, %v; want pending", rec, err)
	}
	if ps, _ := e.st.Participations(ctx, "dongan", "M2"); len(ps) != 0 {
		t.Errorf("M2's participations after the refusals = %+v, want none", ps)
	}
	if n, err := e.st.Need(ctx, "dongan", "N1"); err != nil || n.Status != ll.NeedNew || n.Round != 0 || len(n.Takers) != 0 {
		t.Errorf("N1 after the refusals = %+v, %v; want new, never published", n, err)
	}
	auditAfter, _ := e.st.AuditLog(ctx, "dongan", 1000, time.Time{})
	if len(auditAfter) != len(auditBefore) {
		t.Errorf("dongan's audit log grew from %d to %d entries on refusals: %+v", len(auditBefore), len(auditAfter), auditAfter)
	}

	// The secretary approves; a double tap answers the same.
	sec := signed(maSecretary, "zh", tg.Token, testNow)
	for i, wantChanged := range []bool{true, false} {
		status, out := apiCall(t, "POST", api+"approvals/S1/approve", sec, nil)
		rec, _ := out["record"].(map[string]any)
		if status != 200 || out["changed"] != wantChanged || rec == nil || rec["status"] != "approved" {
			t.Errorf("approve #%d = %d %v, want 200 approved changed=%v", i+1, status, out, wantChanged)
		}
	}
	// Rejecting it now is a conflict that names the decision.
	status, out := apiCall(t, "POST", api+"approvals/S1/reject", sec, map[string]string{"reason": "重复"})
	if rec, _ := out["record"].(map[string]any); status != 409 || rec == nil || rec["status"] != "approved" {
		t.Errorf("reject after approve = %d %v, want 409 with the record approved", status, out)
	}
	ps, err := e.st.Participations(ctx, "dongan", "M2")
	if err != nil || len(ps) != 1 || ps[0].Ref != "S1" || ps[0].Method != ll.MethodApproval || ps[0].VerifiedBy != "M1" {
		t.Fatalf("M2's participations after two approvals = %+v, %v; want S1 once, approval by M1", ps, err)
	}
	audit, _ := e.st.AuditLog(ctx, "dongan", 5, time.Time{})
	found := false
	for _, a := range audit {
		found = found || a.Action == "approve" && a.Object == "S1" && a.Actor == "M1" && strings.Contains(a.Detail, "via webapp")
	}
	if !found {
		t.Errorf("audit log %+v has no approve S1 by M1 via webapp", audit)
	}
	// Rejecting needs a reason.
	logService(t, e, "M2", "陪伴留守儿童")
	if status, out := apiCall(t, "POST", api+"approvals/S2/reject", sec, map[string]string{"reason": " "}); status != 400 || out["detail"] != "reason" {
		t.Errorf("reject without a reason = %d %v, want 400 reason", status, out)
	}
	if status, out := apiCall(t, "POST", api+"approvals/S2/reject", sec, map[string]string{"reason": "日期不对"}); status != 200 || out["changed"] != true {
		t.Errorf("reject S2 = %d %v, want 200 changed", status, out)
	}
	if r, _ := e.st.ServiceRecord(ctx, "dongan", "S2"); r.Status != ll.ServiceRejected || r.Reason != "日期不对" || r.DecidedBy != "M1" {
		t.Errorf("S2 after the rejection = %+v, want rejected by M1 with the reason", r)
	}
	// The author is told of each decision once, as the chat tells them:
	// through the outbox, in their language, the double tap adding nothing.
	told := func(ref, word string) int {
		n := 0
		for _, c := range tg.Sent(maMember) {
			if strings.Contains(c.Text, ref) && strings.Contains(c.Text, word) {
				n++
			}
		}
		return n
	}
	tg.Wait("the author told of S1 and S2", func() bool { return told("S1", "审核通过") == 1 && told("S2", "日期不对") == 1 })
	if n := told("S1", "审核通过"); n != 1 {
		t.Errorf("the author was told of S1's approval %d times, want once", n)
	}

	// A need declined in the app: the resident is told the reason once, as
	// /decline tells them; a double tap changes nothing; approving a
	// declined need is a conflict of its state.
	nd, _, err := e.st.CreateNeed(ctx, ll.Need{Community: "dongan", Text: "楼道灯坏了", Helpers: 1, AskerID: 30009,
		AskerLang: "zh", Status: ll.NeedNew, Created: testNow}, "web-decline")
	if err != nil {
		t.Fatal(err)
	}
	for i, wantChanged := range []bool{true, false} {
		status, out := apiCall(t, "POST", api+"needs/"+nd.ID+"/decline", sec, map[string]string{"reason": "不属社区服务范围"})
		need, _ := out["need"].(map[string]any)
		if status != 200 || out["changed"] != wantChanged || need == nil || need["status"] != "declined" || need["id"] != nd.ID {
			t.Errorf("decline %s #%d = %d %v, want 200 declined changed=%v", nd.ID, i+1, status, out, wantChanged)
		}
	}
	tg.Wait("the resident told of the decline", func() bool {
		for _, c := range tg.Sent(30009) {
			if strings.Contains(c.Text, nd.ID) && strings.Contains(c.Text, "不属社区服务范围") {
				return true
			}
		}
		return false
	})
	if status, out := apiCall(t, "POST", api+"needs/"+nd.ID+"/approve", sec, nil); status != 409 {
		t.Errorf("approve a declined %s = %d %v, want 409", nd.ID, status, out)
	}
	if n, err := e.st.Need(ctx, "dongan", nd.ID); err != nil || n.Status != ll.NeedDeclined || n.AskerID != 30009 {
		t.Errorf("%s = %+v, %v; want declined, its asker kept", nd.ID, n, err)
	}
	if n := len(tg.Sent(30009)); n != 1 {
		t.Errorf("the resident got %d messages, want the one decline", n)
	}

	// Taps racing each other: eight approvals of S3 at once, one changes it.
	logService(t, e, "M2", "楼道照明巡查")
	type result struct {
		status  int
		changed any
	}
	results := make(chan result, 8)
	for range 8 {
		go func() {
			status, out := apiCall(t, "POST", api+"approvals/S3/approve", sec, nil)
			results <- result{status, out["changed"]}
		}()
	}
	changed := 0
	for range 8 {
		r := <-results
		if r.status != 200 {
			t.Errorf("a racing approval of S3 = %d, want 200", r.status)
		}
		if r.changed == true {
			changed++
		}
	}
	ps, _ = e.st.Participations(ctx, "dongan", "M2")
	count := 0
	for _, p := range ps {
		if p.Ref == "S3" {
			count++
		}
	}
	if changed != 1 || count != 1 {
		t.Errorf("eight racing approvals: %d changed it, S3 in the ledger %d times; want 1 and 1", changed, count)
	}
}

// TestMiniAppServing checks the page and its assets as the binary serves
// them: headers, caching, compression, and the weight of the page.
func TestMiniAppServing(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	tg := telegramtest.NewServer(t)
	r := startMiniApp(t, e, tg, nil)

	get := func(u string, gzip bool, etag string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", u, nil)
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		tr := &http.Transport{DisableCompression: true}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	for _, u := range []string{r.base, r.base + "/"} {
		resp, body := get(u, false, "")
		h := resp.Header
		if resp.StatusCode != 200 || !strings.Contains(string(body), `<script src="https://telegram.org/js/telegram-web-app.js"></script>`) {
			t.Fatalf("GET %s = %d %q, want the page with Telegram's script", u, resp.StatusCode, body)
		}
		if tgAt, ownAt := strings.Index(string(body), "telegram-web-app.js"), strings.Index(string(body), `type="module"`); tgAt > ownAt {
			t.Errorf("the page loads its own script before Telegram's")
		}
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self' https://telegram.org;", "style-src 'self';", "connect-src 'self';", "frame-ancestors https://web.telegram.org", "default-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(string(body), "style=") || strings.Contains(string(body), "<style") {
			t.Errorf("inline style allowed or used: CSP %q", csp)
		}
		if h.Get("Cache-Control") != "no-cache" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("page headers %v: want no-cache, nosniff and a Referrer-Policy", h)
		}
	}
	_, page := get(r.base+"/", false, "")
	raw, gz := len(page), 0
	{
		resp, b := get(r.base+"/", true, "")
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("page with Accept-Encoding: gzip came as %q", resp.Header.Get("Content-Encoding"))
		}
		gz = len(b)
	}
	// Every asset the page names (the style sheet, the script and, to be
	// fetched with it, the modules it imports): long-cached, with an ETag
	// that revalidates.
	assets := regexpAll(`(?:href|src)="(/app/static/[^"]+)"`, string(page))
	var imports []string // the modules the script imports, by versioned name
	for _, m := range assets {
		u := "http://" + r.addr + m
		resp, b := get(u, false, "")
		imports = append(imports, regexpAll(`from '\./([^']+)'`, string(b))...)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=31536000") || resp.Header.Get("ETag") == "" {
			t.Errorf("GET %s = %d, Cache-Control %q, ETag %q", u, resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("ETag"))
		}
		raw += len(b)
		resp2, bz := get(u, true, "")
		if resp2.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("GET %s gzip: Content-Encoding %q", u, resp2.Header.Get("Content-Encoding"))
		}
		gz += len(bz)
		if resp3, _ := get(u, false, resp.Header.Get("ETag")); resp3.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag = %d, want 304", u, resp3.StatusCode)
		}
	}
	// app.js imports committee.js and member.js by their content hash,
	// the very URLs the page preloads; by a plain name (a page of an older
	// build) a module is revalidated, never stale after a new build.
	if len(imports) != 2 {
		t.Errorf("app.js imports %v, want committee.js and member.js", imports)
	}
	for _, name := range imports {
		plain, _, versioned := strings.Cut(name, "?v=")
		if !versioned || !slices.Contains(assets, "/app/static/"+name) {
			t.Errorf("app.js imports %q: want a versioned name the page preloads (%v)", name, assets)
		}
		u := r.base + "/static/" + plain
		resp, _ := get(u, false, "")
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("ETag") == "" {
			t.Errorf("GET %s = %d, Cache-Control %q, ETag %q; want no-cache with an ETag", u, resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("ETag"))
		}
	}
	if len(assets) != 4 {
		t.Errorf("the page names %d files under /app/static/, want the style sheet, the script and its two modules: %s", len(assets), page)
	}
	t.Logf("page weight: %d bytes (index.html + %d assets), %d gzipped", raw, len(assets), gz)
	if raw > 100<<10 {
		t.Errorf("page weight %d bytes, want under 100 KB", raw)
	}
	if resp, _ := get(r.base+"/static/nothing.js", false, ""); resp.StatusCode != 404 {
		t.Errorf("unknown asset = %d, want 404", resp.StatusCode)
	}
}

func regexpAll(pattern, s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// pageURL opens the app as tg (initData in the hash, as Telegram passes it).
func (r *miniApp) pageURL(tgID int64, lang string) string {
	return miniAppURL(r.base, signed(tgID, lang, r.tg.Token, testNow))
}

// apiRequests is how many requests the page made to the API so far.
const apiRequests = `performance.getEntriesByType('resource').filter(e => e.name.includes('/app/api/')).length`

// firstScreen is the time from navigation start to the first list drawn.
const firstScreen = `(performance.getEntriesByName('ll-first-list')[0] || {startTime: -1}).startTime`

// TestMiniAppBrowser drives the page in headless Chromium against the real
// binary on real Redis: the secretary sees the members, searches them and
// approves a pending service (the ledger then has it, read through the
// store); the member sees their own ledger, no committee tabs, and an API
// call for another member's ledger is refused; no horizontal scrolling at
// 360 pixels.
func TestMiniAppBrowser(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	// Names in Latin letters: this machine has no CJK font, and the
	// screenshots go into the README.
	e.mustRun("community", "add", "--id", "dongan", "--name", "Dong'an Community")
	e.mustRun("members", "import", "--community", "dongan", writeFile(t, "m.csv",
		"telegram_id,name,unit,building,skills,role\n"+
			"10001,Li Xiulan,Street Office,Block 1,organising,secretary\n"+
			"20002,Wang Fang,No. 1 Primary School,Block 3,,\n"+
			"20003,"+maDeputyName+",District Tax Bureau,Block 5,plumbing,deputy\n"+
			"20004,Chen Jing,People's Bank,Block 7,counselling,\n"))
	logService(t, e, "M2", "Fixed 32 street lamps in block 19")
	logService(t, e, "M4", "Counselled three families")
	tg := telegramtest.NewServer(t)
	r := startMiniApp(t, e, tg, nil)
	b := browsertest.New(t)

	// The secretary: members first.
	b.Do(browsertest.Phone(360), chromedp.Navigate(r.pageURL(maSecretary, "en")),
		chromedp.WaitVisible(`#members li`))
	if title := browsertest.Run(b, chromedp.Text(`#tab-members`)); title != "Members" {
		t.Errorf("the secretary's page (language_code en) says %q, want Members", title)
	}
	if n := browsertest.Run(b, chromedp.Evaluate[int64](`document.querySelectorAll('#members li').length`)); n != 4 {
		t.Errorf("members listed = %d, want 4", n)
	}
	ms := browsertest.Run(b, chromedp.Evaluate[float64](firstScreen))
	calls := browsertest.Run(b, chromedp.Evaluate[int64](apiRequests))
	t.Logf("secretary: first list after %.0f ms; %d API requests for the first screen", ms, calls)
	if ms < 0 {
		t.Errorf("the first list was never marked")
	}
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("members page overflows a 360-pixel phone by %d px", o)
	}
	saveScreenshot(t, b, "miniapp-members")
	checkTabRow(t, b, "the secretary's members page", 8, "tab-members")

	// ?page=me (the button of /me) opens the secretary's own ledger.
	b.Do(chromedp.Navigate("about:blank"), chromedp.Navigate(strings.Replace(r.pageURL(maSecretary, "en"), "/app#", "/app?page=me#", 1)),
		chromedp.WaitVisible(`#card[data-member=M1]`))
	if sel := browsertest.Run(b, chromedp.Evaluate[string](`document.getElementById('tab-me').getAttribute('aria-selected')`)); sel != "true" {
		t.Errorf("?page=me opened with My ledger not selected")
	}
	// The last tab, opened from a link, is scrolled into view.
	b.Do(chromedp.Navigate("about:blank"), chromedp.Navigate(strings.Replace(r.pageURL(maSecretary, "en"), "/app#", "/app?page=needs#", 1)),
		chromedp.WaitVisible(`#tab-needs[aria-selected=true]`))
	checkTabRow(t, b, "?page=needs", 8, "tab-needs")
	b.Do(chromedp.Click(`#tab-members`), chromedp.WaitVisible(`#members li`))
	checkTabRow(t, b, "back to the members", 8, "tab-members")
	// Search goes to the server.
	b.Do(chromedp.SendKeys(`#search`, "tax"))
	browsertest.Run(b, chromedp.Poll[bool](`document.querySelectorAll('#members li').length === 1`, chromedp.WithPollingTimeout(10*time.Second)))
	if txt := browsertest.Run(b, chromedp.Text(`#members`)); !strings.Contains(txt, maDeputyName) {
		t.Errorf("search tax listed %q, want %s", txt, maDeputyName)
	}
	// One member's card and ledger.
	b.Do(chromedp.Click(`#members [data-member=M3]`), chromedp.WaitVisible(`#card[data-member=M3]`))

	// Approvals: approve S1; the page updates in place.
	b.Do(chromedp.Click(`#tab-approvals`), chromedp.WaitVisible(`[data-record=S1] [data-action=approve]`))
	saveScreenshot(t, b, "miniapp-approvals")
	before := browsertest.Run(b, chromedp.Evaluate[int64](apiRequests))
	b.Do(chromedp.Click(`[data-record=S1] [data-action=approve]`),
		chromedp.WaitVisible(`[data-record=S1][data-status=approved]`))
	if after := browsertest.Run(b, chromedp.Evaluate[int64](apiRequests)); after != before+1 {
		t.Errorf("approving made %d API requests, want 1 (no reload)", after-before)
	}
	if nav := browsertest.Run(b, chromedp.Evaluate[int64](`performance.getEntriesByType('navigation').length`)); nav != 1 {
		t.Errorf("navigations = %d, want 1: the page reloaded", nav)
	}
	ps, err := e.st.Participations(ctx, "dongan", "M2")
	if err != nil || len(ps) != 1 || ps[0].Ref != "S1" || ps[0].Method != ll.MethodApproval {
		t.Fatalf("M2's ledger after the approval in the page = %+v, %v; want S1 by approval", ps, err)
	}
	// Reject S2 with a reason, in place too.
	b.Do(chromedp.Click(`[data-record=S2] [data-action=reject]`), chromedp.WaitVisible(`#reason-S2`),
		chromedp.SendKeys(`#reason-S2`, "no date given"),
		chromedp.Click(`[data-record=S2] [data-action=confirm-reject]`),
		chromedp.WaitVisible(`[data-record=S2][data-status=rejected]`))
	if rec, err := e.st.ServiceRecord(ctx, "dongan", "S2"); err != nil || rec.Status != ll.ServiceRejected || rec.Reason != "no date given" {
		t.Errorf("S2 after the rejection in the page = %+v, %v; want rejected, no date given", rec, err)
	}
	if txt := browsertest.Run(b, chromedp.Text(`#pending-total`)); !strings.Contains(txt, "Nothing") {
		t.Errorf("after both decisions the page says %q, want nothing awaits", txt)
	}
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("approvals page overflows a 360-pixel phone by %d px", o)
	}

	// The member: their own ledger with the approval and its method, no
	// committee tabs.
	b.Do(chromedp.Navigate("about:blank"), chromedp.Navigate(r.pageURL(maMember, "en")), chromedp.WaitVisible(`#entries li[data-ref=S1]`))
	card := browsertest.Run(b, chromedp.Text(`#card`))
	entries := browsertest.Run(b, chromedp.Text(`#entries`))
	if !strings.Contains(card, "1/2") || !strings.Contains(entries, "approved") || !strings.Contains(entries, "M1") || !strings.Contains(entries, "street lamps") {
		t.Errorf("member's card %q / entries %q: want 1/2 and S1 approved by M1", card, entries)
	}
	if n := browsertest.Run(b, chromedp.Evaluate[int64](`document.querySelectorAll('#tab-members, #tab-approvals').length`)); n != 0 {
		t.Errorf("the member sees the committee's tabs")
	}
	ms = browsertest.Run(b, chromedp.Evaluate[float64](firstScreen))
	calls = browsertest.Run(b, chromedp.Evaluate[int64](apiRequests))
	t.Logf("member: first list after %.0f ms; %d API requests", ms, calls)
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("member's ledger overflows a 360-pixel phone by %d px", o)
	}
	saveScreenshot(t, b, "miniapp-ledger")
	// Telegram's theme (here a dark one, from the launch parameters, as
	// Telegram passes them when its script cannot load) colours the page.
	dark := `{"bg_color":"#17212b","secondary_bg_color":"#232e3c","section_bg_color":"#17212b","text_color":"#f5f5f5","hint_color":"#708499","link_color":"#6ab3f3","button_color":"#5288c1","button_text_color":"#ffffff"}`
	b.Do(chromedp.Navigate("about:blank"), chromedp.Navigate(r.pageURL(maMember, "en")+"&"+url.Values{"tgWebAppThemeParams": {dark}}.Encode()),
		chromedp.WaitVisible(`#entries li[data-ref=S1]`))
	if bg := browsertest.Run(b, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor + ' ' + getComputedStyle(document.getElementById('card')).color`)); bg != "rgb(35, 46, 60) rgb(245, 245, 245)" {
		t.Errorf("dark theme: body background and card text = %q, want rgb(35, 46, 60) rgb(245, 245, 245)", bg)
	}
	saveScreenshot(t, b, "miniapp-ledger-dark")
	// From the member's page, a call for another member's ledger is refused.
	status := browsertest.Run(b, chromedp.Evaluate[int64](`fetch(new URL('api/members/M1', location.href.split('#')[0] + '/'),
		{headers: {Authorization: 'tma ' + new URLSearchParams(location.hash.slice(1)).get('tgWebAppData')}}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if status != 403 {
		t.Errorf("the member's fetch of M1's card = %d, want 403", status)
	}
	if html := browsertest.Run(b, chromedp.OuterHTML(`body`)); strings.Contains(html, "Li Xiulan") || strings.Contains(html, "Chen Jing") {
		t.Errorf("the member's page shows the secretary's name")
	}
}

// TestMiniAppOutsideTelegram opens the page without initData: it says to
// open it from Telegram and calls nothing.
func TestMiniAppOutsideTelegram(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	tg := telegramtest.NewServer(t)
	r := startMiniApp(t, e, tg, nil)
	b := browsertest.New(t)
	b.Do(browsertest.Phone(360), chromedp.Navigate(r.base), chromedp.WaitVisible(`#message[data-message="webapp.open_in_telegram"]`))
	if n := browsertest.Run(b, chromedp.Evaluate[int64](apiRequests)); n != 0 {
		t.Errorf("the page outside Telegram made %d API requests, want 0", n)
	}
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("overflow %d px", o)
	}
	saveScreenshot(t, b, "miniapp-outside-telegram")
}

// TestMiniAppRedisDown kills the bot's Redis under it: the page says the
// service is unavailable (the API answers 503) instead of a blank page.
func TestMiniAppRedisDown(t *testing.T) {
	srv, err := storagetest.StartServer()
	if errors.Is(err, storagetest.ErrNoRedisServer) {
		t.Skip("kills a redis-server of its own: redis-server is not on PATH")
	}
	if err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(srv.Stop)
	ctx := context.Background()
	e := &testEnv{t: t, prefix: storagetest.Prefix(), env: map[string]string{"REDIS_URL": srv.URL()}}
	e.st, err = storage.Connect(ctx, storage.Config{URL: srv.URL(), Prefix: e.prefix, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	setupDistrict(t, e)
	tg := telegramtest.NewServer(t)
	r := startMiniApp(t, e, tg, nil)
	srv.Kill()
	if status, out := apiCall(t, "GET", r.base+"/api/me", signed(maSecretary, "zh", tg.Token, testNow), nil); status != 503 || out["error"] != "unavailable" {
		t.Errorf("GET me with Redis down = %d %v, want 503 unavailable", status, out)
	}
	b := browsertest.New(t)
	b.Do(browsertest.Phone(360), chromedp.Navigate(r.pageURL(maSecretary, "en")),
		chromedp.WaitVisible(`#message[data-message="webapp.unavailable"]`))
	if txt := browsertest.Run(b, chromedp.Text(`#message`)); !strings.Contains(txt, "unavailable") && !strings.Contains(txt, "不可用") {
		t.Errorf("page with Redis down says %q", txt)
	}
	saveScreenshot(t, b, "miniapp-redis-down")
}

// saveScreenshot saves a screenshot among the test artifacts and, with
// LAMPLIGHTER_UPDATE_DOCS=1, into docs/ for the README.
func saveScreenshot(t *testing.T, b *browsertest.Browser, name string) {
	t.Helper()
	path := b.Screenshot(name)
	if os.Getenv("LAMPLIGHTER_UPDATE_DOCS") == "" {
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", name+".png"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMiniAppCommand: /app answers with a web_app button to the app's
// HTTPS URL, which the Bot API receives as InlineKeyboardButton.web_app;
// with a loopback http:// URL (which Telegram cannot open) it answers with
// the link instead.
func TestMiniAppCommand(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	tg := telegramtest.NewServer(t)
	const public = "https://bot.example.org/app"
	r := startMiniApp(t, e, tg, map[string]string{"LAMPLIGHTER_WEBAPP_URL": public})
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(r.stderr.String())
		}
	})
	c := say(t, tg, maMember, "/app", "小程序")
	var kb models.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(c.ReplyMarkup), &kb); err != nil || len(kb.InlineKeyboard) != 1 || len(kb.InlineKeyboard[0]) != 1 {
		t.Fatalf("/app markup %q: want one button (%v)", c.ReplyMarkup, err)
	}
	if b := kb.InlineKeyboard[0][0]; b.WebApp == nil || b.WebApp.URL != public || b.CallbackData != "" {
		t.Errorf("/app button = %+v, want a web_app button to %s", b, public)
	}
	// The committee's chat gets the Mini App as its menu button
	// (setChatMenuButton per chat) when the menu is set (/help in the
	// private chat); a member's chat gets Telegram's default button.
	menuButton := func(chat int64) string {
		for _, c := range tg.Calls("setChatMenuButton") {
			if c.ChatID == chat {
				return c.Params["menu_button"]
			}
		}
		return ""
	}
	say(t, tg, maSecretary, "/help", "")
	tg.Wait("a menu button for the secretary", func() bool { return menuButton(maSecretary) != "" })
	var mb models.MenuButtonWebApp
	if err := json.Unmarshal([]byte(menuButton(maSecretary)), &mb); err != nil || mb.Type != "web_app" || mb.WebApp.URL != public || mb.Text == "" {
		t.Errorf("the secretary's menu button = %s (%v), want a web_app button to %s", menuButton(maSecretary), err, public)
	}
	say(t, tg, maMember, "/help", "")
	tg.Wait("a menu button for the member", func() bool { return menuButton(maMember) != "" })
	if b := menuButton(maMember); !strings.Contains(b, `"default"`) {
		t.Errorf("the member's menu button = %s, want the default", b)
	}
	// /me carries a button to the member's page of the app.
	c = say(t, tg, maMember, "/me", "M2")
	if !strings.Contains(c.ReplyMarkup, `"web_app":{"url":"`+public+`?page=me"}`) {
		t.Errorf("/me markup %s: want a web_app button to %s?page=me", c.ReplyMarkup, public)
	}
	// /report carries a button to the committee's overview.
	c = say(t, tg, maSecretary, "/report", "2026")
	if !strings.Contains(c.ReplyMarkup, `"web_app":{"url":"`+public+`?page=overview"}`) {
		t.Errorf("/report markup %s: want a web_app button to %s?page=overview", c.ReplyMarkup, public)
	}
	// The app is served at the URL's path on the listener.
	if resp, err := http.Get("http://" + r.addr + "/app"); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET /app on the listener: %v %v", resp, err)
	}

	e2 := newTestEnv(t)
	setupDistrict(t, e2)
	tg2 := telegramtest.NewServer(t)
	r2 := startMiniApp(t, e2, tg2, nil)
	c = say(t, tg2, maMember, "/app", r2.base)
	if c.ReplyMarkup != "" && strings.Contains(c.ReplyMarkup, "web_app") {
		t.Errorf("/app with an http URL sent a web_app button: %s", c.ReplyMarkup)
	}
}
