package plan

import (
	"encoding/json"
	"fmt"
	"io"
)

// Encode writes the plan's JSON form.
func (p *Plan) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
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
