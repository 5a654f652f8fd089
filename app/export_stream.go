package app

import (
	"context"
	"fmt"
	"strconv"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/record"
)

// The chat's /export and /notice of a community of any size (SPEC section
// 13): the same rows as Export and Notice, given a page of members at a time
// (DataPages: each page with its members' ledger only), so that a front end
// writes them to a file as they come and never holds the community.

// ExportStream is the year's export handed out a page at a time.
type ExportStream struct {
	Year int
	// Members and Entries count the rows Pages has given so far.
	Members, Entries int

	ctx context.Context
	s   *Reports
	sc  *Scope
}

// Pages calls fn with each page's rows: record.MemberRows and
// record.LedgerRows of a page of members (1,000 at a time, in member
// order), the page's ledger rows in the ledger's order among themselves
// (record.LedgerOrder merges pages into the order LedgerRows gives the
// community). An error from fn stops it and is returned; so is the store's.
func (e *ExportStream) Pages(fn func([]record.MemberRow, []record.LedgerRow) error) error {
	return e.s.DataPages(e.ctx, e.sc, func(d record.CommunityData) error {
		ms, ls := record.MemberRows(d, e.Year, e.sc.Now), record.LedgerRows(d, e.Year)
		e.Members += len(ms)
		e.Entries += len(ls)
		return fn(ms, ls)
	})
}

// StreamExport is Export a page at a time: it hands write the scope
// community's export for the typed year (ParseYear); write reads it through
// Pages and keeps the file. Once write succeeded the export is audited as
// "export <year>" with the row counts Pages gave (as Export does), and it
// may go out only then. Errors: EINVALID Field "year"; write's; the store's
// (the audit entry included).
func (s *Reports) StreamExport(ctx context.Context, sc *Scope, year string, write func(*ExportStream) error) (*ExportStream, error) {
	y, err := ParseYear(year, sc.Now.In(sc.Community.Location()))
	if err != nil {
		return nil, err
	}
	ex := &ExportStream{Year: y, ctx: ctx, s: s, sc: sc}
	if err := write(ex); err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("%d members, %d entries", ex.Members, ex.Entries)
	if err := s.audit(ctx, sc.Audit("export", strconv.Itoa(y), detail)); err != nil {
		return nil, err
	}
	return ex, nil
}

// NoticeStream is the year's public notice (公示) handed out a page at a
// time.
type NoticeStream struct {
	Year int
	// Chat is the community's notice chat.
	Chat int64
	// At is the instant posts are counted at: the year's end, or now for
	// the current year.
	At time.Time
	// Posts are all posts of the community (to name those held).
	Posts []ll.Post
	// Members and Compliant count the rows Pages has given so far, and
	// the compliant ones among them.
	Members, Compliant int

	ctx context.Context
	s   *Reports
	sc  *Scope
}

// Pages calls fn with each page's rows (record.MemberRows of a page of
// members, in member order) and the posts each of them held at At, by id
// (the Held of Notice). An error from fn stops it and is returned; so is
// the store's.
func (n *NoticeStream) Pages(fn func(rows []record.MemberRow, held map[string][]string) error) error {
	return n.s.DataPages(n.ctx, n.sc, func(d record.CommunityData) error {
		rows := record.MemberRows(d, n.Year, n.sc.Now)
		n.Members += len(rows)
		for _, r := range rows {
			if r.Compliant {
				n.Compliant++
			}
		}
		return fn(rows, heldAt(d.Claims, n.At))
	})
}

// StreamNotice is Notice a page at a time: it hands post the scope
// community's public notice for the typed year; post reads it through Pages,
// words it and says in how many messages it goes out. It is then audited
// as "notice <year>" (members, chat, messages), as Notice does, and the
// messages may go out only then. Errors: EINVALID Field "notice" (no notice
// chat is set); EINVALID Field "year"; post's; the store's (the audit entry
// included).
func (s *Reports) StreamNotice(ctx context.Context, sc *Scope, year string, post func(*NoticeStream) (messages int, err error)) (*NoticeStream, error) {
	comm := sc.Community
	if comm.NoticeChat == 0 {
		return nil, ll.Invalid("notice", "no notice chat is set")
	}
	y, err := ParseYear(year, sc.Now.In(comm.Location()))
	if err != nil {
		return nil, err
	}
	posts, err := s.store.Posts(ctx, comm.ID)
	if err != nil {
		return nil, fmt.Errorf("list posts of %s: %w", comm.ID, err)
	}
	at := ll.YearEnd(y, comm.Location())
	if sc.Now.Before(at) {
		at = sc.Now
	}
	n := &NoticeStream{Year: y, Chat: comm.NoticeChat, At: at, Posts: posts, ctx: ctx, s: s, sc: sc}
	messages, err := post(n)
	if err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("%d members to chat %d in %d message(s)", n.Members, comm.NoticeChat, messages)
	if err := s.audit(ctx, sc.Audit("notice", strconv.Itoa(y), detail)); err != nil {
		return nil, err
	}
	return n, nil
}
