package schedule

import (
	"errors"
	"testing"
	"time"
)

func TestStatusLine(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, paris)
	next := Wake{At: time.Date(2026, 12, 1, 10, 0, 0, 0, paris), What: "post noel/annonce@brulerie-mastodon"}
	tests := []struct {
		name string
		res  Result
		err  error
		next Wake
		want string
	}{
		{"published", Result{Run: "20261201T080000Z-ab12cd34", Published: 2, Location: paris}, nil, next,
			"run 20261201T080000Z-ab12cd34: 2 published, 0 failed; next wake-up Tue 1 Dec 10:00 CET (post noel/annonce@brulerie-mastodon)"},
		{"every outcome", Result{Run: "r", Published: 1, Updated: 2, Deleted: 3, Moved: 4, Failed: 5, Unconfirmed: 6, Skipped: 7}, nil, Wake{},
			"run r: 1 published, 2 updated, 3 deleted, 4 moved, 5 failed, 6 unconfirmed, 7 left to another run; nothing scheduled"},
		{"error", Result{Location: paris}, errors.New("read state:\n  fetch failed"), next,
			"run: failed: read state: fetch failed; next wake-up Tue 1 Dec 10:00 CET (post noel/annonce@brulerie-mastodon)"},
		{"note", Result{Run: "r", Note: "stopping: nothing new claimed", Location: paris}, nil, Wake{},
			"run r: stopping: nothing new claimed; nothing scheduled"},
		{"seconds and year", Result{Location: paris}, nil, Wake{At: time.Date(2027, 3, 28, 3, 0, 5, 0, paris), What: "job reports"},
			"run: 0 published, 0 failed; next wake-up Sun 28 Mar 2027 03:00:05 CEST (job reports)"},
		{"no zone is UTC", Result{}, nil, next,
			"run: 0 published, 0 failed; next wake-up Tue 1 Dec 09:00 UTC (post noel/annonce@brulerie-mastodon)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := StatusLine(tc.res, tc.err, tc.next, now); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
