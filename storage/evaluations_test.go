package storage_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestGradeVersions: a grade changed while it was being sent keeps its
// newer version unsent; an unknown member cannot be graded; the audit
// entry comes with the change only.
func TestGradeVersions(t *testing.T) {
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 2)
	g := ll.Grade{Community: "dongan", MemberID: ms[0].ID, Year: 2026, Value: ll.GradeGood, By: "M1", At: t0}
	got, changed, err := s.SetGrade(ctx, g, &ll.AuditEntry{Actor: "M1", Action: "grade"})
	if err != nil || !changed || got.Version != 1 || !got.Unsent() {
		t.Fatalf("SetGrade = %+v, %v, %v", got, changed, err)
	}
	if _, changed, _ := s.SetGrade(ctx, g, &ll.AuditEntry{Actor: "M1", Action: "grade"}); changed {
		t.Error("the same grade again changed it")
	}
	g.Value, g.Comment = ll.GradeExcellent, "小区路灯全亮了"
	if got, _, _ = s.SetGrade(ctx, g, &ll.AuditEntry{Actor: "M1", Action: "grade"}); got.Version != 2 || got.Comment != "小区路灯全亮了" {
		t.Fatalf("changed grade = %+v", got)
	}
	// A send that read version 1 marks nothing: version 2 stays unsent.
	if n, err := s.MarkGradesSent(ctx, "dongan", 2026, map[string]int{ms[0].ID: 1}, t0, nil); err != nil || n != 0 {
		t.Fatalf("MarkGradesSent(v1) = %d, %v; want 0", n, err)
	}
	if n, _ := s.MarkGradesSent(ctx, "dongan", 2026, map[string]int{ms[0].ID: 2}, t0.Add(time.Hour), nil); n != 1 {
		t.Fatalf("MarkGradesSent(v2) = %d, want 1", n)
	}
	all, err := s.Grades(ctx, "dongan", 2026)
	if err != nil || len(all) != 1 || all[ms[0].ID].SentVersion != 2 || all[ms[0].ID].Unsent() || !all[ms[0].ID].Sent.Equal(t0.Add(time.Hour)) {
		t.Fatalf("Grades = %+v, %v", all, err)
	}
	log, _ := s.AuditLog(ctx, "dongan", 10, time.Time{})
	if len(log) != 2 {
		t.Errorf("%d audit entries, want 2 (the unchanged grade writes none)", len(log))
	}
	_, _, err = s.SetGrade(ctx, ll.Grade{Community: "dongan", MemberID: "M99", Year: 2026, Value: ll.GradeGood, At: t0}, nil)
	wantCode(t, "grade of an unknown member", err, ll.ENOTFOUND)
	if _, ok, _ := s.Grade(ctx, "dongan", ms[1].ID, 2026); ok {
		t.Error("an ungraded member has a grade")
	}
}
