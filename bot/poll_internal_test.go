package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLogSnippet(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes
	for _, c := range []struct {
		name, body, want string
	}{
		{"empty", "", ""},
		{"plain text", "Bad Gateway", "Bad Gateway"},
		{"html", "<html>\r\n<head><title>502 Bad Gateway</title></head>\n\t<body>\n</body>\n</html>\n",
			"<html> <head><title>502 Bad Gateway</title></head> <body> </body> </html>"},
		{"invalid UTF-8", "bad \xff\xfe byte", "bad \uFFFD\uFFFD byte"},
		{"control characters", "a\x00b\x1bc", "a b c"},
		{"token", "no route for /bot123:SECRET/getUpdates", "no route for /bot<token>/getUpdates"},
		{"cut at a character", long, strings.Repeat("é", 100) + "…"},
	} {
		got := logSnippet([]byte(c.body), "123:SECRET")
		if got != c.want {
			t.Errorf("%s: logSnippet(%q) = %q, want %q", c.name, c.body, got, c.want)
		}
		if !utf8.ValidString(got) || len(got) > snippetLen+len("…") {
			t.Errorf("%s: logSnippet(%q) = %q: not valid UTF-8 or longer than %d bytes", c.name, c.body, got, snippetLen)
		}
	}
}
