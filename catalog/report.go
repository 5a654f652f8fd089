package catalog

// The words drawn on the year's chart (package report): its title, the date
// the figures stand at, the headings, the month labels, the bars' labels and
// the footer with the community's minimums. Plain text, drawn as is.

var enChart = map[string]string{
	"chart.title":      "%s: volunteer service in %d", // community name, year
	"chart.as_of":      "as of %s",                    // date, YYYY-MM-DD
	"chart.full_year":  "full year",
	"chart.by_month":   "Participations by month",
	"chart.compliance": "Compliance",
	"chart.compliant":  "Compliant",
	"chart.below":      "Not compliant",
	// The footer's parts are chart.minimum_participations,
	// chart.minimum_posts and chart.members.
	"chart.footer": "Minimum: %s and %s a year · %s",

	"chart.month.1":  "Jan",
	"chart.month.2":  "Feb",
	"chart.month.3":  "Mar",
	"chart.month.4":  "Apr",
	"chart.month.5":  "May",
	"chart.month.6":  "Jun",
	"chart.month.7":  "Jul",
	"chart.month.8":  "Aug",
	"chart.month.9":  "Sep",
	"chart.month.10": "Oct",
	"chart.month.11": "Nov",
	"chart.month.12": "Dec",
}

var zhChart = map[string]string{
	"chart.title":      "%s %d 年志愿服务",
	"chart.as_of":      "截至 %s",
	"chart.full_year":  "全年",
	"chart.by_month":   "每月参与次数",
	"chart.compliance": "成员达标情况",
	"chart.compliant":  "达标",
	"chart.below":      "未达标",
	"chart.footer":     "最低要求：%s，%s · %s",

	"chart.month.1":  "1月",
	"chart.month.2":  "2月",
	"chart.month.3":  "3月",
	"chart.month.4":  "4月",
	"chart.month.5":  "5月",
	"chart.month.6":  "6月",
	"chart.month.7":  "7月",
	"chart.month.8":  "8月",
	"chart.month.9":  "9月",
	"chart.month.10": "10月",
	"chart.month.11": "11月",
	"chart.month.12": "12月",
}

// The footer's counts: the minimum participations and posts a year, and the
// members the figures cover.

var enChartPlural = map[string]Form{
	"chart.minimum_participations": {One: "%d participation", Other: "%d participations"},
	"chart.minimum_posts":          {One: "%d post", Other: "%d posts"},
	"chart.members":                {One: "%d member", Other: "%d members"},
}

var zhChartPlural = map[string]Form{
	"chart.minimum_participations": {Other: "每年参与 %d 次"},
	"chart.minimum_posts":          {Other: "认领岗位 %d 个"},
	"chart.members":                {Other: "成员 %d 人"},
}
