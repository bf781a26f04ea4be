package templates

import _ "embed"

// ContestWinners is the text/template of the winners' announcement draft
// that `clairon contest draw` writes (engine/contest fills it).
//
//go:embed contest/winners.md.tmpl
var ContestWinners string
