package main

import (
	"strings"
	"testing"
)

// TestDemoWaitlist: the demo's full activity has a waitlist; the demo's
// first user (M1) withdraws and sees the seat offered to M4, first waiting;
// M4 takes it.
func TestDemoWaitlist(t *testing.T) {
	code, stdout, stderr := runCmd(t, nil, "/activities\n/withdraw A1\n/as M4\n/take A1\n/as M6\n/signup A1\n/quit\n", "demo")
	if code != 0 {
		t.Fatalf("demo: exit %d, stderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
	for _, want := range []string{
		"/withdraw A1", // the banner's hint
		"3/3",          // A1 is full
		"您已取消报名 A1",    // M1 withdrew
		"→ M4",         // the offer, to M4
		"空出一个名额：A1",    // its text
		"名额已归您",        // M4 took it
		"候补第 1 位",      // M6 is first on the waitlist now
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
}
