// Package diag collects problems found in user content: each one has a severity,
// a stable code, a file:line:col position and a hint. Checks append to a List and
// keep going, so one run reports every problem at once.
package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity says whether a diagnostic blocks publication.
type Severity int

const (
	// Error blocks validation and publication.
	Error Severity = iota
	// Warning is reported but only fails under --strict.
	Warning
	// Info is advice.
	Info
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "info"
	}
}

// MarshalText renders the severity as its lowercase name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = Error
	case "warning":
		*s = Warning
	case "info":
		*s = Info
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// Pos is a position in a file of the content repository. Line and Col are
// 1-based; Col counts bytes, like Go's compiler. A zero Line means the whole file.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Diagnostic is one problem found in the content.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Pos      Pos      `json:"pos"`
	// Code is a stable identifier such as "schema" or "ref-unknown", for filtering.
	Code    string `json:"code"`
	Message string `json:"message"`
	// Hint tells the user how to fix the problem; may be empty.
	Hint string `json:"hint,omitempty"`
}

func (d Diagnostic) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %s", d.Pos, d.Severity, d.Message)
	if d.Code != "" {
		fmt.Fprintf(&b, " [%s]", d.Code)
	}
	if d.Hint != "" {
		fmt.Fprintf(&b, " (hint: %s)", d.Hint)
	}
	return b.String()
}

// List is an ordered collection of diagnostics.
type List []Diagnostic

// Errorf appends an error.
func (l *List) Errorf(pos Pos, code, hint, format string, args ...any) {
	*l = append(*l, Diagnostic{Severity: Error, Pos: pos, Code: code, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// Warnf appends a warning.
func (l *List) Warnf(pos Pos, code, hint, format string, args ...any) {
	*l = append(*l, Diagnostic{Severity: Warning, Pos: pos, Code: code, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// Add appends diagnostics.
func (l *List) Add(ds ...Diagnostic) { *l = append(*l, ds...) }

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	return slices.ContainsFunc(l, func(d Diagnostic) bool { return d.Severity == Error })
}

// Count returns the number of diagnostics of a severity.
func (l List) Count(s Severity) int {
	n := 0
	for _, d := range l {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Sort orders diagnostics by file, line, column, then code and message, and
// removes exact duplicates, so output is deterministic whatever order checks ran in.
func (l List) Sort() List {
	slices.SortStableFunc(l, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return slices.Compact(l)
}
