package templates

import "embed"

// Report holds the text/templates of the Markdown reports (report/*.md.tmpl:
// a month, a campaign, a post, and the index of reports) that engine/report
// fills and `clairon report` commits on the state branch.
//
//go:embed report/*.md.tmpl
var Report embed.FS
