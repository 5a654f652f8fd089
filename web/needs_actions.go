package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// needDecision is the answer to a decision on a need: the need as it is
// now (as the board shows it) and whether this call changed it.
type needDecision struct {
	Need    needRow `json:"need"`
	Changed bool    `json:"changed"`
}

// declineNeed answers POST /api/needs/{id}/decline {"reason": "…"}: what
// /decline N4 <reason> does (Needs.Decline: a new or published need, a
// reason required, audited via the web app), and the resident is told the
// reason through the outbox, once. A repeat answers changed false.
func (m *MiniApp) declineNeed(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, q.r.Body, maxBody)).Decode(&body); err != nil {
		return nil, ll.Invalid("reason", "not a JSON body with a reason")
	}
	n, changed, err := m.cfg.App.Needs.Decline(q.ctx, sc, q.r.PathValue("id"), strings.TrimSpace(body.Reason))
	if err != nil {
		return nil, err
	}
	if changed && n.AskerID != 0 {
		m.queue(q, sc, fmt.Sprintf("nd:%s:%s", sc.Community.ID, n.ID), n.AskerID, "", askerLang(n, sc, m.cfg.DefaultLanguage),
			"need.declined_told", n.ID, n.Reason)
	}
	return needDecision{Need: boardRow(n, sc), Changed: changed}, nil
}

// approveNeed answers POST /api/needs/{id}/approve: what /approve N4 does
// for a done need awaiting the committee (Needs.Approve: each taker's
// participation with method approval, verified by the caller, audited; nobody
// approves a need they took or asked), and the takers and the resident are
// told through the outbox, once. A repeat answers changed false.
func (m *MiniApp) approveNeed(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	n, changed, err := m.cfg.App.Needs.Approve(q.ctx, sc, q.r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if changed {
		takers, err := m.cfg.App.Needs.Takers(q.ctx, n)
		if err != nil {
			m.log.Warn("tell the takers of a need", "need", n.ID, "err", err)
		}
		for _, t := range takers {
			if t.TelegramID == 0 || !t.Active() {
				continue
			}
			m.queue(q, sc, fmt.Sprintf("na:%s:%s:%s", sc.Community.ID, n.ID, t.ID), t.TelegramID, t.ID,
				memberLang(t, sc, m.cfg.DefaultLanguage), "need.solved_told", n.ID)
		}
		if n.AskerID != 0 {
			m.queue(q, sc, fmt.Sprintf("na:%s:%s:asker", sc.Community.ID, n.ID), n.AskerID, "",
				askerLang(n, sc, m.cfg.DefaultLanguage), "need.solved_asker", n.ID)
		}
	}
	return needDecision{Need: boardRow(n, sc), Changed: changed}, nil
}

// queue puts one catalog message to chat in the outbox under id (a retry
// queues nothing twice); a failure is logged, the decision stands.
func (m *MiniApp) queue(q *request, sc *app.Scope, id string, chat int64, member, lang, msg string, args ...any) {
	if m.cfg.Outbox == nil {
		return
	}
	out := ll.OutMessage{ID: id, ChatID: chat, Kind: ll.OutDirect, Lang: lang, Community: sc.Community.ID, Member: member,
		Reply: ll.Reply{Text: telegramText(lang, msg, args...)}}
	if _, err := m.cfg.Outbox.Enqueue(q.ctx, out); err != nil {
		m.log.Warn("queue a message", "id", id, "err", err)
	}
}

// boardRow is need n as the board lists it (no asker).
func boardRow(n ll.Need, sc *app.Scope) needRow {
	loc := sc.Community.Location()
	r := needRow{ID: n.ID, Text: n.Text, Status: n.Status, Pending: n.Pending, Skills: n.Skills, Helpers: n.Helpers,
		Takers: n.Takers, Created: n.Created.In(loc).Format("2006-01-02"), Reason: n.Reason, Round: n.Round}
	if !n.Due.IsZero() {
		r.Due = n.Due.In(loc).Format("2006-01-02")
	}
	return r
}

// askerLang is the language of n's resident: theirs, else the community's,
// else def.
func askerLang(n ll.Need, sc *app.Scope, def string) string {
	for _, l := range []string{n.AskerLang, sc.Community.Language, def} {
		if ll.ValidLanguage(l) {
			return l
		}
	}
	return "zh"
}

// memberLang is member t's language: theirs, else the community's, else def.
func memberLang(t ll.Member, sc *app.Scope, def string) string {
	for _, l := range []string{t.Language, sc.Community.Language, def} {
		if ll.ValidLanguage(l) {
			return l
		}
	}
	return "zh"
}
