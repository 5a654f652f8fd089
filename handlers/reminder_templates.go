package handlers

import (
	ll "github.com/lamplighter-bot/lamplighter"
)

// BelowMinimumTemplate is BelowMinimum written once for every member of a
// run (scheduler.TemplateTexts), in parts: 0 the title and standing, with
// the member's total as value 0 (s.Total is not used); 1 the line saying no
// activity is offered; 2 the heading of the activities; 3+i the line of
// upcoming[i] with its [Sign up] button; 3+len(upcoming) the closing hint.
// A member's reminder is parts 0, 1 and the last when none of upcoming is
// offered to them, else 0, 2, those offered, and the last: exactly the text
// and buttons BelowMinimum writes for them (a test holds it to that).
func (Texts) BelowMinimumTemplate(lang string, c ll.Community, s ll.Standing, daysLeft int, upcoming []ll.Activity) *ll.Template {
	k := writer(lang)
	loc := c.Location()
	t := &ll.Template{Parts: make([]ll.TemplatePart, 0, 4+len(upcoming))}
	t.Parts = append(t.Parts,
		ll.NewTemplatePart(k.t("remind.below.title", c.Name)+"\n"+k.t("remind.below.stand", ll.Slot(0), s.Minimum, s.Year, daysLeft), nil),
		ll.NewTemplatePart("\n\n"+k.t("remind.below.no_activities"), nil),
		ll.NewTemplatePart("\n\n"+k.t("remind.below.activities"), nil))
	for _, a := range upcoming {
		t.Parts = append(t.Parts, ll.NewTemplatePart("\n\n"+k.activityLine(a, loc), [][]ll.Button{{{
			Text: k.label("button.signup", a.ID, truncate(a.Title, 24)),
			Data: callback{kind: cbSignUp, id: a.ID}.encode(),
		}}}))
	}
	t.Parts = append(t.Parts, ll.NewTemplatePart("\n\n"+k.t("remind.below.hint"), nil))
	return t
}

// NoPostTemplate is NoPost written once for every member of a run, in
// parts: 0 the title and standing, with the member's posts held as value 0;
// 1 the line saying no post is open; 2 the heading of the open posts; 3+i
// the line of open[i] with its [Claim] button; 3+len(open) the closing hint.
// A member's reminder is parts 0, 1 and the last when open is empty, else
// every part but 1: exactly what NoPost writes (a test holds it to that).
func (Texts) NoPostTemplate(lang string, c ll.Community, open []ll.Post) *ll.Template {
	k := writer(lang)
	t := &ll.Template{Parts: make([]ll.TemplatePart, 0, 4+len(open))}
	t.Parts = append(t.Parts,
		ll.NewTemplatePart(k.t("remind.nopost.title", c.Name)+"\n"+k.t("remind.nopost.stand", c.PostMinimum, ll.Slot(0)), nil),
		ll.NewTemplatePart("\n\n"+k.t("remind.nopost.none"), nil),
		ll.NewTemplatePart("\n\n"+k.t("remind.nopost.posts"), nil))
	for _, p := range open {
		t.Parts = append(t.Parts, ll.NewTemplatePart("\n\n"+k.postLine(p, false, true), [][]ll.Button{{{
			Text: k.label("button.claim", p.ID, truncate(p.Title, 24)),
			Data: callback{kind: cbClaim, id: p.ID}.encode(),
		}}}))
	}
	t.Parts = append(t.Parts, ll.NewTemplatePart("\n\n"+k.t("remind.nopost.hint"), nil))
	return t
}
