package handlers

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// newPost creates a post from "<title> | <mode> | <capacity> | <description>";
// without arguments it starts the guided flow.
func (c *call) newPost() []ll.Reply {
	if c.req.Args == "" {
		return c.startNewPostFlow()
	}
	parts := strings.Split(c.req.Args, "|")
	d := app.PostDraft{Title: parts[0]}
	if len(parts) > 1 {
		d.Mode = parts[1]
	}
	if len(parts) > 2 {
		d.Capacity = parts[2]
	}
	if len(parts) > 3 {
		d.Description = strings.Join(parts[3:], "|")
	}
	return c.createPost(d)
}

// parseCapacity accepts 0 (unlimited) to MaxCapacity; "unlimited"/"不限" mean 0
// (app.ParseCapacity).
func parseCapacity(s string) (int, bool) { return app.ParseCapacity(s) }

// createPost creates a post of the scope's community and answers with its card.
func (c *call) createPost(d app.PostDraft) []ll.Reply {
	p, err := c.h.app.Posts.Create(c.ctx, c.scope, d)
	if err != nil {
		return c.fail(err, "")
	}
	msg := c.t("post.created", p.ID) + "\n\n" + c.postCard(p, c.req.Private)
	switch p.Mode {
	case ll.ModeFixedPoint:
		msg += "\n\n" + c.t("post.hint_fixed", p.ID)
	case ll.ModePaired:
		msg += "\n\n" + c.t("post.hint_paired", p.ID)
	}
	return text(msg)
}

// editPost changes one field of a post.
func (c *call) editPost() []ll.Reply {
	args := splitArgs(c.req.Args, 3)
	if len(args) < 3 {
		return c.usage("editpost")
	}
	p, err := c.h.app.Posts.Edit(c.ctx, c.scope, args[0], args[1], args[2])
	var below *app.BelowHoldersError
	switch {
	case errors.As(err, &below):
		return c.say("post.capacity_below", below.Post, below.Holders)
	case err != nil:
		return c.fail(err, ll.NormalizeID('P', args[0]))
	}
	return text(c.t("post.saved", p.ID) + "\n\n" + c.postCard(p, c.req.Private))
}

// checkSkills checks a list of skill tags the way Member.Validate does.
func checkSkills(skills []string) error {
	m := ll.Member{Name: "x", Skills: skills}
	return m.Validate()
}

// Steps of the guided /newpost.
const (
	stepTitle       = "title"
	stepMode        = "mode"
	stepCapacity    = "cap"
	stepDescription = "desc"
)

// capacityChoices are the capacities offered as buttons ("0" is unlimited).
var capacityChoices = []string{"0", "1", "2", "5", "10"}

// startNewPostFlow starts the guided /newpost in the scope's community.
func (c *call) startNewPostFlow() []ll.Reply {
	f, err := c.startFlow(flowNewPost, stepTitle, map[string]string{"c": c.scope.Community.ID})
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{c.newPostPrompt(f)}
}

// newPostPrompt is the prompt of the guided /newpost's current step.
func (c *call) newPostPrompt(f *ll.Flow) ll.Reply {
	var r ll.Reply
	switch f.Step {
	case stepTitle:
		r.Text = c.t("newpost.ask_title")
	case stepMode:
		r.Text = c.t("newpost.ask_mode", f.Data[stepTitle])
		r.Buttons = [][]ll.Button{{
			flowButton(f, c.label("mode."+ll.ModeClaimed), ll.ModeClaimed),
			flowButton(f, c.label("mode."+ll.ModeFixedPoint), ll.ModeFixedPoint),
			flowButton(f, c.label("mode."+ll.ModePaired), ll.ModePaired),
		}}
	case stepCapacity:
		r.Text = c.t("newpost.ask_capacity")
		var row []ll.Button
		for _, v := range capacityChoices {
			label := v
			if v == "0" {
				label = c.label("button.unlimited")
			}
			row = append(row, flowButton(f, label, v))
		}
		r.Buttons = [][]ll.Button{row}
	case stepDescription:
		r.Text = c.t("newpost.ask_description")
		r.Buttons = [][]ll.Button{{flowButton(f, c.label("button.skip"), "skip")}}
	}
	r.Text += "\n" + c.t("flow.cancel_hint")
	return r
}

// newPostScope checks, at every step, that the caller still acts for the
// flow's community with a committee role.
func (c *call) newPostScope(f *ll.Flow) error {
	sc, err := c.committee()
	if err != nil {
		return err
	}
	if sc.Community.ID != f.Data["c"] {
		return ll.ErrStale
	}
	return nil
}

// newPostText takes a typed answer in the guided /newpost.
func (c *call) newPostText(f *ll.Flow) []ll.Reply {
	if err := c.newPostScope(f); err != nil {
		return c.abandonFlow(err)
	}
	v := strings.TrimSpace(c.req.Text)
	retry := func(err error) []ll.Reply { return append(c.fail(err, ""), c.newPostPrompt(f)) }
	switch f.Step {
	case stepTitle:
		p := ll.Post{Title: v, Mode: ll.ModeClaimed}
		if err := p.Validate(); err != nil {
			return retry(err)
		}
		f.Data[stepTitle] = v
		return c.newPostNext(f, stepMode)
	case stepMode:
		mode, err := ll.ParseMode(v)
		if err != nil {
			return retry(err)
		}
		f.Data[stepMode] = mode
		return c.newPostNext(f, stepCapacity)
	case stepCapacity:
		n, ok := parseCapacity(v)
		if !ok {
			return retry(ll.Invalid("capacity", "not a number"))
		}
		f.Data[stepCapacity] = strconv.Itoa(n)
		return c.newPostNext(f, stepDescription)
	case stepDescription:
		p := ll.Post{Title: "x", Mode: ll.ModeClaimed, Description: v}
		if err := p.Validate(); err != nil {
			return retry(err)
		}
		f.Data[stepDescription] = v
		return c.finishNewPost(f)
	}
	return c.abandonFlow(ll.ErrStale)
}

// newPostPress takes a button answer in the guided /newpost.
func (c *call) newPostPress(f *ll.Flow, value string) []ll.Reply {
	if err := c.newPostScope(f); err != nil {
		if endErr := c.endFlow(); endErr != nil {
			return c.toastErr(endErr, "")
		}
		return c.toastErr(err, "")
	}
	switch f.Step {
	case stepMode:
		if value != ll.ModeClaimed && value != ll.ModeFixedPoint && value != ll.ModePaired {
			return c.stale()
		}
		f.Data[stepMode] = value
		return c.newPostNext(f, stepCapacity)
	case stepCapacity:
		if !slices.Contains(capacityChoices, value) {
			return c.stale()
		}
		f.Data[stepCapacity] = value
		return c.newPostNext(f, stepDescription)
	case stepDescription:
		if value != "skip" {
			return c.stale()
		}
		f.Data[stepDescription] = ""
		return c.finishNewPost(f)
	}
	return c.stale()
}

// newPostNext moves the guided /newpost to step and prompts for it.
func (c *call) newPostNext(f *ll.Flow, step string) []ll.Reply {
	f.Step = step
	if err := c.saveFlow(f); err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{c.newPostPrompt(f)}
}

// finishNewPost creates the post gathered by the guided /newpost.
func (c *call) finishNewPost(f *ll.Flow) []ll.Reply {
	if err := c.endFlow(); err != nil {
		return c.fail(err, "")
	}
	return c.createPost(app.PostDraft{
		Title:       f.Data[stepTitle],
		Mode:        f.Data[stepMode],
		Capacity:    f.Data[stepCapacity],
		Description: f.Data[stepDescription],
	})
}
