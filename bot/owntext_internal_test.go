package bot

import (
	"testing"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/catalog"
)

// TestOwnText checks that every catalog message the adapter writes itself
// is in both languages, and that a language the catalog does not have gets
// lamplighter.DefaultLanguage's text.
func TestOwnText(t *testing.T) {
	for _, id := range []string{"bot.apology", "bot.flood", "bot.file_refused", "button.share_location"} {
		for _, lang := range catalog.Languages {
			want, ok := catalog.Messages(lang)[id]
			if !ok {
				t.Errorf("message %q missing in %s", id, lang)
				continue
			}
			if got := ownText(lang, id); got != want {
				t.Errorf("ownText(%s, %s) = %q, want %q", lang, id, got, want)
			}
		}
		want := catalog.Messages(lamplighter.DefaultLanguage)[id]
		for _, lang := range []string{"", "fr"} {
			if got := ownText(lang, id); got != want {
				t.Errorf("ownText(%q, %s) = %q, want the %s text %q", lang, id, got, lamplighter.DefaultLanguage, want)
			}
		}
	}
}
