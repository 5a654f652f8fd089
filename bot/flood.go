package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter"
)

// Defaults of the per-user flood limit (TelegramConfig.FloodLimit,
// FloodWindow and FloodUsers).
const (
	DefaultFloodLimit  = 20
	DefaultFloodWindow = 10 * time.Second
	DefaultFloodUsers  = 10000
)

// floodVerdict is what the flood limit decides about one update.
type floodVerdict int

const (
	floodAllow floodVerdict = iota // within the limit: handle it
	floodWarn                      // refused, the first time in this window: answer politely
	floodDrop                      // refused again in the same window: drop it silently
)

// floodLimiter allows each user at most limit updates in any window of the
// given length (a sliding window: it keeps the times of a user's last limit
// allowed updates). A refused update does not count. The first refusal in a
// window is reported as floodWarn, the others as floodDrop.
//
// Memory is bounded: a user whose last allowed update is a window old is
// forgotten (their state is then the same as a newcomer's, so forgetting
// changes nothing), and at most maxUsers users are tracked; beyond that, a
// new user's updates are allowed without being tracked until the idle ones
// are forgotten. Each tracked user costs about 250 bytes with the default
// limit of 20. The limiter lives in one process: behind a load balancer each
// replica limits the updates it receives.
//
// It is safe for concurrent use.
type floodLimiter struct {
	limit    int
	window   int64 // nanoseconds
	maxUsers int
	now      func() time.Time

	mu        sync.Mutex
	users     map[int64]*floodUser
	nextSweep int64 // unix ns of the next sweep of idle users
}

// floodUser is the recent history of one user.
type floodUser struct {
	times    []int64 // unix ns of the last allowed updates, a ring once full
	next     int     // when full: index of the oldest time, overwritten next
	last     int64   // the newest allowed time
	warnedAt int64   // when the user was last told to slow down; 0: never
}

// newFloodLimiter returns a limiter, or nil (no limit) when limit is 0.
func newFloodLimiter(limit int, window time.Duration, maxUsers int, now func() time.Time) *floodLimiter {
	if limit <= 0 {
		return nil
	}
	return &floodLimiter{
		limit:    limit,
		window:   int64(window),
		maxUsers: maxUsers,
		now:      now,
		users:    map[int64]*floodUser{},
	}
}

// check counts one update of user and says what to do with it.
func (l *floodLimiter) check(user int64) floodVerdict {
	now := l.now().UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now >= l.nextSweep {
		l.sweep(now)
	}
	u := l.users[user]
	if u == nil {
		if len(l.users) >= l.maxUsers {
			l.sweep(now)
			if len(l.users) >= l.maxUsers {
				return floodAllow
			}
		}
		u = &floodUser{times: make([]int64, 0, l.limit)}
		l.users[user] = u
	}
	switch {
	case len(u.times) < l.limit:
		u.times = append(u.times, now)
	case now-u.times[u.next] >= l.window:
		u.times[u.next] = now
		u.next = (u.next + 1) % l.limit
	default:
		if u.warnedAt != 0 && now-u.warnedAt < l.window {
			return floodDrop
		}
		u.warnedAt = now
		return floodWarn
	}
	u.last = now
	return floodAllow
}

// sweep forgets the users idle for a window; the caller holds l.mu.
func (l *floodLimiter) sweep(now int64) {
	for id, u := range l.users {
		if now-u.last >= l.window && now-u.warnedAt >= l.window {
			delete(l.users, id)
		}
	}
	l.nextSweep = now + l.window
}

// tracked returns the number of users tracked now.
func (l *floodLimiter) tracked() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.users)
}

// floodSender returns the user an update counts against and their language
// code: the sender of a message, of a live-location position or of a button
// press. ok is false for updates that are not a user's doing (a change of the
// bot's membership) and for bots.
func floodSender(u *models.Update) (user int64, lang string, ok bool) {
	var from *models.User
	switch {
	case u.Message != nil:
		from = u.Message.From
	case u.EditedMessage != nil && u.EditedMessage.Location != nil:
		from = u.EditedMessage.From
	case u.CallbackQuery != nil:
		from = &u.CallbackQuery.From
	}
	if from == nil || from.IsBot || from.ID == 0 {
		return 0, "", false
	}
	return from.ID, from.LanguageCode, true
}

// floodRefused applies the per-user flood limit to u before anything else
// is done with it (no update marker, no handler). It reports whether u was
// refused; then it has been dealt with: the first refusal in a window is
// answered in the user's language (a message in the chat, or the toast of
// the pressed button), later ones are dropped, and a refused button press is
// always answered so that its spinner stops.
func (t *Telegram) floodRefused(ctx context.Context, u *models.Update, log *slog.Logger) bool {
	if t.flood == nil {
		return false
	}
	user, code, ok := floodSender(u)
	if !ok {
		return false
	}
	verdict := t.flood.check(user)
	if verdict == floodAllow {
		return false
	}
	t.stats.flooded.Add(1)
	lang := language(code)
	switch {
	case u.CallbackQuery != nil:
		text := ""
		if verdict == floodWarn {
			text = ownText(lang, "bot.flood")
		}
		t.answerCallback(ctx, u.CallbackQuery.ID, text)
	case verdict == floodWarn:
		if chat := chatKey(u); chat != 0 {
			if _, err := t.send(ctx, outgoing{chatID: chat, lang: lang, reply: lamplighter.Reply{Text: ownText(lang, "bot.flood")}}, true); err != nil {
				t.stats.sendErrors.Add(1)
				log.Warn("send flood notice", "user_id", user, "err", t.clean(err))
			}
		}
	}
	if verdict == floodWarn {
		log.Info("update refused by the flood limit; user told to slow down", "user_id", user)
	} else {
		log.Debug("update refused by the flood limit", "user_id", user)
	}
	return true
}
