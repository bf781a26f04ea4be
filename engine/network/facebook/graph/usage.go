package graph

import (
	"encoding/json"
	"net/http"
	"time"
)

// Usage is what the rate-limit headers of one reply say. Meta sends
//
//	X-App-Usage:               {"call_count":28,"total_time":25,"total_cputime":25}
//	X-Page-Usage:              {"call_count":100,"total_time":10,"total_cputime":5,"estimated_time_to_regain_access":3}
//	X-Business-Use-Case-Usage: {"<id>":[{"type":"pages","call_count":100,"total_cputime":5,
//	                            "total_time":10,"estimated_time_to_regain_access":3}]}
//
// as percentages of the allowed volume, and minutes until access returns.
type Usage struct {
	// Percent is the highest call_count, total_time or total_cputime seen.
	Percent int
	// RegainMinutes is the highest estimated_time_to_regain_access seen.
	RegainMinutes int
}

// IsZero reports whether no usage header was present.
func (u Usage) IsZero() bool { return u == Usage{} }

// RegainAfter is how long Meta says to wait before calling again.
func (u Usage) RegainAfter() time.Duration { return time.Duration(u.RegainMinutes) * time.Minute }

// usageEntry is one object of the usage headers.
type usageEntry struct {
	CallCount    int `json:"call_count"`
	TotalTime    int `json:"total_time"`
	TotalCPUTime int `json:"total_cputime"`
	Regain       int `json:"estimated_time_to_regain_access"`
}

func (u *Usage) add(e usageEntry) {
	u.Percent = max(u.Percent, e.CallCount, e.TotalTime, e.TotalCPUTime)
	u.RegainMinutes = max(u.RegainMinutes, e.Regain)
}

// ParseUsage reads the usage headers; malformed ones are ignored, since they
// only inform pacing.
func ParseUsage(h http.Header) Usage {
	var u Usage
	for _, name := range []string{"X-App-Usage", "X-Page-Usage", "X-Ad-Account-Usage"} {
		if v := h.Get(name); v != "" {
			var e usageEntry
			if json.Unmarshal([]byte(v), &e) == nil {
				u.add(e)
			}
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var buc map[string][]usageEntry
		if json.Unmarshal([]byte(v), &buc) == nil {
			for _, entries := range buc {
				for _, e := range entries {
					u.add(e)
				}
			}
		}
	}
	return u
}
