package report

import (
	"runtime/debug"
	"testing"
)

// gogc reads GOGC without changing it.
func gogc() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestTightGC: GOGC is lowered while any workbook is streamed and put back
// when the last one ends, not before; a tighter GOGC is left alone.
func TestTightGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	r1 := tightGC()
	r2 := tightGC()
	if p := gogc(); p != streamGOGC {
		t.Fatalf("GOGC while streaming = %d, want %d", p, streamGOGC)
	}
	r1()
	if p := gogc(); p != streamGOGC {
		t.Errorf("GOGC with one workbook still streaming = %d, want %d", p, streamGOGC)
	}
	r2()
	if p := gogc(); p != 100 {
		t.Errorf("GOGC after the last workbook = %d, want 100 back", p)
	}
	debug.SetGCPercent(10)
	tightGC()()
	if p := gogc(); p != 10 {
		t.Errorf("GOGC 10 became %d: a tighter setting is left alone", p)
	}
}
