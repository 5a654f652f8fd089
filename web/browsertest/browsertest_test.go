package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lamplighter-bot/lamplighter/web/browsertest"
)

// TestBrowser proves the harness itself: a real Chromium loads a page from a
// local server, runs its script, reports overflow on a 360-pixel phone and
// saves a screenshot.
func TestBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		wide := r.URL.Query().Get("wide") != ""
		width := "100%"
		if wide {
			width = "500px"
		}
		fmt.Fprintf(w, `<!doctype html><meta name="viewport" content="width=device-width"><title>t</title>
<div id="box" style="width:%s">box</div><script>document.getElementById('box').textContent = 'ran';</script>`, width)
	}))
	defer srv.Close()

	b := browsertest.New(t)
	b.Do(browsertest.Phone(360), chromedp.Navigate(srv.URL))
	text := browsertest.Run(b, chromedp.Text(chromedp.CSS("#box")))
	overflow := browsertest.HorizontalOverflow(b)
	if text != "ran" {
		t.Errorf("script result = %q, want ran", text)
	}
	if overflow != 0 {
		t.Errorf("overflow of a fluid page = %d px, want 0", overflow)
	}
	b.Do(chromedp.Navigate(srv.URL + "?wide=1"))
	overflow = browsertest.HorizontalOverflow(b)
	if overflow <= 0 {
		t.Errorf("overflow of a 500-pixel box on a 360-pixel phone = %d, want > 0", overflow)
	}
	path := b.Screenshot("browsertest-wide")
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Errorf("screenshot %s: %v", path, err)
	}
}
