package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/report"
	"github.com/lamplighter-bot/lamplighter/storage"
)

// isNeedsExport reports whether an export's arguments ask for --kind needs.
func isNeedsExport(args []string) bool {
	for i, a := range args {
		switch {
		case a == "--kind=needs" || a == "-kind=needs":
			return true
		case (a == "--kind" || a == "-kind") && i+1 < len(args) && args[i+1] == "needs":
			return true
		}
	}
	return false
}

// exportNeeds runs "export --kind needs": one row per need created in the
// year, columns community,need_id,created,status,skills,helpers,takers,
// solved,days (SPEC section 10), CSV only. Nothing about the asker is
// written: neither their Telegram id nor the text they typed. Audited in
// each community like the other exports.
func (p *program) exportNeeds(ctx context.Context, args []string) error {
	var (
		community, kind, format, out string
		all                          bool
		year                         int
	)
	fs := p.flagSet("export", func(fs *flag.FlagSet) {
		fs.StringVar(&community, "community", "", "community id")
		fs.BoolVar(&all, "all", false, "every community")
		fs.IntVar(&year, "year", 0, "calendar year (default: this year)")
		fs.StringVar(&kind, "kind", "", "needs")
		fs.StringVar(&format, "format", "csv", "csv")
		fs.StringVar(&out, "out", "", "file to write (default: standard output)")
	})
	if err := p.parse(fs, args, exportUsage); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("export: unexpected argument %q", fs.Arg(0))
	case (community == "") == !all:
		return usagef("export: want either --community <id> or --all")
	case format != "csv":
		return usagef("export --kind needs: want --format csv, not %q", format)
	case year != 0 && (year < 2000 || year > 9999):
		return usagef("export --year: %d is not a year from 2000", year)
	case community != "" && !ll.ValidCommunityID(community):
		return usagef("export --community: %q is not a community id", community)
	}
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	if year == 0 {
		loc, err := time.LoadLocation(p.cfg.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		year = p.now().In(loc).Year()
	}
	return p.withStore(ctx, func(st *storage.Store) error {
		services := app.New(st)
		scopes, err := p.exportScopes(ctx, services, exportOptions{community: community, all: all})
		if err != nil {
			return err
		}
		w := p.stdout
		var f *os.File
		if out != "" {
			if f, err = os.CreateTemp(filepath.Dir(out), ".lamplighter-export.*"); err != nil {
				return fmt.Errorf("write %s: %w", out, err)
			}
			defer func() {
				f.Close()
				os.Remove(f.Name()) // gone already once renamed
			}()
			w = f
		}
		rows, err := report.StreamNeedsCSV(w, func(yield func([]report.NeedRow) error) error {
			for _, sc := range scopes {
				needs, err := services.Needs.All(ctx, sc.Community.ID)
				if err != nil {
					return err
				}
				if err := yield(report.NeedRows(sc.Community, needs, year)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("write the needs export: %w", err)
		}
		for _, sc := range scopes {
			if err := services.Reports.Exported(ctx, sc, year, fmt.Sprintf("needs csv, %d rows", rows)); err != nil {
				return fmt.Errorf("audit the export of %s: %w", sc.Community.ID, err)
			}
		}
		if f == nil {
			return nil
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", out, err)
		}
		if err := os.Rename(f.Name(), out); err != nil {
			return fmt.Errorf("write %s: %w", out, err)
		}
		fmt.Fprintf(p.stderr, "wrote %d needs %s to %s\n", rows, plural(rows, "row", "rows"), out)
		return nil
	})
}
