package app

import (
	"context"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// DistrictStore is what District reads and writes.
type DistrictStore interface {
	// CreateCommunity stores a new community, audited; ErrConflict if the id
	// is taken.
	CreateCommunity(ctx context.Context, c ll.Community, audit *ll.AuditEntry) error
	// Community returns one community; ErrNotFound if there is none.
	Community(ctx context.Context, id string) (ll.Community, error)
	// Communities returns every community, ordered by id.
	Communities(ctx context.Context) ([]ll.Community, error)
	// SetUserUse stores the community an admin's committee commands act on.
	SetUserUse(ctx context.Context, tg int64, community string) error
	// Audit appends an entry to the community's audit log.
	Audit(ctx context.Context, e ll.AuditEntry) error
	// AuditLog returns up to n entries at or after since, newest first.
	AuditLog(ctx context.Context, community string, n int, since time.Time) ([]ll.AuditEntry, error)
}

// District is what spans communities: the admins' communities and the
// audit log every committee reads.
type District struct {
	store DistrictStore
}

// CreateCommunity creates c (its id lower-cased, validated) for a district
// admin and makes it the one their committee commands act on. Errors:
// EFORBIDDEN ReasonAdminOnly; EINVALID; ECONFLICT when the id is taken.
// Audited as "newcommunity".
func (s *District) CreateCommunity(ctx context.Context, a Actor, c ll.Community) (ll.Community, error) {
	if !a.Admin {
		return ll.Community{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonAdminOnly)
	}
	c.ID = strings.ToLower(strings.TrimSpace(c.ID))
	c.Created = a.Now
	if err := c.Validate(); err != nil {
		return ll.Community{}, err
	}
	audit := &ll.AuditEntry{Time: a.Now, Community: c.ID, Actor: adminName(a), Action: "newcommunity", Object: c.ID, Detail: truncate(c.Name, 200)}
	if err := s.store.CreateCommunity(ctx, c, audit); err != nil {
		return ll.Community{}, err
	}
	if a.TelegramID != 0 {
		if err := s.store.SetUserUse(ctx, a.TelegramID, c.ID); err != nil {
			return ll.Community{}, err
		}
	}
	return c, nil
}

// Use chooses the community a district admin's committee commands act on.
// Errors: EFORBIDDEN ReasonAdminOnly; EINVALID (Field "id"); ErrNotFound.
// Audited as "use" (an audit failure does not undo the choice).
func (s *District) Use(ctx context.Context, a Actor, id string) (ll.Community, error) {
	if !a.Admin {
		return ll.Community{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonAdminOnly)
	}
	id = strings.ToLower(strings.TrimSpace(id))
	if !ll.ValidCommunityID(id) {
		return ll.Community{}, ll.Invalid("id", "bad community id")
	}
	comm, err := s.store.Community(ctx, id)
	if err != nil {
		return ll.Community{}, err
	}
	if err := s.store.SetUserUse(ctx, a.TelegramID, comm.ID); err != nil {
		return ll.Community{}, err
	}
	if err := s.store.Audit(ctx, ll.AuditEntry{Time: a.Now, Community: comm.ID, Actor: adminName(a), Action: "use", Object: comm.ID}); err != nil {
		return comm, &auditError{err}
	}
	return comm, nil
}

// adminName names a district admin in audit entries: by Telegram id, as
// they act for the district, not as a member anywhere.
func adminName(a Actor) string {
	if a.Channel == ChannelCLI && a.TelegramID == 0 {
		return "cli"
	}
	return "tg:" + strconv.FormatInt(a.TelegramID, 10)
}

// auditError is an audit entry that could not be written after the action
// took effect: the caller logs it and answers as done.
type auditError struct{ err error }

func (e *auditError) Error() string { return "audit: " + e.err.Error() }
func (e *auditError) Unwrap() error { return e.err }

// AuditFailed reports whether err only says that an action's audit entry
// could not be written after the action took effect.
func AuditFailed(err error) bool {
	_, ok := err.(*auditError)
	return ok
}

// Communities lists every community for a district admin (EFORBIDDEN
// ReasonAdminOnly for anyone else).
func (s *District) Communities(ctx context.Context, a Actor) ([]ll.Community, error) {
	if !a.Admin {
		return nil, ll.Refuse(ll.EFORBIDDEN, ll.ReasonAdminOnly)
	}
	return s.store.Communities(ctx)
}

// MaxAuditEntries is the most audit entries one request in the chat or the
// web app shows; the command line's operator may read up to
// MaxOperatorAuditEntries.
const (
	MaxAuditEntries         = 50
	MaxOperatorAuditEntries = 100000
)

// AuditLog returns the last n entries at or after since (zero: all) of the
// scope's community's audit log, newest first. n is 1 to MaxAuditEntries
// (MaxOperatorAuditEntries from the command line), else EINVALID Field
// "count".
func (s *District) AuditLog(ctx context.Context, sc *Scope, n int, since time.Time) ([]ll.AuditEntry, error) {
	limit := MaxAuditEntries
	if sc.Channel == ChannelCLI {
		limit = MaxOperatorAuditEntries
	}
	if n < 1 || n > limit {
		return nil, ll.Invalid("count", "1-%d", limit)
	}
	return s.store.AuditLog(ctx, sc.Community.ID, n, since)
}
