// Package report turns what clairon published into engagement figures and
// reports: it collects metric snapshots from the networks at set delays after
// publication, computes KPIs with stated formulas, and renders reports per
// month, per campaign and per post as Markdown, JSON and SVG charts, written
// beside the records on the state branch under reports/.
//
// # Collection
//
// Collector reads the state, finds the published posts whose snapshot delays
// (1h, 24h and 72h after publication unless clairon.yaml says otherwise) have
// passed, asks each account's adapter for the figures (network.MetricsReader)
// and the follower count once per account and run (network.FollowerCounter),
// and writes them in one commit, reading again and redoing the merge when
// another run wrote first. A network that gives no metrics is recorded as
// such in reports/followers/<account>.json and never shown as zeros.
//
// # Formulas
//
//	interactions     = likes + reposts + replies + quotes + bookmarks (the figures the network gives)
//	engagement rate  = interactions / impressions, when the network gives impressions above zero,
//	                   else interactions / followers at publication (the basis is always stated)
//	reach            = reach where the network gives it, else impressions; summed over posts
//	follower growth  = followers at the end − followers at the start of the period, per account
//	period rate      = mean of the rates of the period's posts
//	best post        = highest engagement rate (ties: more interactions)
//	best time        = hour of the week (local time of publication) with the highest mean rate
//	best network     = network with the highest mean rate
//
// A nil figure means the network does not give it; it is written "—" and
// left out of sums, never counted as zero. Link clicks are reported beside
// the rate, not inside it: only some networks give them.
package report
