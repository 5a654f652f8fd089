package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter"
)

// Bot API limits, in UTF-16 code units.
const (
	maxMessageLen = 4096
	maxCaptionLen = 1024
	maxAttempts   = 5 // per Bot API call, counting 429 retries
)

// ErrUnreachable is returned (wrapped) when Telegram refuses to deliver to a
// chat for good: 403 Forbidden (blocked, deactivated, kicked) or 400 "chat
// not found". For a private chat the user is also marked unreachable in the
// Store. Retrying does not help.
var ErrUnreachable = errors.New("chat unreachable")

// RetryAfterError is returned by Deliver when Telegram answered 429 Too Many
// Requests before anything was sent: nothing was delivered, and the chat (or
// the whole bot) should wait After before trying again.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

// Error says how long to wait and why.
func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("retry after %s: %v", e.After, e.Err)
}

// Unwrap returns the library's *bot.TooManyRequestsError.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// Outgoing is one message for Deliver.
type Outgoing struct {
	ChatID int64
	// Reply is what to send; its ChatID and CallbackAnswer are ignored.
	Reply lamplighter.Reply
	// EditMessageID is the message Reply.Edit replaces (a broadcast's
	// progress message); a new message is sent when it is 0 or cannot be
	// edited.
	EditMessageID int
	// Lang is "zh" or "en": the language of the labels the adapter writes
	// itself (the location button) and of a Reply.SetMenu menu.
	// lamplighter.DefaultLanguage when empty.
	Lang string
	// Paid sends it with allow_paid_broadcast (a broadcast's message when
	// LAMPLIGHTER_PAID_BROADCAST is on): Telegram then takes up to 1,000
	// messages a second from the bot, for a fee per message.
	Paid bool
}

// Deliver sends one message that is not an immediate reply (the outbox
// sender's path) and returns the id of the last message sent or edited.
//
// A 429 before any part went out is returned as *RetryAfterError without
// waiting, so the caller can hold the chat; once a part of a long message
// was sent, the rest waits out 429s, so a message is never left half-sent
// or sent twice by a retry. ErrUnreachable (wrapped) means 403 or "chat not
// found" (the private chat's user is marked unreachable). Other errors are
// transient or unknown. Safe for concurrent use, also while Run is running.
func (t *Telegram) Deliver(ctx context.Context, m Outgoing) (int, error) {
	if m.ChatID == 0 {
		return 0, errors.New("telegram deliver: no chat")
	}
	lang := m.Lang
	if !lamplighter.ValidLanguage(lang) {
		lang = lamplighter.DefaultLanguage
	}
	id, err := t.send(ctx, outgoing{chatID: m.ChatID, editID: m.EditMessageID, lang: lang, reply: m.Reply, paid: m.Paid}, false)
	if err != nil {
		t.stats.sendErrors.Add(1)
		return id, fmt.Errorf("telegram deliver to %d: %w", m.ChatID, err)
	}
	return id, nil
}

// outgoing is a reply on its way to a chat.
type outgoing struct {
	chatID int64
	editID int    // message to edit when reply.Edit
	lang   string // "zh" or "en"
	reply  lamplighter.Reply
	paid   bool // allow_paid_broadcast (outbox broadcasts only, never replies)
}

// send delivers o and returns the id of the last message sent or edited.
// With waitAll every 429 is waited out (up to maxAttempts per call);
// without, only the ones after a first part went out.
func (t *Telegram) send(ctx context.Context, o outgoing, waitAll bool) (int, error) {
	r := o.reply
	if r.SetMenu != "" {
		t.setChatMenu(ctx, o.chatID, r.SetMenu, o.lang)
		t.setChatMenuButton(ctx, o.chatID, r.SetMenu, o.lang)
	}
	if strings.TrimSpace(r.Text) == "" && r.File == nil {
		return 0, nil
	}
	inline, keyboard := markups(r, o.lang)
	if inline != nil && keyboard != nil {
		t.log.Debug("reply has inline buttons and a reply keyboard; Telegram takes one, sending the buttons", "chat_id", o.chatID)
	}

	var chunks []string
	if strings.TrimSpace(r.Text) != "" {
		chunks = splitHTML(r.Text, maxMessageLen)
	}
	sent := false // a part went out: from now on wait out every 429
	wait := func() bool { return waitAll || sent }
	lastID := 0

	if r.File != nil {
		caption := ""
		if len(chunks) == 1 && utf16Count(r.Text) <= maxCaptionLen {
			caption, chunks = r.Text, nil
		}
		var markup any
		if len(chunks) == 0 {
			markup = firstNonNil(inline, keyboard)
		}
		id, err := t.sendFile(ctx, o.chatID, r.File, caption, markup, o.paid, wait())
		if err != nil {
			if unreachable(err) || ctx.Err() != nil {
				return 0, err
			}
			// Telegram refused the file (too big, a bad image, a server
			// without the method): say so in text instead of leaving the
			// person waiting for a file that never comes.
			t.log.Warn("send file refused; telling the chat in text", "chat_id", o.chatID, "err", t.clean(err))
			note := ownText(o.lang, "bot.file_refused")
			if caption != "" {
				note = caption + "\n\n" + note
			}
			chunks = append([]string{note}, chunks...) // sent below, with the buttons
		} else {
			sent, lastID = true, id
		}
	}

	if o.editID != 0 && r.Edit && r.File == nil && len(chunks) == 1 && keyboard == nil {
		id, err := t.edit(ctx, o.chatID, o.editID, chunks[0], inline, wait())
		if err == nil {
			return id, nil
		}
		if !editFallsBack(err) {
			return 0, err
		}
		t.log.Debug("message cannot be edited; sending a new one", "chat_id", o.chatID, "message_id", o.editID, "err", t.clean(err))
	}

	for i, chunk := range chunks {
		var markup any
		if i == len(chunks)-1 {
			markup = firstNonNil(inline, keyboard)
		}
		var msg *models.Message
		err := t.call(ctx, o.chatID, wait(), func(ctx context.Context) (err error) {
			msg, err = t.api.SendMessage(ctx, &tg.SendMessageParams{
				ChatID:             o.chatID,
				Text:               chunk,
				ParseMode:          models.ParseModeHTML,
				LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()},
				ReplyMarkup:        markup,
				AllowPaidBroadcast: o.paid,
			})
			return err
		})
		if err != nil {
			if sent {
				return lastID, fmt.Errorf("part %d of %d: %w", i+1, len(chunks), err)
			}
			return 0, err
		}
		sent, lastID = true, msg.ID
	}
	return lastID, nil
}

// firstNonNil returns the inline markup if there is one, else the keyboard.
// Telegram takes one reply_markup per message; inline buttons win.
func firstNonNil(inline *inlineKeyboard, keyboard any) any {
	if inline != nil {
		return inline
	}
	return keyboard
}

// edit replaces a message's text and inline keyboard; "message is not
// modified" counts as success.
func (t *Telegram) edit(ctx context.Context, chatID int64, messageID int, text string, inline *inlineKeyboard, wait bool) (int, error) {
	err := t.call(ctx, chatID, wait, func(ctx context.Context) error {
		params := &tg.EditMessageTextParams{
			ChatID:             chatID,
			MessageID:          messageID,
			Text:               text,
			ParseMode:          models.ParseModeHTML,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()},
		}
		if inline != nil {
			params.ReplyMarkup = inline
		}
		_, err := t.api.EditMessageText(ctx, params)
		return err
	})
	if err != nil && badRequest(err, "message is not modified") {
		return messageID, nil
	}
	return messageID, err
}

// editFallsBack reports whether a failed edit should become a new message.
func editFallsBack(err error) bool {
	return badRequest(err, "message can't be edited") || badRequest(err, "message to edit not found") ||
		badRequest(err, "no text in the message")
}

// sendFile sends a photo or a document. The upload reader is made afresh for
// each attempt: the library consumes it. A file with a Path is read from the
// disk (the caller removes it once the reply is done: Discard).
func (t *Telegram) sendFile(ctx context.Context, chatID int64, f *lamplighter.File, caption string, markup any, paid, wait bool) (int, error) {
	name := f.Name
	if name == "" {
		name = "file"
		if f.Photo {
			name = "photo.png"
		}
	}
	var msg *models.Message
	err := t.call(ctx, chatID, wait, func(ctx context.Context) (err error) {
		var upload models.InputFile = &models.InputFileUpload{Filename: name, Data: bytes.NewReader(f.Data)}
		switch {
		case f.TelegramID != "":
			upload = &models.InputFileString{Data: f.TelegramID}
		case f.Path != "":
			// A file streamed to disk (a large export): read from the
			// disk by each attempt, never held in memory whole.
			r, err := f.Open()
			if err != nil {
				return fmt.Errorf("open %s: %w", f.Name, err)
			}
			defer r.Close()
			upload = &models.InputFileUpload{Filename: name, Data: r}
		}
		if f.Photo {
			msg, err = t.api.SendPhoto(ctx, &tg.SendPhotoParams{
				ChatID: chatID, Photo: upload, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup,
				AllowPaidBroadcast: paid,
			})
		} else {
			msg, err = t.api.SendDocument(ctx, &tg.SendDocumentParams{
				ChatID: chatID, Document: upload, Caption: caption, ParseMode: models.ParseModeHTML, ReplyMarkup: markup,
				AllowPaidBroadcast: paid,
			})
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	return msg.ID, nil
}

// answerCallback stops the button's spinner, with a toast when text is set.
func (t *Telegram) answerCallback(ctx context.Context, id, text string) {
	if utf8.RuneCountInString(text) > 200 {
		text = string([]rune(text)[:199]) + "…"
	}
	err := t.call(ctx, 0, true, func(ctx context.Context) error {
		_, err := t.api.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text})
		return err
	})
	if err != nil {
		if badRequest(err, "query is too old") {
			t.log.Debug("callback query expired before it was answered", "err", t.clean(err))
			return
		}
		t.stats.sendErrors.Add(1)
		t.log.Warn("answer callback query", "err", t.clean(err))
	}
}

// setChatMenu shows the member or committee menu in one chat.
func (t *Telegram) setChatMenu(ctx context.Context, chatID int64, menu, lang string) {
	cmds := t.cfg.Menus[commandMenu(menu)][lang]
	if len(cmds) == 0 {
		cmds = t.cfg.Menus[commandMenu(menu)][lamplighter.DefaultLanguage]
	}
	if len(cmds) == 0 {
		t.log.Warn("no such command menu", "menu", menu, "lang", lang)
		return
	}
	err := t.call(ctx, chatID, true, func(ctx context.Context) error {
		_, err := t.api.SetMyCommands(ctx, &tg.SetMyCommandsParams{
			Commands: botCommands(cmds),
			Scope:    &models.BotCommandScopeChat{ChatID: chatID},
		})
		return err
	})
	if err != nil {
		t.stats.sendErrors.Add(1)
		t.log.Warn("set chat command menu", "chat_id", chatID, "menu", menu, "err", t.clean(err))
	}
}

// call makes one Bot API call for chatID (0: not about a chat), retrying
// 429s after their retry_after when wait is set (at most maxAttempts calls).
// 403 and "chat not found" come back wrapped in ErrUnreachable, and a
// private chat's user is marked unreachable.
func (t *Telegram) call(ctx context.Context, chatID int64, wait bool, f func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := f(ctx)
		t.obs.APICall(apiResult(err))
		if err == nil {
			return nil
		}
		var tooMany *tg.TooManyRequestsError
		if errors.As(err, &tooMany) {
			t.stats.rateLimited.Add(1)
			d := retryAfter(tooMany.RetryAfter)
			if !wait || attempt >= maxAttempts {
				return &RetryAfterError{After: d, Err: err}
			}
			t.log.Info("rate limited by Telegram; waiting", "chat_id", chatID, "retry_after", d, "attempt", attempt)
			if serr := t.sleep(ctx, d); serr != nil {
				return fmt.Errorf("%w (gave up waiting: %v)", err, serr)
			}
			continue
		}
		if chatID != 0 && unreachable(err) {
			t.stats.unreachable.Add(1)
			if chatID > 0 && t.cfg.Store != nil {
				if serr := t.cfg.Store.SetReachable(ctx, chatID, false); serr != nil {
					t.log.Warn("mark user unreachable", "chat_id", chatID, "err", serr)
				}
			}
			return fmt.Errorf("%w: %w", ErrUnreachable, err)
		}
		return err
	}
}

// unreachable reports whether err means the chat cannot be written to.
func unreachable(err error) bool {
	return errors.Is(err, tg.ErrorForbidden) || badRequest(err, "chat not found")
}

// badRequest reports whether err is a 400 whose description contains what.
// Telegram distinguishes these cases only by their description.
func badRequest(err error, what string) bool {
	return errors.Is(err, tg.ErrorBadRequest) && strings.Contains(strings.ToLower(err.Error()), what)
}

// clean hides the token in an error for logging.
func (t *Telegram) clean(err error) string {
	return redact(err.Error(), t.cfg.Token)
}

// Reply markups, marshalled by us: the library's InlineKeyboardButton always
// carries an empty copy_text object (a struct with omitempty).
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`

	WebApp *webAppInfo `json:"web_app,omitempty"` // a Mini App button
}

// webAppInfo is the Mini App a web_app button opens
// (https://core.telegram.org/bots/api#webappinfo).
type webAppInfo struct {
	URL string `json:"url"`
}

type replyKeyboard struct {
	Keyboard        [][]keyboardButton `json:"keyboard"`
	ResizeKeyboard  bool               `json:"resize_keyboard"`
	OneTimeKeyboard bool               `json:"one_time_keyboard"`
}

type keyboardButton struct {
	Text            string `json:"text"`
	RequestLocation bool   `json:"request_location,omitempty"`
}

type removeKeyboard struct {
	RemoveKeyboard bool `json:"remove_keyboard"`
}

// markups builds the inline keyboard (Buttons) and the reply keyboard
// (RequestLocation, Choices, or RemoveKeyboard) of r; either may be nil.
// Buttons with neither data nor URL are dropped.
func markups(r lamplighter.Reply, lang string) (*inlineKeyboard, any) {
	var inline *inlineKeyboard
	for _, row := range r.Buttons {
		var out []inlineButton
		for _, b := range row {
			if b.Text == "" || b.Data == "" && b.URL == "" && b.WebApp == "" {
				continue
			}
			ib := inlineButton{Text: b.Text, CallbackData: b.Data, URL: b.URL}
			if b.WebApp != "" {
				ib.WebApp = &webAppInfo{URL: b.WebApp}
			}
			out = append(out, ib)
		}
		if len(out) > 0 {
			if inline == nil {
				inline = &inlineKeyboard{}
			}
			inline.InlineKeyboard = append(inline.InlineKeyboard, out)
		}
	}

	var keyboard any
	switch {
	case r.RequestLocation || len(r.Choices) > 0:
		kb := &replyKeyboard{ResizeKeyboard: true, OneTimeKeyboard: true}
		if r.RequestLocation {
			kb.Keyboard = append(kb.Keyboard, []keyboardButton{{Text: ownText(lang, "button.share_location"), RequestLocation: true}})
		}
		kb.Keyboard = append(kb.Keyboard, choiceRows(r.Choices)...)
		keyboard = kb
	case r.RemoveKeyboard:
		keyboard = &removeKeyboard{RemoveKeyboard: true}
	}
	return inline, keyboard
}

// choiceRows lays choices out three, two or one to a row by their length.
func choiceRows(choices []string) [][]keyboardButton {
	longest := 0
	for _, c := range choices {
		longest = max(longest, utf8.RuneCountInString(c))
	}
	perRow := 1
	switch {
	case longest <= 10:
		perRow = 3
	case longest <= 20:
		perRow = 2
	}
	var rows [][]keyboardButton
	for i, c := range choices {
		if i%perRow == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], keyboardButton{Text: c})
	}
	return rows
}
