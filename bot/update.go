package bot

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter"
)

// chatKey is the chat an update belongs to, for keeping a chat's updates in
// order; 0 for updates without a chat (they are ignored anyway).
func chatKey(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		if m := u.CallbackQuery.Message.Message; m != nil {
			return m.Chat.ID
		}
		if m := u.CallbackQuery.Message.InaccessibleMessage; m != nil {
			return m.Chat.ID
		}
		return u.CallbackQuery.From.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	return 0
}

// toRequest turns an update into the Request the handlers see. ok is false
// for updates the bot does not act on: other kinds of update, messages from
// bots or channels, messages with neither text, caption nor location, and
// button presses on inline-mode messages.
//
// Commands are parsed by lamplighter.ParseCommand from the start of the text
// ("/claim@MyBot P3"; a command for another bot is not a command). Failing
// that, Telegram's first bot_command entity counts when it starts the text
// or, in a private chat, wherever it is ("请 /help"); entity offsets are
// UTF-16 units and are converted, never compared with byte offsets. A
// forwarded message is never a command: the sender did not type it.
//
// A location is live when Telegram set its live_period; its
// horizontal_accuracy (meters, absent for most pins) becomes
// Location.Accuracy and its date (an edit's edit_date) Location.At, for the
// message and for each edited_message that carries a new position of a
// live location.
func toRequest(u *models.Update, botUsername string) (req lamplighter.Request, ok bool) {
	req.UpdateID = u.ID
	switch {
	case u.CallbackQuery != nil:
		cq := u.CallbackQuery
		if cq.From.IsBot || cq.From.ID == 0 {
			return req, false
		}
		var chat models.Chat
		switch {
		case cq.Message.Message != nil:
			chat, req.MessageID = cq.Message.Message.Chat, cq.Message.Message.ID
		case cq.Message.InaccessibleMessage != nil:
			chat, req.MessageID = cq.Message.InaccessibleMessage.Chat, cq.Message.InaccessibleMessage.MessageID
		default:
			return req, false // a button on an inline-mode message: not ours
		}
		setUser(&req, &cq.From, chat)
		req.Callback = cq.Data
		req.CallbackID = cq.ID
		return req, true

	case u.EditedMessage != nil:
		// A live location being shared sends its new positions as edits of
		// the first message. Only those reach the handlers; an edited text is
		// not a new request.
		m := u.EditedMessage
		if m.From == nil || m.From.IsBot || m.Location == nil || m.Location.LivePeriod == 0 || m.ForwardOrigin != nil {
			return req, false
		}
		setUser(&req, m.From, m.Chat)
		req.MessageID = m.ID
		req.Location = &lamplighter.Location{
			Latitude:  m.Location.Latitude,
			Longitude: m.Location.Longitude,
			Live:      true,
			Accuracy:  m.Location.HorizontalAccuracy,
			At:        telegramTime(m.EditDate, m.Date),
			Update:    true,
		}
		return req, true

	case u.Message != nil:
		m := u.Message
		if m.From == nil || m.From.IsBot { // anonymous admins post as a bot
			return req, false
		}
		text, entities := m.Text, m.Entities
		if text == "" && m.Caption != "" {
			text, entities = m.Caption, m.CaptionEntities
		}
		if text == "" && m.Location == nil && len(m.Photo) == 0 {
			return req, false
		}
		if len(m.Photo) > 0 && m.ForwardOrigin == nil {
			req.PhotoID = m.Photo[len(m.Photo)-1].FileID // the sizes come smallest first
		}
		setUser(&req, m.From, m.Chat)
		req.Text = text
		req.MessageID = m.ID
		if m.ReplyToMessage != nil {
			req.ReplyToMessageID = m.ReplyToMessage.ID
		}
		if o := m.ForwardOrigin; o != nil {
			switch {
			case o.MessageOriginChannel != nil:
				req.ForwardedFromChat = o.MessageOriginChannel.Chat.ID
			case o.MessageOriginChat != nil:
				req.ForwardedFromChat = o.MessageOriginChat.SenderChat.ID
			}
		}
		if m.Location != nil {
			req.Location = &lamplighter.Location{
				Latitude:  m.Location.Latitude,
				Longitude: m.Location.Longitude,
				Live:      m.Location.LivePeriod > 0,
				Forwarded: m.ForwardOrigin != nil,
				Accuracy:  m.Location.HorizontalAccuracy,
				At:        telegramTime(m.Date),
			}
		}
		if text != "" && m.ForwardOrigin == nil {
			req.Command, req.Args, _ = parseCommand(text, entities, botUsername, req.Private)
		}
		return req, true
	}
	return req, false
}

// telegramTime is the first of Telegram's unix times that is set, in UTC;
// the zero time when none is.
func telegramTime(unix ...int) time.Time {
	for _, t := range unix {
		if t > 0 {
			return time.Unix(int64(t), 0).UTC()
		}
	}
	return time.Time{}
}

// setUser fills the sender and chat fields of req.
func setUser(req *lamplighter.Request, from *models.User, chat models.Chat) {
	req.UserID = from.ID
	req.ChatID = chat.ID
	req.Private = chat.Type == models.ChatTypePrivate
	req.UserName = displayName(from)
	req.LanguageCode = from.LanguageCode
}

// displayName is the user's name as Telegram shows it.
func displayName(u *models.User) string {
	name := strings.TrimSpace(strings.TrimSpace(u.FirstName) + " " + strings.TrimSpace(u.LastName))
	if name == "" {
		name = u.Username
	}
	return name
}

// parseCommand finds the command of a message; see toRequest.
func parseCommand(text string, entities []models.MessageEntity, botUsername string, anywhere bool) (cmd, args string, ok bool) {
	if cmd, args, ok := lamplighter.ParseCommand(text, botUsername); ok {
		return cmd, args, true
	}
	for _, e := range entities {
		if e.Type != models.MessageEntityTypeBotCommand {
			continue
		}
		start, end, ok := utf16Span(text, e.Offset, e.Length)
		if !ok {
			return "", "", false
		}
		if !anywhere && strings.TrimSpace(text[:start]) != "" {
			return "", "", false
		}
		cmd, _, ok := lamplighter.ParseCommand(text[start:end], botUsername)
		if !ok {
			return "", "", false
		}
		return cmd, strings.TrimSpace(text[end:]), true
	}
	return "", "", false
}

// utf16Span converts an entity's offset and length, in UTF-16 code units,
// into byte offsets of s. ok is false when the span is empty, outside s or
// splits a character.
func utf16Span(s string, offset, length int) (start, end int, ok bool) {
	if offset < 0 || length <= 0 {
		return 0, 0, false
	}
	start, end = -1, -1
	units := 0
	for i, r := range s {
		if units == offset {
			start = i
		}
		if units == offset+length {
			end = i
			break
		}
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return 0, 0, false // not UTF-8: Telegram never sends that
			}
		}
		units += utf16Len(r)
	}
	if end < 0 && units == offset+length {
		end = len(s)
	}
	if start < 0 || end < 0 || start >= end {
		return 0, 0, false
	}
	return start, end, true
}

// utf16Len is the number of UTF-16 code units of r.
func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// utf16Count is the length of s in UTF-16 code units, Telegram's measure.
func utf16Count(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}
