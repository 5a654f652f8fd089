package handlers

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"slices"
	"strconv"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Guided flows. A flow is stored per user (Store.SetFlow, FlowTTL) with a
// random nonce; its buttons carry "f:<nonce>:<step>:<value>", so a press is
// honoured only while that very flow is current and at that step. Starting
// a flow replaces any other; /cancel ends it; other commands leave it be.
const (
	flowRegister = "reg"    // name → unit → bldg → skills → confirm
	flowProfile  = "prof"   // field → one of name, unit, bldg, skills
	flowNewPost  = "np"     // title → mode → cap → desc
	flowNotice   = "notice" // fwd: a forwarded message from the notice chat
	// The ledger's flows are declared next to their handlers: flowNewActivity,
	// flowActivityLocation (activities.go), flowCheckIn (checkin.go),
	// flowReject (services.go) and flowForget (forget.go).
)

// Steps shared by registration and /profile.
const (
	stepName     = "name"
	stepUnit     = "unit"
	stepBuilding = "bldg"
	stepSkills   = "skills"
)

// listSep separates values of a list kept in flow data; validation refuses
// control characters in every stored field, so it never occurs in a value.
const listSep = "\x1f"

// Options offered as buttons.
const (
	maxUnitOptions  = 8
	maxSkillOptions = 12
)

// startFlow stores a new flow for the user, replacing any other.
func (c *call) startFlow(kind, step string, data map[string]string) (*ll.Flow, error) {
	if data == nil {
		data = map[string]string{}
	}
	data["n"] = nonce()
	f := &ll.Flow{Kind: kind, Step: step, Data: data}
	if err := c.saveFlow(f); err != nil {
		return nil, err
	}
	return f, nil
}

// saveFlow stores the flow as it is now and restarts its expiry.
func (c *call) saveFlow(f *ll.Flow) error {
	if err := c.h.store.SetFlow(c.ctx, c.req.UserID, *f, ll.FlowTTL); err != nil {
		return fmt.Errorf("save %s flow of %d: %w", f.Kind, c.req.UserID, err)
	}
	return nil
}

// endFlow ends the user's flow.
func (c *call) endFlow() error {
	if err := c.h.store.ClearFlow(c.ctx, c.req.UserID); err != nil {
		return fmt.Errorf("clear flow of %d: %w", c.req.UserID, err)
	}
	return nil
}

// nonce is 4 random characters of [a-z0-9] that tell one flow from the next.
func nonce() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [4]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// flowButton is a button answering the flow's current step with value.
func flowButton(f *ll.Flow, label, value string) ll.Button {
	return ll.Button{Text: label, Data: callback{kind: cbFlow, nonce: f.Data["n"], step: f.Step, value: value}.encode()}
}

// flowText passes a message to the user's flow.
func (c *call) flowText(f *ll.Flow) []ll.Reply {
	if f.Data == nil {
		f.Data = map[string]string{}
	}
	switch f.Kind {
	case flowRegister:
		return c.regText(f)
	case flowProfile:
		if _, err := c.self(); err != nil {
			return c.abandonFlow(err)
		}
		return c.profText(f)
	case flowNewPost:
		return c.newPostText(f)
	case flowNotice:
		return c.noticeText(f)
	case flowNewActivity:
		return c.newActivityText(f)
	case flowActivityLocation:
		return c.activityLocationText(f)
	case flowCheckIn:
		return c.checkInFlowText(f)
	case flowReject:
		return c.rejectFlowText(f)
	case flowForget:
		return c.forgetText(f)
	case flowBroadcast:
		return c.broadcastText(f)
	case flowEvaluate:
		return c.evaluateText(f)
	case flowNeed:
		return c.needFlowText(f)
	case flowNeedDecline:
		return c.needDeclineText(f)
	}
	return c.abandonFlow(ll.ErrStale)
}

// flowPress passes a button press to the user's current flow, if the button
// belongs to it and to its current step.
func (c *call) flowPress(cb callback) []ll.Reply {
	f, err := c.h.store.Flow(c.ctx, c.req.UserID)
	if err != nil {
		return c.toastErr(err, "")
	}
	if f == nil || f.Data["n"] != cb.nonce || f.Step != cb.step {
		return c.stale()
	}
	if !c.req.Private {
		// Flow buttons are only ever sent to the private chat.
		return c.stale()
	}
	var rs []ll.Reply
	switch f.Kind {
	case flowRegister:
		rs = c.regPress(f, cb.value)
	case flowProfile:
		if _, err := c.self(); err != nil {
			return c.toastErr(err, "")
		}
		rs = c.profPress(f, cb.value)
	case flowNewPost:
		rs = c.newPostPress(f, cb.value)
	case flowNewActivity:
		rs = c.newActivityPress(f, cb.value)
	case flowForget:
		rs = c.forgetPress(f, cb.value)
	case flowBroadcast:
		rs = c.broadcastPress(f, cb.value)
	case flowEvaluate:
		rs = c.evaluatePress(f, cb.value)
	case flowNeed:
		rs = c.needFlowPress(f, cb.value)
	default:
		return c.stale()
	}
	return withToast(rs)
}

// abandonFlow ends a flow that can no longer go on and says why.
func (c *call) abandonFlow(reason error) []ll.Reply {
	if err := c.endFlow(); err != nil {
		return c.fail(err, "")
	}
	return c.fail(reason, "")
}

// list reads a list kept in flow data.
func list(f *ll.Flow, key string) []string {
	if f.Data[key] == "" {
		return nil
	}
	return strings.Split(f.Data[key], listSep)
}

// setList stores a list in flow data.
func setList(f *ll.Flow, key string, v []string) {
	f.Data[key] = strings.Join(v, listSep)
}

// option returns the option a button's index value points at.
func option(f *ll.Flow, value string) (string, bool) {
	i, err := strconv.Atoi(value)
	opts := list(f, "opts")
	if err != nil || i < 0 || i >= len(opts) || strconv.Itoa(i) != value {
		return "", false
	}
	return opts[i], true
}

// enterField moves the flow to a profile field step and prepares its
// options: the community's known units, or known skills.
func (c *call) enterField(f *ll.Flow, step string) error {
	f.Step = step
	delete(f.Data, "opts")
	switch step {
	case stepUnit:
		units, err := c.knownUnits(f.Data["c"])
		if err != nil {
			return err
		}
		setList(f, "opts", units)
	case stepSkills:
		skills, err := c.knownSkills(f.Data["c"], list(f, stepSkills))
		if err != nil {
			return err
		}
		setList(f, "opts", skills)
	}
	return nil
}

// askField is the prompt of a profile field step.
func (c *call) askField(f *ll.Flow) ll.Reply {
	cur := f.Data[f.Step]
	var (
		msg  string
		rows [][]ll.Button
	)
	keep := func() {
		if cur != "" {
			rows = append(rows, []ll.Button{flowButton(f, c.label("button.keep", truncate(cur, 30)), "keep")})
		}
	}
	switch f.Step {
	case stepName:
		msg = c.t("ask.name")
		keep()
	case stepUnit:
		msg = c.t("ask.unit") + c.unitSearchHint()
		keep()
		var row []ll.Button
		for i, u := range list(f, "opts") {
			if u == cur {
				continue
			}
			row = append(row, flowButton(f, truncate(u, 30), strconv.Itoa(i)))
			if len(row) == 2 {
				rows, row = append(rows, row), nil
			}
		}
		rows = appendRow(rows, row)
		rows = append(rows, []ll.Button{flowButton(f, c.label("button.other_unit"), "other")})
	case stepBuilding:
		msg = c.t("ask.building")
		keep()
	case stepSkills:
		selected := list(f, stepSkills)
		msg = c.t("ask.skills", joinSkills(selected, c.label("skills.none")))
		var row []ll.Button
		for i, s := range list(f, "opts") {
			label := truncate(s, 20)
			if slices.Contains(selected, s) {
				label = "✓ " + label
			}
			row = append(row, flowButton(f, label, strconv.Itoa(i)))
			if len(row) == 2 {
				rows, row = append(rows, row), nil
			}
		}
		rows = appendRow(rows, row)
		rows = append(rows, []ll.Button{flowButton(f, c.label("button.done"), "done")})
	}
	return ll.Reply{Text: msg + "\n" + c.t("flow.cancel_hint"), Buttons: rows}
}

// fieldText takes a typed value for a profile field step. done is true when
// the step has its value; otherwise the replies say what to do.
func (c *call) fieldText(f *ll.Flow) (done bool, rs []ll.Reply) {
	v := strings.TrimSpace(c.req.Text)
	if f.Step == stepSkills {
		switch strings.ToLower(v) {
		case "done", "ok", "完成", "好", "好了":
			return true, nil
		}
		skills := list(f, stepSkills)
		for _, s := range ll.ParseSkills(v) {
			if !slices.Contains(skills, s) {
				skills = append(skills, s)
			}
		}
		if err := checkSkills(skills); err != nil {
			return false, append(c.fail(err, ""), c.askField(f))
		}
		setList(f, stepSkills, skills)
		if err := c.saveFlow(f); err != nil {
			return false, c.fail(err, "")
		}
		return false, []ll.Reply{c.askField(f)}
	}
	if v == "" {
		return false, []ll.Reply{c.askField(f)}
	}
	if err := validateField(f.Step, v); err != nil {
		return false, append(c.fail(err, ""), c.askField(f))
	}
	if f.Step == stepUnit {
		return c.unitTyped(f, v) // units.go: offers the units it matches
	}
	f.Data[f.Step] = v
	return true, nil
}

// fieldPress takes a button value for a profile field step. ok is false for
// a value the step does not offer.
func (c *call) fieldPress(f *ll.Flow, value string) (done bool, rs []ll.Reply, ok bool) {
	switch {
	case value == "keep" && f.Step != stepSkills && f.Data[f.Step] != "":
		return true, nil, true
	case f.Step == stepUnit && value == "other":
		return false, c.say("ask.unit_type"), true
	case f.Step == stepUnit && (value == unitAsTyped || strings.HasPrefix(value, unitOption)):
		return c.unitPicked(f, value) // units.go
	case f.Step == stepUnit:
		u, ok := option(f, value)
		if !ok {
			return false, nil, false
		}
		f.Data[stepUnit] = u
		c.linkTypedUnit(f)
		return true, nil, true
	case f.Step == stepSkills && value == "done":
		return true, nil, true
	case f.Step == stepSkills:
		s, ok := option(f, value)
		if !ok {
			return false, nil, false
		}
		skills := list(f, stepSkills)
		if i := slices.Index(skills, s); i >= 0 {
			skills = slices.Delete(skills, i, i+1)
		} else {
			skills = append(skills, s)
		}
		if err := checkSkills(skills); err != nil {
			return false, c.toastErr(err, ""), true
		}
		setList(f, stepSkills, skills)
		if err := c.saveFlow(f); err != nil {
			return false, c.toastErr(err, ""), true
		}
		r := c.askField(f)
		r.Edit = true
		r.CallbackAnswer = "✓"
		return false, []ll.Reply{r}, true
	}
	return false, nil, false
}

// validateField checks one typed profile field the way Member.Validate does.
func validateField(step, v string) error {
	m := ll.Member{Name: "x"}
	switch step {
	case stepName:
		m.Name = v
	case stepUnit:
		m.Unit = v
	case stepBuilding:
		m.Building = v
	}
	return m.Validate()
}

// knownUnits returns the community's most common units.
func (c *call) knownUnits(community string) ([]string, error) {
	counts, _, err := c.h.app.Lookups.Choices(c.ctx, community)
	if err != nil {
		return nil, err
	}
	return mostCommon(counts, maxUnitOptions), nil
}

// knownSkills returns the skills already selected, then the community's most
// common skills among members and wanted by posts.
func (c *call) knownSkills(community string, selected []string) ([]string, error) {
	_, counts, err := c.h.app.Lookups.Choices(c.ctx, community)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(selected)
	for _, s := range mostCommon(counts, maxSkillOptions) {
		if len(out) >= maxSkillOptions {
			break
		}
		if !slices.Contains(out, s) && checkSkills([]string{s}) == nil {
			out = append(out, s)
		}
	}
	return out, nil
}

// mostCommon returns up to n keys by descending count, then by name.
func mostCommon(counts map[string]int, n int) []string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		if !strings.Contains(k, listSep) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(counts[b]-counts[a], strings.Compare(a, b))
	})
	return keys[:min(n, len(keys))]
}
