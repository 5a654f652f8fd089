package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestMembersImportRefusesForgedLines: a name, unit, building or skill that
// would show as a line of its own, or reorder a line, in a list, a report or
// a notice (SPEC section 9) is reported with its line number, and nothing of
// the file is imported.
func TestMembersImportRefusesForgedLines(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.mustRun("community", "add", "--id", "dongan", "--name", "东安社区")
	rows := []struct{ row, column string }{
		{"10001,\"李伟\nM9 王芳 2/2\",,,,", "name"}, // a quoted field may hold a line break
		{"10002,李伟\u2028M9,,,,", "name"},
		{"10003,王芳,区法院\u202E,,,", "unit"},
		{"10004,王芳,,19栋\u200B,,", "building"},
		{"10005,王芳,,,法律;调解\u2066,", "skills"},
		{"10006,王\u0085芳,,,,", "name"},
		{"10007,王\uFEFF芳,,,,", "name"},
		{"10008,王\u200F芳,,,,", "name"},
	}
	var b strings.Builder
	b.WriteString("telegram_id,name,unit,building,skills,role\n")
	b.WriteString("10000,张三,,,,\n") // line 2: good
	for _, r := range rows {
		b.WriteString(r.row + "\n")
	}
	file := writeFile(t, "forged.csv", b.String())
	code, stdout, stderr := e.run("", "members", "import", "--community", "dongan", file)
	if code == 0 || stdout != "" {
		t.Fatalf("import of forged lines: exit %d, stdout %q; want a refusal", code, stdout)
	}
	line := 3
	for _, r := range rows {
		want := fmt.Sprintf("forged.csv:%d: %s", line, r.column)
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr = %q, want %q", stderr, want)
		}
		line += 1 + strings.Count(r.row, "\n")
	}
	if !strings.Contains(stderr, "nothing imported") {
		t.Errorf("stderr = %q, want 'nothing imported'", stderr)
	}
	if ms, err := e.st.Members(ctx, "dongan"); err != nil || len(ms) != 0 {
		t.Errorf("Members(dongan) = %v, %v after a refused import; want none", ms, err)
	}
}
