package web

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/record"
	"github.com/lamplighter-bot/lamplighter/report"
)

// The committee's remaining pages of the Mini App (SPEC section 12): the
// overview (a traffic light per member, days left, the year by month and by
// method), the members filtered and sorted, the activities under way or to
// come with their live roster, the full-screen presenter, and the XLSX
// export. Each route takes the Scope of Access.Committee (the presenter:
// Presenter.Screen's own check, the same as /present's) and calls the
// service the chat's command calls.

// Bounds of the committee routes.
const (
	maxRosterShown = 200 // names on a roster
	qrPixels       = 512 // the presenter's QR code, as /present sends it
	xlsxMIME       = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

func (m *MiniApp) committeeRoutes() {
	m.mux.HandleFunc("GET /api/overview", m.api(m.overview))
	m.mux.HandleFunc("GET /api/activities", m.api(m.activities))
	m.mux.HandleFunc("GET /api/activities/{id}/roster", m.api(m.roster))
	m.mux.HandleFunc("POST /api/activities/{id}/present", m.api(m.present))
	m.mux.HandleFunc("GET /api/export", m.api(m.export))
	m.mux.HandleFunc("POST /api/export/link", m.api(m.exportLink)) // download.go
	m.mux.HandleFunc("GET /api/download/{token}", m.downloadExport)
	m.mux.HandleFunc("GET /api/needs", m.api(m.needs))
	m.mux.HandleFunc("POST /api/needs/{id}/decline", m.api(m.declineNeed)) // needs_actions.go
	m.mux.HandleFunc("POST /api/needs/{id}/approve", m.api(m.approveNeed))
	m.mux.HandleFunc("POST /api/needs/{id}/publish", m.api(m.publishNeed)) // needs_publish.go
	m.mux.HandleFunc("POST /api/needs/{id}/release", m.api(m.releaseNeed))
}

// overviewAnswer is GET /api/overview.
type overviewAnswer struct {
	Year      int            `json:"year"`
	DaysLeft  int            `json:"days_left"`
	Active    int            `json:"active"`
	Counts    map[string]int `json:"counts"` // green, amber, red
	ByMonth   [12]int        `json:"by_month"`
	ByMethod  []methodStat   `json:"by_method"`
	Matched   int            `json:"matched"`
	Offset    int            `json:"offset"`
	Members   []standingRow  `json:"members"`
	Units     []string       `json:"units"`
	Buildings []string       `json:"buildings"`
	Teams     []named        `json:"teams"`
}

type standingRow struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Unit     string   `json:"unit,omitempty"`
	Building string   `json:"building,omitempty"`
	Total    int      `json:"total"`
	Minimum  int      `json:"minimum"`
	Upcoming int      `json:"upcoming"`
	Strong   int      `json:"strong"`
	Last     string   `json:"last,omitempty"`
	Light    string   `json:"light"`
	Teams    []string `json:"teams,omitempty"`
}

// overview answers GET /api/overview?light=&unit=&building=&team=&sort=&offset=&limit=:
// the year's lights, counts and charts, and one page of the members they
// select (Reports.Standings).
func (m *MiniApp) overview(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	v := q.r.URL.Query()
	offset, _ := strconv.Atoi(v.Get("offset"))
	limit, _ := strconv.Atoi(v.Get("limit"))
	st, err := m.cfg.App.Reports.Standings(q.ctx, sc, app.StandingQuery{Light: app.Light(v.Get("light")), Unit: v.Get("unit"),
		Building: v.Get("building"), Team: v.Get("team"), Sort: v.Get("sort"), Offset: offset, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := overviewAnswer{Year: st.Year, DaysLeft: st.DaysLeft, Active: st.Active, Counts: map[string]int{}, ByMonth: st.ByMonth,
		ByMethod: methodStats(st.ByMethod), Matched: st.Matched, Offset: max(offset, 0), Members: []standingRow{},
		Units: st.Units, Buildings: st.Buildings, Teams: []named{}}
	for l, n := range st.Counts {
		out.Counts[string(l)] = n
	}
	for _, r := range st.Members {
		out.Members = append(out.Members, standingRow{ID: r.ID, Name: r.Name, Unit: r.Unit, Building: r.Building, Total: r.Total,
			Minimum: r.Minimum, Upcoming: r.Upcoming, Strong: r.Strong, Last: r.LastParticipation, Light: string(r.Light), Teams: r.Teams})
	}
	for _, t := range st.Teams {
		out.Teams = append(out.Teams, named{t.ID, t.Name})
	}
	return out, nil
}

func methodStats(b record.Breakdown) []methodStat {
	out := []methodStat{}
	for _, mc := range b.Listed() {
		out = append(out, methodStat{Method: mc.Method, Count: mc.Count, Strong: ll.StrongMethod(mc.Method)})
	}
	return out
}

// activityRow is one activity of the activities page.
type activityRow struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Place     string `json:"place,omitempty"`
	Start     string `json:"start"` // RFC 3339 in the community's zone
	End       string `json:"end"`
	Capacity  int    `json:"capacity"`
	Signups   int    `json:"signups"`
	CheckedIn int    `json:"checked_in"`
	Mode      string `json:"mode"`
	Open      bool   `json:"open"` // check-in open now
}

type activitiesAnswer struct {
	Now        string        `json:"now"`
	Activities []activityRow `json:"activities"`
}

// activities answers GET /api/activities: the activities under way or to
// come with their sign-ups and check-in counts (Activities.Current); the
// page asks again every few seconds while it is visible.
func (m *MiniApp) activities(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	cur, err := m.cfg.App.Activities.Current(q.ctx, sc)
	if err != nil {
		return nil, err
	}
	loc := sc.Community.Location()
	out := activitiesAnswer{Now: sc.Now.In(loc).Format(time.RFC3339), Activities: []activityRow{}}
	for _, c := range cur {
		a := c.Activity
		out.Activities = append(out.Activities, activityRow{ID: a.ID, Title: a.Title, Place: a.Place,
			Start: a.Start.In(loc).Format(time.RFC3339), End: a.End.In(loc).Format(time.RFC3339), Capacity: a.Capacity,
			Signups: a.Signups, CheckedIn: c.CheckedIn, Mode: a.CheckInMode(), Open: a.CheckInOpen(sc.Now)})
	}
	return out, nil
}

type rosterPerson struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	SignedUp bool   `json:"signed_up"`
	Present  bool   `json:"present"`
	Method   string `json:"method,omitempty"`
}

type rosterAnswer struct {
	ID        string         `json:"id"`
	Title     string         `json:"title"`
	Signups   int            `json:"signups"`
	CheckedIn int            `json:"checked_in"`
	People    []rosterPerson `json:"people"` // those signed up in sign-up order, then those present without signing up
	More      int            `json:"more,omitempty"`
}

// roster answers GET /api/activities/{id}/roster: who signed up and who is
// present (Activities.Roster, as /roster shows it), the first
// maxRosterShown with their names.
func (m *MiniApp) roster(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	r, err := m.cfg.App.Activities.Roster(q.ctx, sc, q.r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	out := rosterAnswer{ID: r.Activity.ID, Title: r.Activity.Title, Signups: len(r.SignedUp), CheckedIn: len(r.Present), People: []rosterPerson{}}
	signed := map[string]bool{}
	var ids []string
	for _, id := range r.SignedUp {
		signed[id] = true
		ids = append(ids, id)
	}
	for _, id := range r.Order {
		if !signed[id] {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		if len(out.People) == maxRosterShown {
			out.More++
			continue
		}
		p := rosterPerson{ID: id, Name: "—", SignedUp: signed[id]}
		if part, ok := r.Present[id]; ok {
			p.Present, p.Method = true, part.Method
		}
		if mb, err := m.cfg.App.Lookups.Member(q.ctx, sc, id); err == nil {
			p.Name = personName(mb)
		}
		out.People = append(out.People, p)
	}
	return out, nil
}

// frameAnswer is one screen of the presenter.
type frameAnswer struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Code      string `json:"code,omitempty"`
	Link      string `json:"link,omitempty"`
	QR        string `json:"qr,omitempty"`      // data:image/png;base64,… of Link (or Code)
	Changes   string `json:"changes,omitempty"` // RFC 3339; "" for a static code
	SecsLeft  int    `json:"seconds_left"`      // until Changes, on the server's clock
	CheckedIn int    `json:"checked_in"`
	Opens     string `json:"opens"`
	Closes    string `json:"closes"`
	Closed    bool   `json:"closed"`
	Changed   bool   `json:"changed"` // this request recorded the caller as the presenter
}

// present answers POST /api/activities/{id}/present: the presenter screen
// now (Presenter.Screen: who may present, the code valid now, when it
// changes, the count), with the QR code of the check-in link drawn by the
// server with the same encoder as /present (report.QRCodePNG). The page
// asks again when the code changes and every few seconds for the count.
func (m *MiniApp) present(q *request) (any, error) {
	f, changed, err := m.cfg.App.Presenter.Screen(q.ctx, q.actor, q.r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	loc := time.UTC // the page shows times in the phone's zone
	out := frameAnswer{ID: f.Activity.ID, Title: f.Activity.Title, Code: f.Code, CheckedIn: f.CheckedIn,
		Opens: f.Opens.In(loc).Format(time.RFC3339), Closes: f.Closes.In(loc).Format(time.RFC3339), Closed: f.Closed, Changed: changed}
	if f.Code != "" {
		out.Link = m.checkInLink(f.Code)
		png, err := report.QRCodePNG(out.Link, qrPixels)
		if err != nil {
			return nil, err
		}
		out.QR = "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
	}
	if !f.Changes.IsZero() {
		out.Changes = f.Changes.In(loc).Format(time.RFC3339)
		out.SecsLeft = max(0, int(f.Changes.Sub(q.actor.Now).Round(time.Second)/time.Second))
	}
	return out, nil
}

// checkInLink is the deep link that checks in with code, as /present's
// caption has it, or /checkin <code> while the bot's username is unknown.
func (m *MiniApp) checkInLink(code string) string {
	name := ""
	if m.cfg.BotUsername != nil {
		name = m.cfg.BotUsername()
	}
	if name == "" {
		return "/checkin " + code
	}
	return fmt.Sprintf("https://t.me/%s?start=ci_%s", name, code)
}

// export answers GET /api/export?year=: the year's members and ledger as
// the XLSX workbook /export sends (Reports.StreamExport with
// report.StreamXLSX: read a page of members at a time and written to a
// temporary file, which the answer sends and removes), audited as an
// export via the web app.
func (m *MiniApp) export(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	return m.exportOf(q, sc)
}

// exportOf is the workbook of sc's community for the year q asks for.
func (m *MiniApp) exportOf(q *request, sc *app.Scope) (any, error) {
	tmp, err := os.CreateTemp("", "lamplighter-webexport-*.xlsx")
	if err != nil {
		return nil, fmt.Errorf("create a temporary file for the export: %w", err)
	}
	ex, err := m.cfg.App.Reports.StreamExport(q.ctx, sc, q.r.URL.Query().Get("year"), func(ex *app.ExportStream) error {
		if _, _, err := report.StreamXLSX(tmp, ex.Pages, ""); err != nil {
			return err
		}
		return tmp.Close()
	})
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	return fileAnswer{name: exportName(sc.Community.ID, ex.Year), mime: xlsxMIME, path: tmp.Name()}, nil
}

// fileAnswer is an answer that is a file to download, not JSON: data, or
// the temporary file at path, which write sends and removes.
type fileAnswer struct {
	name, mime string
	data       []byte
	path       string
}

func (f fileAnswer) write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", f.mime)
	h.Set("Content-Disposition", `attachment; filename="`+f.name+`"`)
	if f.path == "" {
		h.Set("Content-Length", strconv.Itoa(len(f.data)))
		w.WriteHeader(http.StatusOK)
		w.Write(f.data)
		return
	}
	defer os.Remove(f.path)
	file, err := os.Open(f.path)
	if err != nil {
		http.Error(w, `{"error":"unavailable"}`, http.StatusInternalServerError)
		return
	}
	defer file.Close()
	if st, err := file.Stat(); err == nil {
		h.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	}
	w.WriteHeader(http.StatusOK)
	io.Copy(w, file)
}

// needRow is one need of the board, without anything about its asker.
type needRow struct {
	ID      string   `json:"id"`
	Text    string   `json:"text"`
	Status  string   `json:"status"`
	Pending bool     `json:"pending,omitempty"` // done, awaiting the committee
	Skills  []string `json:"skills,omitempty"`
	Helpers int      `json:"helpers"`
	Takers  []string `json:"takers,omitempty"` // member ids
	Due     string   `json:"due,omitempty"`    // YYYY-MM-DD in the community's zone
	Created string   `json:"created"`
	Reason  string   `json:"reason,omitempty"`
	Round   int      `json:"round,omitempty"` // how many times it was announced
}

type needsAnswer struct {
	Total int       `json:"total"`
	Needs []needRow `json:"needs"`
	// The publish form's bounds and defaults, as /publish has them: helpers
	// 1..max_helpers, a due day from today to max_due, due by default.
	MaxHelpers int    `json:"max_helpers"`
	Today      string `json:"today"`
	DefaultDue string `json:"default_due"`
	MaxDue     string `json:"max_due"`
}

// maxNeedsShown bounds the board's page.
const maxNeedsShown = 100

// needs answers GET /api/needs: the committee's needs board (Needs.Board,
// as /needs lists it: new first, then those awaiting the committee, then
// published, taken and done), the first maxNeedsShown. It shows no asker.
func (m *MiniApp) needs(q *request) (any, error) {
	sc, err := m.committee(q)
	if err != nil {
		return nil, err
	}
	board, err := m.cfg.App.Needs.Board(q.ctx, sc)
	if err != nil {
		return nil, err
	}
	now := sc.Now.In(sc.Community.Location())
	out := needsAnswer{Total: len(board), Needs: []needRow{}, MaxHelpers: ll.MaxNeedHelpers, Today: now.Format(time.DateOnly),
		DefaultDue: now.AddDate(0, 0, ll.DefaultNeedDueDays).Format(time.DateOnly), MaxDue: now.AddDate(0, 0, ll.MaxNeedDueDays).Format(time.DateOnly)}
	for _, n := range board[:min(len(board), maxNeedsShown)] {
		out.Needs = append(out.Needs, boardRow(n, sc))
	}
	return out, nil
}
