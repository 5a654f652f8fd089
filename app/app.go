package app

// Store is everything the services need together; *storage.Store implements
// it (cmd/lamplighter and storage's tests check that it fits). Each service
// names its own smaller interface next to itself.
type Store interface {
	AccessStore
	SettingsStore
	MemberStore
	InviteStore
	DistrictStore
	PostsStore
	TeamsStore
	ServicesStore
	ReportsStore
	BroadcastsStore
	ActivitiesStore
	CheckInStore
	LedgerStore
	LookupStore
	PresenterStore
	StatementsStore
	SessionStore
	WaitlistStore
	UnitsStore
	EvaluationsStore
	NeedsStore
	ScanStore
}

// App holds the feature services every front end calls. Committee actions
// take a *Scope from Access.Committee (the proof that the role check passed;
// a service checks any stricter role itself); member actions take the Actor.
type App struct {
	Access     *Access
	Settings   *Settings
	Members    *Members
	Invites    *Invites
	District   *District
	Posts      *Posts
	Teams      *Teams
	Services   *Services
	Reports    *Reports
	Broadcasts *Broadcasts
	Activities *Activities
	CheckIns   *CheckIns
	Ledger     *Ledger
	Lookups    *Lookups
	Presenter  *Presenter
	// Statements issues and verifies members' statements (SPEC §11);
	// set its Grades and PublicURL before use.
	Statements *Statements
	// Sessions reads who a web request's authenticated Telegram user is.
	Sessions *Sessions
	Waitlist *Waitlist // SPEC section 10
	// Units and Evaluations: workplaces and the year-end grades (SPEC section 11).
	Units       *Units
	Evaluations *Evaluations
	Needs       *Needs // residents' needs (SPEC section 10)
	Scans       *Scans // check-in by scanning a member's personal code (SPEC section 9)
}

// New returns the services over store.
func New(store Store) *App {
	access := &Access{store: store}
	a := &App{
		Access:      access,
		Settings:    &Settings{store: store},
		Members:     &Members{store: store},
		Invites:     &Invites{store: store},
		District:    &District{store: store},
		Posts:       &Posts{store: store},
		Teams:       &Teams{store: store},
		Services:    &Services{store: store},
		Reports:     &Reports{store: store},
		Broadcasts:  &Broadcasts{store: store},
		Activities:  &Activities{store: store},
		CheckIns:    &CheckIns{store: store},
		Ledger:      &Ledger{store: store},
		Lookups:     &Lookups{store: store},
		Presenter:   &Presenter{store: store, access: access},
		Units:       &Units{store: store},
		Evaluations: &Evaluations{store: store, access: access},
		Statements:  &Statements{store: store},
		Waitlist:    &Waitlist{store: store},
		Needs:       &Needs{store: store, broadcasts: &Broadcasts{store: store}}, // residents' needs (SPEC section 10)
		Sessions:    &Sessions{store: store},
		Scans:       &Scans{store: store, access: access},
	}
	a.Invites.units, a.Members.units = store, store
	a.Statements.Grades = evaluationGrades{a.Evaluations} // a statement states the year's grade
	return a
}
