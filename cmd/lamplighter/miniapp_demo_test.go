package main

import (
	"context"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lamplighter-bot/lamplighter/web/browsertest"
)

// TestDemoMiniApp: the demo serves the Mini App on its loopback port and
// prints links that open it as the secretary and as a member; the
// secretary's opens in a browser on the members page, the member's on
// their own ledger; /app in the demo chat names the app's URL.
func TestDemoMiniApp(t *testing.T) {
	in, feed := io.Pipe()
	out := &syncBuffer{}
	p := &program{env: func(string) string { return "" }, stdin: in, stdout: out, stderr: io.Discard, now: func() time.Time { return testNow }}
	done := make(chan int, 1)
	go func() { done <- p.run(context.Background(), []string{"demo"}) }()
	go io.WriteString(feed, "/app\n")

	link := regexp.MustCompile(`http://127\.0\.0\.1:\d+/app#tgWebAppData=\S+`)
	deadline := time.After(20 * time.Second)
	var links []string
	for len(links) < 2 || !strings.Contains(out.String(), "HTTPS 小程序") {
		select {
		case <-deadline:
			t.Fatalf("no Mini App links in the demo's output:\n%s", out.String())
		case code := <-done:
			t.Fatalf("demo exited with %d:\n%s", code, out.String())
		case <-time.After(10 * time.Millisecond): // waiting for the demo's output
			links = link.FindAllString(out.String(), -1)
		}
	}
	base, _, _ := strings.Cut(links[0], "#")
	if !strings.Contains(out.String(), "Mini App: "+base) {
		t.Errorf("the banner does not say where the Mini App is:\n%s", out.String())
	}
	// The links sign in as who they say.
	for i, want := range []string{`"id":10001`, `"id":10007`} {
		frag, _ := url.ParseQuery(strings.SplitN(links[i], "#", 2)[1])
		data, _ := url.ParseQuery(frag.Get("tgWebAppData"))
		if !strings.Contains(data.Get("user"), want) {
			t.Errorf("link %d signs in as %q, want %s", i, data.Get("user"), want)
		}
	}

	b := browsertest.New(t)
	b.Do(browsertest.Phone(360), chromedp.Navigate(links[0]), chromedp.WaitVisible(`#members li`))
	if n := browsertest.Run(b, chromedp.Evaluate[int64](`document.querySelectorAll('#members li').length`)); n < 5 {
		t.Errorf("the demo secretary sees %d members", n)
	}
	b.Do(chromedp.Navigate("about:blank"), chromedp.Navigate(links[1]), chromedp.WaitVisible(`#card[data-member=M7]`))
	if txt := browsertest.Run(b, chromedp.Text(`#card`)); !strings.Contains(txt, "participations") {
		t.Errorf("the demo member's card (English) says %q", txt)
	}
	io.WriteString(feed, "/quit\n")
	feed.Close()
	if code := <-done; code != 0 {
		t.Fatalf("demo exit %d:\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "小程序目前仅供本机测试："+base) {
		t.Errorf("/app in the demo does not name %s:\n%s", base, out.String())
	}
}
