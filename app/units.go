package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// UnitsStore is what Units reads and writes (SPEC section 11).
type UnitsStore interface {
	// Units returns every unit, by number.
	Units(ctx context.Context) ([]ll.Unit, error)
	// Unit returns one unit; ErrNotFound if unknown.
	Unit(ctx context.Context, id string) (ll.Unit, error)
	// MatchUnit returns the unit whose name or short name typed is.
	MatchUnit(ctx context.Context, typed string) (u ll.Unit, ok bool, err error)
	// LiaisonUnits returns the ids of the units tg is a liaison of.
	LiaisonUnits(ctx context.Context, tg int64) ([]string, error)
	// ChangeUnits applies change to the units as stored and writes the
	// units it returns (new ones get ids), audited, in one step; ECONFLICT
	// for a name another unit has.
	ChangeUnits(ctx context.Context, change func(current []ll.Unit) ([]ll.Unit, error), now time.Time, audit *ll.AuditEntry) ([]ll.Unit, error)
	// UnitCommunities returns the communities where the unit has or had members.
	UnitCommunities(ctx context.Context, unit string) ([]string, error)
	// UnitMembers returns the community's members of the unit from its
	// index (active ones; with former, those who left too).
	UnitMembers(ctx context.Context, community, unit string, former bool) ([]ll.Member, error)
	// Card reads a member's card in one step.
	Card(ctx context.Context, community, memberID string) (ll.Card, error)
	// Community returns one community; ErrNotFound if there is none.
	Community(ctx context.Context, id string) (ll.Community, error)
	// User returns what is known about a Telegram user.
	User(ctx context.Context, tg int64) (ll.User, error)
	// Enqueue stores messages in the outbox, idempotent by message id.
	Enqueue(ctx context.Context, msgs ...ll.OutMessage) (int, error)
	// Communities returns every community, ordered by id.
	Communities(ctx context.Context) ([]ll.Community, error)
	// Members returns every member of the community (any status) by id order.
	Members(ctx context.Context, community string) ([]ll.Member, error)
	// LinkUnits stores the unit ids of links in one community step, for
	// active members whose typed unit is still the one matched; it returns
	// how many changed.
	LinkUnits(ctx context.Context, community string, links []ll.UnitLink) (int, error)
	// Audit appends an entry to the community's audit log.
	Audit(ctx context.Context, e ll.AuditEntry) error
}

// Units are the district's workplaces: the admins' list, the liaisons,
// matching a typed unit, the registration receipts (报到回执) and the
// liaison's view of the unit's members.
type Units struct {
	store UnitsStore
}

// Decision (the specification is silent): units are the district admins'
// (and the operator's at the command line). Their audit entries go to the
// units' own log (storage.AuditDistrict), as they belong to no community.
func unitAudit(a Actor, action, object, detail string) *ll.AuditEntry {
	return &ll.AuditEntry{Time: a.Now, Actor: adminName(a), Action: action, Object: object, Detail: truncate(detail, 200)}
}

// List returns every unit for a district admin (EFORBIDDEN ReasonAdminOnly
// for anyone else).
func (s *Units) List(ctx context.Context, a Actor) ([]ll.Unit, error) {
	if !a.Admin {
		return nil, ll.Refuse(ll.EFORBIDDEN, ll.ReasonAdminOnly)
	}
	return s.store.Units(ctx)
}

// Create creates a unit named name, optionally "name | short name", for a
// district admin. Errors: EFORBIDDEN ReasonAdminOnly; EINVALID; ECONFLICT
// (Detail "unit") for a name or short name that is another unit's.
// Audited as "newunit".
func (s *Units) Create(ctx context.Context, a Actor, typed string) (ll.Unit, error) {
	if !a.Admin {
		return ll.Unit{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonAdminOnly)
	}
	name, short, _ := strings.Cut(typed, "|")
	u := ll.Unit{Name: strings.TrimSpace(name), ShortName: strings.TrimSpace(short), Created: a.Now}
	if err := u.Validate(); err != nil {
		return ll.Unit{}, err
	}
	got, err := s.store.ChangeUnits(ctx, func([]ll.Unit) ([]ll.Unit, error) { return []ll.Unit{u}, nil },
		a.Now, unitAudit(a, "newunit", "", u.Name))
	if err != nil {
		return ll.Unit{}, err
	}
	return got[0], nil
}

// SetLiaison adds Telegram user tg to the liaisons of unit id, or with
// remove takes them off, for a district admin. changed is false when
// nothing changed. Errors: EFORBIDDEN ReasonAdminOnly; EINVALID (Field
// "unit" or "liaison"); ErrNotFound. Audited as "liaison" (detail "+tg" or
// "-tg").
func (s *Units) SetLiaison(ctx context.Context, a Actor, id string, tg int64, remove bool) (u ll.Unit, changed bool, err error) {
	if !a.Admin {
		return ll.Unit{}, false, ll.Refuse(ll.EFORBIDDEN, ll.ReasonAdminOnly)
	}
	uid := ll.NormalizeID('U', id)
	if uid == "" {
		return ll.Unit{}, false, ll.Invalid("unit_id", "not a unit id")
	}
	if tg <= 0 {
		return ll.Unit{}, false, ll.Invalid("liaison", "not a Telegram user id")
	}
	sign := "+"
	if remove {
		sign = "-"
	}
	got, err := s.store.ChangeUnits(ctx, func(cur []ll.Unit) ([]ll.Unit, error) {
		i := slices.IndexFunc(cur, func(u ll.Unit) bool { return u.ID == uid })
		if i < 0 {
			return nil, ll.ErrNotFound
		}
		u = cur[i]
		has := u.IsLiaison(tg)
		switch {
		case remove && has:
			u.Liaisons = slices.DeleteFunc(slices.Clone(u.Liaisons), func(x int64) bool { return x == tg })
		case !remove && !has:
			u.Liaisons = append(slices.Clone(u.Liaisons), tg)
		default:
			return nil, nil
		}
		return []ll.Unit{u}, nil
	}, a.Now, unitAudit(a, "liaison", uid, sign+strconv.FormatInt(tg, 10)))
	if err != nil {
		return ll.Unit{}, false, err
	}
	if len(got) == 0 {
		return u, false, nil
	}
	return got[0], true, nil
}

// UnitRow is one row of a units file: the line it came from, a unit's name
// and short name, and one liaison (0 for none).
type UnitRow struct {
	Line      int
	Name      string
	ShortName string
	Liaison   int64
}

// RowError is a bad row of an import file: its line and why.
type RowError struct {
	Line int
	Err  error
}

// ImportError refuses a whole file: every bad row, by line. Nothing was
// written.
type ImportError struct{ Rows []RowError }

func (e *ImportError) Error() string {
	var b strings.Builder
	for i, r := range e.Rows {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "line %d: %v", r.Line, r.Err)
	}
	return b.String()
}

// ImportedUnits is what an import did: units created, units that existed
// and gained liaisons, liaisons added.
type ImportedUnits struct {
	Created, Updated, Liaisons int
	Units                      []ll.Unit
}

// Import creates the units of rows all or nothing, for the operator or a
// district admin: rows with the same name are one unit (several liaisons
// take several rows; a short name given twice must agree), a unit that
// exists by that name gains the liaisons it does not have yet (importing
// the same file twice changes nothing). Every bad row is reported in an
// *ImportError with its line: an empty or malformed name, a short name that
// disagrees with the unit's or names another unit, a bad Telegram id, too
// many liaisons. Audited as "units import".
func (s *Units) Import(ctx context.Context, a Actor, rows []UnitRow, source string) (ImportedUnits, error) {
	if !a.Admin {
		return ImportedUnits{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonAdminOnly)
	}
	var out ImportedUnits
	_, err := s.store.ChangeUnits(ctx, func(cur []ll.Unit) ([]ll.Unit, error) {
		out = ImportedUnits{}
		byKey := map[string]*ll.Unit{} // name and short name keys -> unit being written
		owner := map[string]string{}   // keys of stored units -> their id
		for i := range cur {
			for _, k := range []string{ll.UnitKey(cur[i].Name), ll.UnitKey(cur[i].ShortName)} {
				if k != "" {
					owner[k] = cur[i].ID
				}
			}
		}
		var order []*ll.Unit
		var bad []RowError
		for _, r := range rows {
			u := ll.Unit{Name: strings.TrimSpace(r.Name), ShortName: strings.TrimSpace(r.ShortName)}
			if err := u.Validate(); err != nil {
				bad = append(bad, RowError{r.Line, err})
				continue
			}
			if r.Liaison < 0 {
				bad = append(bad, RowError{r.Line, ll.Invalid("liaison", "not a Telegram user id")})
				continue
			}
			nk, sk := ll.UnitKey(u.Name), ll.UnitKey(u.ShortName)
			w := byKey[nk]
			if w == nil {
				if id, ok := owner[nk]; ok {
					i := slices.IndexFunc(cur, func(x ll.Unit) bool { return x.ID == id })
					if ll.UnitKey(cur[i].Name) != nk {
						bad = append(bad, RowError{r.Line, ll.Invalid("name", "%q is the short name of %s", u.Name, id)})
						continue
					}
					c := cur[i]
					c.Liaisons = slices.Clone(c.Liaisons)
					w = &c
				} else {
					w = &ll.Unit{Name: u.Name, Created: a.Now}
				}
				byKey[nk] = w
				order = append(order, w)
			}
			if sk != "" {
				switch {
				case w.ShortName == "":
					if id, ok := owner[sk]; ok && id != w.ID {
						bad = append(bad, RowError{r.Line, ll.Invalid("short_name", "%q is already %s's", u.ShortName, id)})
						continue
					}
					if o, ok := byKey[sk]; ok && o != w {
						bad = append(bad, RowError{r.Line, ll.Invalid("short_name", "%q is another unit's name in the file", u.ShortName)})
						continue
					}
					w.ShortName = u.ShortName
					byKey[sk] = w
				case ll.UnitKey(w.ShortName) != sk:
					bad = append(bad, RowError{r.Line, ll.Invalid("short_name", "short name %q disagrees with %q", u.ShortName, w.ShortName)})
					continue
				}
			}
			if r.Liaison > 0 && !w.IsLiaison(r.Liaison) {
				if len(w.Liaisons) >= ll.MaxLiaisons {
					bad = append(bad, RowError{r.Line, ll.Invalid("liaison", "at most %d liaisons a unit", ll.MaxLiaisons)})
					continue
				}
				w.Liaisons = append(w.Liaisons, r.Liaison)
				out.Liaisons++
			}
		}
		if len(bad) > 0 {
			return nil, &ImportError{Rows: bad}
		}
		changed := make([]ll.Unit, 0, len(order))
		for _, w := range order {
			if w.ID == "" {
				out.Created++
			} else {
				i := slices.IndexFunc(cur, func(x ll.Unit) bool { return x.ID == w.ID })
				if slices.Equal(cur[i].Liaisons, w.Liaisons) && cur[i].ShortName == w.ShortName {
					continue
				}
				out.Updated++
			}
			changed = append(changed, *w)
		}
		return changed, nil
	}, a.Now, unitAudit(a, "units import", "", fmt.Sprintf("%d rows from %s", len(rows), source)))
	if err != nil {
		return ImportedUnits{}, err
	}
	out.Units, err = s.store.Units(ctx)
	return out, err
}

// Match decides the unit id of a typed unit: chosen when it names an
// existing unit (a unit picked from the offered buttons; the typed text is
// then that unit's name), else the unit whose name or short name typed is,
// else "" (unmatched). It returns the typed text to store with it.
func (s *Units) Match(ctx context.Context, typed, chosen string) (unit string, id string, err error) {
	return matchUnit(ctx, s.store, typed, chosen)
}

func matchUnit(ctx context.Context, store UnitMatcher, typed, chosen string) (unit string, id string, err error) {
	typed = strings.TrimSpace(typed)
	if chosen != "" {
		u, err := store.Unit(ctx, chosen)
		if err == nil {
			if typed == "" || !u.Matches(typed) {
				typed = u.Name
			}
			return typed, u.ID, nil
		}
		if !errors.Is(err, ll.ErrNotFound) {
			return "", "", err
		}
	}
	if typed == "" {
		return "", "", nil
	}
	u, ok, err := store.MatchUnit(ctx, typed)
	if err != nil || !ok {
		return typed, "", err
	}
	return typed, u.ID, nil
}

// Count is how many units the district has: whether registration offers
// them and marks a typed unit unmatched.
func (s *Units) Count(ctx context.Context) (int, error) {
	us, err := s.store.Units(ctx)
	return len(us), err
}

// MaxUnitSearch is the longest text a unit search takes.
const MaxUnitSearch = 40

// Search returns up to n units whose name or short name contains typed
// (case-insensitive), those that start with it first: what registration
// and /profile offer as buttons. No units for an empty typed text.
func (s *Units) Search(ctx context.Context, typed string, n int) ([]ll.Unit, error) {
	k := ll.UnitKey(typed)
	if k == "" || len([]rune(k)) > MaxUnitSearch {
		return nil, nil
	}
	all, err := s.store.Units(ctx)
	if err != nil {
		return nil, err
	}
	rank := func(u ll.Unit) int {
		nk, sk := ll.UnitKey(u.Name), ll.UnitKey(u.ShortName)
		switch {
		case nk == k || sk == k:
			return 0
		case strings.HasPrefix(nk, k) || (sk != "" && strings.HasPrefix(sk, k)):
			return 1
		case strings.Contains(nk, k) || (sk != "" && strings.Contains(sk, k)):
			return 2
		}
		return -1
	}
	var found []ll.Unit
	for _, u := range all {
		if rank(u) >= 0 {
			found = append(found, u)
		}
	}
	slices.SortStableFunc(found, func(a, b ll.Unit) int { return rank(a) - rank(b) })
	return found[:min(n, len(found))], nil
}

// Liaison units: the units a person may see. An admin sees every unit.

// Mine returns the ids of the units the actor is a liaison of.
func (s *Units) Mine(ctx context.Context, a Actor) ([]string, error) {
	if a.TelegramID == 0 {
		return nil, nil
	}
	return s.store.LiaisonUnits(ctx, a.TelegramID)
}

// viewable returns unit id for an actor who may see it: an admin, or one
// of its liaisons. id "" is the actor's own unit (the first, for a liaison
// of several). Errors: EINVALID (Field "unit"); ENOTFOUND; EFORBIDDEN
// ReasonLiaisonOnly for anyone else, whether or not the unit exists (a
// person who is not its liaison learns nothing of it).
func (s *Units) viewable(ctx context.Context, a Actor, id string) (ll.Unit, error) {
	if id == "" {
		mine, err := s.Mine(ctx, a)
		if err != nil {
			return ll.Unit{}, err
		}
		if len(mine) == 0 {
			if a.Admin {
				return ll.Unit{}, ll.Invalid("unit_id", "name a unit")
			}
			return ll.Unit{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonLiaisonOnly)
		}
		id = mine[0]
	}
	uid := ll.NormalizeID('U', id)
	if uid == "" {
		return ll.Unit{}, ll.Invalid("unit_id", "not a unit id")
	}
	u, err := s.store.Unit(ctx, uid)
	switch {
	case errors.Is(err, ll.ErrNotFound) && !a.Admin:
		return ll.Unit{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonLiaisonOnly)
	case err != nil:
		return ll.Unit{}, err
	case !a.Admin && !u.IsLiaison(a.TelegramID):
		return ll.Unit{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonLiaisonOnly)
	}
	return u, nil
}

// UnitMember is one member of a unit as its liaison sees them: their
// community, member id, name, posts held and the year's standing. No
// Telegram id, pairing target or service text.
type UnitMember struct {
	Community ll.Community
	Member    ll.Member
	Standing  ll.Standing
	DaysLeft  int
}

// AtRisk reports whether the member is not compliant yet.
func (m UnitMember) AtRisk() bool { return !m.Standing.Compliant }

// UnitView is a unit's members across every community this year.
type UnitView struct {
	Unit    ll.Unit
	Year    int
	Members []UnitMember // those at risk first (fewest participations first), then by community and id
	AtRisk  int
	Mine    []string // the other units the actor is a liaison of
}

// View is the liaison's view (SPEC section 11): the active members of unit
// id ("" for the actor's own) in every community, read from the unit's
// index (never a whole community), with this year's participations,
// posts, compliance and days left. For the unit's liaisons and district
// admins only (see viewable).
func (s *Units) View(ctx context.Context, a Actor, id string) (UnitView, error) {
	u, err := s.viewable(ctx, a, id)
	if err != nil {
		return UnitView{}, err
	}
	v := UnitView{Unit: u, Year: a.Now.Year()}
	if mine, err := s.Mine(ctx, a); err == nil {
		v.Mine = slices.DeleteFunc(mine, func(x string) bool { return x == u.ID })
	}
	comms, err := s.store.UnitCommunities(ctx, u.ID)
	if err != nil {
		return UnitView{}, err
	}
	for _, cid := range comms {
		ms, err := s.store.UnitMembers(ctx, cid, u.ID, false)
		if err != nil {
			return UnitView{}, err
		}
		if len(ms) == 0 {
			continue
		}
		comm, err := s.store.Community(ctx, cid)
		if err != nil {
			return UnitView{}, err
		}
		for _, m := range ms {
			v.Members = append(v.Members, UnitMember{Community: comm, Member: m})
		}
	}
	// Each member's card is one round trip; a few at a time.
	if err := eachConcurrently(len(v.Members), viewReaders, func(i int) error {
		um := &v.Members[i]
		cd, err := s.store.Card(ctx, um.Community.ID, um.Member.ID)
		if err != nil {
			return err
		}
		loc := um.Community.Location()
		um.Standing = ll.ComputeStanding(cd.Participations, a.Now.In(loc).Year(), len(cd.Posts), um.Community)
		um.DaysLeft = ll.DaysLeftInYear(a.Now, loc)
		return nil
	}); err != nil {
		return UnitView{}, err
	}
	slices.SortStableFunc(v.Members, func(x, y UnitMember) int {
		if x.AtRisk() != y.AtRisk() {
			if x.AtRisk() {
				return -1
			}
			return 1
		}
		return cmp.Or(x.Standing.Total-y.Standing.Total, strings.Compare(x.Community.ID, y.Community.ID),
			compareShortIDs(x.Member.ID, y.Member.ID))
	})
	for _, m := range v.Members {
		if m.AtRisk() {
			v.AtRisk++
		}
	}
	return v, nil
}

// Receipt is one registration receipt (报到回执) as a liaison reads it.
type Receipt struct {
	Event     string // lamplighter.Receipt*
	Unit      ll.Unit
	Community ll.Community // where it happened (the old community of a move)
	To        ll.Community // the new community of a move
	MemberID  string       // in Community
	ToMember  string       // in To, for a move
	Name      string       // "" for ReceiptForgot
	At        time.Time
}

// ReceiptEvent is what happened to a member, as the front end saw it: the
// member as they were (with their unit id), the event, and for a move the
// member they are now.
type ReceiptEvent struct {
	Event  string
	Member ll.Member
	Now    *ll.Member // the new membership of a move or a registration
	At     time.Time
}

// SendReceipts queues, through the outbox, a receipt to every liaison of
// the units of the events' members (SPEC section 11), each worded by
// render in the liaison's language; none for a member without a unit or a
// unit without liaisons. A move within one unit is one receipt. Each
// message id names the event (community, member, event, its time) and the
// liaison, so sending the same events again queues nothing twice. The
// receipt names no Telegram id. It returns the messages it queued (a
// front end without a sender, the terminal demo, shows them).
func (s *Units) SendReceipts(ctx context.Context, render func(lang string, r Receipt) ll.Reply, evs ...ReceiptEvent) ([]ll.OutMessage, error) {
	var rs []Receipt
	for _, ev := range evs {
		m := ev.Member
		if ev.Event == ll.ReceiptJoined && ev.Now != nil {
			m = *ev.Now
		}
		if m.UnitID == "" {
			continue
		}
		comm, err := s.store.Community(ctx, m.Community)
		if err != nil {
			return nil, err
		}
		r := Receipt{Event: ev.Event, Community: comm, MemberID: m.ID, Name: m.Name, At: ev.At}
		if ev.Event == ll.ReceiptForgot {
			r.Name = ""
		}
		if ev.Event == ll.ReceiptMoved && ev.Now != nil {
			to, err := s.store.Community(ctx, ev.Now.Community)
			if err != nil {
				return nil, err
			}
			r.To, r.ToMember = to, ev.Now.ID
		}
		u, err := s.store.Unit(ctx, m.UnitID)
		if errors.Is(err, ll.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		r.Unit = u
		rs = append(rs, r)
	}
	// A move within one unit: the "moved" receipt says it all.
	for i := range rs {
		if rs[i].Event != ll.ReceiptMoved {
			continue
		}
		rs = slices.DeleteFunc(rs, func(x Receipt) bool {
			return x.Event == ll.ReceiptJoined && x.Unit.ID == rs[i].Unit.ID && x.Community.ID == rs[i].To.ID && x.MemberID == rs[i].ToMember
		})
		break
	}
	var msgs []ll.OutMessage
	for _, r := range rs {
		for _, tg := range r.Unit.Liaisons {
			lang := r.Community.Language
			if usr, err := s.store.User(ctx, tg); err == nil && ll.ValidLanguage(usr.Language) {
				lang = usr.Language
			}
			msgs = append(msgs, ll.OutMessage{
				ID:     fmt.Sprintf("rc:%s:%s:%s:%d:%d", r.Event, r.Community.ID, r.MemberID, r.At.UnixMilli(), tg),
				ChatID: tg, Kind: ll.OutDirect, Lang: lang, Reply: render(lang, r),
			})
		}
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	if _, err := s.store.Enqueue(ctx, msgs...); err != nil {
		return nil, err
	}
	return msgs, nil
}

// UnitMatcher is what linking a typed unit reads.
type UnitMatcher interface {
	// Unit returns one unit; ErrNotFound if unknown.
	Unit(ctx context.Context, id string) (ll.Unit, error)
	// MatchUnit returns the unit whose name or short name typed is.
	MatchUnit(ctx context.Context, typed string) (u ll.Unit, ok bool, err error)
}

// linkUnit is Units.Match over a matcher (nil: the typed unit stays
// unmatched): the typed unit to store and its unit id.
func linkUnit(ctx context.Context, units UnitMatcher, typed, chosen string) (string, string, error) {
	if units == nil {
		return typed, "", nil
	}
	return matchUnit(ctx, units, typed, chosen)
}

// MatchResult is what MatchAll did: active members with a typed unit,
// those whose unit matches a unit (Matched, of which Linked changed now)
// and those whose unit matches none.
type MatchResult struct {
	Communities int
	Members     int
	Matched     int
	Linked      int
	Unmatched   int
}

// MatchAll links the active members of every community whose typed unit
// is a unit's name or short name to that unit (lamplighter units match),
// for the operator or a district admin; a member whose unit matches no
// unit keeps its link if it had one from a unit picked at registration.
// It reads every community's members: a batch job for the command line,
// never for someone waiting in the chat. Audited in each community where
// members were linked ("units match").
func (s *Units) MatchAll(ctx context.Context, a Actor) (MatchResult, error) {
	if !a.Admin {
		return MatchResult{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonAdminOnly)
	}
	all, err := s.store.Units(ctx)
	if err != nil {
		return MatchResult{}, err
	}
	byKey := map[string]string{}
	for _, u := range all {
		for _, k := range []string{ll.UnitKey(u.Name), ll.UnitKey(u.ShortName)} {
			if k != "" {
				byKey[k] = u.ID
			}
		}
	}
	comms, err := s.store.Communities(ctx)
	if err != nil {
		return MatchResult{}, err
	}
	var res MatchResult
	for _, comm := range comms {
		ms, err := s.store.Members(ctx, comm.ID)
		if err != nil {
			return res, err
		}
		res.Communities++
		var links []ll.UnitLink
		for _, m := range ms {
			if !m.Active() || m.Unit == "" {
				continue
			}
			res.Members++
			id, ok := byKey[ll.UnitKey(m.Unit)]
			if !ok {
				if m.UnitID == "" {
					res.Unmatched++
				} else {
					res.Matched++
				}
				continue
			}
			res.Matched++
			if m.UnitID != id {
				links = append(links, ll.UnitLink{MemberID: m.ID, Typed: m.Unit, UnitID: id})
			}
		}
		linked := 0
		for from := 0; from < len(links); from += 500 {
			n, err := s.store.LinkUnits(ctx, comm.ID, links[from:min(from+500, len(links))])
			if err != nil {
				return res, err
			}
			linked += n
		}
		res.Linked += linked
		if linked > 0 {
			e := ll.AuditEntry{Time: a.Now, Community: comm.ID, Actor: adminName(a), Action: "units match", Detail: fmt.Sprintf("%d members linked to their units", linked)}
			if err := s.store.Audit(ctx, e); err != nil {
				return res, &auditError{err}
			}
		}
	}
	return res, nil
}

// viewReaders is how many member cards View reads at once.
const viewReaders = 8

// eachConcurrently calls f for 0..n-1, at most k at a time, and returns
// the first error (by index) any call returned.
func eachConcurrently(n, k int, f func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, k)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			errs[i] = f(i)
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
