package main

import (
	"bytes"
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

const exportUsage = `Usage:
  lamplighter export --community <id>|--all --year <y> --kind members|ledger --format csv|xlsx [--out <file>]

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
	})
	if err := p.parse(fs, args, exportUsage); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, usagef("export: unexpected argument %q", fs.Arg(0))
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
	o, err := p.parseExport(args)
	if err != nil {
		return err
	}
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
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
		scopes, err := p.exportScopes(ctx, services, o)
		if err != nil {
			return err
		}
		ds := make([]report.CommunityData, 0, len(scopes))
		for _, sc := range scopes {
			d, err := services.Reports.Data(ctx, sc)
			if err != nil {
				return err
			}
			ds = append(ds, d)
		}
		data, rows, err := exportFile(ds, o, p.now())
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
			_, err := p.stdout.Write(data)
			return err
		}
		if err := writeFileAtomic(o.out, data); err != nil {
			return err
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

// exportFile renders the export and says how many rows it holds.
func exportFile(ds []report.CommunityData, o exportOptions, now time.Time) ([]byte, int, error) {
	var (
		buf  bytes.Buffer
		err  error
		rows int
	)
	if o.kind == "members" {
		ms := report.AllMemberRows(ds, o.year, now)
		rows = len(ms)
		if o.format == "csv" {
			err = report.WriteMembersCSV(&buf, ms)
		} else {
			err = report.WriteMembersXLSX(&buf, ms)
		}
	} else {
		ls := report.AllLedgerRows(ds, o.year)
		rows = len(ls)
		if o.format == "csv" {
			err = report.WriteLedgerCSV(&buf, ls)
		} else {
			err = report.WriteLedgerXLSX(&buf, ls)
		}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("write the %s export: %w", o.kind, err)
	}
	return buf.Bytes(), rows, nil
}

// writeFileAtomic writes data to a temporary file next to path and renames
// it into place, so that path holds the whole export or is left as it was.
// The file is readable by its owner only: it holds personal data.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, werr)
	}
	return nil
}
