package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Numbers in reports are written the same way on every machine: thousands
// separated by commas, rates as percentages with one decimal.

// notAvailable is written for a figure the network does not give.
const notAvailable = "—"

// formatInt writes 12345 as "12,345".
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

// formatSigned writes a change: "+310", "−12", "0".
func formatSigned(n int64) string {
	if n > 0 {
		return "+" + formatInt(n)
	}
	return formatInt(n)
}

// formatRate writes a ratio as a percentage with one decimal: "4.5%".
func formatRate(r float64) string {
	v := math.Round(r*1000) / 10
	if v == 0 {
		v = 0 // no "-0.0%"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + "%"
}

// FormatGoal writes a goal's target or actual value as its kind asks.
func FormatGoal(goal string, v float64) string {
	switch goal {
	case "engagement_rate":
		return formatRate(v)
	case "follower_growth":
		return formatSigned(int64(math.Round(v)))
	}
	return formatInt(int64(math.Round(v)))
}

func optInt(p *int64) string {
	if p == nil {
		return notAvailable
	}
	return formatInt(*p)
}

func optSigned(p *int64) string {
	if p == nil {
		return notAvailable
	}
	return formatSigned(*p)
}

func optRate(p *float64) string {
	if p == nil {
		return notAvailable
	}
	return formatRate(*p)
}

// cell makes text safe in a Markdown table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}

// linkText makes text safe as a Markdown link's text.
func linkText(s string) string {
	return strings.NewReplacer("[", `\[`, "]", `\]`).Replace(cell(s))
}

// mdLink writes [text](url), or the text alone without a URL.
func mdLink(text, url string) string {
	if url == "" {
		return cell(text)
	}
	return "[" + linkText(text) + "](" + strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29").Replace(url) + ")"
}

func hourRange(h int) string { return fmt.Sprintf("%02d:00–%02d:00", h, (h+1)%24) }

func formatDate(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return notAvailable
	}
	return t.In(loc).Format("2006-01-02")
}

func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return notAvailable
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func longDate(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 January 2006")
}
