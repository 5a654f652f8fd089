package report

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"

	"github.com/lamplighter-bot/lamplighter/record"
)

// Pages gives one community's export a page of members at a time: each
// page's member rows (MemberRows of the page) and those members' ledger
// rows (LedgerRows of the page), pages in member order. It calls yield with
// each page in turn and stops at yield's first error, which it returns.
type Pages func(yield func([]MemberRow, []LedgerRow) error) error

// StreamXLSX writes the workbook WriteXLSX writes (the members and ledger
// sheets, laid out alike) from pages, for a community too large to hold at
// once (/export). The members sheet is written row by row as the pages
// come. The ledger sheet is in date order across the community, so each
// page's ledger rows are first written to a temporary file in dir
// (os.TempDir when dir is "", as are the stream writers' files), and once
// every page is read they are merged by date and member number
// (record.LedgerOrder; a page's rows keep their order). Besides
// excelize's stream buffers (which grow to 32 MB a sheet before they spill
// to disk), it holds one page, and a 4 KB read buffer per page while it
// merges, whatever the number of members; its temporary files are gone
// when it returns. members and entries are the rows of each sheet. It
// returns the first error met (pages', a write's), with context.
func StreamXLSX(w io.Writer, pages Pages, dir string) (members, entries int, err error) {
	defer tightGC()()
	sp, err := newSpill(dir)
	if err != nil {
		return 0, 0, err
	}
	defer sp.remove()
	ms := func(yield func([]MemberRow) error) error {
		return pages(func(rows []MemberRow, ledger []LedgerRow) error {
			if err := sp.add(ledger); err != nil {
				return err
			}
			return yield(rows)
		})
	}
	// writeXLSX writes the sheets in order: every page has been read, and
	// its ledger rows spilled, before the ledger sheet asks for its rows.
	ns, err := writeXLSXIn(w, []sheet{membersSheet(ms), ledgerSheet(sp.merge)}, dir)
	return ns[0], ns[1], err
}

// spill is a temporary file of runs of ledger rows, each run one page's
// rows in the ledger's order.
type spill struct {
	f    *os.File
	w    *bufio.Writer
	at   int64 // bytes written so far
	runs []spillRun
}

type spillRun struct{ off, n int64 }

func newSpill(dir string) (*spill, error) {
	f, err := os.CreateTemp(dir, "lamplighter-ledger-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create the ledger's temporary file: %w", err)
	}
	return &spill{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (s *spill) remove() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// ledgerFields are a row's fields in the order they are spilled.
func ledgerFields(r *LedgerRow) [10]*string {
	return [10]*string{&r.Community, &r.MemberID, &r.Name, &r.Date, &r.Kind, &r.Ref, &r.Title, &r.Method, &r.VerifiedBy, &r.ID}
}

// add writes one page's rows as a run: each field as its length (uvarint)
// and bytes, so that any text comes back exactly.
func (s *spill) add(rows []LedgerRow) error {
	if len(rows) == 0 {
		return nil
	}
	start := s.at
	var buf []byte
	for i := range rows {
		buf = buf[:0]
		for _, f := range ledgerFields(&rows[i]) {
			buf = binary.AppendUvarint(buf, uint64(len(*f)))
			buf = append(buf, *f...)
		}
		n, err := s.w.Write(buf)
		s.at += int64(n)
		if err != nil {
			return fmt.Errorf("write the ledger's temporary file: %w", err)
		}
	}
	s.runs = append(s.runs, spillRun{off: start, n: s.at - start})
	return nil
}

// runReader reads one run back, a row at a time.
type runReader struct {
	r   *bufio.Reader
	row LedgerRow
	idx int // the run's place: equal rows come out in run order
}

// next reads the run's next row into row; false at the run's end.
func (rr *runReader) next() (bool, error) {
	var row LedgerRow
	for i, f := range ledgerFields(&row) {
		n, err := binary.ReadUvarint(rr.r)
		if err == io.EOF && i == 0 {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("read the ledger's temporary file: %w", noEOF(err))
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(rr.r, b); err != nil {
			return false, fmt.Errorf("read the ledger's temporary file: %w", noEOF(err))
		}
		*f = string(b)
	}
	rr.row = row
	return true, nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// runHeap orders the runs by their current row.
type runHeap []*runReader

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	if c := record.LedgerOrder(&h[i].row, &h[j].row); c != 0 {
		return c < 0
	}
	return h[i].idx < h[j].idx
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// merge gives every spilled row in the ledger's order, in chunks of up to
// 512 rows (LedgerChunks).
func (s *spill) merge(yield func([]LedgerRow) error) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("write the ledger's temporary file: %w", err)
	}
	h := make(runHeap, 0, len(s.runs))
	for i, run := range s.runs {
		rr := &runReader{r: bufio.NewReaderSize(io.NewSectionReader(s.f, run.off, run.n), 4096), idx: i}
		ok, err := rr.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, rr)
		}
	}
	heap.Init(&h)
	chunk := make([]LedgerRow, 0, 512)
	for h.Len() > 0 {
		rr := h[0]
		chunk = append(chunk, rr.row)
		ok, err := rr.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
		if len(chunk) == cap(chunk) {
			if err := yield(chunk); err != nil {
				return err
			}
			chunk = chunk[:0]
		}
	}
	if len(chunk) > 0 {
		return yield(chunk)
	}
	return nil
}

// The collector while a workbook is streamed. excelize's stream buffers
// (up to 32 MB a sheet, a size it does not let us set) are most of what
// StreamXLSX holds; at the default GOGC of 100 the heap may grow to twice
// what is live before a collection, which took /export of 100,000 members
// to ~110 MB in a bot that also serves everyone else. While any workbook is
// being streamed the target is lowered to streamGOGC (more collections,
// for those seconds only) and put back when the last one is done.
const streamGOGC = 25

var gcTight struct {
	sync.Mutex
	n    int // workbooks being streamed
	prev int // GOGC before the first of them
}

// tightGC lowers GOGC for one streamed workbook; the func it returns puts
// it back once no other is being streamed.
func tightGC() (restore func()) {
	gcTight.Lock()
	defer gcTight.Unlock()
	if gcTight.n == 0 {
		gcTight.prev = debug.SetGCPercent(streamGOGC)
		if gcTight.prev >= 0 && gcTight.prev < streamGOGC {
			debug.SetGCPercent(gcTight.prev) // already tighter
		}
	}
	gcTight.n++
	return func() {
		gcTight.Lock()
		defer gcTight.Unlock()
		if gcTight.n--; gcTight.n == 0 {
			debug.SetGCPercent(gcTight.prev)
		}
	}
}
