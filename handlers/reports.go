package handlers

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/record"
)

// The year's figures of a community (SPEC sections 3, 6 and 7): /export
// sends the ledger as a workbook, /report the figures and a chart, /notice
// the public notice (公示) to the community's notice chat. All count every
// member who was active at any time in the year, including those who have
// since moved away or been forgotten (package report decides who and how).

// Where a long public notice becomes a file.
const (
	maxNoticeMessages = 10
	maxNoticePosts    = 5 // posts named per member in the notice
	xlsxMIME          = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// parseYear reads the optional year of /export, /report and /notice: the
// current year in the community's zone when empty, else 2000 to that year.
func parseYear(arg string, now time.Time) (int, error) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return now.Year(), nil
	}
	y, err := strconv.Atoi(strings.TrimSuffix(arg, "年"))
	if err != nil || y < 2000 || y > now.Year() {
		return 0, ll.Invalid("year", "not a year")
	}
	return y, nil
}

// communityData gathers what the reports need about one community.
func (c *call) communityData(comm ll.Community) (record.CommunityData, error) {
	members, err := c.h.store.Members(c.ctx, comm.ID)
	if err != nil {
		return record.CommunityData{}, fmt.Errorf("list members of %s: %w", comm.ID, err)
	}
	ps, claims, err := c.h.store.CommunityLedger(c.ctx, comm.ID)
	if err != nil {
		return record.CommunityData{}, fmt.Errorf("ledger of %s: %w", comm.ID, err)
	}
	return record.CommunityData{Community: comm, Members: members, Participations: ps, Claims: claims}, nil
}

// yearData parses the year argument and gathers the scope community's data.
func (c *call) yearData() (int, record.CommunityData, error) {
	sc := c.scope
	year, err := parseYear(c.req.Args, c.now.In(sc.Community.Location()))
	if err != nil {
		return 0, record.CommunityData{}, err
	}
	d, err := c.communityData(sc.Community)
	return year, d, err
}

// writeAudit writes an audit entry for an action that changes nothing in
// storage (an export, a notice); the action does not go ahead without it.
func (c *call) writeAudit(e *ll.AuditEntry) error {
	if err := c.h.store.Audit(c.ctx, *e); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// export sends the year's ledger as an XLSX workbook with a members sheet
// and a ledger sheet.
func (c *call) export() []ll.Reply {
	sc := c.scope
	year, d, err := c.yearData()
	if err != nil {
		return c.fail(err, "")
	}
	members := record.MemberRows(d, year, c.now)
	ledger := record.LedgerRows(d, year)
	var buf bytes.Buffer
	if err := c.h.render.WriteXLSX(&buf, members, ledger); err != nil {
		return c.fail(err, "")
	}
	detail := fmt.Sprintf("%d members, %d entries", len(members), len(ledger))
	if err := c.writeAudit(sc.Audit("export", strconv.Itoa(year), detail)); err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{{
		Text: c.t("export.caption", year, len(members), len(ledger)),
		File: &ll.File{Name: fmt.Sprintf("lamplighter-%s-%d.xlsx", sc.Community.ID, year), MIME: xlsxMIME, Data: buf.Bytes()},
	}}
}

// report shows the year's figures: members, compliant, below the minimum
// (by name), posts filled, unreachable members, and the chart.
func (c *call) report() []ll.Reply {
	sc := c.scope
	year, d, err := c.yearData()
	if err != nil {
		return c.fail(err, "")
	}
	loc := sc.Community.Location()
	rows := record.MemberRows(d, year, c.now)
	compliant := 0
	var below []string
	for _, r := range rows {
		if r.Compliant {
			compliant++
		}
		if r.Total < r.Minimum {
			line := "• " + escape(r.ID+" "+r.Name) + " — " + strconv.Itoa(r.Total) + "/" + strconv.Itoa(r.Minimum)
			if r.Status != ll.StatusActive {
				line += " (" + c.t("status."+r.Status) + ")"
			}
			below = append(below, line)
		}
	}
	posts, err := c.h.store.Posts(c.ctx, sc.Community.ID)
	if err != nil {
		return c.fail(err, "")
	}
	open, filled := 0, 0
	for _, p := range posts {
		if !p.Closed {
			open++
			if p.Claims > 0 {
				filled++
			}
		}
	}
	var unreachable []string
	for _, m := range d.Members {
		if m.Active() && m.Unreachable {
			unreachable = append(unreachable, "• "+escape(m.DisplayName()))
		}
	}
	percent := 0
	if len(rows) > 0 {
		percent = compliant * 100 / len(rows)
	}
	lines := []string{
		c.t("report.members", len(rows), year),
		c.t("report.compliant", compliant, percent),
		c.t("report.below", sc.Community.Minimum, len(below)),
	}
	lines = append(lines, below...)
	lines = append(lines, c.t("report.posts", filled, open), c.t("report.unreachable", len(unreachable)))
	lines = append(lines, unreachable...)
	header := c.t("report.title", year, c.now.In(loc).Format(time.DateOnly)) + "\n"
	var rs []ll.Reply
	for _, chunk := range chunks(header, lines) {
		rs = append(rs, ll.Reply{Text: chunk})
	}
	png, err := c.h.render.Chart(d, year, c.now, c.lang)
	if err != nil {
		c.h.log.Error("draw the report chart", "community", sc.Community.ID, "err", err)
		return rs
	}
	return append(rs, ll.Reply{
		Text: c.t("report.chart_caption", year),
		File: &ll.File{Name: fmt.Sprintf("report-%s-%d.png", sc.Community.ID, year), MIME: "image/png", Data: png, Photo: true},
	})
}

// notice posts the year's public notice (公示) to the community's notice
// chat, in the community's language: each member's participations and posts.
// It is split into several messages when long, and sent as a CSV file when
// it would take more than maxNoticeMessages.
func (c *call) notice() []ll.Reply {
	sc := c.scope
	comm := sc.Community
	if comm.NoticeChat == 0 {
		return c.say("notice.no_chat")
	}
	year, d, err := c.yearData()
	if err != nil {
		return c.fail(err, "")
	}
	posts, err := c.h.store.Posts(c.ctx, comm.ID)
	if err != nil {
		return c.fail(err, "")
	}
	lang := memberLanguage(ll.Member{}, comm, c.h.cfg.DefaultLanguage)
	loc := comm.Location()
	rows := record.MemberRows(d, year, c.now)
	at := ll.YearEnd(year, loc)
	if c.now.Before(at) {
		at = c.now
	}
	held := heldAt(d.Claims, at)
	titles := map[string]string{}
	for _, p := range posts {
		titles[p.ID] = p.ID + " " + truncate(p.Title, 20)
	}
	compliant := 0
	lines := make([]string, 0, len(rows))
	for _, r := range rows {
		if r.Compliant {
			compliant++
		}
		lines = append(lines, noticeLine(lang, r, held[r.ID], titles))
	}
	header := tr(lang, "notice.header", comm.Name, year, c.now.In(loc).Format(time.DateOnly), comm.Minimum, len(rows), compliant) + "\n"
	msgs := chunks(header, lines)
	to := "notice " + strconv.FormatInt(comm.NoticeChat, 10)
	var out []ll.Reply
	if len(msgs) > maxNoticeMessages {
		data, err := noticeCSV(lang, rows, held, titles)
		if err != nil {
			return c.fail(err, "")
		}
		out = []ll.Reply{{ChatID: comm.NoticeChat, ToLabel: to, Text: header + tr(lang, "notice.file_caption", len(rows)),
			File: &ll.File{Name: fmt.Sprintf("notice-%s-%d.csv", comm.ID, year), MIME: "text/csv", Data: data}}}
	} else {
		for _, m := range msgs {
			out = append(out, ll.Reply{ChatID: comm.NoticeChat, ToLabel: to, Text: m})
		}
	}
	detail := fmt.Sprintf("%d members to chat %d in %d message(s)", len(rows), comm.NoticeChat, len(out))
	if err := c.writeAudit(sc.Audit("notice", strconv.Itoa(year), detail)); err != nil {
		return c.fail(err, "")
	}
	confirm := c.t("notice.sent", year, len(rows), len(out))
	if out[0].File != nil {
		confirm = c.t("notice.sent_file", year, len(rows))
	}
	return append([]ll.Reply{{Text: confirm}}, out...)
}

// heldAt maps each member to the posts they held at instant t, in id order.
func heldAt(claims []ll.Claim, t time.Time) map[string][]string {
	out := map[string][]string{}
	for _, cl := range claims {
		if cl.Claimed.After(t) || !(cl.Released.IsZero() || cl.Released.After(t)) {
			continue
		}
		if !slices.Contains(out[cl.Member], cl.Post) {
			out[cl.Member] = append(out[cl.Member], cl.Post)
		}
	}
	for _, ids := range out {
		slices.SortFunc(ids, compareIDs)
	}
	return out
}

// compareIDs orders short ids by number: P2 before P10.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// noticePosts names up to maxNoticePosts posts.
func noticePosts(lang string, ids []string, titles map[string]string) string {
	if len(ids) == 0 {
		return tr(lang, "notice.no_posts")
	}
	var names []string
	for _, id := range ids[:min(len(ids), maxNoticePosts)] {
		names = append(names, or(titles[id], id))
	}
	s := strings.Join(names, "; ")
	if len(ids) > maxNoticePosts {
		s += " " + tr(lang, "card.more", len(ids)-maxNoticePosts)
	}
	return s
}

// noticeLine is one member in the public notice.
func noticeLine(lang string, r record.MemberRow, posts []string, titles map[string]string) string {
	verdict := tr(lang, "notice.compliant")
	if !r.Compliant {
		verdict = tr(lang, "notice.not_compliant")
	}
	return tr(lang, "notice.line", r.ID, r.Name, r.Total, r.Activities, r.Services, noticePosts(lang, posts, titles), rawHTML(verdict))
}

// noticeCSV is the public notice as a CSV file: a byte-order mark, a header
// in lang, one member a row; cells a spreadsheet would run are neutralised.
func noticeCSV(lang string, rows []record.MemberRow, held map[string][]string, titles map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.Write(strings.Split(tr(lang, "notice.csv_header"), ","))
	for _, r := range rows {
		var names []string
		for _, id := range held[r.ID] {
			names = append(names, or(titles[id], id))
		}
		verdict := "no"
		if r.Compliant {
			verdict = "yes"
		}
		_ = w.Write([]string{r.ID, record.Neutralize(r.Name), strconv.Itoa(r.Total), strconv.Itoa(r.Activities),
			strconv.Itoa(r.Services), record.Neutralize(strings.Join(names, "; ")), verdict})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write notice csv: %w", err)
	}
	return buf.Bytes(), nil
}

// compliance counts a community's members active this year (in its zone)
// and those compliant, for the district overview.
func (c *call) compliance(comm ll.Community) (compliant, total int, err error) {
	d, err := c.communityData(comm)
	if err != nil {
		return 0, 0, err
	}
	rows := record.MemberRows(d, c.now.In(comm.Location()).Year(), c.now)
	for _, r := range rows {
		if r.Compliant {
			compliant++
		}
	}
	return compliant, len(rows), nil
}
