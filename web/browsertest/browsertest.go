// Package browsertest drives a real headless Chromium from Go tests, for the
// Mini App's browser tests (SPEC section 12): Debian's chromium package,
// which .ci/run and scripts/test install with apt-get when it is missing.
//
// A test that needs a browser calls New: it fails (never skips) with the
// command that installs Chromium when none is found. LAMPLIGHTER_CHROMIUM
// names another binary. Screenshots go to the directory named by
// LAMPLIGHTER_TEST_ARTIFACTS (.ci/run sets it to artifacts/ in the clone),
// or to a per-run temporary directory, whose path the test logs.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/chromedp"
)

// Browser is one headless Chromium with one tab, closed when the test ends.
type Browser struct {
	t   testing.TB
	Ctx context.Context // the tab's context: pass it to chromedp.Run
}

// Binary returns the Chromium to run, or an error that says how to install it.
func Binary() (string, error) {
	if p := os.Getenv("LAMPLIGHTER_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found: install Debian's package (sudo apt-get install chromium), or set LAMPLIGHTER_CHROMIUM to a Chromium binary")
}

// New starts a headless Chromium for t. Its flags keep it from reaching the
// network on its own (this machine's network is closed, and a test must not
// depend on Google's hosts) and let it run as root in a container.
func New(t testing.TB) *Browser {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-sandbox", os.Geteuid() == 0),
		chromedp.WindowSize(1024, 768),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	if err := chromedp.Do(ctx); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	return &Browser{t: t, Ctx: ctx}
}

// Timeout bounds one step of a test in the browser: a page that hangs fails
// the test instead of holding the suite.
const Timeout = 30 * time.Second

// Do runs steps in the tab, failing the test on an error.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// Run runs one action in b's tab and returns its value, failing the test on
// an error.
func Run[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

// Phone emulates a phone screen width CSS pixels wide (360 for the smallest
// common Android phones), at a device scale of 2, with touch.
func Phone(width int64) chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(width, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
}

// HorizontalOverflow is by how many CSS pixels the page is wider than its
// viewport (0: no horizontal scrolling).
func HorizontalOverflow(b *Browser) int64 {
	b.t.Helper()
	return Run(b, chromedp.Evaluate[int64](`Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)`))
}

// Screenshot saves the whole page as <artifacts>/<name>.png (quality 100
// makes Chromium encode PNG; below it, JPEG) and logs where.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	png := Run(b, chromedp.FullScreenshot(100))
	path := filepath.Join(ArtifactsDir(b.t), safeName.ReplaceAllString(name, "_")+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("save screenshot: %v", err)
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

var safeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ArtifactsDir is where tests keep what a person looks at after a run.
func ArtifactsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("LAMPLIGHTER_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "lamplighter-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts dir: %v", err)
	}
	return dir
}

// AcceptAnyCertificate lets b's tab open HTTPS pages whose certificate it
// cannot check: a test's own TLS server (httptest.NewTLSServer), standing
// for the HTTPS a Mini App is served over in production.
func (b *Browser) AcceptAnyCertificate() {
	b.t.Helper()
	b.Do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true})
		return err
	}))
}

// Network is a phone network that Throttle emulates.
type Network struct {
	Name string
	// Latency is added to every request (ms), DownKBps and UpKBps bound
	// the throughput (kilobytes a second).
	Latency, DownKBps, UpKBps float64
}

// The networks of Chrome DevTools' presets: Slow 4G (what it called Fast
// 3G before) and Fast 4G.
var (
	Slow4G = Network{Name: "Slow 4G", Latency: 562.5, DownKBps: 1.6 * 1000 / 8 * 0.9, UpKBps: 0.75 * 1000 / 8 * 0.9}
	Fast4G = Network{Name: "Fast 4G", Latency: 165, DownKBps: 9 * 1000 / 8 * 0.9, UpKBps: 1.5 * 1000 / 8 * 0.9}
)

// Throttle makes every request of b's tab go as over n (Chrome's network
// emulation: latency before the response headers, throughput after).
func (b *Browser) Throttle(n Network) {
	b.t.Helper()
	b.Do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Latency: n.Latency, DownloadThroughput: n.DownKBps * 1000, UploadThroughput: n.UpKBps * 1000}},
		})
		return err
	}))
}
