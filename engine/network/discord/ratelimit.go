package discord

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter remembers, per route, the rate-limit bucket Discord reported in
// its X-RateLimit-* headers, so that a request is not sent into a bucket
// known to be empty: Discord bans clients that keep hitting 429s.
//
// An empty bucket is reported once, as a RateLimited error carrying the wait;
// the next request goes out whatever the clock says, so a caller whose clock
// does not move (a test) is never stuck.
type limiter struct {
	mu      sync.Mutex
	routes  map[string]string // route -> bucket id
	buckets map[string]bucket
}

type bucket struct {
	remaining int
	reset     time.Time
}

// wait returns how long to wait before sending on route, 0 to send now.
func (l *limiter) wait(route string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	id, ok := l.routes[route]
	if !ok {
		return 0
	}
	b, ok := l.buckets[id]
	if !ok || b.remaining > 0 {
		return 0
	}
	delete(l.buckets, id)
	if !now.Before(b.reset) {
		return 0
	}
	return b.reset.Sub(now)
}

// update records the bucket state a reply announced.
func (l *limiter) update(route string, h http.Header, now time.Time) {
	remaining, err := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err != nil {
		return
	}
	after, err := strconv.ParseFloat(h.Get("X-RateLimit-Reset-After"), 64)
	if err != nil {
		return
	}
	id := h.Get("X-RateLimit-Bucket")
	if id == "" {
		id = route
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.routes == nil {
		l.routes = map[string]string{}
		l.buckets = map[string]bucket{}
	}
	l.routes[route] = id
	l.buckets[id] = bucket{remaining: remaining, reset: now.Add(seconds(after))}
}
