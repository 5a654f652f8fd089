package handlers

import (
	"fmt"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// newCommunity creates a community with the configured defaults and makes it
// the one the admin's committee commands act on.
func (c *call) newCommunity() []ll.Reply {
	args := splitArgs(c.req.Args, 2)
	if len(args) < 2 {
		return c.usage("newcommunity")
	}
	comm, err := c.h.app.District.CreateCommunity(c.ctx, c.actor(), ll.Community{
		ID:          args[0],
		Name:        args[1],
		TimeZone:    c.h.cfg.DefaultTimeZone,
		Language:    c.h.cfg.DefaultLanguage,
		Minimum:     ll.DefaultMinimum,
		PostMinimum: ll.DefaultPostMinimum,
	})
	if err != nil {
		if ll.ErrorCode(err) == ll.ECONFLICT {
			return c.say("community.exists", strings.ToLower(args[0]))
		}
		return c.fail(err, "")
	}
	return c.say("community.created", comm.Name, comm.ID, comm.TimeZone, comm.Language)
}

// use chooses the community the admin's committee commands act on.
func (c *call) use() []ll.Reply {
	id := strings.TrimSpace(c.req.Args)
	comm, err := c.h.app.District.Use(c.ctx, c.actor(), id)
	if app.AuditFailed(err) {
		c.h.log.Warn("audit /use", "community", comm.ID, "err", err)
	} else if err != nil {
		return c.fail(err, strings.ToLower(id))
	}
	return c.say("use.done", comm.Name, comm.ID)
}

// communities lists every community with its member count, how many
// members hold at least the post minimum, and how many of this year's
// members are compliant.
func (c *call) communities() []ll.Reply {
	r, err := c.communitiesPage(1)
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{r}
}

// communitiesPage renders one page of the district overview.
func (c *call) communitiesPage(page int) (ll.Reply, error) {
	all, err := c.h.app.District.Communities(c.ctx, c.actor())
	if err != nil {
		return ll.Reply{}, fmt.Errorf("list communities: %w", err)
	}
	if len(all) == 0 {
		return ll.Reply{Text: c.t("communities.empty")}, nil
	}
	from, to, shown, pages := pageBounds(len(all), page)
	var b strings.Builder
	b.WriteString(c.t("communities.title", len(all)))
	for _, comm := range all[from:to] {
		active, holding, err := c.postFigures(comm)
		if err != nil {
			return ll.Reply{}, err
		}
		compliant, total, err := c.compliance(comm)
		if err != nil {
			return ll.Reply{}, err
		}
		b.WriteString("\n" + c.t("communities.line", comm.ID, comm.Name, active, holding, comm.PostMinimum))
		b.WriteString(" · " + c.t("communities.compliance", c.now.In(comm.Location()).Year(), compliant, total))
	}
	b.WriteString(c.pageFooter(shown, pages))
	return ll.Reply{Text: b.String(), Buttons: appendRow(nil, navRow(listCommunities, shown, pages, ""))}, nil
}

// postFigures counts a community's active members and those holding at least
// its post minimum.
func (c *call) postFigures(comm ll.Community) (active, holding int, err error) {
	return c.h.app.Lookups.PostFigures(c.ctx, c.actor(), comm)
}
