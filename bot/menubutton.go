package bot

import (
	"context"
	"strings"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// setChatMenuButton gives a private chat that was given the committee menu,
// or the member menu with the app ("member+app": a team leader, a liaison),
// a menu button that opens the Mini App (SPEC section 12), and one given the
// member menu Telegram's default button back (a committee role removed).
// https://core.telegram.org/bots/api#setchatmenubutton. Nothing happens
// without an HTTPS WebAppURL (Telegram opens no other) or for a group.
// A failure is logged: the menu button is a convenience, /app still works.
func (t *Telegram) setChatMenuButton(ctx context.Context, chatID int64, menu, lang string) {
	if !strings.HasPrefix(t.cfg.WebAppURL, "https://") || chatID <= 0 {
		return
	}
	var button models.InputMenuButton = models.MenuButtonDefault{Type: models.MenuButtonTypeDefault}
	if menu == "committee" || strings.HasSuffix(menu, "+app") {
		button = models.MenuButtonWebApp{Type: models.MenuButtonTypeWebApp, Text: ownText(lang, "button.webapp"),
			WebApp: models.WebAppInfo{URL: t.cfg.WebAppURL}}
	}
	err := t.call(ctx, chatID, true, func(ctx context.Context) error {
		_, err := t.api.SetChatMenuButton(ctx, &tg.SetChatMenuButtonParams{ChatID: chatID, MenuButton: button})
		return err
	})
	if err != nil {
		t.stats.sendErrors.Add(1)
		t.log.Warn("set chat menu button", "chat_id", chatID, "menu", menu, "err", t.clean(err))
	}
}

// commandMenu is the command menu of a Reply.SetMenu value: "member+app"
// has the member's commands.
func commandMenu(menu string) string {
	m, _, _ := strings.Cut(menu, "+")
	return m
}
