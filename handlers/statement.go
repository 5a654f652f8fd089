package handlers

import (
	"fmt"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/record"
)

// The verifiable statement (SPEC section 11): /statement [year] sends the
// member their certificate of the year as a photo, with its verify link in
// the caption. app.Statements decides the facts, signs the token and
// writes the audit entry; the Renderer draws the certificate.

// statement sends the caller's statement of the typed year (this year by
// default).
func (c *call) statement() []ll.Reply {
	is, err := c.h.app.Statements.Issue(c.ctx, c.actor(), c.req.Args)
	if c.stalePointer(err) {
		return c.notMember()
	}
	if err != nil {
		return c.fail(err, "")
	}
	st := is.Statement
	png, err := c.h.render.Certificate(record.Certificate{
		Statement: st,
		Name:      is.Member.Name,
		Unit:      is.Member.Unit,
		Community: is.Community.Name,
		Location:  is.Community.Location(),
		URL:       is.URL,
	}, c.lang)
	if err != nil {
		return c.fail(fmt.Errorf("certificate %s of %s/%s: %w", st.ID, st.Community, st.Member, err), "")
	}
	caption := c.t("statement.caption_none", st.Year, st.Total())
	if is.URL != "" {
		caption = c.t("statement.caption", st.Year, st.Total(), is.URL)
	}
	return []ll.Reply{{
		Text: caption,
		File: &ll.File{Name: fmt.Sprintf("statement-%s-%d.png", st.Community, st.Year), MIME: "image/png", Data: png, Photo: true},
	}}
}
