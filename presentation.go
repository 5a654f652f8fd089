package lamplighter

import "time"

// Presenter screens (SPEC section 9): /present sends a photo of an
// activity's check-in QR code, and the bot edits that message at each code
// step while the check-in window is open.

// Presentation is one running presenter message.
type Presentation struct {
	ChatID    int64  // the chat of the message (the presenter's private chat, or a group)
	MessageID int    // the photo message edited at each step
	Community string // the activity's community
	Activity  string // A<n>
	Presenter int64  // Telegram id of whoever started it
	Lang      string // "zh" or "en": the caption's language
	Started   time.Time
	// Due is when the screen as first sent changes (the first edit); zero:
	// at once.
	Due time.Time
	// Stopped is set when [Stop] or /present again ended it: the next edit
	// is the closing caption, then the presentation is gone.
	Stopped bool
}

// Group reports whether the presentation's chat is a group (Telegram's
// group chat ids are negative): its edits go at a group's pace.
func (p Presentation) Group() bool { return p.ChatID < 0 }

// PresentationClaim is a presentation one worker may edit now: the claim
// (Token) is its lease, and finishing it with another token does nothing.
type PresentationClaim struct {
	Presentation
	Token int64
}
