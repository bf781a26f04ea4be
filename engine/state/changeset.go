package state

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Changeset is one write's worth of changes: records put or removed, files
// put or removed, and the message that explains them. Stores write only what
// a changeset names, so a write costs the size of the change, not of the state.
//
// A later call about the same record or file replaces an earlier one.
type Changeset struct {
	Message Message

	records map[Address]*Record // nil: remove
	files   map[string]fileChange
}

type fileChange struct {
	data   []byte
	remove bool
}

// File is a file put by a changeset.
type File struct {
	Path string
	Data []byte
}

// NewChangeset returns an empty changeset with a message.
func NewChangeset(m Message) *Changeset { return &Changeset{Message: m} }

// Put writes a copy of r at r.Address.
func (c *Changeset) Put(r *Record) {
	if c.records == nil {
		c.records = map[Address]*Record{}
	}
	c.records[r.Address] = r.Clone()
}

// Remove deletes the record at a. Removing an absent record does nothing.
func (c *Changeset) Remove(a Address) {
	if c.records == nil {
		c.records = map[Address]*Record{}
	}
	c.records[a] = nil
}

// PutFile writes a copy of data at path.
func (c *Changeset) PutFile(path string, data []byte) {
	if c.files == nil {
		c.files = map[string]fileChange{}
	}
	if data == nil {
		data = []byte{}
	}
	c.files[path] = fileChange{data: bytes.Clone(data)}
}

// RemoveFile deletes the file at path. Removing an absent file does nothing.
func (c *Changeset) RemoveFile(path string) {
	if c.files == nil {
		c.files = map[string]fileChange{}
	}
	c.files[path] = fileChange{remove: true}
}

// Len returns the number of records and files the changeset touches.
func (c *Changeset) Len() int { return len(c.records) + len(c.files) }

// Lookup returns the change the changeset holds for a: the record it puts,
// or removed true, or ok false when it does not touch a.
func (c *Changeset) Lookup(a Address) (r *Record, removed, ok bool) {
	r, ok = c.records[a]
	return r, ok && r == nil, ok
}

// Current returns the record at a as it will be once c is written on st:
// the changeset's version when it has one, else st's. The result must not be
// modified; Clone it first.
func (c *Changeset) Current(st *State, a Address) *Record {
	if r, ok := c.records[a]; ok {
		return r
	}
	return st.Records[a]
}

// Records returns the records put, sorted by address. They must not be modified.
func (c *Changeset) Records() []*Record {
	var out []*Record
	for _, r := range c.records {
		if r != nil {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *Record) int { return a.Address.Compare(b.Address) })
	return out
}

// Removed returns the addresses removed, sorted.
func (c *Changeset) Removed() []Address {
	var out []Address
	for a, r := range c.records {
		if r == nil {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, Address.Compare)
	return out
}

// Files returns the files put, sorted by path. Their data must not be modified.
func (c *Changeset) Files() []File {
	var out []File
	for _, p := range slices.Sorted(maps.Keys(c.files)) {
		if f := c.files[p]; !f.remove {
			out = append(out, File{Path: p, Data: f.data})
		}
	}
	return out
}

// RemovedFiles returns the paths of the files removed, sorted.
func (c *Changeset) RemovedFiles() []string {
	var out []string
	for _, p := range slices.Sorted(maps.Keys(c.files)) {
		if c.files[p].remove {
			out = append(out, p)
		}
	}
	return out
}

// Validate checks every record and path, and that there is something to write.
// Stores call it before writing anything.
func (c *Changeset) Validate() error {
	if c == nil || c.Len() == 0 {
		return errors.New("empty changeset: nothing to write")
	}
	if err := c.Message.Validate(); err != nil {
		return err
	}
	var errs []error
	for a, r := range c.records {
		if err := a.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("address %q: %w", a.String(), err))
			continue
		}
		if r != nil {
			if err := r.Validate(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for p := range c.files {
		if err := CheckFilePath(p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Message explains a write. Stores turn it into a commit message:
//
//	clairon: claim 3 posts for run 2026-11-23T09:00:00Z-4f2a
//
//	Optional body.
//
//	Clairon-Serial: 12
//	Clairon-Lineage: 0b7c…
//	Clairon-Run: 2026-11-23T09:00:00Z-4f2a
type Message struct {
	// Subject is one line, without the "clairon: " prefix.
	Subject string
	// Body is optional free text.
	Body string
	// Run is the id of the run making the write, if any.
	Run string
}

// Trailer keys of commit messages.
const (
	TrailerSerial  = "Clairon-Serial"
	TrailerLineage = "Clairon-Lineage"
	TrailerRun     = "Clairon-Run"
)

// Validate checks that the message fits in a commit message as promised.
func (m Message) Validate() error {
	if strings.ContainsAny(m.Subject, "\r\n") {
		return errors.New("message subject spans several lines")
	}
	if m.Run != "" {
		if err := checkRun(m.Run); err != nil {
			return fmt.Errorf("message: %w", err)
		}
	}
	return nil
}

// Text renders the commit message for a write that makes serial in lineage.
func (m Message) Text(lineage string, serial int64) string {
	var b strings.Builder
	subject := strings.TrimSpace(m.Subject)
	if subject == "" {
		subject = "update state"
	}
	b.WriteString("clairon: " + subject + "\n")
	if body := strings.TrimSpace(m.Body); body != "" {
		b.WriteString("\n" + body + "\n")
	}
	b.WriteString("\n" + TrailerSerial + ": " + strconv.FormatInt(serial, 10) + "\n")
	b.WriteString(TrailerLineage + ": " + lineage + "\n")
	if m.Run != "" {
		b.WriteString(TrailerRun + ": " + m.Run + "\n")
	}
	return b.String()
}

// Trailers returns the "Key: value" lines of a commit message's last
// paragraph, as Text writes them.
func Trailers(text string) map[string]string {
	paras := strings.Split(strings.TrimRight(text, "\n"), "\n\n")
	out := map[string]string{}
	for line := range strings.Lines(paras[len(paras)-1]) {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\n"), ": ")
		if !ok || strings.ContainsAny(k, " \t") {
			return map[string]string{}
		}
		out[k] = v
	}
	return out
}

// plural returns "1 post" or "3 posts".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// checkRun validates a run id: it lands in commit trailers and records.
func checkRun(run string) error {
	switch {
	case run == "":
		return errors.New("empty run id")
	case len(run) > 200:
		return errors.New("run id longer than 200 bytes")
	case strings.IndexFunc(run, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
		return fmt.Errorf("run id %q contains a space or control character", run)
	}
	return checkText(run)
}
