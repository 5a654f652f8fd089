package handlers

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/record"
)

// The year's figures of a community (SPEC sections 3, 6 and 7): /export
// sends the ledger as a workbook, /report the figures and a chart, /notice
// the public notice (公示) to the community's notice chat. All count every
// member who was active at any time in the year, including those who have
// since moved away or been forgotten (package record decides who and how).
// app.Reports gathers the figures and writes the audit entries; the
// handlers word them and draw the files through the Renderer.

// Where a long public notice becomes a file.
const (
	maxNoticeMessages = 10
	maxNoticePosts    = 5 // posts named per member in the notice
	xlsxMIME          = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// export sends the year's ledger as an XLSX workbook with a members sheet
// and a ledger sheet. It reads the community a page of members at a time
// and writes the workbook to a temporary file as it goes (spool.go), so a
// community of 100,000 never sits in memory; a workbook over Telegram's
// upload limit is not sent: the reply says so and names the command line's
// export.
func (c *call) export() []ll.Reply {
	sc := c.scope
	var f *ll.File
	ex, err := c.h.app.Reports.StreamExport(c.ctx, sc, c.req.Args, func(ex *app.ExportStream) error {
		sp, err := c.h.spool("lamplighter-export-*.xlsx")
		if err != nil {
			return err
		}
		if _, _, err := c.h.render.StreamXLSX(sp, ex.Pages, c.h.cfg.TempDir); err != nil {
			sp.discard()
			return err
		}
		f, err = sp.file(fmt.Sprintf("lamplighter-%s-%d.xlsx", sc.Community.ID, ex.Year), xlsxMIME)
		return err
	})
	if err != nil {
		_ = f.Discard() // the audit failed after the file was written: nothing goes out
		var big *tooLarge
		if errors.As(err, &big) {
			return c.say("export.too_large", megabytes(big.size), megabytes(big.limit), sc.Community.ID)
		}
		return c.fail(err, "")
	}
	return []ll.Reply{{Text: c.t("export.caption", ex.Year, ex.Members, ex.Entries), File: f}}
}

// report shows the year's figures: members, compliant, how the year's
// participations were verified, below the minimum (by name, with their
// methods), posts filled, unreachable members, and the chart.
func (c *call) report() []ll.Reply {
	sc := c.scope
	rep, err := c.h.app.Reports.Report(c.ctx, sc, c.req.Args)
	if err != nil {
		return c.fail(err, "")
	}
	year := rep.Year
	loc := sc.Community.Location()
	below := make([]string, 0, len(rep.Below))
	for _, r := range rep.Below {
		line := "• " + escape(r.ID+" "+r.Name) + " — " + strconv.Itoa(r.Total) + "/" + strconv.Itoa(r.Minimum)
		if r.Status != ll.StatusActive {
			line += " (" + c.t("status."+r.Status) + ")"
		}
		if r.Total > 0 {
			line += " · " + c.methodCounts(r.ByMethod)
		}
		below = append(below, line)
	}
	var unreachable []string
	for _, m := range rep.Unreachable {
		unreachable = append(unreachable, "• "+escape(m.DisplayName()))
	}
	percent := 0
	if rep.Summary.Members > 0 {
		percent = rep.Summary.Compliant * 100 / rep.Summary.Members
	}
	lines := []string{
		c.t("report.members", rep.Summary.Members, year),
		c.t("report.compliant", rep.Summary.Compliant, percent),
		c.reportMethods(rep.ByMethod),
		c.t("report.below", sc.Community.MinimumsFor(year).Minimum, len(below)),
	}
	// /report is one message whatever the size (SPEC section 13): a few
	// names are listed in it, more go in a file of their own.
	var files []ll.Reply
	if len(below) <= maxReportNames {
		lines = append(lines, below...)
	} else {
		data, err := belowCSV(rep.Below)
		if err != nil {
			return c.fail(err, "")
		}
		lines = append(lines, c.t("report.below_file", len(below)))
		files = append(files, ll.Reply{Text: c.t("report.below_caption", len(below), year),
			File: &ll.File{Name: fmt.Sprintf("below-minimum-%s-%d.csv", sc.Community.ID, year), MIME: "text/csv", Data: data}})
	}
	lines = append(lines, c.t("report.posts", rep.FilledPosts, rep.OpenPosts), c.t("report.unreachable", rep.UnreachableCount))
	lines = append(lines, c.needsReportLine(year)) // residents' needs (needs.go)
	if rep.UnreachableCount <= len(unreachable) {
		lines = append(lines, unreachable...)
	} else {
		lines = append(lines, c.t("report.unreachable_more", rawHTML(strings.Join(unreachable, "\n")), rep.UnreachableCount-len(unreachable)))
	}
	header := c.t("report.title", year, c.now.In(loc).Format(time.DateOnly)) + "\n"
	rs := []ll.Reply{{Text: header + strings.Join(lines, "\n"), Buttons: c.appButtonRow("overview")}} // the Mini App's overview
	rs = append(rs, files...)
	png, err := c.h.render.Chart(rep.Summary, c.now, c.lang)
	if err != nil {
		c.h.log.Error("draw the report chart", "community", sc.Community.ID, "err", err)
		return rs
	}
	return append(rs, ll.Reply{
		Text: c.t("report.chart_caption", year),
		File: &ll.File{Name: fmt.Sprintf("report-%s-%d.png", sc.Community.ID, year), MIME: "image/png", Data: png, Photo: true},
	})
}

// maxReportNames is how many names /report lists in its message; more
// below the minimum go in a CSV file, more unreachable are counted (the
// report gives that many in full).
const maxReportNames = app.ReportNames

// belowCSV is the members below the minimum as a CSV file for the
// committee (byte-order mark, CRLF, names neutralised): member_id, name,
// total, minimum, status.
func belowCSV(rows []record.MemberRow) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.Write([]string{"member_id", "name", "total", "minimum", "status"})
	for _, r := range rows {
		_ = w.Write([]string{r.ID, record.Neutralize(r.Name), strconv.Itoa(r.Total), strconv.Itoa(r.Minimum), r.Status})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write below-minimum csv: %w", err)
	}
	return buf.Bytes(), nil
}

// reportMethods is the year's participations by method (SPEC section 9):
// strong against other, then every method with its count (none when there
// is no participation), then what ✓ means. It is one line for chunks, so it
// never splits over two messages.
func (c *call) reportMethods(by record.Breakdown) string {
	total, strong := by.Total(), by.Strong()
	percent := 0
	if total > 0 {
		percent = strong * 100 / total
	}
	lines := []string{c.t("report.methods", total, strong, percent, total-strong)}
	if total == 0 {
		return lines[0]
	}
	for _, mc := range by.Listed() {
		lines = append(lines, c.t("report.method_line", rawHTML(c.methodLabel(mc.Method)), mc.Count))
	}
	lines = append(lines, c.t("report.methods_note"))
	return strings.Join(lines, "\n")
}

// notice posts the year's public notice (公示) to the community's notice
// chat, in the community's language: each member's participations and posts.
// It is split into several messages when long, and sent as a CSV file when
// it would take more than maxNoticeMessages. It reads the community a page
// of members at a time: the lines are kept only while they could still fit
// in maxNoticeMessages messages; past that the rows go straight to the
// file, written to disk as they come (spool.go).
func (c *call) notice() []ll.Reply {
	sc := c.scope
	comm := sc.Community
	lang := memberLanguage(ll.Member{}, comm, c.h.cfg.DefaultLanguage)
	loc := comm.Location()
	var out []ll.Reply
	var sp *spooled
	n, err := c.h.app.Reports.StreamNotice(c.ctx, sc, c.req.Args, func(n *app.NoticeStream) (int, error) {
		titles := map[string]string{}
		for _, p := range n.Posts {
			titles[p.ID] = p.ID + " " + truncate(p.Title, 20)
		}
		var (
			rows  []noticeRow // while the notice may still go as messages
			lines []string
			runes int    // of lines, as chunks counts them
			short = true // every line fits in a message of its own
			w     *noticeWriter
		)
		toFile := func() error {
			var err error
			if sp, err = c.h.spool("lamplighter-notice-*.csv"); err != nil {
				return err
			}
			w = newNoticeWriter(sp, lang, titles)
			for _, r := range rows {
				w.row(r.MemberRow, r.held)
			}
			rows, lines = nil, nil
			return w.err()
		}
		err := n.Pages(func(page []record.MemberRow, held map[string][]string) error {
			for _, r := range page {
				if w != nil {
					w.row(r, held[r.ID])
					continue
				}
				rows = append(rows, noticeRow{r, held[r.ID]})
				l := noticeLine(lang, r, held[r.ID], titles)
				lines = append(lines, l)
				ln := utf8.RuneCountInString(l) + 1
				runes += ln
				short = short && ln <= maxMessageLen
				// No message holds more than maxMessageLen of lines no
				// longer than that: past maxNoticeMessages of them, it is
				// a file whatever the header.
				if short && runes > maxNoticeMessages*maxMessageLen {
					if err := toFile(); err != nil {
						return err
					}
				}
			}
			if w != nil {
				return w.err()
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		header := tr(lang, "notice.header", comm.Name, n.Year, c.now.In(loc).Format(time.DateOnly), comm.MinimumsFor(n.Year).Minimum, n.Members, n.Compliant) +
			"\n" + tr(lang, "notice.legend") + "\n"
		to := "notice " + strconv.FormatInt(n.Chat, 10)
		if w == nil {
			msgs := chunks(header, lines)
			if len(msgs) <= maxNoticeMessages {
				for _, m := range msgs {
					out = append(out, ll.Reply{ChatID: n.Chat, ToLabel: to, Text: m})
				}
				return len(out), nil
			}
			if err := toFile(); err != nil {
				return 0, err
			}
		}
		if err := w.flush(); err != nil {
			return 0, err
		}
		f, err := sp.file(fmt.Sprintf("notice-%s-%d.csv", comm.ID, n.Year), "text/csv")
		sp = nil // closed, and removed unless f carries its path
		if err != nil {
			return 0, err
		}
		out = []ll.Reply{{ChatID: n.Chat, ToLabel: to, Text: header + tr(lang, "notice.file_caption", n.Members), File: f}}
		return 1, nil
	})
	if err != nil {
		sp.discard()
		for _, r := range out {
			_ = r.File.Discard() // the audit failed: nothing goes out
		}
	}
	var big *tooLarge
	switch {
	case ll.ErrorCode(err) == ll.EINVALID && ll.ErrorDetail(err) == "notice":
		return c.say("notice.no_chat")
	case errors.As(err, &big):
		return c.say("notice.too_large", megabytes(big.size), megabytes(big.limit))
	case err != nil:
		return c.fail(err, "")
	}
	confirm := c.t("notice.sent", n.Year, n.Members, len(out))
	if out[0].File != nil {
		confirm = c.t("notice.sent_file", n.Year, n.Members)
	}
	return append([]ll.Reply{{Text: confirm}}, out...)
}

// noticeRow is a member's row of the notice and the posts they held.
type noticeRow struct {
	record.MemberRow
	held []string
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

// noticeLine is one member in the public notice: their total, how many of
// it strongly verified (SPEC section 9), activities and services, posts and
// compliance; no personal data beyond the member id and name.
func noticeLine(lang string, r record.MemberRow, posts []string, titles map[string]string) string {
	verdict := tr(lang, "notice.compliant")
	if !r.Compliant {
		verdict = tr(lang, "notice.not_compliant")
	}
	return tr(lang, "notice.line", r.ID, r.Name, r.Total, r.Strong, r.Activities, r.Services, noticePosts(lang, posts, titles), rawHTML(verdict))
}

// noticeWriter writes the public notice as a CSV file: a byte-order mark,
// a header in lang, one member a row (the columns of noticeLine); cells a
// spreadsheet would run are neutralised. Rows are written as they come; the
// first error is kept (err).
type noticeWriter struct {
	w      *csv.Writer
	titles map[string]string
	first  error
}

func newNoticeWriter(w io.Writer, lang string, titles map[string]string) *noticeWriter {
	nw := &noticeWriter{w: csv.NewWriter(w), titles: titles}
	nw.w.UseCRLF = true
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		nw.first = err
	}
	nw.write(strings.Split(tr(lang, "notice.csv_header"), ","))
	return nw
}

func (nw *noticeWriter) write(rec []string) {
	if nw.first == nil {
		nw.first = nw.w.Write(rec)
	}
}

// row writes one member's row.
func (nw *noticeWriter) row(r record.MemberRow, held []string) {
	var names []string
	for _, id := range held {
		names = append(names, or(nw.titles[id], id))
	}
	verdict := "no"
	if r.Compliant {
		verdict = "yes"
	}
	nw.write([]string{r.ID, record.Neutralize(r.Name), strconv.Itoa(r.Total), strconv.Itoa(r.Strong), strconv.Itoa(r.Activities),
		strconv.Itoa(r.Services), record.Neutralize(strings.Join(names, "; ")), verdict})
}

// err is the first error met so far, with context.
func (nw *noticeWriter) err() error {
	if nw.first == nil {
		nw.first = nw.w.Error()
	}
	if nw.first != nil {
		return fmt.Errorf("write notice csv: %w", nw.first)
	}
	return nil
}

// flush writes what is buffered and says whether every write succeeded.
func (nw *noticeWriter) flush() error {
	nw.w.Flush()
	return nw.err()
}

// compliance counts a community's members active this year (in its zone)
// and those compliant, for the district overview.
func (c *call) compliance(comm ll.Community) (compliant, total int, err error) {
	co, err := c.h.app.Reports.Compliance(c.ctx, c.actor(), comm)
	if err != nil {
		return 0, 0, err
	}
	return co.Compliant, co.Total, nil
}
