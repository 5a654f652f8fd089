package bot

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Telegram HTML (https://core.telegram.org/bots/api#html-style) is split into
// messages and stripped for the terminal with this small tokenizer: tags,
// character references and single characters.

type tokenKind uint8

const (
	tokChar tokenKind = iota
	tokSpace
	tokNewline
	tokOpen
	tokClose
	tokEntity
)

type htmlToken struct {
	text  string
	kind  tokenKind
	name  string // tag name of an open or close tag, lower case
	units int    // length in UTF-16 code units
}

// tokenizeHTML splits s into tokens. A '<' that does not start a tag and a
// '&' that does not start a reference are plain characters.
func tokenizeHTML(s string) []htmlToken {
	toks := make([]htmlToken, 0, len(s))
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '<':
			if t, ok := scanTag(s[i:]); ok {
				toks = append(toks, t)
				i += len(t.text)
				continue
			}
		case c == '&':
			if n := scanEntity(s[i:]); n > 0 {
				toks = append(toks, htmlToken{text: s[i : i+n], kind: tokEntity, units: n})
				i += n
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		kind := tokChar
		switch {
		case r == '\n':
			kind = tokNewline
		case unicode.IsSpace(r):
			kind = tokSpace
		}
		toks = append(toks, htmlToken{text: s[i : i+size], kind: kind, units: utf16Len(r)})
		i += size
	}
	return toks
}

// scanTag reads "<name ...>" or "</name>" at the start of s.
func scanTag(s string) (htmlToken, bool) {
	end := strings.IndexByte(s, '>')
	if end < 0 || strings.IndexByte(s[1:end], '<') >= 0 {
		return htmlToken{}, false
	}
	body := s[1:end]
	kind := tokOpen
	if strings.HasPrefix(body, "/") {
		kind, body = tokClose, body[1:]
	}
	n := 0
	for n < len(body) && (isASCIILetter(body[n]) || n > 0 && (body[n] == '-' || body[n] >= '0' && body[n] <= '9')) {
		n++
	}
	if n == 0 || n < len(body) && body[n] != ' ' && body[n] != '\t' && body[n] != '\n' {
		return htmlToken{}, false
	}
	text := s[:end+1]
	return htmlToken{text: text, kind: kind, name: strings.ToLower(body[:n]), units: utf16Count(text)}, true
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// scanEntity returns the length of "&name;" or "&#123;" at the start of s, 0
// if there is none.
func scanEntity(s string) int {
	for i := 1; i < len(s) && i <= 12; i++ {
		c := s[i]
		if c == ';' {
			if i == 1 {
				return 0
			}
			return i + 1
		}
		if !(isASCIILetter(c) || c >= '0' && c <= '9' || c == '#' && i == 1) {
			return 0
		}
	}
	return 0
}

// splitHTML splits Telegram HTML into messages of at most limit UTF-16 code
// units, tags included, so each fits whatever Telegram counts. It cuts after
// a line when it can, else after a space, else between two characters; it
// never cuts inside a tag or a character reference, closes the tags open at
// a cut and opens them again in the next part. No text is lost: only the
// whitespace at a cut is dropped.
func splitHTML(s string, limit int) []string {
	if utf16Count(s) <= limit {
		return []string{s}
	}
	toks := tokenizeHTML(s)
	var (
		chunks []string
		stack  []htmlToken // tags open where the next chunk starts
	)
	type cut struct {
		next  int // first token of the next chunk
		len   int // bytes of the chunk
		stack []htmlToken
	}
	for i := 0; i < len(toks); {
		var b strings.Builder
		for _, t := range stack {
			b.WriteString(t.text)
		}
		prefix := b.Len()
		size := utf16Count(b.String())
		open := clone(stack)
		var atLine, atSpace *cut
		j := i
		for ; j < len(toks); j++ {
			t := toks[j]
			after := applyTag(clone(open), t)
			if j > i && size+t.units+closersLen(after) > limit {
				break
			}
			b.WriteString(t.text)
			size += t.units
			open = after
			switch t.kind {
			case tokNewline:
				atLine = &cut{j + 1, b.Len(), clone(open)}
			case tokSpace:
				atSpace = &cut{j + 1, b.Len(), clone(open)}
			}
		}
		if j == len(toks) {
			chunks = appendChunk(chunks, b.String(), prefix, open)
			break
		}
		c := atLine
		if c == nil {
			c = atSpace
		}
		if c == nil {
			c = &cut{j, b.Len(), clone(open)}
		}
		chunks = appendChunk(chunks, b.String()[:c.len], prefix, c.stack)
		stack, i = c.stack, c.next
	}
	return chunks
}

// appendChunk closes the open tags of a chunk, trims the whitespace at its
// edges and appends it unless it shows no text at all.
func appendChunk(chunks []string, body string, prefix int, open []htmlToken) []string {
	body = body[:prefix] + strings.TrimLeft(body[prefix:], "\n")
	body = strings.TrimRightFunc(body, unicode.IsSpace)
	var b strings.Builder
	b.WriteString(body)
	for k := len(open) - 1; k >= 0; k-- {
		b.WriteString("</" + open[k].name + ">")
	}
	chunk := b.String()
	if strings.TrimSpace(stripTags(chunk)) == "" {
		return chunks
	}
	return append(chunks, chunk)
}

// applyTag updates the stack of open tags with t.
func applyTag(open []htmlToken, t htmlToken) []htmlToken {
	switch t.kind {
	case tokOpen:
		return append(open, t)
	case tokClose:
		for k := len(open) - 1; k >= 0; k-- {
			if open[k].name == t.name {
				return open[:k]
			}
		}
	}
	return open
}

func closersLen(open []htmlToken) int {
	n := 0
	for _, t := range open {
		n += len("</>") + len(t.name)
	}
	return n
}

func clone(s []htmlToken) []htmlToken { return append([]htmlToken(nil), s...) }

// stripTags removes the tags of s, keeping character references.
func stripTags(s string) string {
	var b strings.Builder
	for _, t := range tokenizeHTML(s) {
		if t.kind != tokOpen && t.kind != tokClose {
			b.WriteString(t.text)
		}
	}
	return b.String()
}

// plainText renders Telegram HTML for a terminal: tags removed, character
// references decoded, and a link's address after its text when they differ.
func plainText(s string) string {
	var (
		b         strings.Builder
		href      string
		linkStart = -1
	)
	for _, t := range tokenizeHTML(s) {
		switch t.kind {
		case tokOpen:
			if t.name == "a" {
				href, linkStart = attr(t.text, "href"), b.Len()
			}
		case tokClose:
			if t.name == "a" && linkStart >= 0 {
				label := html.UnescapeString(b.String()[linkStart:])
				if href != "" && label != html.UnescapeString(href) {
					b.WriteString(" (" + href + ")")
				}
				href, linkStart = "", -1
			}
		default:
			b.WriteString(t.text)
		}
	}
	return html.UnescapeString(b.String())
}

// attr returns the value of a double- or single-quoted attribute of a tag.
func attr(tag, name string) string {
	for _, q := range []string{`"`, `'`} {
		key := name + "=" + q
		if i := strings.Index(tag, key); i >= 0 {
			rest := tag[i+len(key):]
			if j := strings.Index(rest, q); j >= 0 {
				return rest[:j]
			}
		}
	}
	return ""
}
