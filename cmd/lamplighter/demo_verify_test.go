package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemoVerifyPage: the demo serves the verify pages on a loopback port,
// so the link of a /statement opens in a browser on the same machine.
func TestDemoVerifyPage(t *testing.T) {
	in, feed := io.Pipe()
	out := &syncBuffer{}
	p := &program{env: func(string) string { return "" }, stdin: in, stdout: out, stderr: io.Discard, now: func() time.Time { return testNow }}
	done := make(chan int, 1)
	go func() { done <- p.run(context.Background(), []string{"demo", "--as", "M3"}) }()
	go io.WriteString(feed, "/statement\n")

	link := regexp.MustCompile(`http://127\.0\.0\.1:\d+/verify/dongan\.[A-Za-z0-9._-]+`)
	deadline := time.After(20 * time.Second)
	var url string
	for url == "" {
		select {
		case <-deadline:
			t.Fatalf("no verify link in the demo's output:\n%s", out.String())
		case code := <-done:
			t.Fatalf("demo exited with %d:\n%s", code, out.String())
		case <-time.After(10 * time.Millisecond): // waiting for the demo's output, not for time to pass
			url = link.FindString(out.String())
		}
	}
	if !strings.Contains(out.String(), "Verify pages: http://127.0.0.1:") {
		t.Errorf("the banner does not say where the verify pages are:\n%s", out.String())
	}
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "有效") {
		t.Fatalf("GET %s = %d\n%s", url, res.StatusCode, body)
	}
	io.WriteString(feed, "/quit\n")
	feed.Close()
	if code := <-done; code != 0 {
		t.Fatalf("demo exit %d:\n%s", code, out.String())
	}
}
