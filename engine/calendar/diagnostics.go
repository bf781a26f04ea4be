package calendar

import (
	"fmt"
	"time"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
)

// CoverageWindow is how far ahead validation and plans look for empty slots.
const CoverageWindow = 14 * 24 * time.Hour

// Diagnostics turns conflicts into warnings at their posts' files, and the
// empty slots of the next CoverageWindow after now into notes at their
// calendar's file, for validate and plan.
func Diagnostics(cals []*Calendar, items []Item, conflicts []Conflict, now time.Time, posts map[string]*content.Document) diag.List {
	var ds diag.List
	for _, c := range conflicts {
		pos := diag.Pos{File: c.Items[len(c.Items)-1].Path}
		if d := posts[c.Items[len(c.Items)-1].Post]; d != nil {
			pos = d.PosOf("at")
		}
		ds.Warnf(pos, "calendar-"+c.Kind, "move the post, or change the calendar's policy", "%s", c.Message)
	}
	for _, c := range cals {
		empty := 0
		var first time.Time
		for _, s := range c.Coverage(items, now, now.Add(CoverageWindow)) {
			if s.Empty() {
				if empty == 0 {
					first = s.At
				}
				empty++
			}
		}
		if empty > 0 {
			ds.Add(diag.Diagnostic{Severity: diag.Info, Pos: c.Doc.Pos(), Code: "calendar-empty",
				Message: fmt.Sprintf("calendar %s has %d empty slots in the next %d days, the first %s", c.ID, empty, int(CoverageWindow.Hours()/24), first.In(c.Loc).Format("Mon 2 Jan 15:04")),
				Hint:    "write posts with at: next-slot and calendar: " + c.ID + ", or see `clairon calendar`"})
		}
	}
	return ds
}
