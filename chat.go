package lamplighter

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxInputLen is the longest text the handlers act on; longer text is refused.
const MaxInputLen = 4096

// Request is one thing a user did in a chat, already stripped of transport
// details: a command, plain text (an answer in a guided flow), a button press
// or a shared location.
type Request struct {
	UpdateID     int64  // transport's id for idempotency, 0 in the console
	UserID       int64  // Telegram user id of the sender
	ChatID       int64  // where the request came from
	Private      bool   // a one-to-one chat with the bot
	UserName     string // the sender's display name from Telegram, a hint only
	LanguageCode string // Telegram's language_code, a hint for new users

	Text    string // the message text as sent
	Command string // lower-case command without slash or @bot, "" if not a command
	Args    string // text after the command, trimmed

	Callback   string // callback data of a pressed inline button
	CallbackID string // to answer the callback query
	MessageID  int    // the message that carried the button (for edits) or the text

	Location *Location // a shared location, if any

	// ForwardedFromChat is the chat a forwarded message came from (for
	// "/settings notice" by forwarding a channel post), 0 otherwise.
	ForwardedFromChat int64
	ReplyToMessageID  int // the message this one replies to, 0 if none

	// PhotoID is the Telegram file id of a photo sent with the message
	// (its largest size), "" when none; the caption is Text.
	PhotoID string
}

// Location is a point shared by the user.
type Location struct {
	Latitude  float64
	Longitude float64
	Live      bool // a live location (live_period set), not a dropped pin
	Forwarded bool
	// Accuracy is Telegram's horizontal_accuracy in meters, 0 when it sent none.
	Accuracy float64
	// At is when Telegram received the position (the message's date, or the
	// edit's for an Update), the zero time when unknown (the console). It
	// times a live location's moves, which a backlog of updates delivered
	// at once would not.
	At time.Time
	// Update marks a later position of a live location already being shared
	// (Telegram sends it as an edit of the first message). Handlers answer
	// an update only when it changes something, so a member walking up to an
	// activity is checked in on arrival without a reply to every tick.
	Update bool
}

// Reply is one message the bot sends in answer to a Request, either to the
// requester's chat (ChatID 0) or to someone else (ChatID set, ToLabel names them
// for the console).
type Reply struct {
	ChatID  int64  // 0: the chat of the request
	ToLabel string // "M3 (Li Wei)" when addressed to someone other than the requester
	Text    string // Telegram HTML: user text must be escaped with html.EscapeString

	Buttons         [][]Button // inline keyboard
	Choices         []string   // reply keyboard of plain text choices (e.g. skills); typed back as text
	RequestLocation bool       // reply keyboard with a "share location" button
	RemoveKeyboard  bool       // remove a reply keyboard shown earlier

	Edit bool  // replace the message that carried the pressed button (paging)
	File *File // a document or photo; Text becomes its caption

	// CallbackAnswer, when set, is shown as a toast for a pressed button.
	CallbackAnswer string

	// SetMenu, when "member" or "committee", asks the adapter to show that
	// command menu in this chat from now on (Telegram setMyCommands, chat scope).
	// "member+app" is the member menu with the Mini App as the chat's menu
	// button, which the committee's menu always has (a team leader, a liaison).
	SetMenu string

	// Present, when set, makes the message sent a presenter screen: the
	// adapter registers it (with the chat and the id of the message sent)
	// so that the presenter worker edits it at each code step.
	Present *Presentation
}

// MenuCommand is one entry of a chat's command menu.
type MenuCommand struct {
	Command     string // without the slash
	Description string
}

// Button is an inline button: callback Data (at most 64 bytes) or a URL.
type Button struct {
	Text string
	Data string
	URL  string
	// WebApp is the HTTPS URL of a Mini App the button opens inside
	// Telegram (a web_app button; private chats only).
	WebApp string
}

// File is an attachment sent with a reply.
type File struct {
	Name  string
	MIME  string
	Data  []byte
	Photo bool // send as a photo (PNG/JPEG) rather than a document
	// TelegramID, when set, sends a file Telegram already has by its file
	// id (a photo a user sent, SPEC section 10) instead of Data.
	TelegramID string
	// Path, when set, is a file on this machine's disk holding the bytes
	// instead of Data, Size bytes long: a large file written as it was
	// produced (file.go). Only the process that wrote it sends it.
	Path string
	Size int64
}

// ParseCommand splits a message into a lower-case command and its arguments.
// It accepts "/cmd", "/cmd@BotName" (only when BotName matches botUsername, or
// botUsername is empty) and leading whitespace; the command ends at the first
// whitespace, whatever came before it in bytes or UTF-16 units. ok is false for
// text that is not a command, or a command addressed to another bot.
func ParseCommand(text, botUsername string) (cmd, args string, ok bool) {
	t := strings.TrimLeftFunc(text, unicode.IsSpace)
	if !strings.HasPrefix(t, "/") {
		return "", "", false
	}
	t = t[1:]
	end := strings.IndexFunc(t, unicode.IsSpace)
	head, rest := t, ""
	if end >= 0 {
		head, rest = t[:end], t[end:]
	}
	if at := strings.IndexByte(head, '@'); at >= 0 {
		target := head[at+1:]
		head = head[:at]
		if botUsername != "" && !strings.EqualFold(target, botUsername) {
			return "", "", false
		}
	}
	if head == "" || len(head) > 32 {
		return "", "", false
	}
	for _, r := range head {
		if r >= utf8.RuneSelf || !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return "", "", false
		}
	}
	return strings.ToLower(head), strings.TrimSpace(rest), true
}
