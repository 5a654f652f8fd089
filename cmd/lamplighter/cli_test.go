package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

func TestMain(m *testing.M) {
	if os.Getenv("LAMPLIGHTER_TEST_MAIN") == "1" {
		// TestProcess runs the real program: this test binary, re-executed.
		main()
		return
	}
	storagetest.Main(m)
}

// testNow is the clock of every test program: 1 March 2026, 10:00 in Shanghai.
var testNow = time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// testEnv runs the program in-process against the test Redis, under a key
// prefix of its own, with a fixed clock.
type testEnv struct {
	t      *testing.T
	env    map[string]string
	prefix string
	st     *storage.Store
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	e := &testEnv{t: t, prefix: storagetest.Prefix(), env: storagetest.Env()}
	e.st = storagetest.NewStoreOptions(t, storage.Options{Prefix: e.prefix, Now: func() time.Time { return testNow }})
	return e
}

// program returns a program on the test Redis reading stdin.
func (e *testEnv) program(stdin string, stdout, stderr io.Writer) *program {
	return &program{
		env:    func(k string) string { return e.env[k] },
		stdin:  strings.NewReader(stdin),
		stdout: stdout,
		stderr: stderr,
		now:    func() time.Time { return testNow },
		prefix: e.prefix,
	}
}

// run runs one command line and returns the exit code, stdout and stderr.
func (e *testEnv) run(stdin string, args ...string) (int, string, string) {
	e.t.Helper()
	var stdout, stderr bytes.Buffer
	code := e.program(stdin, &stdout, &stderr).run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

// mustRun runs a command line that must succeed and returns its stdout.
func (e *testEnv) mustRun(args ...string) string {
	e.t.Helper()
	code, stdout, stderr := e.run("", args...)
	if code != 0 {
		e.t.Fatalf("lamplighter %s: exit code %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

func TestCommunityAddSet(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.env["LAMPLIGHTER_LANG"] = "en"
	out := e.mustRun("community", "add", "--id", "dongan", "--name", "东安社区")
	if !strings.Contains(out, "dongan") {
		t.Errorf("community add printed %q, want the id", out)
	}
	c, err := e.st.Community(ctx, "dongan")
	if err != nil {
		t.Fatalf("Community(dongan) after add: %v", err)
	}
	want := ll.Community{ID: "dongan", Name: "东安社区", TimeZone: "Asia/Shanghai", Language: "en", Minimum: 2, PostMinimum: 1}
	c.Created = time.Time{}
	if c != want {
		t.Errorf("Community(dongan) = %+v, want %+v", c, want)
	}
	e.mustRun("community", "add", "--id", "xiyuan", "--name", "西苑社区", "--tz", "Asia/Urumqi", "--lang", "zh")
	if c, _ := e.st.Community(ctx, "xiyuan"); c.TimeZone != "Asia/Urumqi" || c.Language != "zh" {
		t.Errorf("xiyuan = %+v, want zone Asia/Urumqi and language zh", c)
	}

	for _, kv := range [][2]string{{"minimum", "3"}, {"postminimum", "2"}, {"timezone", "Asia/Harbin"}, {"language", "zh"}, {"notice", "-1001234567890"}} {
		e.mustRun("community", "set", "--id", "dongan", kv[0], kv[1])
	}
	c, _ = e.st.Community(ctx, "dongan")
	if c.Minimum != 3 || c.PostMinimum != 2 || c.TimeZone != "Asia/Harbin" || c.Language != "zh" || c.NoticeChat != -1001234567890 {
		t.Errorf("after set: %+v", c)
	}
	e.mustRun("community", "set", "--id", "dongan", "notice", "none")
	if c, _ = e.st.Community(ctx, "dongan"); c.NoticeChat != 0 {
		t.Errorf("notice after set none = %d, want 0", c.NoticeChat)
	}

	bad := []struct {
		args []string
		want string
		code int
	}{
		{[]string{"community", "add", "--id", "dongan", "--name", "again"}, "already exists", 1},
		{[]string{"community", "add", "--id", "Bad_ID", "--name", "x"}, "community id", 2},
		{[]string{"community", "add", "--id", "x"}, "--name", 2},
		{[]string{"community", "set", "--id", "dongan", "minimum", "-1"}, "minimum", 2},
		{[]string{"community", "set", "--id", "dongan", "minimum", "many"}, "whole number", 2},
		{[]string{"community", "set", "--id", "dongan", "timezone", "Mars/Base"}, "time zone", 2},
		{[]string{"community", "set", "--id", "dongan", "language", "fr"}, "language", 2},
		{[]string{"community", "set", "--id", "dongan", "colour", "red"}, "unknown key", 2},
		{[]string{"community", "set", "--id", "nowhere", "minimum", "1"}, "not found", 1},
	}
	for _, b := range bad {
		code, _, stderr := e.run("", b.args...)
		if code != b.code || !strings.Contains(stderr, b.want) {
			t.Errorf("lamplighter %s: exit %d, stderr %q; want exit %d and %q", strings.Join(b.args, " "), code, stderr, b.code, b.want)
		}
	}
	c, _ = e.st.Community(ctx, "dongan")
	if c.Minimum != 3 || c.Language != "zh" || c.Name != "东安社区" {
		t.Errorf("a refused set changed the community: %+v", c)
	}

	log, err := e.st.AuditLog(ctx, "dongan", 100, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// newcommunity + 6 settings, newest first, all by the command line.
	if len(log) != 7 {
		t.Fatalf("audit log has %d entries, want 7: %+v", len(log), log)
	}
	for _, a := range log {
		if a.Actor != "cli" {
			t.Errorf("audit entry %+v: actor %q, want cli", a, a.Actor)
		}
	}
	if log[0].Action != "settings" || log[0].Object != "notice" || log[6].Action != "newcommunity" {
		t.Errorf("audit log = %+v, want settings of notice first and newcommunity last", log)
	}

	out = e.mustRun("audit", "--community", "dongan")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 7 || !strings.Contains(lines[0], "cli  settings  notice  none") || !strings.Contains(lines[6], "newcommunity") {
		t.Errorf("audit printed:\n%s", out)
	}
	if !strings.HasPrefix(lines[0], "2026-03-01 10:00:00") {
		t.Errorf("audit line %q does not start with the time in the community's zone", lines[0])
	}
	if code, out, _ := e.run("", "audit", "--community", "dongan", "--since", "2026-03-02"); code != 0 || out != "" {
		t.Errorf("audit --since the next day: exit %d, printed %q; want nothing", code, out)
	}
	if code, _, stderr := e.run("", "audit", "--community", "dongan", "--since", "March"); code != 2 || !strings.Contains(stderr, "--since") {
		t.Errorf("audit --since March: exit %d, stderr %q", code, stderr)
	}
}

// writeFile writes a file in a test directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMembersImport(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.mustRun("community", "add", "--id", "dongan", "--name", "东安社区")
	e.env["LAMPLIGHTER_BOT_USERNAME"] = "lamplighter_bot"
	file := writeFile(t, "members.csv", "\uFEFFtelegram_id,name,unit,building,skills,role\r\n"+
		"10001,李秀兰,东安街道办事处,1栋,组织协调,secretary\r\n"+
		",王芳,第一小学,3栋,辅导;英语,\r\n"+
		"10003,张伟,区人民法院,19栋,法律咨询,committee\r\n"+
		",\"Li, Wei\",Hospital,2栋,first aid,\r\n")
	code, stdout, stderr := e.run("", "members", "import", "--community", "dongan", file)
	if code != 0 {
		t.Fatalf("members import: exit %d, stderr:\n%s", code, stderr)
	}
	ms, err := e.st.Members(ctx, "dongan")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 4 {
		t.Fatalf("Members(dongan) = %d members, want 4", len(ms))
	}
	wantMembers := []struct {
		id, name string
		tg       int64
		role     ll.Role
		skills   []string
	}{
		{"M1", "李秀兰", 10001, ll.RoleSecretary, []string{"组织协调"}},
		{"M2", "王芳", 0, ll.RoleNone, []string{"辅导", "英语"}},
		{"M3", "张伟", 10003, ll.RoleCommittee, []string{"法律咨询"}},
		{"M4", "Li, Wei", 0, ll.RoleNone, []string{"first aid"}},
	}
	for i, w := range wantMembers {
		m := ms[i]
		if m.ID != w.id || m.Name != w.name || m.TelegramID != w.tg || m.Role != w.role || !slices.Equal(m.Skills, w.skills) || !m.Active() {
			t.Errorf("member %d = %+v, want %+v", i, m, w)
		}
	}

	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatalf("stdout is not CSV: %v\n%s", err, stdout)
	}
	if len(rows) != 3 || !slices.Equal(rows[0], []string{"member_id", "name", "invite_link"}) {
		t.Fatalf("stdout = %q, want a header and two invite rows", rows)
	}
	for i, w := range []struct{ id, name string }{{"M2", "王芳"}, {"M4", "Li, Wei"}} {
		r := rows[i+1]
		if r[0] != w.id || r[1] != w.name {
			t.Errorf("invite row %d = %q, want %s %s", i, r, w.id, w.name)
		}
		code, ok := strings.CutPrefix(r[2], "https://t.me/lamplighter_bot?start=join_")
		if !ok {
			t.Errorf("invite link %q is not a deep link of lamplighter_bot", r[2])
			continue
		}
		inv, err := e.st.Invite(ctx, code)
		if err != nil {
			t.Errorf("Invite(%s): %v", code, err)
			continue
		}
		if inv.Member != w.id || inv.Community != "dongan" || inv.Used {
			t.Errorf("Invite(%s) = %+v, want an unused personal invite of %s", code, inv, w.id)
		}
	}
	if !strings.Contains(stderr, "imported 4 members") {
		t.Errorf("stderr = %q, want a summary", stderr)
	}

	// The personal invite registers its Telegram user as that member.
	inv, _ := e.st.Invite(ctx, strings.TrimPrefix(rows[1][2], "https://t.me/lamplighter_bot?start=join_"))
	m, err := e.st.Register(ctx, inv, ll.Member{TelegramID: 20002}, testNow)
	if err != nil || m.ID != "M2" || m.Name != "王芳" {
		t.Errorf("Register through the personal invite = %+v, %v; want M2 王芳", m, err)
	}

	// Without a bot username the links are start payloads, with a note.
	delete(e.env, "LAMPLIGHTER_BOT_USERNAME")
	file2 := writeFile(t, "more.csv", "telegram_id,name,unit,building,skills,role\n,赵丽,Bank,7栋,,\n")
	code, stdout, stderr = e.run("", "members", "import", "--community", "dongan", file2)
	if code != 0 {
		t.Fatalf("second import: exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "M5,赵丽,join_dongan-") || !strings.Contains(stderr, "LAMPLIGHTER_BOT_USERNAME") {
		t.Errorf("import without a username: stdout %q, stderr %q", stdout, stderr)
	}
}

func TestMembersImportRejectsBadFile(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.mustRun("community", "add", "--id", "dongan", "--name", "东安社区")
	file := writeFile(t, "members.csv", "telegram_id,name,unit,building,skills,role\n"+
		"10001,李秀兰,东安街道办事处,1栋,组织协调,secretary\n"+
		",王芳,第一小学,3栋,,\n"+
		"10003,张伟,区人民法院,19栋,法律咨询,chairman\n"+
		",赵丽,Bank,7栋,,\n")
	code, stdout, stderr := e.run("", "members", "import", "--community", "dongan", file)
	if code == 0 {
		t.Fatalf("members import of a file with a bad row succeeded; stdout:\n%s", stdout)
	}
	if !strings.Contains(stderr, "members.csv:4: role \"chairman\"") {
		t.Errorf("stderr = %q, want line 4 and the bad role", stderr)
	}
	if strings.Count(stderr, "members.csv:") != 2 { // the row, then the summary
		t.Errorf("stderr = %q, want exactly the one bad row reported", stderr)
	}
	if !strings.Contains(stderr, "nothing imported") || stdout != "" {
		t.Errorf("stdout %q, stderr %q; want nothing printed and 'nothing imported'", stdout, stderr)
	}
	if ms, err := e.st.Members(ctx, "dongan"); err != nil || len(ms) != 0 {
		t.Errorf("Members(dongan) = %v, %v after a refused import; want none", ms, err)
	}

	// A Telegram id that already belongs to a member is reported and nothing
	// of that file is imported.
	e.mustRun("members", "import", "--community", "dongan", writeFile(t, "one.csv", "telegram_id,name,unit,building,skills,role\n10001,李秀兰,,,,\n"))
	dup := writeFile(t, "dup.csv", "telegram_id,name,unit,building,skills,role\n,王芳,,,,\n10001,Someone,,,,\n")
	code, stdout, stderr = e.run("", "members", "import", "--community", "dongan", dup)
	if code == 0 || !strings.Contains(stderr, "dup.csv:3: telegram_id 10001 already belongs") || stdout != "" {
		t.Errorf("import of a taken Telegram id: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if ms, _ := e.st.Members(ctx, "dongan"); len(ms) != 1 {
		t.Errorf("Members(dongan) = %d members, want 1 (nothing from the refused file)", len(ms))
	}

	// Unknown community, missing file.
	if code, _, stderr := e.run("", "members", "import", "--community", "nowhere", dup); code != 1 || !strings.Contains(stderr, "not found") {
		t.Errorf("import into an unknown community: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := e.run("", "members", "import", "--community", "dongan", "/no/such.csv"); code != 1 || !strings.Contains(stderr, "/no/such.csv") {
		t.Errorf("import of a missing file: exit %d, stderr %q", code, stderr)
	}
}

func TestInvite(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.mustRun("community", "add", "--id", "dongan", "--name", "东安社区")
	out := e.mustRun("invite", "--community", "dongan", "--role", "secretary", "--bot-username", "lamplighter_bot")
	var code string
	for _, l := range strings.Split(out, "\n") {
		if c, ok := strings.CutPrefix(l, "code: "); ok {
			code = c
		}
	}
	if !strings.Contains(out, "link: https://t.me/lamplighter_bot?start=join_"+code) || !strings.Contains(out, "role: secretary") {
		t.Errorf("invite printed:\n%s", out)
	}
	inv, err := e.st.Invite(ctx, code)
	if err != nil || inv.Role != ll.RoleSecretary || inv.Community != "dongan" || inv.Member != "" || !inv.Expires.Equal(testNow.Add(7*24*time.Hour)) {
		t.Errorf("Invite(%q) = %+v, %v; want a secretary invite of dongan that expires in 7 days", code, inv, err)
	}
	log, _ := e.st.AuditLog(ctx, "dongan", 1, time.Time{})
	if len(log) != 1 || log[0].Action != "invite" || log[0].Actor != "cli" {
		t.Errorf("audit after invite = %+v", log)
	}
	if c, _, stderr := e.run("", "invite", "--community", "dongan", "--role", "admin"); c != 2 || !strings.Contains(stderr, "--role") {
		t.Errorf("invite --role admin: exit %d, stderr %q", c, stderr)
	}
}

func TestConsole(t *testing.T) {
	e := newTestEnv(t)
	code := setupDistrict(t, e)
	for _, as := range [][]string{{"--as", "dongan:M1"}, {"--as", "M1", "--community", "dongan"}, {"--as", "10001"}} {
		exit, stdout, stderr := e.run("/me\n/quit\n", append([]string{"console"}, as...)...)
		if exit != 0 || !strings.Contains(stdout, "you are now dongan:M1 李秀兰") || !strings.Contains(stdout, "M1 李秀兰\n") {
			t.Errorf("console %v: exit %d, stdout:\n%s\nstderr:\n%s", as, exit, stdout, stderr)
		}
	}
	// An unregistered Telegram user joins through the invite.
	exit, stdout, _ := e.run("/join "+code+"\n/quit\n", "console", "--as", "55555")
	if exit != 0 || !strings.Contains(stdout, "Telegram user 55555 (not registered)") || !strings.Contains(stdout, "东安社区") {
		t.Errorf("console --as 55555: exit %d, stdout:\n%s", exit, stdout)
	}
	for _, bad := range [][]string{{"--as", "M1"}, {"--as", "dongan:M9"}, {}, {"--as", "M1", "--community", "Bad!"}} {
		exit, _, stderr := e.run("", append([]string{"console"}, bad...)...)
		if exit != 2 || !strings.HasPrefix(stderr, "lamplighter: ") {
			t.Errorf("console %v: exit %d, stderr %q; want 2 and a message", bad, exit, stderr)
		}
	}
}
