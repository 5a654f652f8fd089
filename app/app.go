package app

import (
	"log/slog"
	"time"
)

// Config is what the services need from configuration.
type Config struct {
	Admins []int64          // district admins' Telegram ids
	Now    func() time.Time // the clock; time.Now when nil
	Logger *slog.Logger     // slog.Default() when nil
}

// Store is everything the services need together; *storage.Store implements
// it. Each service names its own smaller interface next to itself.
type Store interface {
	AccessStore
}

// App holds the feature services every front end calls.
type App struct {
	Access *Access

	admins map[int64]bool
	now    func() time.Time
	log    *slog.Logger
}

// New returns the services over store.
func New(store Store, cfg Config) *App {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	a := &App{
		Access: &Access{store: store},
		admins: map[int64]bool{},
		now:    cfg.Now,
		log:    cfg.Logger,
	}
	for _, id := range cfg.Admins {
		a.admins[id] = true
	}
	return a
}

// IsAdmin reports whether Telegram user tg is a district admin.
func (a *App) IsAdmin(tg int64) bool { return a.admins[tg] }

// Now is the services' clock.
func (a *App) Now() time.Time { return a.now() }
