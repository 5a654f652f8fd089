package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/record"
	"github.com/lamplighter-bot/lamplighter/web/initdata"
)

// The Mini App's JSON API. Every route authenticates the request from its
// Authorization: tma <initData> header (initdata.Validate with the bot
// token and MaxAge; 401 and no effect otherwise), reads the user record of
// the Telegram id it names into an app.Actor (app.Sessions, as the chat
// reads it for each update), and calls the same app services the chat
// commands call: a member route passes the Actor, a committee route the
// Scope that only Access.Committee builds. What the services refuse is
// answered in one place (fail) with a status and an error code the page
// words in the user's language.

// Page sizes of the lists.
const (
	defaultMembersPage = 30
	maxMembersPage     = 100
	maxApprovalsShown  = 50
	maxEntriesShown    = 200
)

func (m *MiniApp) routes() {
	m.mux.HandleFunc("GET /api/me", m.api(m.me))
	m.mux.HandleFunc("GET /api/members", m.api(m.members))
	m.mux.HandleFunc("GET /api/members/{ref}", m.api(m.memberCard))
	m.mux.HandleFunc("GET /api/approvals", m.api(m.approvals))
	m.mux.HandleFunc("POST /api/approvals/{id}/approve", m.api(m.decide(true)))
	m.mux.HandleFunc("POST /api/approvals/{id}/reject", m.api(m.decide(false)))
	m.committeeRoutes()
	m.memberRoutes() // api_member.go
	m.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		m.writeJSON(w, r, http.StatusNotFound, apiError{Error: "not_found"})
	})
}

// request is one authenticated API request.
type request struct {
	ctx   context.Context
	r     *http.Request
	actor app.Actor
	data  initdata.Data
}

// apiError is the body of every refusal.
type apiError struct {
	Error  string `json:"error"`            // unauthorized, forbidden, not_member, not_found, invalid, conflict, unavailable, internal
	Detail string `json:"detail,omitempty"` // the reason or the field
	Record any    `json:"record,omitempty"` // the record as decided, for a decision decided otherwise
}

// api wraps a route: authentication, then the route's answer as JSON, or
// its error through fail.
func (m *MiniApp) api(route func(*request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "tma ")
		now := m.cfg.Now()
		d, err := initdata.Validate(raw, m.cfg.BotToken, m.cfg.MaxAge, now)
		if !ok || err != nil {
			w.Header().Set("WWW-Authenticate", `tma realm="lamplighter"`)
			m.writeJSON(w, r, http.StatusUnauthorized, apiError{Error: "unauthorized"})
			return
		}
		m.answerAs(w, r, d.User.ID, now, func(q *request) (any, error) {
			q.data = d
			return route(q)
		})
	}
}

// answerAs answers r as Telegram user tg at now: their actor as the chat
// reads it (app.Sessions), then route's answer as JSON or a file, or its
// error through fail. Every API route comes here once its caller is known
// (by initData, or by a download link).
func (m *MiniApp) answerAs(w http.ResponseWriter, r *http.Request, tg int64, now time.Time, route func(*request) (any, error)) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	a, err := m.cfg.App.Sessions.Actor(ctx, tg, m.admins[tg], app.ChannelWebApp, now)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	out, err := route(&request{ctx: ctx, r: r, actor: a})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	if f, ok := out.(fileAnswer); ok {
		f.write(w)
		return
	}
	m.writeJSON(w, r, http.StatusOK, out)
}

// decidedError carries the record of a decision that was decided otherwise.
type decidedError struct {
	err    error
	record any
}

func (e *decidedError) Error() string { return e.err.Error() }
func (e *decidedError) Unwrap() error { return e.err }

// fail answers an error of the services: the one place that turns their
// typed errors into statuses.
func (m *MiniApp) fail(w http.ResponseWriter, r *http.Request, err error) {
	body := apiError{Error: ll.ErrorCode(err), Detail: ll.ErrorDetail(err)}
	var de *decidedError
	if errors.As(err, &de) {
		body.Record = de.record
	}
	status := http.StatusInternalServerError
	switch body.Error {
	case ll.ENOTMEMBER, ll.EFORBIDDEN:
		status = http.StatusForbidden
	case ll.ENOTFOUND:
		status = http.StatusNotFound
	case ll.EINVALID:
		status = http.StatusBadRequest
	case ll.ECONFLICT, ll.EFULL, ll.ESTALE:
		status = http.StatusConflict
	case ll.EUNAVAILABLE:
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
		m.log.Warn("mini app: storage unavailable", "path", r.URL.Path, "err", err)
	default:
		body = apiError{Error: ll.EINTERNAL}
		m.log.Error("mini app", "path", r.URL.Path, "err", err)
	}
	m.writeJSON(w, r, status, body)
}

// writeJSON writes v, gzipped when the client accepts it and v is large
// enough to gain from it.
func (m *MiniApp) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		m.log.Error("mini app: encode answer", "path", r.URL.Path, "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	if len(b) > 1024 && acceptsGzip(r) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		b = buf.Bytes()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// The answers.

// meAnswer is GET /api/me: who the caller is, their own card and ledger
// when they are a member, and the community they act on as the committee.
type meAnswer struct {
	Lang      string         `json:"lang"`
	Name      string         `json:"name"` // from initData, for a greeting
	Member    *cardAnswer    `json:"member"`
	Committee *committeeInfo `json:"committee"`
	Organizer bool           `json:"organizer"` // may scan check-ins: the committee, a team leader (api_member.go)
	Liaison   bool           `json:"liaison"`   // a unit's liaison: the unit page (api_member.go)
}

type committeeInfo struct {
	Community string `json:"community"`
	Name      string `json:"name"`
	Role      string `json:"role"`
}

// cardAnswer is a member's card and ledger with its evidence.
type cardAnswer struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Unit      string       `json:"unit,omitempty"`
	Building  string       `json:"building,omitempty"`
	Skills    []string     `json:"skills,omitempty"`
	Status    string       `json:"status"`
	Role      string       `json:"role,omitempty"`
	Community string       `json:"community"`
	CommName  string       `json:"community_name"`
	Year      int          `json:"year"`
	Standing  standing     `json:"standing"`
	DaysLeft  int          `json:"days_left"`
	Methods   []methodStat `json:"methods"`
	Posts     []named      `json:"posts"`
	Teams     []named      `json:"teams"`
	Entries   []entry      `json:"entries"` // newest first
	More      int          `json:"more,omitempty"`
}

type standing struct {
	Total       int  `json:"total"`
	Minimum     int  `json:"minimum"`
	Activities  int  `json:"activities"`
	Services    int  `json:"services"`
	Posts       int  `json:"posts"`
	PostMinimum int  `json:"post_minimum"`
	Compliant   bool `json:"compliant"`
}

type methodStat struct {
	Method string `json:"method"`
	Count  int    `json:"count"`
	Strong bool   `json:"strong"`
}

type named struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// entry is one participation with its evidence.
type entry struct {
	Date       string `json:"date"`
	Ref        string `json:"ref"`
	Kind       string `json:"kind"`
	Title      string `json:"title"`
	Method     string `json:"method"`
	Strong     bool   `json:"strong"`
	VerifiedBy string `json:"verified_by,omitempty"`
	Note       string `json:"note,omitempty"`
	Voided     bool   `json:"voided,omitempty"`
	VoidedBy   string `json:"voided_by,omitempty"`
	VoidReason string `json:"void_reason,omitempty"`
}

// card words a card for the page: the year's standing as the chat's /me
// counts it (ll.ComputeStanding, record.CountMethods), in the community's
// zone.
func card(cd ll.Card, now time.Time) *cardAnswer {
	loc := cd.Community.Location()
	today := now.In(loc)
	year := today.Year()
	at := ll.YearEnd(year, loc)
	if now.Before(at) {
		at = now
	}
	s := ll.ComputeStanding(cd.Participations, year, ll.PostsHeldAt(cd.Claims, at), cd.Community)
	m := cd.Member
	out := &cardAnswer{
		ID: m.ID, Name: personName(m), Unit: m.Unit, Building: m.Building, Skills: m.Skills, Status: m.Status,
		Role: string(m.Role), Community: cd.Community.ID, CommName: cd.Community.Name, Year: year,
		Standing: standing{Total: s.Total, Minimum: s.Minimum, Activities: s.Activities, Services: s.Services,
			Posts: s.Posts, PostMinimum: s.PostMinimum, Compliant: s.Compliant},
		DaysLeft: ll.DaysLeftInYear(now, loc),
		Methods:  []methodStat{}, Posts: []named{}, Teams: []named{}, Entries: []entry{},
	}
	for _, mc := range record.CountMethods(cd.Participations, year).Listed() {
		if mc.Count > 0 {
			out.Methods = append(out.Methods, methodStat{Method: mc.Method, Count: mc.Count, Strong: ll.StrongMethod(mc.Method)})
		}
	}
	for _, p := range cd.Posts {
		out.Posts = append(out.Posts, named{p.ID, p.Title})
	}
	for _, t := range cd.Teams {
		out.Teams = append(out.Teams, named{t.ID, t.Name})
	}
	ps := cd.Participations
	for i := len(ps) - 1; i >= 0 && len(out.Entries) < maxEntriesShown; i-- {
		p := ps[i]
		out.Entries = append(out.Entries, entry{Date: p.Date, Ref: p.Ref, Kind: p.Kind, Title: p.Title, Method: p.Method,
			Strong: ll.StrongMethod(p.Method), VerifiedBy: p.VerifiedBy, Note: p.Note,
			Voided: p.Voided, VoidedBy: p.VoidedBy, VoidReason: p.VoidReason})
	}
	out.More = len(ps) - len(out.Entries)
	return out
}

// me answers GET /api/me: the caller's own card (Members.Mine: their own,
// never anyone else's) and, when they are on a committee, the community it
// acts on (Access.Committee).
func (m *MiniApp) me(q *request) (any, error) {
	out := meAnswer{Name: strings.TrimSpace(q.data.User.FirstName + " " + q.data.User.LastName)}
	var member *ll.Member
	if q.actor.IsMember() {
		cd, err := m.cfg.App.Members.Mine(q.ctx, q.actor)
		switch {
		case err == nil:
			out.Member = card(cd, q.actor.Now)
			out.Organizer = app.Leads(cd)
			member = &cd.Member
			q.actor.Member = &cd.Member
		case !errors.Is(err, ll.ErrNotMember):
			return nil, err
		}
	}
	if q.actor.Admin || member != nil && member.Role.IsCommittee() {
		sc, err := m.cfg.App.Access.Committee(q.ctx, q.actor)
		switch code := ll.ErrorCode(err); {
		case err == nil:
			out.Committee = &committeeInfo{Community: sc.Community.ID, Name: sc.Community.Name, Role: string(sc.Role)}
		case code != ll.EFORBIDDEN && code != ll.ENOTMEMBER:
			return nil, err
		}
	}
	out.Organizer = out.Organizer || out.Committee != nil
	if units, err := m.cfg.App.Units.Mine(q.ctx, q.actor); err == nil {
		out.Liaison = len(units) > 0
	}
	out.Lang = m.cfg.App.Sessions.Language(q.ctx, q.actor, member, q.data.User.LanguageCode, m.cfg.DefaultLanguage)
	return out, nil
}

// committee resolves the scope of a committee route: refused (403) for
// anyone but the committee of a community, or an admin who chose one.
func (m *MiniApp) committee(q *request) (*app.Scope, error) {
	sc, err := m.cfg.App.Access.Committee(q.ctx, q.actor)
	if err != nil {
		return nil, err
	}
	return &sc, nil
}

// memberRow is one line of the members list.
type memberRow struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Unit     string `json:"unit,omitempty"`
	Building string `json:"building,omitempty"`
	Role     string `json:"role,omitempty"`
}

type membersAnswer struct {
	Total   int         `json:"total"`
	Offset  int         `json:"offset"`
	Members []memberRow `json:"members"`
}

// members answers GET /api/members?q=&offset=&limit=: one page of the
// committee's member search (Members.SearchPage, from the store's index).
func (m *MiniApp) members(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	v := q.r.URL.Query()
	offset, _ := strconv.Atoi(v.Get("offset"))
	limit, _ := strconv.Atoi(v.Get("limit"))
	offset = max(offset, 0)
	if limit <= 0 {
		limit = defaultMembersPage
	}
	limit = min(limit, maxMembersPage)
	page, total, err := m.cfg.App.Members.SearchPage(q.ctx, sc, v.Get("q"), offset, limit)
	if err != nil {
		return nil, err
	}
	out := membersAnswer{Total: total, Offset: offset, Members: make([]memberRow, 0, len(page))}
	for _, mb := range page {
		out.Members = append(out.Members, memberRow{ID: mb.ID, Name: personName(mb), Unit: mb.Unit, Building: mb.Building, Role: string(mb.Role)})
	}
	return out, nil
}

// memberCard answers GET /api/members/{ref}: one member's card and ledger
// for the committee of their community (Members.Card).
func (m *MiniApp) memberCard(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	cd, err := m.cfg.App.Members.Card(q.ctx, sc, q.r.PathValue("ref"))
	if err != nil {
		return nil, err
	}
	return card(cd, q.actor.Now), nil
}

// approval is one service record awaiting a decision, or as decided.
type approval struct {
	ID        string `json:"id"`
	Member    string `json:"member"`
	Name      string `json:"name"`
	Date      string `json:"date"`
	Text      string `json:"text"`
	Status    string `json:"status"`
	DecidedBy string `json:"decided_by,omitempty"`
	Reason    string `json:"reason,omitempty"`
	MayDecide bool   `json:"may_decide"`
}

type approvalsAnswer struct {
	Total   int        `json:"total"`
	Records []approval `json:"records"`
}

// approvals answers GET /api/approvals: the service records awaiting the
// committee, oldest first (Services.Pending), the first maxApprovalsShown
// with their authors' names.
func (m *MiniApp) approvals(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	recs, err := m.cfg.App.Services.Pending(q.ctx, sc)
	if err != nil {
		return nil, err
	}
	out := approvalsAnswer{Total: len(recs), Records: []approval{}}
	for _, r := range recs[:min(len(recs), maxApprovalsShown)] {
		a := toApproval(r, sc)
		if mb, err := m.cfg.App.Lookups.Member(q.ctx, sc, r.Member); err == nil {
			a.Name = personName(mb)
		} else if !errors.Is(err, ll.ErrNotFound) {
			return nil, err
		}
		out.Records = append(out.Records, a)
	}
	return out, nil
}

func toApproval(r ll.ServiceRecord, sc *app.Scope) approval {
	return approval{ID: r.ID, Member: r.Member, Date: r.Date, Text: r.Text, Status: r.Status,
		DecidedBy: r.DecidedBy, Reason: r.Reason, MayDecide: r.Status == ll.ServicePending && app.MayDecide(sc, r)}
}

type decisionAnswer struct {
	Record  approval `json:"record"`
	Changed bool     `json:"changed"` // false for a repeat (a double tap): nothing changed
}

// maxBody bounds a request body: a reason is at most 200 characters.
const maxBody = 4 << 10

// decide answers POST /api/approvals/{id}/approve and …/reject (a JSON
// body {"reason": "…"}): Services.Decide, which checks who may decide,
// writes the audit entry naming the web app, and answers a repeat of the
// same decision with Changed false.
func (m *MiniApp) decide(approve bool) func(*request) (any, error) {
	return func(q *request) (any, error) {
		sc, err := m.committee(q)
		if err != nil {
			return nil, err
		}
		var body struct {
			Reason string `json:"reason"`
		}
		if !approve {
			if err := json.NewDecoder(http.MaxBytesReader(nil, q.r.Body, maxBody)).Decode(&body); err != nil {
				return nil, ll.Invalid("reason", "not a JSON body with a reason")
			}
		}
		d, err := m.cfg.App.Services.Decide(q.ctx, sc, q.r.PathValue("id"), approve, strings.TrimSpace(body.Reason))
		if err != nil {
			if ll.ErrorDetail(err) == ll.ReasonDecided && d.Record.ID != "" {
				return nil, &decidedError{err: err, record: toApproval(d.Record, sc)}
			}
			return nil, err
		}
		if d.Changed {
			m.tellAuthor(q, sc, d.Record, approve, strings.TrimSpace(body.Reason))
		}
		return decisionAnswer{Record: toApproval(d.Record, sc), Changed: d.Changed}, nil
	}
}

// personName is a member's name as the page shows it next to their id:
// "—" for a forgotten member.
func personName(m ll.Member) string {
	if m.Name == "" {
		return "—"
	}
	return m.Name
}
