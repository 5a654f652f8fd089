package app

// Store is everything the services need together; *storage.Store implements
// it. Each service names its own smaller interface next to itself.
type Store interface {
	AccessStore
}

// App holds the feature services every front end calls.
type App struct {
	Access *Access
}

// New returns the services over store.
func New(store Store) *App {
	return &App{Access: &Access{store: store}}
}
