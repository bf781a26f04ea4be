package sandbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/atomicfile"
	"github.com/clairon-dev/clairon/engine/network"
)

// Outbox file names.
const (
	// JournalFile lists every write that took effect, one JSON line each.
	JournalFile = "journal.jsonl"
	// FaultsFile queues failures to rehearse, one per line (see Fault).
	FaultsFile = "faults"
)

// Message is one message as the sandbox wrote it to <outbox>/<key>.json:
// exactly what the adapter would send, with the sandbox's own id and times.
type Message struct {
	// Network is the emulated network ("sandbox" when none), Account the
	// account's name.
	Network string `json:"network"`
	Account string `json:"account"`
	ID      string `json:"id"`
	URL     string `json:"url"`
	// Seq orders messages by creation.
	Seq            int              `json:"seq"`
	Key            string           `json:"key"`
	Address        string           `json:"address,omitempty"`
	Title          string           `json:"title,omitempty"`
	Text           string           `json:"text"`
	Markdown       string           `json:"markdown,omitempty"`
	Entities       []network.Entity `json:"entities,omitempty"`
	Language       string           `json:"language,omitempty"`
	ContentWarning string           `json:"content_warning,omitempty"`
	Media          []MediaFile      `json:"media,omitempty"`
	Poll           *network.Poll    `json:"poll,omitempty"`
	ReplyTo        *network.Ref     `json:"reply_to,omitempty"`
	Root           *network.Ref     `json:"root,omitempty"`
	// CreatedAt is the post's time; PublishedAt and EditedAt are the
	// sandbox clock's.
	CreatedAt   time.Time  `json:"created_at"`
	PublishedAt time.Time  `json:"published_at"`
	EditedAt    *time.Time `json:"edited_at,omitempty"`
}

// MediaFile is an attachment, copied beside the message as File.
type MediaFile struct {
	File   string      `json:"file"`
	Name   string      `json:"name"`
	MIME   string      `json:"mime"`
	Bytes  int         `json:"bytes"`
	Digest string      `json:"digest"`
	Alt    string      `json:"alt,omitempty"`
	Focus  *[2]float64 `json:"focus,omitempty"`
	Width  int         `json:"width,omitempty"`
	Height int         `json:"height,omitempty"`
}

// Entry is one line of the journal.
type Entry struct {
	Seq int       `json:"seq"`
	Op  string    `json:"op"` // publish, edit or delete
	Key string    `json:"key"`
	ID  string    `json:"id"`
	At  time.Time `json:"at"`
}

// validKey is what a key must look like to name a file.
var validKey = regexp.MustCompile(`^[0-9A-Za-z_-]{1,128}$`)

func messagePath(dir, key string) string { return filepath.Join(dir, key+".json") }

// ReadMessages returns the messages in an outbox, in creation order.
func ReadMessages(dir string) ([]Message, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Message
	for _, f := range files {
		m, err := readMessage(f)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}

func readMessage(path string) (Message, error) {
	var m Message
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	return m, nil
}

// ReadJournal returns the journal's entries in order.
func ReadJournal(dir string) ([]Entry, error) {
	f, err := os.Open(filepath.Join(dir, JournalFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("read journal: %w", err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// appendJournal adds one entry.
func appendJournal(dir string, e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, JournalFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeMessage(dir string, m *Message) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(messagePath(dir, m.Key), append(b, '\n'))
}

// mediaName is the file an attachment is copied to: <key>-<n>-<name>.
func mediaName(key string, i int, name string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, filepath.Base(name))
	if clean == "" || clean == "." || clean == ".." {
		clean = "media"
	}
	return fmt.Sprintf("%s-%d-%s", key, i+1, clean)
}

// writeMedia copies the attachments beside the message and describes them.
func writeMedia(dir, key string, media []network.Media) ([]MediaFile, error) {
	var out []MediaFile
	for i, m := range media {
		name := mediaName(key, i, m.Name)
		if err := atomicfile.Write(filepath.Join(dir, name), m.Data); err != nil {
			return nil, fmt.Errorf("copy media %s: %w", m.Name, err)
		}
		out = append(out, MediaFile{File: name, Name: m.Name, MIME: m.MIME, Bytes: len(m.Data), Digest: m.Digest,
			Alt: m.Alt, Focus: m.Focus, Width: m.Width, Height: m.Height})
	}
	return out, nil
}

// removeMedia deletes the media files of a message that are not in keep.
func removeMedia(dir string, old []MediaFile, keep []MediaFile) {
	for _, o := range old {
		kept := false
		for _, k := range keep {
			kept = kept || k.File == o.File
		}
		if !kept {
			os.Remove(filepath.Join(dir, o.File))
		}
	}
}

// popFault removes and returns the first line of the faults file, "" when
// there is none.
func popFault(dir string) (string, error) {
	path := filepath.Join(dir, FaultsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	for len(lines) > 0 && len(bytes.TrimSpace(lines[0])) == 0 {
		lines = lines[1:]
	}
	if len(lines) == 0 {
		return "", nil
	}
	first := strings.TrimSpace(string(lines[0]))
	rest := bytes.Join(lines[1:], []byte("\n"))
	if len(rest) > 0 {
		rest = append(rest, '\n')
	}
	return first, atomicfile.Write(path, rest)
}
