package templates

import _ "embed"

// CalendarPage is the html/template of the static calendar page that
// `clairon calendar --format html` writes (engine/calendar fills it).
//
//go:embed calendar/page.html
var CalendarPage string
