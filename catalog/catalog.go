// Package catalog holds every message of the Lamplighter conversation, once
// per language (zh and en), keyed by message id: the handlers' replies, the
// texts the Telegram adapter writes itself (bot.go) and the chart's labels
// (report.go). It imports only the standard library, so every package that
// shows text can import it.
//
// A message is a fmt format. Arguments may be reordered in a translation with
// explicit indexes (%[2]s before %[1]d); both languages of a message take the
// same verbs (a test checks it). Messages whose wording depends on a count
// have plural forms: a Plural with One and Other; Chinese has a single form,
// so its Plural sets Other only. Plural picks the form by the count.
//
// Why not golang.org/x/text/message: its catalogs are built by a generator
// (gotext extract/generate) from the source, a build step that every change of
// a message would have to go through, and it brings the CLDR plural rules of
// every language. Two languages need one rule each (en: n == 1 is "one";
// zh: always "other"), which fits in a few lines of the standard library.
// The package is modeled on the small locale packages of projects such as
// miniflux: plain maps, a lookup with fallback, fmt for formatting.
package catalog

import (
	"fmt"
	"sort"
)

// Languages are the languages of the catalog, in display order.
var Languages = []string{"zh", "en"}

// Fallback is the language used when a message is missing in the requested one.
const Fallback = "en"

// Form is a plural form of a message selected by a count.
type Form struct {
	One   string // n == 1 (en); empty where the language has one form
	Other string // every other count, and the only form in zh
}

// messages holds every message, by language then id.
var messages = map[string]map[string]string{}

// plurals holds the messages with plural forms, by language then id.
var plurals = map[string]map[string]Form{}

// The catalog's parts, one per file: every message and plural form is in
// one of them, so the tests, which read messages and plurals, see them all.
func init() {
	for _, parts := range []map[string]map[string]string{
		{"en": en, "zh": zh},
		{"en": enDelivery, "zh": zhDelivery},
		{"en": enLedger, "zh": zhLedger},
		{"en": enBot, "zh": zhBot},
		{"en": enChart, "zh": zhChart},
		{"en": enPresent, "zh": zhPresent},
		{"en": enStatement, "zh": zhStatement},
		{"en": enMiniApp, "zh": zhMiniApp},
		{"en": enMiniAppCommittee, "zh": zhMiniAppCommittee},
		{"en": enActBC, "zh": zhActBC},
		{"en": enWaitlist, "zh": zhWaitlist},
		{"en": enUnits, "zh": zhUnits},
		{"en": enNeeds, "zh": zhNeeds},
		{"en": enMember, "zh": zhMember},
		{"en": enFiles, "zh": zhFiles},
		{"en": enMiniAppNeeds, "zh": zhMiniAppNeeds},
	} {
		for lang, msgs := range parts {
			if messages[lang] == nil {
				messages[lang] = map[string]string{}
			}
			for id, msg := range msgs {
				if _, dup := messages[lang][id]; dup {
					panic(fmt.Sprintf("catalog: message %q is defined twice in %s", id, lang))
				}
				messages[lang][id] = msg
			}
		}
	}
	for _, parts := range []map[string]map[string]Form{
		{"en": enPlural, "zh": zhPlural},
		{"en": enChartPlural, "zh": zhChartPlural},
	} {
		for lang, forms := range parts {
			if plurals[lang] == nil {
				plurals[lang] = map[string]Form{}
			}
			for id, f := range forms {
				if _, dup := plurals[lang][id]; dup {
					panic(fmt.Sprintf("catalog: plural %q is defined twice in %s", id, lang))
				}
				plurals[lang][id] = f
			}
		}
	}
	for lang, forms := range plurals {
		for id := range forms {
			if _, dup := messages[lang][id]; dup {
				panic(fmt.Sprintf("catalog: message %q is both plain and plural in %s", id, lang))
			}
		}
	}
}

// Lookup returns the format of message id in lang, falling back to
// Fallback; ok is false when neither has it.
func Lookup(lang, id string) (msg string, ok bool) {
	if msg, ok = messages[lang][id]; ok {
		return msg, true
	}
	msg, ok = messages[Fallback][id]
	return msg, ok
}

// Text formats message id in lang with args. A missing message returns id.
func Text(lang, id string, args ...any) string {
	msg, ok := Lookup(lang, id)
	if !ok {
		return id
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// LookupPlural returns the format of plural message id in lang for count n.
func LookupPlural(lang, id string, n int) (msg string, ok bool) {
	f, ok := plurals[lang][id]
	if !ok {
		if f, ok = plurals[Fallback][id]; !ok {
			return "", false
		}
		lang = Fallback
	}
	if n == 1 && f.One != "" && lang == "en" {
		return f.One, true
	}
	return f.Other, true
}

// Plural formats the form of plural message id in lang chosen by n. n is
// not passed to the format by itself: include it in args where the message
// shows it. A missing message returns id.
func Plural(lang, id string, n int, args ...any) string {
	msg, ok := LookupPlural(lang, id, n)
	if !ok {
		return id
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Messages returns the plain messages of lang (a copy), for tests and tools.
func Messages(lang string) map[string]string {
	out := make(map[string]string, len(messages[lang]))
	for id, msg := range messages[lang] {
		out[id] = msg
	}
	return out
}

// Plurals returns the plural messages of lang (a copy).
func Plurals(lang string) map[string]Form {
	out := make(map[string]Form, len(plurals[lang]))
	for id, f := range plurals[lang] {
		out[id] = f
	}
	return out
}

// IDs returns every message id of lang, plain and plural, sorted.
func IDs(lang string) []string {
	var ids []string
	for id := range messages[lang] {
		ids = append(ids, id)
	}
	for id := range plurals[lang] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
