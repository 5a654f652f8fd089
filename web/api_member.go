package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/report"
)

// The member's and the organizer's pages of the Mini App (SPEC section 12):
// my personal check-in code, the scan page, upcoming activities with Sign
// up, open posts with Claim, and the liaison's unit view. Each route calls
// the app service the chat's command calls, with the caller's Actor; the
// services decide who may.

// Bounds of the member's lists.
const (
	maxActivitiesShown = 20
	maxPostsShown      = 50
)

func (m *MiniApp) memberRoutes() {
	m.mux.HandleFunc("GET /api/mycode", m.api(m.myCode))
	m.mux.HandleFunc("GET /api/scan", m.api(m.scannable))
	m.mux.HandleFunc("POST /api/scan/{activity}", m.api(m.scan))
	m.mux.HandleFunc("GET /api/upcoming", m.api(m.upcoming))
	m.mux.HandleFunc("POST /api/activities/{id}/signup", m.api(m.signUp(false)))
	m.mux.HandleFunc("POST /api/activities/{id}/waitlist", m.api(m.signUp(true)))
	m.mux.HandleFunc("GET /api/posts", m.api(m.openPosts))
	m.mux.HandleFunc("POST /api/posts/{id}/claim", m.api(m.claim))
	m.mux.HandleFunc("GET /api/unit", m.api(m.unitView))
	m.mux.HandleFunc("GET /api/needs/mine", m.api(m.myNeeds))
	m.mux.HandleFunc("POST /api/needs/{id}/done", m.api(m.doneNeed)) // needs_publish.go
}

type myCodeAnswer struct {
	Code    string `json:"code"`
	Member  string `json:"member"`
	Expires int64  `json:"expires"` // unix ms
	Left    int64  `json:"left"`    // ms until it expires, by the server's clock (the page counts from its own)
	TTL     int64  `json:"ttl"`     // ms the code is good for
	QR      string `json:"qr"`      // the code's QR as a data: URL of a PNG (the page's CSP allows data: images)
}

// myCodeQRSize is the side of the page's QR, in pixels: sharp on a phone's
// screen at 240 CSS pixels, about 1.5 KB.
const myCodeQRSize = 480

// myCode answers GET /api/mycode: a new personal check-in code of the
// caller's own membership (Scans.MyCode), which the page draws as a QR.
func (m *MiniApp) myCode(q *request) (any, error) {
	c, err := m.cfg.App.Scans.MyCode(q.ctx, q.actor)
	if err != nil {
		return nil, err
	}
	png, err := report.QRCodePNG(c.Code, myCodeQRSize)
	if err != nil {
		return nil, err
	}
	return myCodeAnswer{Code: c.Code, Member: c.Member, Expires: c.Expires.UnixMilli(), Left: c.Expires.Sub(q.actor.Now).Milliseconds(), TTL: app.ScanCodeTTL.Milliseconds(),
		QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)}, nil
}

// upcomingRow is one activity as a member's page lists it.
type upcomingRow struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Place    string `json:"place,omitempty"`
	Start    string `json:"start"` // in the community's zone, "2006-01-02 15:04"
	End      string `json:"end"`
	Capacity int    `json:"capacity"`
	Signups  int    `json:"signups"`
	Open     bool   `json:"open"` // check-in open now
	SignedUp bool   `json:"signed_up"`
}

func toUpcomingRow(a ll.Activity, loc *time.Location, now time.Time) upcomingRow {
	const layout = "2006-01-02 15:04"
	return upcomingRow{ID: a.ID, Title: a.Title, Place: a.Place, Start: a.Start.In(loc).Format(layout), End: a.End.In(loc).Format(layout),
		Capacity: a.Capacity, Signups: a.Signups, Open: a.CheckInOpen(now)}
}

type upcomingAnswer struct {
	Activities []upcomingRow `json:"activities"`
	More       int           `json:"more,omitempty"`
}

// scannable answers GET /api/scan: the activities the caller may scan
// members in to now or later today (Scans.Scannable: the committee's, or
// those of the teams they lead).
func (m *MiniApp) scannable(q *request) (any, error) {
	comm, list, err := m.cfg.App.Scans.Scannable(q.ctx, q.actor)
	if err != nil {
		return nil, err
	}
	loc := comm.Location()
	out := upcomingAnswer{Activities: []upcomingRow{}}
	for _, a := range list {
		out.Activities = append(out.Activities, toUpcomingRow(a, loc, q.actor.Now))
	}
	return out, nil
}

type scanAnswer struct {
	Member   named `json:"member"`
	Activity named `json:"activity"`
	Changed  bool  `json:"changed"` // false: they were checked in before
}

// scan answers POST /api/scan/{activity} with {"code": "<the QR's text>"}:
// Scans.Scan checks the member in with method scan, the caller as the
// verifier, or refuses (a forged, expired, reused or another community's
// code; not an organizer; their own code).
func (m *MiniApp) scan(q *request) (any, error) {
	var body struct {
		Code string `json:"code"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, q.r.Body, maxBody)).Decode(&body); err != nil {
		return nil, ll.Invalid("code", "not a JSON body with a code")
	}
	s, err := m.cfg.App.Scans.Scan(q.ctx, q.actor, q.r.PathValue("activity"), body.Code)
	if err != nil {
		return nil, err
	}
	return scanAnswer{Member: named{s.Member.ID, personName(s.Member)}, Activity: named{s.Activity.ID, s.Activity.Title}, Changed: s.Changed}, nil
}

// upcoming answers GET /api/upcoming: the caller's community's
// activities not ended (Activities.Upcoming), the first
// maxActivitiesShown, each saying whether they signed up.
func (m *MiniApp) upcoming(q *request) (any, error) {
	ac, err := m.cfg.App.Sessions.WithSelf(q.ctx, q.actor)
	if err != nil {
		return nil, err
	}
	comm, list, err := m.cfg.App.Activities.Upcoming(q.ctx, ac)
	if err != nil {
		return nil, err
	}
	more := max(0, len(list)-maxActivitiesShown)
	list = list[:min(len(list), maxActivitiesShown)]
	ids := make([]string, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	mine, err := m.cfg.App.Activities.SignedUpFor(q.ctx, ac, ids)
	if err != nil {
		return nil, err
	}
	out := upcomingAnswer{Activities: []upcomingRow{}, More: more}
	for _, a := range list {
		row := toUpcomingRow(a, comm.Location(), ac.Now)
		row.SignedUp = mine[a.ID]
		out.Activities = append(out.Activities, row)
	}
	return out, nil
}

type signUpAnswer struct {
	Outcome  string `json:"outcome"` // signed_up, already, full, waitlisted, offered
	Position int    `json:"position,omitempty"`
	Signups  int    `json:"signups"`
	Capacity int    `json:"capacity"`
}

// signUp answers POST /api/activities/{id}/signup (Waitlist.SignUp: a full
// activity answers outcome full, and the page offers the waitlist) and
// …/waitlist (Waitlist.Join). A repeat answers already or waitlisted with
// the same position: nothing changes twice.
func (m *MiniApp) signUp(join bool) func(*request) (any, error) {
	return func(q *request) (any, error) {
		id := ll.NormalizeID('A', q.r.PathValue("id"))
		if id == "" {
			return nil, ll.ErrNotFound
		}
		var (
			r   app.SignUpResult
			err error
		)
		if join {
			r, err = m.cfg.App.Waitlist.Join(q.ctx, q.actor, id)
		} else {
			r, err = m.cfg.App.Waitlist.SignUp(q.ctx, q.actor, id)
		}
		if err != nil {
			return nil, err
		}
		return signUpAnswer{Outcome: string(r.Outcome), Position: r.Position, Signups: r.Activity.Signups, Capacity: r.Activity.Capacity}, nil
	}
}

// postRow is one open post as a member's page lists it.
type postRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Mode        string `json:"mode"`
	Place       string `json:"place,omitempty"`
	Time        string `json:"time,omitempty"`
	Capacity    int    `json:"capacity"`
	Claims      int    `json:"claims"`
	Held        bool   `json:"held"`
}

type postsAnswer struct {
	Posts []postRow `json:"posts"`
	More  int       `json:"more,omitempty"`
}

// openPosts answers GET /api/posts: the open posts of the caller's
// community (Posts.OpenWithoutTargets: a paired post's target is for the
// chat, where its holders see it), those the caller holds marked.
func (m *MiniApp) openPosts(q *request) (any, error) {
	list, err := m.cfg.App.Posts.OpenWithoutTargets(q.ctx, q.actor)
	if err != nil {
		return nil, err
	}
	out := postsAnswer{Posts: []postRow{}, More: max(0, len(list)-maxPostsShown)}
	for _, p := range list[:min(len(list), maxPostsShown)] {
		out.Posts = append(out.Posts, toPostRow(p.Post, p.Held))
	}
	return out, nil
}

func toPostRow(p ll.Post, held bool) postRow {
	return postRow{ID: p.ID, Title: p.Title, Description: p.Description, Mode: p.Mode, Place: p.Place, Time: p.Time,
		Capacity: p.Capacity, Claims: p.Claims, Held: held}
}

type claimAnswer struct {
	Post    postRow `json:"post"`
	Changed bool    `json:"changed"` // false: they held it already
}

// claim answers POST /api/posts/{id}/claim (Posts.Claim). Decision: a
// paired post's claim waits for the committee's confirmation, and the chat's
// /claim is what tells the committee (the web app has no outbox); the page
// offers no Claim on a paired post but says to claim it in the chat, and the
// route answers Posts.Claim's 409 awaiting for one asked for anyway.
func (m *MiniApp) claim(q *request) (any, error) {
	id := q.r.PathValue("id")
	p, changed, err := m.cfg.App.Posts.Claim(q.ctx, q.actor, id)
	if err != nil {
		return nil, err
	}
	p.Target = ""
	return claimAnswer{Post: toPostRow(p, true), Changed: changed}, nil
}

type unitRow struct {
	Community string `json:"community"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	Total     int    `json:"total"`
	Minimum   int    `json:"minimum"`
	Posts     int    `json:"posts"`
	Compliant bool   `json:"compliant"`
	DaysLeft  int    `json:"days_left"`
}

type unitAnswer struct {
	Unit    named     `json:"unit"`
	Year    int       `json:"year"`
	AtRisk  int       `json:"at_risk"`
	Members []unitRow `json:"members"`
	Mine    []string  `json:"mine,omitempty"`
}

// unitView answers GET /api/unit?id=: the liaison's view of their unit
// (Units.View, SPEC section 11): its members in every community with this
// year's standing, those at risk first. For the unit's liaisons and the
// district admins only.
func (m *MiniApp) unitView(q *request) (any, error) {
	v, err := m.cfg.App.Units.View(q.ctx, q.actor, q.r.URL.Query().Get("id"))
	if err != nil {
		return nil, err
	}
	out := unitAnswer{Unit: named{v.Unit.ID, v.Unit.Name}, Year: v.Year, AtRisk: v.AtRisk, Members: []unitRow{}, Mine: v.Mine}
	for _, um := range v.Members {
		s := um.Standing
		out.Members = append(out.Members, unitRow{Community: um.Community.Name, ID: um.Member.ID, Name: personName(um.Member),
			Total: s.Total, Minimum: s.Minimum, Posts: s.Posts, Compliant: s.Compliant, DaysLeft: um.DaysLeft})
	}
	return out, nil
}

// myNeedRow is one need as its asker or a taker sees it on their page: never
// who asked, nor the other takers.
type myNeedRow struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	Status  string `json:"status"`
	Pending bool   `json:"pending,omitempty"` // done, waiting for the committee
	Helpers int    `json:"helpers"`
	Takers  int    `json:"takers"`
	Due     string `json:"due,omitempty"` // the due day
}

type myNeedsAnswer struct {
	Asked []myNeedRow `json:"asked"`
	Taken []myNeedRow `json:"taken"`
}

// myNeeds answers GET /api/needs/mine: the needs the caller asked (their
// status) and the needs they took (app.Needs.Mine).
func (m *MiniApp) myNeeds(q *request) (any, error) {
	v, err := m.cfg.App.Needs.Mine(q.ctx, q.actor)
	if err != nil {
		return nil, err
	}
	row := toMyNeedRow
	out := myNeedsAnswer{Asked: []myNeedRow{}, Taken: []myNeedRow{}}
	for _, n := range v.Asked {
		out.Asked = append(out.Asked, row(n))
	}
	for _, n := range v.Taken {
		out.Taken = append(out.Taken, row(n))
	}
	return out, nil
}

// toMyNeedRow is need n as its asker's or taker's page lists it.
func toMyNeedRow(n ll.Need) myNeedRow {
	r := myNeedRow{ID: n.ID, Text: n.Text, Status: n.Status, Pending: n.Pending, Helpers: n.Helpers, Takers: len(n.Takers)}
	if !n.Due.IsZero() {
		r.Due = n.Due.Format(time.DateOnly)
	}
	return r
}
