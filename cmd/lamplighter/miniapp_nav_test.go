package main

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lamplighter-bot/lamplighter/web/browsertest"
)

// tabRow is how the page's tab bar lies out, measured in the browser.
type tabRow struct {
	Tabs     int64   `json:"tabs"`     // tab buttons
	Rows     int64   `json:"rows"`     // distinct tops among them
	Nav      float64 `json:"nav"`      // the bar's height
	Tab      float64 `json:"tab"`      // the tallest tab's height
	Selected string  `json:"selected"` // the selected tab's id
	Visible  bool    `json:"visible"`  // the selected tab lies wholly inside the bar
}

// checkTabRow asserts that the tab bar is one row (its height at most 1.5
// times a tab's, every tab at the same top) holding at least minTabs tabs,
// that the selected tab is selected and wholly in view inside the bar
// (which scrolls sideways by itself), and that the document does not
// scroll sideways.
func checkTabRow(t *testing.T, b *browsertest.Browser, when string, minTabs int64, selected string) {
	t.Helper()
	row := browsertest.Run(b, chromedp.Evaluate[tabRow](`(() => {
  const nav = document.getElementById('tabs'), bs = [...nav.querySelectorAll('button')];
  const n = nav.getBoundingClientRect(), sel = nav.querySelector('[aria-selected=true]');
  const s = sel ? sel.getBoundingClientRect() : null;
  return {tabs: bs.length, rows: new Set(bs.map((b) => Math.round(b.getBoundingClientRect().top))).size,
    nav: n.height, tab: Math.max(...bs.map((b) => b.getBoundingClientRect().height)),
    selected: sel ? sel.id : '', visible: !!s && s.left >= n.left - 0.5 && s.right <= n.right + 0.5};
})()`))
	t.Logf("%s: %d tabs, %d row(s), bar %.0f px high, a tab %.0f px; selected %s (in view %v)", when, row.Tabs, row.Rows, row.Nav, row.Tab, row.Selected, row.Visible)
	if row.Tabs < minTabs {
		t.Errorf("%s: %d tabs, want at least %d", when, row.Tabs, minTabs)
	}
	if row.Rows != 1 || row.Nav > 1.5*row.Tab {
		t.Errorf("%s: the tabs take %d rows, the bar %.0f px for tabs of %.0f px: want one row", when, row.Rows, row.Nav, row.Tab)
	}
	if row.Selected != selected || !row.Visible {
		t.Errorf("%s: selected tab %q (wholly in view: %v), want %s in view", when, row.Selected, row.Visible, selected)
	}
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("%s: the page overflows a 360-pixel phone by %d px", when, o)
	}
}
