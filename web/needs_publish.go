package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// The needs board's remaining actions (SPEC sections 10 and 12): the
// committee's [Publish] (and announce again) and [Release], and the
// taker's [Mark done] on their page. Each calls the service the chat's
// command calls (Needs.Publish, Needs.Release, Needs.Done), which checks who
// may and writes the audit entry naming the web app; what the change owes
// people goes through the outbox with the chat's wording and buttons
// (MiniAppConfig.NeedAnnouncement, NeedConfirmAsk), under message ids that
// name the event, so a retry queues nothing twice.

// publishBody is the body of POST /api/needs/{id}/publish; every field is
// optional, as /publish's arguments are.
type publishBody struct {
	Helpers  int    `json:"helpers"`  // 0: the need's (1 by default)
	Due      string `json:"due"`      // YYYY-MM-DD; "": DefaultNeedDueDays from today
	Audience string `json:"audience"` // a section-3 audience; "": members whose skills match, else all
	Skills   string `json:"skills"`   // comma-separated; "": keep
	Again    bool   `json:"again"`    // announce a published need again (/publish on a published need)
	Round    int    `json:"round"`    // with again: the round the page shows; a need past it is a repeat (changed false)
}

// needPublished is the answer to a publish: the need as the board shows
// it now and how many announcements were queued to whom.
type needPublished struct {
	Need     needRow `json:"need"`
	Changed  bool    `json:"changed"`
	Sent     int     `json:"sent"`
	Audience string  `json:"audience"`
}

// decodeBody reads a small JSON body into v; an empty body leaves v as it
// is. Errors: EINVALID Field field.
func decodeBody(q *request, field string, v any) error {
	err := json.NewDecoder(http.MaxBytesReader(nil, q.r.Body, maxBody)).Decode(v)
	if err != nil && !errors.Is(err, io.EOF) {
		return ll.Invalid(field, "not a JSON body")
	}
	return nil
}

// publishNeed answers POST /api/needs/{id}/publish {helpers, due, audience,
// skills, again}: what /publish N4 … does (Needs.Publish: a new need, or
// with again a published one; helpers 1..MaxNeedHelpers, a due day from
// today to MaxNeedDueDays ahead; audited via the web app), its
// announcements queued through the outbox as one broadcast, each in its
// recipient's language with the take button. Publishing a need already
// published without again is 409 need_state with the need as it is; again
// with the round the page showed, once that round has passed (a double tap,
// a retry), answers changed false and sends nothing.
func (m *MiniApp) publishNeed(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	if m.cfg.NeedAnnouncement == nil || m.cfg.Outbox == nil {
		// Published without its announcements going out, a need would wait
		// for takers nobody told.
		return nil, fmt.Errorf("publish a need from the mini app: no announcement or outbox wired")
	}
	var body publishBody
	if err := decodeBody(q, "arguments", &body); err != nil {
		return nil, err
	}
	o := app.PublishOptions{Due: strings.TrimSpace(body.Due), Audience: strings.TrimSpace(body.Audience),
		Skills: strings.TrimSpace(body.Skills), Again: body.Again, Round: body.Round,
		Lang: m.cfg.App.Sessions.Language(q.ctx, q.actor, q.actor.Member, q.data.User.LanguageCode, m.cfg.DefaultLanguage)}
	if body.Helpers != 0 {
		o.Helpers = strconv.Itoa(body.Helpers)
	}
	id := q.r.PathValue("id")
	p, err := m.cfg.App.Needs.Publish(q.ctx, sc, m.cfg.Outbox, id, o, func(mb ll.Member, n ll.Need) (ll.Reply, string) {
		lang := memberLang(mb, sc, m.cfg.DefaultLanguage)
		return m.cfg.NeedAnnouncement(lang, sc.Community, n), lang
	})
	if err != nil {
		return nil, m.withNeed(q, sc, id, err)
	}
	return needPublished{Need: boardRow(p.Need, sc), Changed: !p.Repeat, Sent: len(p.Messages), Audience: p.Audience}, nil
}

// withNeed is err, carrying the need as it is now when err is a refusal of
// its state, so that the page shows what happened instead (a double tap, a
// decision taken in the chat meanwhile).
func (m *MiniApp) withNeed(q *request, sc *app.Scope, id string, err error) error {
	if ll.ErrorDetail(err) != ll.ReasonNeedState {
		return err
	}
	n, gerr := m.cfg.App.Needs.Get(q.ctx, sc, id)
	if gerr != nil {
		return err
	}
	return &decidedError{err: err, record: boardRow(n, sc)}
}

// releaseNeed answers POST /api/needs/{id}/release: what /release N4 does
// (Needs.Release: a published or taken need is taken from its takers and
// published again, audited via the web app), and each old taker is told
// through the outbox. Changed is false when it had no takers (a repeat).
func (m *MiniApp) releaseNeed(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	id := q.r.PathValue("id")
	n, old, err := m.cfg.App.Needs.Release(q.ctx, sc, id)
	if err != nil {
		return nil, m.withNeed(q, sc, id, err)
	}
	for _, t := range old {
		if t.TelegramID == 0 || !t.Active() {
			continue
		}
		// The release's time names it: a repeat releases nobody and queues
		// nothing; a later release of the same need is another message.
		m.queue(q, sc, fmt.Sprintf("nr:%s:%s:%d:%s", sc.Community.ID, n.ID, sc.Now.UnixMilli(), t.ID), t.TelegramID, t.ID,
			memberLang(t, sc, m.cfg.DefaultLanguage), "need.released_told", n.ID)
	}
	return needDecision{Need: boardRow(n, sc), Changed: len(old) > 0}, nil
}

// needDone is the answer to [Mark done]: the need as its taker's page
// shows it, whether this call changed it, and whether the committee decides
// instead of the asker.
type needDone struct {
	Need      myNeedRow `json:"need"`
	Changed   bool      `json:"changed"`
	Committee bool      `json:"committee"`
}

// doneNeed answers POST /api/needs/{id}/done {"note": "…"}: what /done N4
// [note] does (Needs.Done with the caller's Actor: only a taker of a
// published or taken need of their own community; the note at most
// MaxNeedNoteLen characters). Then, as /done does, the asker is asked to
// confirm with [✅ Solved] / [❌ Not yet], or, when the committee decides,
// each of its reachable members but the caller is told; through the
// outbox under ids naming the need and the moment it was done, so a retry
// queues nothing twice. A repeat answers changed false and queues nothing.
func (m *MiniApp) doneNeed(q *request) (any, error) {
	if m.cfg.NeedConfirmAsk == nil {
		return nil, fmt.Errorf("mark a need done from the mini app: no confirmation wired")
	}
	var body struct {
		Note string `json:"note"`
	}
	if err := decodeBody(q, "note", &body); err != nil {
		return nil, err
	}
	res, err := m.cfg.App.Needs.Done(q.ctx, q.actor, q.r.PathValue("id"), body.Note)
	if err != nil {
		return nil, err
	}
	n := res.Need
	if res.Changed {
		m.tellDone(q, n, res.Committee)
	}
	return needDone{Need: toMyNeedRow(n), Changed: res.Changed, Committee: res.Committee}, nil
}

// tellDone queues what a need just done owes: the asker's confirmation, or
// the committee's notice. A failure is logged: the need is done either way.
func (m *MiniApp) tellDone(q *request, n ll.Need, committee bool) {
	if m.cfg.Outbox == nil {
		return
	}
	comm, err := m.cfg.App.Needs.CommunityOf(q.ctx, n)
	if err != nil {
		m.log.Warn("tell of a need done", "need", n.ID, "err", err)
		return
	}
	sc := &app.Scope{Community: comm}
	done := n.DoneAt.UnixMilli()
	var msgs []ll.OutMessage
	if committee {
		ms, err := m.cfg.App.Needs.Committee(q.ctx, n.Community)
		if err != nil {
			m.log.Warn("tell the committee of a need awaiting it", "need", n.ID, "err", err)
		}
		for _, c := range ms {
			if c.TelegramID == q.actor.TelegramID {
				continue
			}
			lang := memberLang(c, sc, m.cfg.DefaultLanguage)
			msgs = append(msgs, ll.OutMessage{ID: fmt.Sprintf("ndp:%s:%s:%d:%s", comm.ID, n.ID, done, c.ID), ChatID: c.TelegramID,
				Kind: ll.OutDirect, Lang: lang, Community: comm.ID, Member: c.ID,
				Reply: ll.Reply{Text: telegramText(lang, "need.pending_told", n.ID)}})
		}
	} else if n.AskerID != 0 {
		var taker ll.Member
		if ts, err := m.cfg.App.Needs.Takers(q.ctx, n); err == nil {
			for _, t := range ts {
				if t.ID == q.actor.Self().MemberID {
					taker = t
				}
			}
		}
		lang := askerLang(n, sc, m.cfg.DefaultLanguage)
		ask := m.cfg.NeedConfirmAsk(lang, n, taker)
		msgs = append(msgs, ll.OutMessage{ID: fmt.Sprintf("ndc:%s:%s:%d", comm.ID, n.ID, done), ChatID: n.AskerID,
			Kind: ll.OutDirect, Lang: lang, Community: comm.ID, Reply: ll.Reply{Text: ask.Text, Buttons: ask.Buttons}})
	}
	if len(msgs) == 0 {
		return
	}
	if _, err := m.cfg.Outbox.Enqueue(q.ctx, msgs...); err != nil {
		m.log.Warn("tell of a need done", "need", n.ID, "err", err)
	}
}
