package report

import "github.com/clairon-dev/clairon/engine/content"

// goalNames lists the campaign goals in the order reports show them.
var goalNames = []string{"engagement_rate", "reach", "impressions", "follower_growth", "clicks", "likes", "reposts", "replies", "posts"}

// GoalLabel returns the words a report names a goal with.
func GoalLabel(goal string) string {
	switch goal {
	case "engagement_rate":
		return "Engagement rate"
	case "reach":
		return "Reach"
	case "impressions":
		return "Impressions"
	case "follower_growth":
		return "Follower growth"
	case "clicks":
		return "Link clicks"
	case "likes":
		return "Likes"
	case "reposts":
		return "Reposts"
	case "replies":
		return "Replies"
	case "posts":
		return "Posts published"
	}
	return goal
}

// compareGoals compares each goal the campaign sets with the report's
// figures. A goal is met when the actual figure reaches the target; a
// figure no network gives has no actual, and the goal is neither met nor
// missed.
func compareGoals(g *content.Goals, r *Report) []GoalResult {
	if g == nil {
		return nil
	}
	t := r.Totals
	targets := map[string]*float64{
		"engagement_rate": percent(g.EngagementRate),
		"reach":           asFloat(g.Reach),
		"impressions":     asFloat(g.Impressions),
		"follower_growth": asFloat(g.FollowerGrowth),
		"clicks":          asFloat(g.Clicks),
		"likes":           asFloat(g.Likes),
		"reposts":         asFloat(g.Reposts),
		"replies":         asFloat(g.Replies),
		"posts":           asFloat(g.Posts),
	}
	actuals := map[string]*float64{
		"engagement_rate": t.Rate,
		"reach":           asFloat(t.Reach),
		"impressions":     asFloat(t.Figures.Impressions),
		"follower_growth": asFloat(t.FollowerGrowth),
		"clicks":          asFloat(t.Figures.Clicks),
		"likes":           asFloat(t.Figures.Likes),
		"reposts":         asFloat(t.Figures.Reposts),
		"replies":         asFloat(t.Figures.Replies),
		"posts":           ptr(float64(t.Posts)),
	}
	var out []GoalResult
	for _, name := range goalNames {
		target := targets[name]
		if target == nil {
			continue
		}
		res := GoalResult{Goal: name, Target: *target, Actual: actuals[name]}
		if a := res.Actual; a != nil {
			res.Met = ptr(*a >= *target)
			if *target != 0 {
				res.Progress = ptr(*a / *target)
			}
		}
		out = append(out, res)
	}
	return out
}

func asFloat(p *int64) *float64 {
	if p == nil {
		return nil
	}
	return ptr(float64(*p))
}

func percent(p *content.Percent) *float64 {
	if p == nil {
		return nil
	}
	return ptr(float64(*p))
}
