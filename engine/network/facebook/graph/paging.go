package graph

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// List is a page of a Graph edge:
//
//	{"data":[…],"paging":{"cursors":{"before":"…","after":"…"},"next":"https://…"}}
type List[T any] struct {
	Data   []T    `json:"data"`
	Paging Paging `json:"paging"`
}

// Paging holds a list's cursors. Next is set only when another page exists.
type Paging struct {
	Cursors struct {
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"cursors"`
	Next string `json:"next"`
}

// More reports whether another page follows.
func (p Paging) More() bool { return p.Next != "" && p.Cursors.After != "" }

// Each walks an edge page by page, following the "after" cursor (never the
// "next" URL, so that a reply cannot redirect the token to another host), and
// calls fn for each item until fn returns false, the edge ends, or maxPages
// pages were read. It reports whether the edge was read to its end.
func Each[T any](ctx context.Context, c *Client, op, path string, q url.Values, maxPages int, fn func(T) bool) (complete bool, err error) {
	q = cloneValues(q)
	for page := 0; page < maxPages; page++ {
		var l List[T]
		if err := c.Do(ctx, Call{Op: op, Method: "GET", Path: path, Query: q}, &l); err != nil {
			return false, err
		}
		for _, item := range l.Data {
			if !fn(item) {
				return false, nil
			}
		}
		if !l.Paging.More() {
			return true, nil
		}
		q.Set("after", l.Paging.Cursors.After)
	}
	return false, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Time is a Graph timestamp such as "2026-03-01T09:30:00+0000".
type Time struct{ time.Time }

// graphLayouts are the forms Graph uses for times.
var graphLayouts = []string{"2006-01-02T15:04:05-0700", time.RFC3339Nano}

// UnmarshalJSON accepts Graph's "+0000" offsets and RFC 3339.
func (t *Time) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		t.Time = time.Time{}
		return nil
	}
	var err error
	for _, layout := range graphLayouts {
		var v time.Time
		if v, err = time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return err
}

// FormatTime writes t the way Graph does.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-0700") }
