package report_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/lamplighter-bot/lamplighter/report"
)

// withFontPaths sets report.FontPaths for one test.
func withFontPaths(t *testing.T, paths []string) {
	t.Helper()
	old := report.FontPaths
	report.FontPaths = paths
	t.Cleanup(func() { report.FontPaths = old })
}

func decodeChart(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode chart PNG: %v", err)
	}
	if got := img.Bounds().Size(); got != image.Pt(report.ChartWidth, report.ChartHeight) {
		t.Fatalf("chart size = %v, want %dx%d", got, report.ChartWidth, report.ChartHeight)
	}
	return img
}

func TestChart(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		b, err := report.Chart(dongan(), 2026, afterExport, lang)
		if err != nil {
			t.Fatalf("Chart(dongan, 2026, %s): %v", lang, err)
		}
		decodeChart(t, b)
		again, err := report.Chart(dongan(), 2026, afterExport, lang)
		if err != nil || !bytes.Equal(b, again) {
			t.Errorf("Chart(dongan, 2026, %s) twice gave different images (err %v)", lang, err)
		}
		if dir := os.Getenv("REPORT_CHART_DIR"); dir != "" {
			os.WriteFile(filepath.Join(dir, "chart-"+lang+".png"), b, 0o644)
		}
	}
}

func TestChartChineseWithCJKFont(t *testing.T) {
	if !report.CJKFontAvailable() {
		t.Skipf("no CJK font in report.FontPaths %q: install fonts-noto-cjk or fonts-wqy-microhei to test Chinese charts", report.FontPaths)
	}
	zh, err := report.Chart(dongan(), 2026, afterExport, "zh")
	if err != nil {
		t.Fatalf("Chart(zh): %v", err)
	}
	en, err := report.Chart(dongan(), 2026, afterExport, "en")
	if err != nil {
		t.Fatalf("Chart(en): %v", err)
	}
	if bytes.Equal(zh, en) {
		t.Errorf("Chart(zh) = Chart(en) although a CJK font is available: want Chinese labels")
	}
}

func TestChartFallsBackToEnglishWithoutCJKFont(t *testing.T) {
	withFontPaths(t, []string{filepath.Join(t.TempDir(), "missing.ttc"), "/dev/null"})
	if report.CJKFontAvailable() {
		t.Fatalf("CJKFontAvailable() = true with FontPaths pointing nowhere")
	}
	zh, err := report.Chart(dongan(), 2026, afterExport, "zh")
	if err != nil {
		t.Fatalf("Chart(zh) without CJK font: %v", err)
	}
	decodeChart(t, zh)
	en, err := report.Chart(dongan(), 2026, afterExport, "en")
	if err != nil {
		t.Fatalf("Chart(en) without CJK font: %v", err)
	}
	// The same picture: English labels, and the community id for its Chinese name.
	if !bytes.Equal(zh, en) {
		t.Errorf("Chart(zh) without a CJK font differs from Chart(en): want the English labels")
	}
	if dir := os.Getenv("REPORT_CHART_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, "chart-fallback.png"), zh, 0o644)
	}
}

func TestChartEmptyCommunity(t *testing.T) {
	d := riverside()
	d.Members, d.Participations = nil, nil
	b, err := report.Chart(d, 2026, afterExport, "en")
	if err != nil {
		t.Fatalf("Chart(empty community): %v", err)
	}
	decodeChart(t, b)
}

// TestEachInstalledCJKFontLoads checks every default font that this machine
// has, one at a time: Noto's CFF collection and WenQuanYi's collection (whose
// tables are not four-byte aligned) both have to work.
func TestEachInstalledCJKFontLoads(t *testing.T) {
	paths := report.FontPaths
	found := 0
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		found++
		withFontPaths(t, []string{p})
		if !report.CJKFontAvailable() {
			t.Errorf("CJKFontAvailable() = false with FontPaths = [%s]", p)
			continue
		}
		if _, err := report.Chart(dongan(), 2026, afterExport, "zh"); err != nil {
			t.Errorf("Chart(zh) with %s: %v", p, err)
		}
	}
	t.Logf("%d of the default CJK fonts are installed here", found)
}

func TestChartConcurrent(t *testing.T) {
	want, err := report.Chart(dongan(), 2026, afterExport, "zh")
	if err != nil {
		t.Fatalf("Chart: %v", err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			got, err := report.Chart(dongan(), 2026, afterExport, "zh")
			if err == nil && !bytes.Equal(got, want) {
				err = errors.New("a different image")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Chart: %v", err)
		}
	}
}
