package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/report"
	"github.com/lamplighter-bot/lamplighter/storage"
)

const exportUsage = `Usage:
  lamplighter export --community <id>|--all --year <y> --kind members|ledger --format csv|xlsx [--out <file>]
  lamplighter export --community <id>|--all --year <y> --kind needs [--format csv] [--out <file>]

Writes the year's ledger (SPEC section 7) of one community, or of every
community one after the other: --kind members is one row per member who was
active at any time in the year (posts, activities, services, total, minimum,
compliant, last participation, and strong: those verified by a rotating
code, live location, scan or confirmation); --kind ledger is one row per
participation that counts, with its method. Dates are in each community's time zone; --year defaults to the
current year in LAMPLIGHTER_TZ. CSV starts with a UTF-8 byte-order mark and
neutralises cells a spreadsheet would run as a formula. The file goes to
standard output unless --out names a file (written whole, or not at all);
an XLSX file is not written to a terminal. Each export is written to the
audit log of the communities it covers.`

// exportOptions are the flags of "export".
type exportOptions struct {
	community string
	all       bool
	year      int
	kind      string
	format    string
	out       string
	unit      string // --unit U3: the unit's members in every community (units.go)
}

// parseExport parses and checks the flags of "export".
func (p *program) parseExport(args []string) (exportOptions, error) {
	var o exportOptions
	fs := p.flagSet("export", func(fs *flag.FlagSet) {
		fs.StringVar(&o.community, "community", "", "community id")
		fs.BoolVar(&o.all, "all", false, "every community")
		fs.IntVar(&o.year, "year", 0, "calendar year (default: this year)")
		fs.StringVar(&o.kind, "kind", "", "members or ledger")
		fs.StringVar(&o.format, "format", "", "csv or xlsx")
		fs.StringVar(&o.out, "out", "", "file to write (default: standard output)")
		fs.StringVar(&o.unit, "unit", "", "with --kind members: the members of this unit (U3) in every community, plus unit_id")
	})
	if err := p.parse(fs, args, exportUsage); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, usagef("export: unexpected argument %q", fs.Arg(0))
	case o.unit != "" || o.kind == "evaluations":
		return o, checkUnitExport(o) // units.go
	case (o.community == "") == !o.all:
		return o, usagef("export: want either --community <id> or --all")
	case o.kind != "members" && o.kind != "ledger":
		return o, usagef("export --kind: want members or ledger, not %q", o.kind)
	case o.format != "csv" && o.format != "xlsx":
		return o, usagef("export --format: want csv or xlsx, not %q", o.format)
	case o.year != 0 && (o.year < 2000 || o.year > 9999):
		return o, usagef("export --year: %d is not a year from 2000", o.year)
	case o.community != "" && !ll.ValidCommunityID(o.community):
		return o, usagef("export --community: %q is not a community id", o.community)
	}
	return o, nil
}

// export runs "export"; without arguments it prints the usage of every command.
func (p *program) export(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(p.stderr, usageText)
		return usagef("export: want --community <id> or --all, --kind and --format")
	}
	if isNeedsExport(args) { // --kind needs (export_needs.go)
		return p.exportNeeds(ctx, args)
	}
	o, err := p.parseExport(args)
	if err != nil {
		return err
	}
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// An export holds one community's data at a time and streams the
		// rest; a soft limit makes the collector keep to that instead of
		// letting the heap double between collections (100,000 members:
		// about 100 MB of memory instead of 160 MB, a few seconds more).
		debug.SetMemoryLimit(exportMemoryLimit)
	}
	if o.year == 0 {
		loc, err := time.LoadLocation(p.cfg.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		o.year = p.now().In(loc).Year()
	}
	if o.out == "" && o.format == "xlsx" && isTerminal(p.stdout) {
		return usagef("export: an XLSX file is not for a terminal: add --out <file> or redirect the output")
	}
	return p.withStore(ctx, func(st *storage.Store) error {
		services := app.New(st)
		if o.unit != "" || o.kind == "evaluations" {
			return p.exportUnits(ctx, st, services, o) // units.go
		}
		scopes, err := p.exportScopes(ctx, services, o)
		if err != nil {
			return err
		}
		// The file is written to a temporary file one community at a
		// time (only one community's data is held at once), audited, and
		// only then moved into place or copied to standard output.
		dir := os.TempDir()
		if o.out != "" {
			dir = filepath.Dir(o.out)
		}
		tmp, err := os.CreateTemp(dir, ".lamplighter-export.*")
		if err != nil {
			if o.out != "" {
				return fmt.Errorf("write %s: %w", o.out, err)
			}
			return fmt.Errorf("create a temporary file for the export: %w", err)
		}
		defer func() {
			tmp.Close()
			os.Remove(tmp.Name()) // gone already once renamed
		}()
		rows, err := streamExport(tmp, o, p.now(), exportSource{
			read: func(sc *app.Scope) (report.CommunityData, error) { return services.Reports.Data(ctx, sc) },
			pages: func(sc *app.Scope, fn func(report.CommunityData) error) error {
				return services.Reports.DataPages(ctx, sc, fn)
			},
		}, scopes)
		if err != nil {
			return err
		}
		for _, sc := range scopes {
			detail := fmt.Sprintf("%s %s, %d rows", o.kind, o.format, rows)
			if o.out != "" {
				detail += " to " + filepath.Base(o.out)
			}
			if err := services.Reports.Exported(ctx, sc, o.year, detail); err != nil {
				return fmt.Errorf("audit the export of %s: %w", sc.Community.ID, err)
			}
		}
		if o.out == "" {
			if _, err := tmp.Seek(0, io.SeekStart); err != nil {
				return fmt.Errorf("read the export back: %w", err)
			}
			_, err := io.Copy(p.stdout, tmp)
			return err
		}
		if err := tmp.Close(); err != nil {
			return fmt.Errorf("write %s: %w", o.out, err)
		}
		if err := os.Rename(tmp.Name(), o.out); err != nil {
			return fmt.Errorf("write %s: %w", o.out, err)
		}
		fmt.Fprintf(p.stderr, "wrote %d %s %s to %s\n", rows, o.kind, plural(rows, "row", "rows"), o.out)
		return nil
	})
}

// exportScopes are the operator's scopes in the communities an export
// covers, in id order.
func (p *program) exportScopes(ctx context.Context, services *app.App, o exportOptions) ([]*app.Scope, error) {
	ids := []string{o.community}
	if o.all {
		all, err := services.District.Communities(ctx, app.Operator("", p.now()))
		if err != nil {
			return nil, fmt.Errorf("list communities: %w", err)
		}
		ids = ids[:0]
		for _, c := range all {
			ids = append(ids, c.ID)
		}
	}
	scopes := make([]*app.Scope, 0, len(ids))
	for _, id := range ids {
		sc, err := p.operatorScope(ctx, services, id)
		if err != nil {
			return nil, err
		}
		scopes = append(scopes, sc)
	}
	return scopes, nil
}

// exportMemoryLimit is the soft memory limit of the export command (see
// debug.SetMemoryLimit); GOMEMLIMIT overrides it.
const exportMemoryLimit = 64 << 20

// exportSource reads what an export writes: a community's data whole
// (read), or a page of members at a time with their ledger (pages).
type exportSource struct {
	read  func(*app.Scope) (report.CommunityData, error)
	pages func(*app.Scope, func(report.CommunityData) error) error
}

// streamExport writes the export of the scopes' communities to w and says
// how many rows it wrote. The members export reads each community a page
// of members at a time, writing each page's rows before reading the next,
// so that it holds one page whatever the size of a community (a row depends
// only on its member's own ledger, and pages come in member order, the
// rows' order). The ledger export is in date order across a community, so
// it reads each community whole just before writing its rows.
func streamExport(w io.Writer, o exportOptions, now time.Time, src exportSource, scopes []*app.Scope) (int, error) {
	var (
		n   int
		err error
	)
	read := src.read
	if o.kind == "members" {
		chunks := func(yield func([]report.MemberRow) error) error {
			for _, sc := range scopes {
				if err := src.pages(sc, func(d report.CommunityData) error {
					return yield(report.MemberRows(d, o.year, now))
				}); err != nil {
					return err
				}
			}
			return nil
		}
		if o.format == "csv" {
			n, err = report.StreamMembersCSV(w, chunks)
		} else {
			n, err = report.StreamMembersXLSX(w, chunks)
		}
	} else {
		chunks := func(yield func([]report.LedgerRow) error) error {
			for _, sc := range scopes {
				d, err := read(sc)
				if err != nil {
					return err
				}
				if err := yield(report.LedgerRows(d, o.year)); err != nil {
					return err
				}
			}
			return nil
		}
		if o.format == "csv" {
			n, err = report.StreamLedgerCSV(w, chunks)
		} else {
			n, err = report.StreamLedgerXLSX(w, chunks)
		}
	}
	if err != nil {
		return n, fmt.Errorf("write the %s export: %w", o.kind, err)
	}
	return n, nil
}
