package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/record"
	"github.com/lamplighter-bot/lamplighter/report"
	"github.com/lamplighter-bot/lamplighter/storage"
)

// Workplaces on the command line (SPEC section 11): units import, units
// match, and the unit and evaluations exports.

const unitsUsage = `Usage:
  lamplighter units import <file.csv>
  lamplighter units match
  lamplighter units audit [--limit <n>]

import creates the district's units from a file with the header
name,short_name,liaison_telegram_id: one row per unit and liaison (a unit
with several liaisons takes several rows; short_name and the liaison may be
empty). A unit that exists by that name gains the liaisons it lacks, so
importing the same file again changes nothing. Every bad row is reported
with its line, and nothing is imported from a file that has one.

match links every active member whose typed unit is a unit's name or short
name (case and spaces aside) to that unit, and says how many matched and
how many did not.

audit prints the units' audit log (creations, imports, liaisons), newest
first.`

// unitsCSVHeader is the header row of a units import file.
var unitsCSVHeader = []string{"name", "short_name", "liaison_telegram_id"}

// units runs "units import" and "units match".
func (p *program) units(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("units: want import <file.csv> or match")
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(p.stdout, unitsUsage)
		return nil
	case "import", "match", "audit":
	default:
		return usagef("units: want import <file.csv>, match or audit, not %q", args[0])
	}
	limit := 0
	fs := p.flagSet("units "+args[0], func(fs *flag.FlagSet) {
		if args[0] == "audit" {
			fs.IntVar(&limit, "limit", 100, "at most this many entries")
		}
	})
	if err := p.parse(fs, args[1:], unitsUsage); err != nil {
		return err
	}
	if args[0] == "audit" {
		if fs.NArg() != 0 || limit <= 0 {
			return usagef("units audit: want [--limit <n>] with n > 0")
		}
		if err := p.setup(false, slog.LevelWarn); err != nil {
			return err
		}
		loc, err := time.LoadLocation(p.cfg.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		return p.withStore(ctx, func(st *storage.Store) error {
			entries, err := st.UnitsAudit(ctx, min(limit, maxAuditLines))
			if err != nil {
				return fmt.Errorf("read the units' audit log: %w", err)
			}
			for _, e := range entries {
				fmt.Fprintln(p.stdout, formatAudit(e, loc))
			}
			return nil
		})
	}
	if args[0] == "match" {
		if fs.NArg() != 0 {
			return usagef("units match: no arguments")
		}
		if err := p.setup(false, slog.LevelWarn); err != nil {
			return err
		}
		return p.withStore(ctx, func(st *storage.Store) error {
			res, err := app.New(st).Units.MatchAll(ctx, app.Operator("", p.now()))
			if err != nil && !app.AuditFailed(err) {
				return fmt.Errorf("units match: %w", err)
			}
			fmt.Fprintf(p.stdout, "%d members with a unit in %d communities: %d matched a unit (%d linked now), %d unmatched\n",
				res.Members, res.Communities, res.Matched, res.Linked, res.Unmatched)
			return err
		})
	}
	if fs.NArg() != 1 {
		return usagef("units import: want <file.csv>")
	}
	file := fs.Arg(0)
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	data, err := p.readImportFile(file, 64<<20)
	if err != nil {
		return err
	}
	rows, bad := parseUnitsCSV(data)
	if err := p.badRows(file, bad); err != nil {
		return err
	}
	return p.withStore(ctx, func(st *storage.Store) error {
		res, err := app.New(st).Units.Import(ctx, app.Operator("", p.now()), rows, filepath.Base(file))
		var ie *app.ImportError
		if errors.As(err, &ie) {
			for _, r := range ie.Rows {
				fmt.Fprintf(p.stderr, "%s:%d: %s\n", file, r.Line, userMessage(r.Err))
			}
			return fmt.Errorf("%s: %d bad %s; nothing imported", file, len(ie.Rows), plural(len(ie.Rows), "row", "rows"))
		}
		if err != nil {
			return fmt.Errorf("import units from %s: %s; nothing imported", file, userMessage(err))
		}
		fmt.Fprintf(p.stdout, "%d units created, %d updated, %d liaisons added; the district has %d units\n",
			res.Created, res.Updated, res.Liaisons, len(res.Units))
		return nil
	})
}

// parseUnitsCSV parses a units import file (UTF-8, a byte-order mark and
// CRLF accepted): the header, then name,short_name,liaison_telegram_id. It
// returns every row, or every problem with its line and no rows.
func parseUnitsCSV(data []byte) ([]app.UnitRow, []rowError) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var (
		rows   []app.UnitRow
		errs   []rowError
		header = true
	)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errs = append(errs, rowError{pe.StartLine, "malformed CSV: " + pe.Err.Error()})
			} else {
				errs = append(errs, rowError{0, err.Error()})
			}
			break
		}
		line, _ := r.FieldPos(0)
		if header {
			header = false
			if len(rec) != len(unitsCSVHeader) || !strings.EqualFold(strings.Join(trimAll(rec), ","), strings.Join(unitsCSVHeader, ",")) {
				errs = append(errs, rowError{line, "the first row must be the header " + strings.Join(unitsCSVHeader, ",")})
			}
			continue
		}
		if len(rec) != len(unitsCSVHeader) {
			errs = append(errs, rowError{line, fmt.Sprintf("%d columns, want %d (%s)", len(rec), len(unitsCSVHeader), strings.Join(unitsCSVHeader, ","))})
			continue
		}
		rec = trimAll(rec)
		row := app.UnitRow{Line: line, Name: rec[0], ShortName: rec[1]}
		if rec[2] != "" {
			tg, err := strconv.ParseInt(rec[2], 10, 64)
			if err != nil || tg <= 0 {
				errs = append(errs, rowError{line, fmt.Sprintf("liaison_telegram_id %q is not a Telegram user id (a positive number, or empty)", rec[2])})
				continue
			}
			row.Liaison = tg
		}
		u := ll.Unit{Name: row.Name, ShortName: row.ShortName}
		if err := u.Validate(); err != nil {
			errs = append(errs, rowError{line, userMessage(err)})
			continue
		}
		rows = append(rows, row)
	}
	if header && len(errs) == 0 {
		errs = append(errs, rowError{1, "empty file: expected the header " + strings.Join(unitsCSVHeader, ",")})
	} else if len(errs) == 0 && len(rows) == 0 {
		errs = append(errs, rowError{1, "no units after the header"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return rows, nil
}

func trimAll(rec []string) []string {
	out := make([]string, len(rec))
	for i, v := range rec {
		out[i] = strings.TrimSpace(v)
	}
	return out
}

// checkUnitExport checks the flags of the unit and evaluations exports.
func checkUnitExport(o exportOptions) error {
	switch {
	case o.unit != "" && o.kind != "members":
		return usagef("export --unit: want --kind members")
	case o.unit != "" && (o.community != "" || o.all):
		return usagef("export --unit covers every community: no --community or --all")
	case o.unit != "" && ll.NormalizeID('U', o.unit) == "":
		return usagef("export --unit: %q is not a unit id (U3)", o.unit)
	case o.kind == "evaluations" && (o.community == "") == !o.all:
		return usagef("export --kind evaluations: want either --community <id> or --all")
	case o.format != "csv" && o.format != "xlsx":
		return usagef("export --format: want csv or xlsx, not %q", o.format)
	case o.year != 0 && (o.year < 2000 || o.year > 9999):
		return usagef("export --year: %d is not a year from 2000", o.year)
	case o.community != "" && !ll.ValidCommunityID(o.community):
		return usagef("export --community: %q is not a community id", o.community)
	}
	return nil
}

// exportUnits writes the unit members export (--unit) or the evaluations
// export (--kind evaluations), audited in every community it covers.
func (p *program) exportUnits(ctx context.Context, st *storage.Store, services *app.App, o exportOptions) error {
	var (
		buf  bytes.Buffer
		n    int
		seen []*app.Scope
	)
	if o.unit != "" {
		unit := ll.NormalizeID('U', o.unit)
		u, err := st.Unit(ctx, unit)
		if err != nil {
			return fmt.Errorf("export --unit %s: %s", unit, userMessage(err))
		}
		comms, err := st.UnitCommunities(ctx, u.ID)
		if err != nil {
			return err
		}
		var rows []record.MemberRow
		for _, id := range comms {
			sc, err := p.operatorScope(ctx, services, id)
			if err != nil {
				return err
			}
			ms, err := st.UnitMembers(ctx, id, u.ID, true)
			if err != nil {
				return err
			}
			if len(ms) == 0 {
				continue
			}
			in := map[string]bool{}
			for _, m := range ms {
				in[m.ID] = true
			}
			d, err := services.Reports.Data(ctx, sc)
			if err != nil {
				return err
			}
			for _, r := range record.MemberRows(d, o.year, p.now()) {
				if in[r.ID] {
					rows = append(rows, r)
				}
			}
			seen = append(seen, sc)
		}
		if o.format == "csv" {
			err = report.WriteUnitMembersCSV(&buf, rows, u.ID)
		} else {
			err = report.WriteUnitMembersXLSX(&buf, rows, u.ID)
		}
		if err != nil {
			return err
		}
		n = len(rows)
	} else {
		scopes, err := p.exportScopes(ctx, services, o)
		if err != nil {
			return err
		}
		var rows []record.EvaluationRow
		for _, sc := range scopes {
			rs, err := services.Evaluations.Export(ctx, sc, o.year)
			if err != nil {
				return err
			}
			rows = append(rows, rs...)
		}
		if o.format == "csv" {
			err = report.WriteEvaluationsCSV(&buf, rows)
		} else {
			err = report.WriteEvaluationsXLSX(&buf, rows)
		}
		if err != nil {
			return err
		}
		n, seen = len(rows), scopes
	}
	kind := o.kind
	if o.unit != "" {
		kind = "unit " + ll.NormalizeID('U', o.unit) + " members"
	}
	for _, sc := range seen {
		detail := fmt.Sprintf("%s %s, %d rows", kind, o.format, n)
		if o.out != "" {
			detail += " to " + filepath.Base(o.out)
		}
		if err := services.Reports.Exported(ctx, sc, o.year, detail); err != nil {
			return fmt.Errorf("audit the export of %s: %w", sc.Community.ID, err)
		}
	}
	if o.out == "" {
		_, err := p.stdout.Write(buf.Bytes())
		return err
	}
	if err := writeFileAtomic(o.out, buf.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	fmt.Fprintf(p.stderr, "wrote %d %s %s to %s\n", n, kind, plural(n, "row", "rows"), o.out)
	return nil
}

// writeFileAtomic writes data to a temporary file beside path, then
// renames it into place: the file is written whole or not at all.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lamplighter-export.*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// The demo's units (SPEC section 11): two workplaces with a liaison each
// (demo users who are members nowhere), matched by the demo members'
// typed units: U1 区人民法院 (dongan M3 张伟), U2 市自来水公司 (xiyuan M2
// 吴刚). The demo communities open the evaluation on 1 January, so that
// /evaluate, /grade and /evaluations send work whatever the month.
const (
	demoLiaisonTG  = 20001 // liaison of U1
	demoLiaison2TG = 20002 // liaison of U2
	demoEvalFrom   = "01-01"
)

// seedUnits creates the demo's units and returns their ids by
// lamplighter.UnitKey of their names and short names.
func seedUnits(ctx context.Context, st *storage.Store, now time.Time) (map[string]string, error) {
	us, err := st.ChangeUnits(ctx, func([]ll.Unit) ([]ll.Unit, error) {
		return []ll.Unit{
			{Name: "区人民法院", ShortName: "法院", Liaisons: []int64{demoLiaisonTG}},
			{Name: "市自来水公司", ShortName: "自来水", Liaisons: []int64{demoLiaison2TG}},
		}, nil
	}, now, &ll.AuditEntry{Actor: cliActor, Action: "units import", Detail: "2 demo units"})
	if err != nil {
		return nil, fmt.Errorf("seed units: %w", err)
	}
	out := map[string]string{}
	for _, u := range us {
		out[ll.UnitKey(u.Name)], out[ll.UnitKey(u.ShortName)] = u.ID, u.ID
	}
	return out, nil
}

// printLinked says how many imported members were linked to a unit (their
// typed unit is a unit's name or short name), when any was.
func printLinked(w io.Writer, ms []ll.Member) {
	n := 0
	for _, m := range ms {
		if m.UnitID != "" {
			n++
		}
	}
	if n > 0 {
		fmt.Fprintf(w, "%d of them linked to a unit by its name or short name\n", n)
	}
}
