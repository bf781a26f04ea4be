package report

// The KPI formulas. Every function treats a nil figure as "not given by the
// network": it is left out of sums, and a result built only from nil
// figures is nil.

// Interactions returns likes + reposts + replies + quotes + bookmarks, over
// the figures the network gives; nil when it gives none of them. Link clicks
// are not interactions here: few networks give them, and those that do
// count them differently, so they would make rates incomparable.
func Interactions(f Figures) *int64 {
	return sum(f.Likes, f.Reposts, f.Replies, f.Quotes, f.Bookmarks)
}

// Reach returns the figure a publication's reach is counted by: the
// network's reach (unique people) where it gives one, else its impressions;
// nil when it gives neither.
func Reach(f Figures) *int64 {
	if f.Reach != nil {
		return clone(f.Reach)
	}
	return clone(f.Impressions)
}

// Rate returns a publication's engagement rate, the basis it was divided by
// and the divisor: interactions / impressions when the network gives
// impressions above zero, else interactions / followers (the account's
// count at publication) when known and above zero. It returns nil when the
// network gives no interaction figure or neither divisor is known.
func Rate(f Figures, followers *int64) (*float64, Basis, *int64) {
	n := Interactions(f)
	if n == nil {
		return nil, "", nil
	}
	switch {
	case f.Impressions != nil && *f.Impressions > 0:
		return ptr(float64(*n) / float64(*f.Impressions)), ByImpressions, clone(f.Impressions)
	case followers != nil && *followers > 0:
		return ptr(float64(*n) / float64(*followers)), ByFollowers, clone(followers)
	}
	return nil, "", nil
}

// Mean returns the mean of xs, nil when xs is empty.
func Mean(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return ptr(t / float64(len(xs)))
}

// sum adds the given values; nil when all are nil.
func sum(vs ...*int64) *int64 {
	var out *int64
	for _, v := range vs {
		out = add(out, v)
	}
	return out
}

// add returns a + b where nil is "not given": nil + nil is nil, nil + b is b.
func add(a, b *int64) *int64 {
	switch {
	case a == nil:
		return clone(b)
	case b == nil:
		return clone(a)
	}
	return ptr(*a + *b)
}

// addFigures adds b into a, figure by figure.
func addFigures(a *Figures, b Figures) {
	a.Impressions = add(a.Impressions, b.Impressions)
	a.Reach = add(a.Reach, b.Reach)
	a.Likes = add(a.Likes, b.Likes)
	a.Reposts = add(a.Reposts, b.Reposts)
	a.Replies = add(a.Replies, b.Replies)
	a.Quotes = add(a.Quotes, b.Quotes)
	a.Bookmarks = add(a.Bookmarks, b.Bookmarks)
	a.Clicks = add(a.Clicks, b.Clicks)
}
