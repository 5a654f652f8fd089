package handlers

import (
	"slices"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// The guided /newactivity: title → when → dur → place → cap → loc.
const (
	flowNewActivity      = "na"
	flowActivityLocation = "aloc" // one step, "loc": a location for an existing activity
	stepWhen             = "when"
	stepDuration         = "dur"
	stepPlace            = "place"
	stepLocation         = "loc"
)

// Choices offered as buttons in the guided /newactivity.
var (
	durationChoices         = []string{"60", "90", "120", "180"} // minutes
	activityCapacityChoices = []string{"0", "10", "20", "30", "50"}
)

// startNewActivityFlow starts the guided /newactivity in the scope's community.
func (c *call) startNewActivityFlow() []ll.Reply {
	f, err := c.startFlow(flowNewActivity, stepTitle, map[string]string{"c": c.scope.Community.ID})
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{c.newActivityPrompt(f)}
}

// newActivityPrompt is the prompt of the guided /newactivity's current step.
func (c *call) newActivityPrompt(f *ll.Flow) ll.Reply {
	var r ll.Reply
	switch f.Step {
	case stepTitle:
		r.Text = c.t("newactivity.ask_title")
	case stepWhen:
		example := c.now.In(c.scope.Community.Location()).AddDate(0, 0, 1).Format("2006-01-02") + " 09:00"
		r.Text = c.t("newactivity.ask_when", f.Data[stepTitle], c.scope.Community.TimeZone, example)
	case stepDuration:
		r.Text = c.t("newactivity.ask_duration")
		var row []ll.Button
		for _, v := range durationChoices {
			n, _ := strconv.Atoi(v)
			row = append(row, flowButton(f, formatDuration(time.Duration(n)*time.Minute), v))
		}
		r.Buttons = [][]ll.Button{row}
	case stepPlace:
		r.Text = c.t("newactivity.ask_place")
		r.Buttons = [][]ll.Button{{flowButton(f, c.label("button.skip"), "skip")}}
	case stepCapacity:
		r.Text = c.t("newactivity.ask_capacity")
		var row []ll.Button
		for _, v := range activityCapacityChoices {
			label := v
			if v == "0" {
				label = c.label("button.unlimited")
			}
			row = append(row, flowButton(f, label, v))
		}
		r.Buttons = [][]ll.Button{row}
	case stepLocation:
		r.Text = c.t("newactivity.ask_location")
		r.RequestLocation = true
		r.Choices = []string{c.label("button.skip")}
	}
	r.Text += "\n" + c.t("flow.cancel_hint")
	return r
}

// flowScope checks, at every step of a committee flow, that the caller
// still acts for the flow's community with a committee role.
func (c *call) flowScope(f *ll.Flow) error {
	sc, err := c.committee()
	if err != nil {
		return err
	}
	if sc.Community.ID != f.Data["c"] {
		return ll.ErrStale
	}
	return nil
}

// isSkip reports whether a typed answer means "skip".
func isSkip(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "skip", "跳过", "-", "none", "无":
		return true
	}
	return false
}

// newActivityText takes a typed answer (or a location) in the guided /newactivity.
func (c *call) newActivityText(f *ll.Flow) []ll.Reply {
	if err := c.flowScope(f); err != nil {
		return c.abandonFlow(err)
	}
	v := strings.TrimSpace(c.req.Text)
	retry := func(err error) []ll.Reply { return append(c.fail(err, ""), c.newActivityPrompt(f)) }
	switch f.Step {
	case stepTitle:
		if err := ll.CheckText("title", v, ll.MaxTitleLen, true); err != nil {
			return retry(err)
		}
		f.Data[stepTitle] = v
		return c.newActivityNext(f, stepWhen)
	case stepWhen:
		start, err := parseStart(v, c.scope.Community.Location())
		if err == nil {
			err = app.CheckStart(start, c.now)
		}
		if err != nil {
			return retry(err)
		}
		f.Data[stepWhen] = strconv.FormatInt(start.Unix(), 10)
		return c.newActivityNext(f, stepDuration)
	case stepDuration:
		d, err := parseDuration(v)
		if err != nil {
			return retry(err)
		}
		f.Data[stepDuration] = strconv.Itoa(int(d / time.Minute))
		return c.newActivityNext(f, stepPlace)
	case stepPlace:
		if isSkip(v) {
			v = ""
		}
		if err := ll.CheckText("place", v, ll.MaxTitleLen, false); err != nil {
			return retry(err)
		}
		f.Data[stepPlace] = v
		return c.newActivityNext(f, stepCapacity)
	case stepCapacity:
		n, ok := parseCapacity(v)
		if !ok {
			return retry(ll.Invalid("capacity", "not a number"))
		}
		f.Data[stepCapacity] = strconv.Itoa(n)
		return c.newActivityNext(f, stepLocation)
	case stepLocation:
		if l := c.req.Location; l != nil {
			f.Data["lat"] = strconv.FormatFloat(l.Latitude, 'f', -1, 64)
			f.Data["lon"] = strconv.FormatFloat(l.Longitude, 'f', -1, 64)
			return c.finishNewActivity(f)
		}
		if isSkip(v) || v == c.label("button.skip") {
			return c.finishNewActivity(f)
		}
		if p, err := parsePoint(v); err == nil {
			f.Data["lat"] = strconv.FormatFloat(p.Latitude, 'f', -1, 64)
			f.Data["lon"] = strconv.FormatFloat(p.Longitude, 'f', -1, 64)
			return c.finishNewActivity(f)
		}
		return []ll.Reply{c.newActivityPrompt(f)}
	}
	return c.abandonFlow(ll.ErrStale)
}

// newActivityPress takes a button answer in the guided /newactivity.
func (c *call) newActivityPress(f *ll.Flow, value string) []ll.Reply {
	if err := c.flowScope(f); err != nil {
		if endErr := c.endFlow(); endErr != nil {
			return c.toastErr(endErr, "")
		}
		return c.toastErr(err, "")
	}
	switch {
	case f.Step == stepDuration && slices.Contains(durationChoices, value):
		f.Data[stepDuration] = value
		return c.newActivityNext(f, stepPlace)
	case f.Step == stepPlace && value == "skip":
		f.Data[stepPlace] = ""
		return c.newActivityNext(f, stepCapacity)
	case f.Step == stepCapacity && slices.Contains(activityCapacityChoices, value):
		f.Data[stepCapacity] = value
		return c.newActivityNext(f, stepLocation)
	}
	return c.stale()
}

// newActivityNext moves the guided /newactivity to step and prompts for it.
func (c *call) newActivityNext(f *ll.Flow, step string) []ll.Reply {
	f.Step = step
	if err := c.saveFlow(f); err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{c.newActivityPrompt(f)}
}

// finishNewActivity creates the activity gathered by the guided /newactivity.
func (c *call) finishNewActivity(f *ll.Flow) []ll.Reply {
	sec, _ := strconv.ParseInt(f.Data[stepWhen], 10, 64)
	minutes, _ := strconv.Atoi(f.Data[stepDuration])
	capacity, _ := strconv.Atoi(f.Data[stepCapacity])
	start := time.Unix(sec, 0)
	a := ll.Activity{
		Community: f.Data["c"],
		Title:     f.Data[stepTitle],
		Place:     f.Data[stepPlace],
		Start:     start,
		End:       start.Add(time.Duration(minutes) * time.Minute),
		Capacity:  capacity,
		CreatedBy: c.scope.Actor,
		Created:   c.now,
	}
	if f.Data["lat"] != "" {
		lat, _ := strconv.ParseFloat(f.Data["lat"], 64)
		lon, _ := strconv.ParseFloat(f.Data["lon"], 64)
		a.Location = &ll.GeoPoint{Latitude: lat, Longitude: lon}
	}
	if err := a.Validate(); err != nil {
		return c.abandonFlow(err)
	}
	if err := c.endFlow(); err != nil {
		return c.fail(err, "")
	}
	return c.createActivity(app.NewActivity{Title: a.Title, Place: a.Place, Start: a.Start,
		Duration: a.End.Sub(a.Start), Capacity: a.Capacity, Location: a.Location})
}

// startActivityLocationFlow asks for the location of an existing activity
// (/editactivity A7 location). The Store keeps no link between the messages
// the bot sent and the activities they show, so replying to an activity's
// message with a location cannot name the activity; this one-step flow
// does. A pin on the map is fine here, as is the committee member's own
// position: it marks the place, it proves nothing.
func (c *call) startActivityLocationFlow(a ll.Activity) []ll.Reply {
	if _, err := c.startFlow(flowActivityLocation, stepLocation, map[string]string{"c": a.Community, "a": a.ID}); err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{{
		Text:            c.t("activity.ask_location", a.ID, a.Title) + "\n" + c.t("flow.cancel_hint"),
		RequestLocation: true,
	}}
}

// activityLocationText takes the location (or "lat,lon") for an existing
// activity and saves it.
func (c *call) activityLocationText(f *ll.Flow) []ll.Reply {
	if err := c.flowScope(f); err != nil {
		return c.abandonFlow(err)
	}
	sc := c.scope
	a, err := c.h.app.Activities.Editable(c.ctx, sc, f.Data["a"])
	if err != nil {
		return c.abandonFlow(err)
	}
	ask := ll.Reply{Text: c.t("activity.ask_location", a.ID, a.Title) + "\n" + c.t("flow.cancel_hint"), RequestLocation: true}
	var p ll.GeoPoint
	if l := c.req.Location; l != nil {
		p = ll.GeoPoint{Latitude: l.Latitude, Longitude: l.Longitude}
	} else if p, err = parsePoint(c.req.Text); err != nil {
		return []ll.Reply{ask}
	}
	value := strconv.FormatFloat(p.Latitude, 'f', 6, 64) + "," + strconv.FormatFloat(p.Longitude, 'f', 6, 64)
	a, err = c.h.app.Activities.Edit(c.ctx, sc, a.ID, app.ActivityChange{Field: app.ActivityLocation, Location: &p, Typed: value})
	if ll.ErrorCode(err) == ll.EINVALID {
		return append(c.fail(err, ""), ask)
	}
	if err != nil {
		return c.fail(err, f.Data["a"])
	}
	if err := c.endFlow(); err != nil {
		c.h.log.Warn("end activity location flow", "user", c.req.UserID, "err", err)
	}
	card, err := c.activityCard(a, sc.Community, true)
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{{Text: c.t("activity.saved", a.ID) + "\n\n" + card, RemoveKeyboard: true}}
}
