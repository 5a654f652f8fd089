package lamplighter

import (
	"fmt"
	"html"
	"strconv"
	"strings"
)

// Template is a reply that many recipients share, each receiving some of its
// parts with values of their own: a reminder run's text and buttons are
// written once per language, and a member's figures are put in only when the
// message is sent (OutMessage.Template). A part's text is Telegram HTML; a
// value is plain text, escaped as it is put in.
type Template struct {
	Parts []TemplatePart `json:"p"`
}

// TemplatePart is one piece of a Template: its text, with slots for values,
// and the button rows it adds to the reply.
type TemplatePart struct {
	// Text is HTML in pieces: the value numbered Slots[i] goes between
	// Text[i] and Text[i+1].
	Text    []string   `json:"t"`
	Slots   []int      `json:"s,omitempty"`
	Buttons [][]Button `json:"b,omitempty"`
}

// MaxTemplateParts bounds a Template's parts: a message picks its parts by
// the bits of a uint64.
const MaxTemplateParts = 64

// slotMark brackets a slot's number in text written with Slot.
const slotMark = "\x00\x1e"

// Slot stands for value n while a template's text is written with fmt
// (whatever the verb: %d, %s, %v): it prints as a marker that
// NewTemplatePart turns into a slot.
type Slot int

// Format prints s as its marker.
func (s Slot) Format(f fmt.State, _ rune) {
	_, _ = f.Write([]byte(slotMark + strconv.Itoa(int(s)) + slotMark))
}

// NewTemplatePart returns the part of text (written with Slot for its
// values) and buttons. Text without a slot is one piece.
func NewTemplatePart(text string, buttons [][]Button) TemplatePart {
	p := TemplatePart{Buttons: buttons}
	for {
		i := strings.Index(text, slotMark)
		if i < 0 {
			break
		}
		rest := text[i+len(slotMark):]
		j := strings.Index(rest, slotMark)
		n, err := strconv.Atoi(rest[:max(j, 0)])
		if j < 0 || err != nil || n < 0 {
			break
		}
		p.Text = append(p.Text, text[:i])
		p.Slots = append(p.Slots, n)
		text = rest[j+len(slotMark):]
	}
	p.Text = append(p.Text, text)
	return p
}

// Render returns the reply made of the parts that parts selects (bit i:
// part i), in order, with values in their slots, HTML-escaped; a slot with
// no value is left empty. Button rows are copied, so the reply may be
// changed without changing t.
func (t *Template) Render(parts uint64, values []string) Reply {
	var b strings.Builder
	var rows [][]Button
	for i := range t.Parts {
		if i >= MaxTemplateParts || parts&(1<<i) == 0 {
			continue
		}
		p := &t.Parts[i]
		for j, piece := range p.Text {
			b.WriteString(piece)
			if j < len(p.Slots) && p.Slots[j] < len(values) && p.Slots[j] >= 0 {
				b.WriteString(html.EscapeString(values[p.Slots[j]]))
			}
		}
		for _, row := range p.Buttons {
			rows = append(rows, append([]Button(nil), row...))
		}
	}
	return Reply{Text: b.String(), Buttons: rows}
}

// validate reports whether parts selects only parts t has, and at least one
// with text.
func (t *Template) validate(parts uint64) bool {
	if parts == 0 || len(t.Parts) < MaxTemplateParts && parts>>len(t.Parts) != 0 {
		return false
	}
	for i := range t.Parts {
		if i < MaxTemplateParts && parts&(1<<i) != 0 {
			for _, piece := range t.Parts[i].Text {
				if strings.TrimSpace(piece) != "" {
					return true
				}
			}
		}
	}
	return false
}
