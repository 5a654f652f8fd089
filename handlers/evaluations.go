package handlers

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/record"
)

// The year-end evaluation (社区评价, SPEC section 11): /evaluate walks the
// secretary through the members one at a time, /grade sets one grade,
// /evaluations send sends them to the units' liaisons and the members. Who
// may grade is decided in app.Evaluations (the secretary or an admin).

// flowEvaluate is the guided /evaluate: step "g" (a grade for member m),
// then "c" (a comment, or none), then the next member.
const flowEvaluate = "ev"

const (
	stepGrade   = "g"
	stepComment = "c"
)

// evaluationsRenderer draws the XLSX sent to liaisons (report.Renderer).
type evaluationsRenderer interface {
	EvaluationsXLSX(w io.Writer, rows []record.EvaluationRow) error
}

// gradeLabel names a grade in lang: 优秀 / excellent ….
func gradeLabel(lang, g string) string { return format(lang, "grade."+g, false) }

// yearArg takes a leading four-digit year off args, if there is one.
func yearArg(args []string) (year string, rest []string) {
	if len(args) > 0 && len(args[0]) == 4 {
		if _, err := strconv.Atoi(args[0]); err == nil {
			return args[0], args[1:]
		}
	}
	return "", args
}

// evaluate starts the guided evaluation: /evaluate [year] [member].
func (c *call) evaluate() []ll.Reply {
	sc := c.scope
	y, rest := yearArg(splitArgs(c.req.Args, 3))
	year, err := c.h.app.Evaluations.Year(sc, y)
	if err != nil {
		return c.fail(err, "")
	}
	var p app.Proposal
	if len(rest) > 0 {
		p, err = c.h.app.Evaluations.Propose(c.ctx, sc, rest[0], year)
	} else {
		var ok bool
		p, ok, err = c.h.app.Evaluations.Next(c.ctx, sc, year, "")
		if err == nil && !ok {
			return c.say("eval.none", year)
		}
	}
	if err != nil {
		return c.fail(err, strings.ToUpper(strings.Join(rest, "")))
	}
	f, err := c.startFlow(flowEvaluate, stepGrade, map[string]string{"c": sc.Community.ID, "y": strconv.Itoa(year)})
	if err != nil {
		return c.fail(err, "")
	}
	r, err := c.evalPrompt(f, p)
	if err != nil {
		return c.fail(err, "")
	}
	r.Text = c.communityLabel(sc.Community) + c.t("eval.intro", year) + "\n\n" + r.Text
	return []ll.Reply{r}
}

// evalPrompt shows member p with the proposed grade and the grade buttons,
// and stores the flow at that member.
func (c *call) evalPrompt(f *ll.Flow, p app.Proposal) (ll.Reply, error) {
	f.Step = stepGrade
	f.Data["m"], f.Data["p"] = p.Member.ID, p.Proposed
	delete(f.Data, "g")
	if err := c.saveFlow(f); err != nil {
		return ll.Reply{}, err
	}
	st := p.Standing
	var b strings.Builder
	b.WriteString(c.t("eval.member", p.Member.ID, or(p.Member.Name, "—"), c.unitShown(p.Member.Unit, p.Member.UnitID, c.label("skills.none")),
		st.Total, st.Minimum, p.Strong, st.Posts, c.label(compliantKey(st.Compliant))))
	b.WriteString("\n" + c.t("eval.proposed", gradeLabel(c.lang, p.Proposed)))
	if p.Current != nil {
		b.WriteString("\n" + c.t("eval.current", gradeLabel(c.lang, p.Current.Value), or(p.Current.Comment, "—")))
	}
	var rows [][]ll.Button
	var row []ll.Button
	for _, g := range ll.Grades {
		label := gradeLabel(c.lang, g)
		if g == p.Proposed {
			label = "★ " + label
		}
		row = append(row, flowButton(f, label, g))
		if len(row) == 2 {
			rows, row = append(rows, row), nil
		}
	}
	rows = appendRow(rows, row)
	rows = append(rows, []ll.Button{flowButton(f, c.label("button.eval_skip"), "skip")})
	return ll.Reply{Text: b.String() + "\n" + c.t("flow.cancel_hint"), Buttons: rows}, nil
}

// evalScope is the committee scope of a running evaluation flow, refused
// when it no longer acts on the flow's community.
func (c *call) evalScope(f *ll.Flow) (*app.Scope, int, error) {
	sc, err := c.committee()
	if err != nil {
		return nil, 0, err
	}
	if sc.Community.ID != f.Data["c"] {
		return nil, 0, ll.ErrStale
	}
	year, err := strconv.Atoi(f.Data["y"])
	if err != nil {
		return nil, 0, ll.ErrStale
	}
	return sc, year, nil
}

// evaluateText takes a typed grade at step g, or a comment at step c.
func (c *call) evaluateText(f *ll.Flow) []ll.Reply {
	v := strings.TrimSpace(c.req.Text)
	if f.Step == stepGrade {
		g, err := ll.ParseGrade(v)
		if err != nil {
			return c.fail(err, "")
		}
		return c.evaluatePress(f, g)
	}
	return c.evaluateSave(f, v)
}

// evaluatePress takes a grade button (or skip) at step g, or "none" at step c.
func (c *call) evaluatePress(f *ll.Flow, value string) []ll.Reply {
	sc, year, err := c.evalScope(f)
	if err != nil {
		return c.abandonFlow(err)
	}
	if f.Step == stepComment {
		if value != "none" {
			return c.stale()
		}
		return c.evaluateSave(f, "")
	}
	if value == "skip" {
		return c.evalNext(f, sc, year, "")
	}
	if !ll.ValidGrade(value) {
		return c.stale()
	}
	f.Step, f.Data["g"] = stepComment, value
	if err := c.saveFlow(f); err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{{Text: c.t("eval.ask_comment", f.Data["m"], gradeLabel(c.lang, value), ll.MaxGradeComment) + "\n" + c.t("flow.cancel_hint"),
		Buttons: [][]ll.Button{{flowButton(f, c.label("button.eval_no_comment"), "none")}}}}
}

// evaluateSave stores the grade chosen with comment and shows the next member.
func (c *call) evaluateSave(f *ll.Flow, comment string) []ll.Reply {
	sc, year, err := c.evalScope(f)
	if err != nil {
		return c.abandonFlow(err)
	}
	g, changed, err := c.h.app.Evaluations.SetGrade(c.ctx, sc, f.Data["m"], year, f.Data["g"], comment)
	if err != nil {
		if ll.ErrorCode(err) == ll.EINVALID {
			return c.fail(err, "")
		}
		return c.abandonFlow(err)
	}
	done := c.t("eval.saved", g.MemberID, gradeLabel(c.lang, g.Value))
	var told []ll.Reply
	if changed && g.SentVersion > 0 {
		var s string
		s, told = c.correctionSent(sc, year, g.MemberID)
		done += "\n" + s
	}
	return append(c.evalNext(f, sc, year, done), told...)
}

// evalNext moves the flow to the member after the current one.
func (c *call) evalNext(f *ll.Flow, sc *app.Scope, year int, before string) []ll.Reply {
	p, ok, err := c.h.app.Evaluations.Next(c.ctx, sc, year, f.Data["m"])
	if err != nil {
		return c.abandonFlow(err)
	}
	if before != "" {
		before += "\n\n"
	}
	if !ok {
		if err := c.endFlow(); err != nil {
			c.h.log.Warn("end evaluation flow", "user", c.req.UserID, "err", err)
		}
		return text(before + c.t("eval.end", year, year))
	}
	r, err := c.evalPrompt(f, p)
	if err != nil {
		return c.fail(err, "")
	}
	r.Text = before + r.Text
	return []ll.Reply{r}
}

// grade sets one grade: /grade [year] <member> <grade> [comment].
func (c *call) grade() []ll.Reply {
	sc := c.scope
	all := strings.TrimSpace(c.req.Args)
	y := ""
	if first := splitArgs(all, 2); len(first) == 2 {
		if yy, _ := yearArg(first[:1]); yy != "" {
			y, all = yy, first[1]
		}
	}
	rest := splitArgs(all, 3)
	if len(rest) < 2 {
		return c.usage("grade")
	}
	year, err := c.h.app.Evaluations.Year(sc, y)
	if err != nil {
		return c.fail(err, "")
	}
	comment := ""
	if len(rest) > 2 {
		comment = rest[2]
	}
	g, changed, err := c.h.app.Evaluations.SetGrade(c.ctx, sc, rest[0], year, rest[1], comment)
	if err != nil {
		return c.fail(err, strings.ToUpper(rest[0]))
	}
	msg := c.communityLabel(sc.Community)
	if !changed {
		return text(msg + c.t("grade.unchanged", g.MemberID, year, gradeLabel(c.lang, g.Value)))
	}
	msg += c.t("grade.set", g.MemberID, year, gradeLabel(c.lang, g.Value), or(g.Comment, "—"))
	if g.SentVersion > 0 {
		s, told := c.correctionSent(sc, year, g.MemberID)
		return append(text(msg+"\n"+s), told...)
	}
	return text(msg + "\n" + c.t("grade.unsent", year))
}

// correctionSent sends a changed grade that was sent before again, as a
// correction, and says so (with the messages to show when no outbox runs).
func (c *call) correctionSent(sc *app.Scope, year int, member string) (string, []ll.Reply) {
	res, err := c.h.app.Evaluations.Send(c.ctx, sc, year, member, evalWords{c.h})
	if err != nil {
		return c.errorText(err, ""), nil
	}
	return c.t("grade.correction", res.Liaisons, res.Members), c.queuedReplies(res.Messages)
}

// evaluations is /evaluations send [year].
func (c *call) evaluations() []ll.Reply {
	sc := c.scope
	args := splitArgs(c.req.Args, 2)
	if len(args) == 0 || !strings.EqualFold(args[0], "send") && args[0] != "发送" {
		return c.usage("evaluations")
	}
	y := ""
	if len(args) > 1 {
		y = args[1]
	}
	year, err := c.h.app.Evaluations.Year(sc, y)
	if err != nil {
		return c.fail(err, "")
	}
	res, err := c.h.app.Evaluations.Send(c.ctx, sc, year, "", evalWords{c.h})
	if err != nil {
		return c.fail(err, "")
	}
	msg := c.communityLabel(sc.Community)
	if res.Grades == 0 {
		return text(msg + c.t("evals.nothing", year))
	}
	return append(text(msg+c.t("evals.sent", year, res.Grades, res.Corrections, res.Units, res.Liaisons, res.Members, res.NoUnit, res.NoChat)),
		c.queuedReplies(res.Messages)...)
}

// evalWords words what /evaluations send queues.
type evalWords struct{ h *Handlers }

// UnitGrades is a liaison's summary and the XLSX of the unit's rows.
func (w evalWords) UnitGrades(lang string, u app.UnitGrades) (ll.Reply, error) {
	var b strings.Builder
	head := "eval.unit_head"
	if len(u.Corrections) == len(u.Rows) {
		head = "eval.unit_head_correction"
	}
	b.WriteString(tr(lang, head, u.Unit.Name, u.Unit.ID, u.Community.Name, u.Year, len(u.Rows)))
	counts := map[string]int{}
	for _, r := range u.Rows {
		counts[r.Grade]++
	}
	var parts []string
	for _, g := range ll.Grades {
		parts = append(parts, fmt.Sprintf("%s %d", gradeLabel(lang, g), counts[g]))
	}
	b.WriteString("\n" + strings.Join(parts, " · "))
	for i, r := range u.Rows {
		if i == 30 {
			b.WriteString("\n" + tr(lang, "eval.unit_more", len(u.Rows)-30))
			break
		}
		line := tr(lang, "eval.unit_line", r.ID, r.Name, gradeLabel(lang, r.Grade), r.Participations, or(r.Comment, "—"))
		if u.Corrections[r.ID] {
			line += " " + tr(lang, "eval.correction_mark")
		}
		b.WriteString("\n" + line)
	}
	reply := ll.Reply{Text: b.String()}
	if xr, ok := w.h.render.(evaluationsRenderer); ok {
		var buf bytes.Buffer
		if err := xr.EvaluationsXLSX(&buf, u.Rows); err != nil {
			return ll.Reply{}, err
		}
		reply.File = &ll.File{Name: fmt.Sprintf("evaluations-%s-%s-%d.xlsx", u.Community.ID, u.Unit.ID, u.Year),
			MIME: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: buf.Bytes()}
		if len([]rune(reply.Text)) > 1000 { // a caption holds at most 1024 characters
			reply.Text = tr(lang, head, u.Unit.Name, u.Unit.ID, u.Community.Name, u.Year, len(u.Rows)) + "\n" + strings.Join(parts, " · ")
		}
	}
	return reply, nil
}

// MemberGrade tells a member their own grade.
func (w evalWords) MemberGrade(lang string, g app.MemberGrade) ll.Reply {
	key := "eval.member_grade"
	if g.Correction {
		key = "eval.member_grade_correction"
	}
	return ll.Reply{Text: tr(lang, key, g.Community.Name, g.Grade.Year, gradeLabel(lang, g.Grade.Value), or(g.Grade.Comment, "—"))}
}
