package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/lamplighter-bot/lamplighter/web"
)

// TestMiniAppRoundTrips counts the Redis round trips of each API request
// (storagetest's counting hook: a command or a pipeline is one) on the
// demo district, twice: with the community as seeded and with 500 more
// members, to show that no request reads the whole community. The figures
// are logged for PERFORMANCE notes; the test fails when a request's count
// grows with the community or passes the bound below.
func TestMiniAppRoundTrips(t *testing.T) {
	ctx := context.Background()
	st, counter := storagetest.NewCountedStore(t)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := seedDemo(ctx, st, testNow); err != nil {
		t.Fatal(err)
	}
	if _, err := st.LogService(ctx, ll.ServiceRecord{Community: demoCommunity, Member: "M3", Text: "修好了19栋的路灯",
		Date: testNow.Format(time.DateOnly), Status: ll.ServicePending, Created: testNow}); err != nil {
		t.Fatal(err)
	}
	const token = "1:cost"
	srv := httptest.NewServer(web.NewMiniApp(web.MiniAppConfig{App: app.New(st), BotToken: token, Now: func() time.Time { return testNow }}))
	defer srv.Close()

	routes := []struct{ name, method, path string }{
		{"me (secretary)", "GET", "/api/me"},
		{"members page", "GET", "/api/members"},
		{"members search", "GET", "/api/members?q=19"},
		{"member card", "GET", "/api/members/M3"},
		{"approvals", "GET", "/api/approvals"},
	}
	measure := func() map[string]int64 {
		out := map[string]int64{}
		sec := signed(demoSecretaryTG, "zh", token, testNow)
		do := func(method, path, data string) int64 {
			counter.Reset()
			req, _ := http.NewRequest(method, srv.URL+path, nil)
			req.Header.Set("Authorization", "tma "+data)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("%s %s = %d", method, path, resp.StatusCode)
			}
			return counter.RoundTrips()
		}
		do("GET", "/api/me", sec) // warm the connections up
		for _, r := range routes {
			out[r.name] = do(r.method, r.path, sec)
		}
		out["me (member)"] = do("GET", "/api/me", signed(10003, "zh", token, testNow))
		return out
	}
	small := measure()
	sc, err := app.New(st).Access.Committee(ctx, app.Operator(demoCommunity, testNow))
	if err != nil {
		t.Fatal(err)
	}
	var ms []ll.Member
	for i := range 500 {
		ms = append(ms, ll.Member{TelegramID: int64(700000 + i), Name: fmt.Sprintf("成员%d", i), Unit: fmt.Sprintf("单位%d", i%7), Building: fmt.Sprintf("%d栋", i%30), Status: ll.StatusActive})
	}
	if _, err := app.New(st).Members.Import(ctx, &sc, ms, "cost test"); err != nil {
		t.Fatal(err)
	}
	large := measure()
	for _, name := range []string{"me (secretary)", "me (member)", "members page", "members search", "member card", "approvals"} {
		t.Logf("%-16s %d round trips (%d members: %d)", name, small[name], 500+len(demoMembers), large[name])
		if large[name] > small[name] {
			t.Errorf("%s: %d round trips with 500 more members, %d before: it reads the community", name, large[name], small[name])
		}
		if small[name] > 8 {
			t.Errorf("%s: %d round trips, want at most 8", name, small[name])
		}
	}
}
