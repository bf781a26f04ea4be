package diag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Source returns a file's content for excerpts, or nil.
type Source func(file string) []byte

// Style colours text output; the zero value prints plain text.
type Style struct {
	Color bool
}

func (s Style) paint(code, text string) string {
	if !s.Color {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// noExcerpt lists codes whose source line must not be shown: the line holds
// a secret written by mistake.
var noExcerpt = map[string]bool{"secret-literal": true}

// WriteText prints diagnostics like a compiler: position, severity, message,
// the source line with a caret under the column, and the hint.
func WriteText(w io.Writer, l List, src Source, st Style) error {
	for _, d := range l {
		sev := d.Severity.String()
		switch d.Severity {
		case Error:
			sev = st.paint("1;31", sev)
		case Warning:
			sev = st.paint("1;33", sev)
		}
		if _, err := fmt.Fprintf(w, "%s: %s: %s", st.paint("1", d.Pos.String()), sev, d.Message); err != nil {
			return err
		}
		if d.Code != "" {
			fmt.Fprintf(w, " %s", st.paint("2", "["+d.Code+"]"))
		}
		fmt.Fprintln(w)
		if src != nil && d.Pos.Line > 0 && !noExcerpt[d.Code] {
			if line, ok := sourceLine(src(d.Pos.File), d.Pos.Line); ok {
				fmt.Fprintf(w, "  %5d | %s\n", d.Pos.Line, line)
				if d.Pos.Col > 0 {
					fmt.Fprintf(w, "        | %s%s\n", caretPad(line, d.Pos.Col), st.paint("1;32", "^"))
				}
			}
		}
		if d.Hint != "" {
			fmt.Fprintf(w, "        = hint: %s\n", d.Hint)
		}
	}
	return nil
}

// sourceLine returns line n (1-based) of b without its line ending; tabs
// become spaces so the caret lines up.
func sourceLine(b []byte, n int) (string, bool) {
	if b == nil {
		return "", false
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(b, '\n')
		if j < 0 {
			return "", false
		}
		b = b[j+1:]
	}
	if j := bytes.IndexByte(b, '\n'); j >= 0 {
		b = b[:j]
	}
	b = bytes.TrimRight(b, "\r")
	if !utf8.Valid(b) {
		return "", false
	}
	return strings.ReplaceAll(string(b), "\t", " "), true
}

// caretPad returns the spaces that put a caret under byte column col.
func caretPad(line string, col int) string {
	if col-1 > len(line) {
		col = len(line) + 1
	}
	return strings.Repeat(" ", utf8.RuneCountInString(line[:col-1]))
}

// Summary is the last line of text output: "2 errors, 1 warning".
func Summary(l List) string {
	plural := func(n int, w string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, w)
		}
		return fmt.Sprintf("%d %ss", n, w)
	}
	return plural(l.Count(Error), "error") + ", " + plural(l.Count(Warning), "warning")
}

// Report is the stable JSON shape of `--format json` for diagnostics.
type Report struct {
	// Version of this JSON shape.
	Version     int          `json:"version"`
	Valid       bool         `json:"valid"`
	Errors      int          `json:"errors"`
	Warnings    int          `json:"warnings"`
	Diagnostics []Diagnostic `json:"diagnostics"`
}

// WriteJSON prints diagnostics as a Report.
func WriteJSON(w io.Writer, l List, strict bool) error {
	r := Report{Version: 1, Errors: l.Count(Error), Warnings: l.Count(Warning), Diagnostics: l}
	r.Valid = r.Errors == 0 && (!strict || r.Warnings == 0)
	if r.Diagnostics == nil {
		r.Diagnostics = List{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
