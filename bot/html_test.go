package bot

import (
	"html"
	"strings"
	"testing"
	"unicode"
)

// balanced reports whether every tag of s is closed in order.
func balanced(s string) bool {
	var open []string
	for _, t := range tokenizeHTML(s) {
		switch t.kind {
		case tokOpen:
			open = append(open, t.name)
		case tokClose:
			if len(open) == 0 || open[len(open)-1] != t.name {
				return false
			}
			open = open[:len(open)-1]
		}
	}
	return len(open) == 0
}

// visibleRunes is the text a user sees, without any whitespace.
func visibleRunes(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, html.UnescapeString(stripTags(s)))
}

// checkSplit verifies the promises of splitHTML for s.
func checkSplit(t *testing.T, s string, limit int) []string {
	t.Helper()
	chunks := splitHTML(s, limit)
	var all strings.Builder
	for i, c := range chunks {
		if n := utf16Count(c); n > limit {
			t.Errorf("chunk %d is %d UTF-16 units, limit %d: %q", i, n, limit, c)
		}
		if !balanced(c) {
			t.Errorf("chunk %d has unbalanced tags: %q", i, c)
		}
		if strings.TrimSpace(stripTags(c)) == "" {
			t.Errorf("chunk %d shows nothing: %q", i, c)
		}
		all.WriteString(c)
	}
	if got, want := visibleRunes(all.String()), visibleRunes(s); got != want {
		t.Errorf("text lost or changed in the split:\n got %q\nwant %q", got, want)
	}
	return chunks
}

func TestSplitHTMLShortTextUnchanged(t *testing.T) {
	s := "<b>P3</b> 法律援助\n\n"
	if got := splitHTML(s, 4096); len(got) != 1 || got[0] != s {
		t.Errorf("splitHTML(short) = %q, want it unchanged", got)
	}
}

func TestSplitHTMLAtLines(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		b.WriteString("<b>M" + strings.Repeat("9", i%5) + "</b> 张三 — 2/2 ✓ &amp; more\n")
	}
	chunks := checkSplit(t, b.String(), 1000)
	if len(chunks) < 2 {
		t.Fatalf("got %d chunks, want several", len(chunks))
	}
	for i, c := range chunks {
		if !strings.HasSuffix(c, "more") {
			t.Errorf("chunk %d does not end at a line end: ...%q", i, c[max(0, len(c)-20):])
		}
	}
}

func TestSplitHTMLReopensTags(t *testing.T) {
	s := `<a href="https://t.me/x?start=a&amp;b">` + strings.Repeat("链接文本 line\n", 100) + "</a><pre><code class=\"language-text\">" +
		strings.Repeat("code line\n", 100) + "</code></pre>"
	chunks := checkSplit(t, s, 300)
	if len(chunks) < 3 {
		t.Fatalf("got %d chunks, want several", len(chunks))
	}
	if !strings.HasPrefix(chunks[1], `<a href="https://t.me/x?start=a&amp;b">`) {
		t.Errorf("second chunk does not reopen the link: %q", chunks[1][:60])
	}
	last := chunks[len(chunks)-1]
	if !strings.HasPrefix(last, `<pre><code class="language-text">`) || !strings.HasSuffix(last, "</code></pre>") {
		t.Errorf("last chunk does not reopen and close the code block: %q", last)
	}
}

func TestSplitHTMLLongLine(t *testing.T) {
	words := strings.Repeat("volunteer ", 1000) // one line, 10,000 characters
	chunks := checkSplit(t, words, 4096)
	if len(chunks) != 3 {
		t.Errorf("got %d chunks, want 3", len(chunks))
	}
	for i, c := range chunks {
		if !strings.HasSuffix(c, "volunteer") {
			t.Errorf("chunk %d cut inside a word: ...%q", i, c[len(c)-12:])
		}
	}
	// No spaces at all: cut between characters, never inside a reference or
	// a surrogate pair.
	checkSplit(t, strings.Repeat("路灯&amp;𝄞", 3000), 4096)
	checkSplit(t, "<i>"+strings.Repeat("x", 5000)+"</i>", 4096)
}

func TestPlainText(t *testing.T) {
	tests := map[string]string{
		"<b>P3</b> Street &amp; lights":                  "P3 Street & lights",
		`<a href="https://t.me/b?start=join_x">link</a>`: "link (https://t.me/b?start=join_x)",
		`<a href="https://e.org/">https://e.org/</a>`:    "https://e.org/",
		"1 &lt; 2 <i>&quot;ok&quot;</i>":                 `1 < 2 "ok"`,
		"a < b":                                          "a < b",
		"<tg-spoiler>hidden</tg-spoiler> &#20320;":       "hidden 你",
	}
	for in, want := range tests {
		if got := plainText(in); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSplitHTML checks splitHTML's promises on arbitrary text made of
// well-formed Telegram HTML pieces.
func FuzzSplitHTML(f *testing.F) {
	f.Add("a\nb c", 3)
	f.Add("<b>bold\nline</b>\n"+strings.Repeat("x ", 50), 20)
	f.Add("路灯&amp;𝄞\n\n\n<i>x</i>", 8)
	f.Add(strings.Repeat("<a href=\"u\">t</a>\n", 20), 30)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 40 || limit > 5000 || !wellFormed(s) {
			return
		}
		checkSplit(t, s, limit)
	})
}

// wellFormed accepts the inputs splitHTML is given: valid UTF-8 whose tags
// are balanced, short and simple, without stray '<' or '&'.
func wellFormed(s string) bool {
	if strings.ToValidUTF8(s, "\uFFFD") != s || !balanced(s) || strings.TrimSpace(stripTags(s)) == "" {
		return false
	}
	for _, t := range tokenizeHTML(s) {
		switch t.kind {
		case tokOpen, tokClose:
			if len(t.text) > 20 {
				return false
			}
		case tokChar:
			if t.text == "<" || t.text == "&" || t.text == ">" || t.text == "\uFFFD" {
				return false
			}
		}
	}
	return true
}
