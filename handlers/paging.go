package handlers

import (
	"strings"
	"unicode/utf8"

	ll "github.com/lamplighter-bot/lamplighter"
)

// pageSize is how many items one page of a list shows.
const pageSize = 8

// pageBounds returns the slice [from, to) of n items shown on page (from 1),
// the page actually shown (a page past the end shows the last one, as a list
// may have shrunk since its buttons were sent) and the number of pages.
func pageBounds(n, page int) (from, to, shown, pages int) {
	pages = (n + pageSize - 1) / pageSize
	if pages == 0 {
		pages = 1
	}
	shown = min(max(page, 1), pages)
	from = (shown - 1) * pageSize
	to = min(from+pageSize, n)
	return from, to, shown, pages
}

// navRow is the [‹] [›] row of a paged list, nil when it has one page.
func navRow(list string, page, pages int, query string) []ll.Button {
	if pages <= 1 {
		return nil
	}
	var row []ll.Button
	if page > 1 {
		row = append(row, pageButton("‹", list, page-1, query))
	}
	if page < pages {
		row = append(row, pageButton("›", list, page+1, query))
	}
	return row
}

// pageFooter tells which page is shown, empty for a single page.
func (c *call) pageFooter(page, pages int) string {
	if pages <= 1 {
		return ""
	}
	return "\n\n" + c.t("page.footer", page, pages)
}

// appendRow adds row to rows unless it is empty.
func appendRow(rows [][]ll.Button, row []ll.Button) [][]ll.Button {
	if len(row) == 0 {
		return rows
	}
	return append(rows, row)
}

// maxMessageLen is where a long answer is split into several messages,
// below Telegram's 4096 characters to leave room for a header line.
const maxMessageLen = 3500

// chunks joins header and lines into as few messages as fit maxMessageLen,
// splitting between lines, never inside one.
func chunks(header string, lines []string) []string {
	var (
		out []string
		b   strings.Builder
		n   int
	)
	b.WriteString(header)
	n = utf8.RuneCountInString(header)
	for _, l := range lines {
		ln := utf8.RuneCountInString(l) + 1
		if n+ln > maxMessageLen && b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
			n = 0
		} else if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(l)
		n += ln
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}
