package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/lamplighter-bot/lamplighter/web"
)

// TestMiniAppMemberRoundTrips counts the Redis round trips of each API
// request of the member's and the organizer's pages (storagetest's counting
// hook), with the community as set up and with 500 more members: no
// request reads the whole community. The figures are logged.
func TestMiniAppMemberRoundTrips(t *testing.T) {
	ctx := context.Background()
	st, counter := storagetest.NewCountedStore(t)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := ll.Community{ID: "dongan", Name: "Dong'an", TimeZone: ll.DefaultTimeZone, Language: "en", Minimum: 2, Created: testNow}
	if err := st.CreateCommunity(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportMembers(ctx, "dongan", []ll.Member{{TelegramID: 10001, Name: "Sec", Role: ll.RoleSecretary}, {TelegramID: 20002, Name: "Mem"}}, testNow, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		start := testNow.Add(time.Duration(i*24)*time.Hour + 10*time.Minute)
		if _, err := st.CreateActivity(ctx, ll.Activity{Community: "dongan", Title: fmt.Sprint("Activity ", i), Start: start, End: start.Add(time.Hour),
			Capacity: 5, CreatedBy: "M1", Created: testNow}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.CreatePost(ctx, ll.Post{Community: "dongan", Title: "Lighting", Mode: ll.ModeClaimed, Capacity: 3, Created: testNow}, nil); err != nil {
		t.Fatal(err)
	}
	const token = "1:cost"
	srv := httptest.NewServer(web.NewMiniApp(web.MiniAppConfig{App: app.New(st), BotToken: token, Now: func() time.Time { return testNow }}))
	defer srv.Close()
	sec, mem := signed(10001, "en", token, testNow), signed(20002, "en", token, testNow)
	do := func(method, path, data, body string) int64 {
		counter.Reset()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
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
	names := []string{"GET mycode", "GET upcoming (3)", "POST signup", "POST signup (again)", "GET posts", "POST claim",
		"GET scan (secretary)", "POST scan", "POST scan (again, new code)", "GET me (member)", "GET needs/mine"}
	measure := func(signup string) map[string]int64 {
		out := map[string]int64{}
		do("GET", "/api/me", mem, "") // warm the connections up
		out["GET mycode"] = do("GET", "/api/mycode", mem, "")
		out["GET upcoming (3)"] = do("GET", "/api/upcoming", mem, "")
		out["POST signup"] = do("POST", "/api/activities/"+signup+"/signup", mem, "{}")
		out["POST signup (again)"] = do("POST", "/api/activities/"+signup+"/signup", mem, "{}")
		out["GET posts"] = do("GET", "/api/posts", mem, "")
		out["POST claim"] = do("POST", "/api/posts/P1/claim", mem, "{}")
		out["GET scan (secretary)"] = do("GET", "/api/scan", sec, "")
		code, err := app.New(st).Scans.MyCode(ctx, app.Actor{TelegramID: 20002, User: ll.User{Community: "dongan", MemberID: "M2"}, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		out["POST scan"] = do("POST", "/api/scan/A1", sec, `{"code":"`+code.Code+`"}`)
		code, _ = app.New(st).Scans.MyCode(ctx, app.Actor{TelegramID: 20002, User: ll.User{Community: "dongan", MemberID: "M2"}, Now: testNow})
		out["POST scan (again, new code)"] = do("POST", "/api/scan/A1", sec, `{"code":"`+code.Code+`"}`)
		out["GET me (member)"] = do("GET", "/api/me", mem, "")
		out["GET needs/mine"] = do("GET", "/api/needs/mine", mem, "")
		return out
	}
	small := measure("A1")
	var ms []ll.Member
	for i := range 500 {
		ms = append(ms, ll.Member{TelegramID: int64(700000 + i), Name: fmt.Sprint("Member ", i), Status: ll.StatusActive})
	}
	if _, err := st.ImportMembers(ctx, "dongan", ms, testNow, nil); err != nil {
		t.Fatal(err)
	}
	large := measure("A2")
	for _, name := range names {
		t.Logf("%-28s %d round trips (502 members: %d)", name, small[name], large[name])
		if large[name] > small[name] {
			t.Errorf("%s: %d round trips with 500 more members, %d before: it reads the community", name, large[name], small[name])
		}
		if small[name] > 8 {
			t.Errorf("%s: %d round trips, want at most 8", name, small[name])
		}
	}
}
