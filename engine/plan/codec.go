package plan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Encode writes the plan's JSON form, with every change's output (those the
// plan did not keep are made again as they are written, one at a time).
func (p *Plan) Encode(w io.Writer) error {
	if len(p.Changes) == 0 {
		return encodeJSON(w, p, "")
	}
	// The plan without its changes, then the changes spliced in one by one
	// where the empty list was, in the very form encoding the whole plan at
	// once gives.
	head := *p
	head.Changes = []*Change{}
	var buf bytes.Buffer
	if err := encodeJSON(&buf, &head, ""); err != nil {
		return err
	}
	const marker = "\n  \"changes\": []"
	before, after, ok := bytes.Cut(buf.Bytes(), []byte(marker))
	if !ok {
		return errors.New("encode plan: no changes field")
	}
	bw := bufio.NewWriter(w)
	bw.Write(before)
	bw.WriteString("\n  \"changes\": [")
	first := true
	// Each change is encoded with its output on every core, then written
	// in order.
	type encoded struct {
		b   []byte
		err error
	}
	err := inOrder(p.Changes, func(ch *Change) encoded {
		c := *ch
		c.Output = p.OutputOf(ch)
		var one bytes.Buffer
		err := encodeJSON(&one, &c, "    ")
		return encoded{bytes.TrimSuffix(one.Bytes(), []byte("\n")), err}
	}, func(_ *Change, e encoded) error {
		if e.err != nil {
			return e.err
		}
		if !first {
			bw.WriteString(",")
		}
		first = false
		bw.WriteString("\n    ")
		_, err := bw.Write(e.b)
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n  ]")
	bw.Write(after)
	return bw.Flush()
}

func encodeJSON(w io.Writer, v any, prefix string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Decode reads a plan's JSON form, refusing other format versions.
func Decode(r io.Reader) (*Plan, error) {
	var head struct {
		FormatVersion int `json:"format_version"`
	}
	b, err := io.ReadAll(io.LimitReader(r, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("read plan: not a clairon plan: %w", err)
	}
	if head.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("read plan: format version %d, this clairon reads %d: plan again with this version", head.FormatVersion, FormatVersion)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	return &p, nil
}
