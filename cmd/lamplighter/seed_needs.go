package main

import (
	"context"
	"fmt"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
)

// demoResidentTG is the demo's resident: no member anywhere, who asked
// dongan for help twice (SPEC section 10).
const demoResidentTG = 99998

// seedDemoNeeds gives dongan two needs of the demo resident: N1 new (for
// /needs and /publish) and N2 published to the electricians, wanting one
// helper (for the take: /as M5, then /take N2 or the button of /publish).
func seedDemoNeeds(ctx context.Context, st *storage.Store, now time.Time) error {
	needs := []struct {
		text    string
		skills  []string
		publish bool
	}{
		{"3栋2单元楼道灯坏了一个星期，晚上老人上下楼看不见。", nil, false},
		{"19栋门口路灯不亮，能帮忙看看线路吗？", []string{"电工"}, true},
	}
	for i, n := range needs {
		got, _, err := st.CreateNeed(ctx, ll.Need{Community: demoCommunity, Text: n.text, AskerID: demoResidentTG, AskerLang: "zh", Created: now},
			fmt.Sprintf("demo%d", i+1))
		if err != nil {
			return fmt.Errorf("seed need %d: %w", i+1, err)
		}
		if !n.publish {
			continue
		}
		got.Skills, got.Helpers = n.skills, 1
		got.Due = now.AddDate(0, 0, ll.DefaultNeedDueDays)
		if _, _, err := st.PublishNeed(ctx, got, false, 0, now, &ll.AuditEntry{Actor: "M1", Action: "need_publish", Detail: "skill:电工"}); err != nil {
			return fmt.Errorf("seed publishing %s: %w", got.ID, err)
		}
	}
	return nil
}
