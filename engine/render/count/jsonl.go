package count

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// maxJSONLLine bounds one input line; a longer line is reported as an error
// line and skipped.
const maxJSONLLine = 16 << 20

// lineError is the JSON object written for an input line that cannot be
// counted.
type lineError struct {
	Error string `json:"error"`
	Line  int    `json:"line"`
}

// RunJSONL counts a stream of texts: each input line holds one JSON string,
// and each output line the JSON Result for it, in the same order. A line
// that cannot be counted gives {"error": "...", "line": N} and the run goes
// on; blank input lines are skipped. It returns an error only for an unknown
// network, bad options, or a failure to read or write.
func RunJSONL(r io.Reader, w io.Writer, network string, opts Options) error {
	if !KnownNetwork(network) {
		_, err := Count(network, "", opts)
		return err
	}
	if err := validate("", opts); err != nil {
		return fmt.Errorf("count jsonl for %s: %w", network, err)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br)
		if err == io.EOF && len(line) == 0 && !tooLong {
			break
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("count jsonl: read line %d: %w", n, err)
		}
		var out any
		switch text, perr := parseLine(line, tooLong); {
		case perr == errBlank:
			if err == io.EOF {
				return flush(bw)
			}
			continue
		case perr != nil:
			out = lineError{Error: perr.Error(), Line: n}
		default:
			res, cerr := Count(network, text, opts)
			if cerr != nil {
				out = lineError{Error: cerr.Error(), Line: n}
			} else {
				out = res
			}
		}
		if werr := enc.Encode(out); werr != nil {
			return fmt.Errorf("count jsonl: write line %d: %w", n, werr)
		}
		if err == io.EOF {
			break
		}
	}
	return flush(bw)
}

func flush(bw *bufio.Writer) error {
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("count jsonl: write: %w", err)
	}
	return nil
}

var errBlank = fmt.Errorf("blank line")

// readLine reads one line without its end; a line longer than maxJSONLLine
// is drained and reported with tooLong.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, isPrefix, rerr := br.ReadLine()
		if !tooLong {
			line = append(line, chunk...)
			if len(line) > maxJSONLLine {
				tooLong, line = true, nil
			}
		}
		if rerr != nil {
			return line, tooLong, rerr
		}
		if !isPrefix {
			return line, tooLong, nil
		}
	}
}

// parseLine decodes one input line: a JSON string.
func parseLine(line []byte, tooLong bool) (string, error) {
	if tooLong {
		return "", fmt.Errorf("line longer than %d bytes", maxJSONLLine)
	}
	blank := true
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' {
			blank = false
			break
		}
	}
	if blank {
		return "", errBlank
	}
	var text string
	if err := json.Unmarshal(line, &text); err != nil {
		return "", fmt.Errorf("line is not a JSON string: %w", err)
	}
	return text, nil
}
