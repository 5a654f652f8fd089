package catalog

// Messages with plural forms. en has One (n == 1) and Other; zh has Other only.

var enPlural = map[string]Form{
	"count.participation": {One: "%d participation", Other: "%d participations"},
	"count.post":          {One: "%d post", Other: "%d posts"},
	"count.member":        {One: "%d member", Other: "%d members"},
}

var zhPlural = map[string]Form{
	"count.participation": {Other: "%d 次参与"},
	"count.post":          {Other: "%d 个岗位"},
	"count.member":        {Other: "%d 名成员"},
}
