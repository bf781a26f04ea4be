package content

import (
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/yuin/goldmark/ast"
	"gopkg.in/yaml.v3"

	"github.com/clairon-dev/clairon/engine/diag"
)

// Kind is the kind of a document.
type Kind string

// Document kinds.
const (
	KindPost     Kind = "post"
	KindCampaign Kind = "campaign"
	KindContest  Kind = "contest"
	KindCalendar Kind = "calendar"
)

// Kinds lists the document kinds with their folders.
var Kinds = []struct {
	Kind   Kind
	Folder string
}{
	{KindPost, "posts"},
	{KindCampaign, "campaigns"},
	{KindContest, "contests"},
	{KindCalendar, "calendars"},
}

// Document is one Markdown file of the repository with its decoded front
// matter, parsed body and positions.
type Document struct {
	// Path is the slash-separated path from the repository root.
	Path string
	// Kind comes from the folder, or from `kind:` in the front matter.
	Kind Kind
	// ID is `id:` from the front matter, or the path without its extension.
	ID string
	// ExplicitID is true when the front matter set `id:`.
	ExplicitID bool
	// Blob is the git blob hash of the file (hex), whether it was read from a
	// git tree or a directory: the cache key and part of the content digest.
	Blob string
	// Meta is the front matter as a YAML mapping node, with positions, while
	// the document is parsed (and for the configuration). A parsed document
	// keeps only the positions, for PosOf and KeyPos, and Meta is nil.
	Meta *yaml.Node
	// positions replaces Meta once the document is decoded.
	positions *posTree
	// Body is the Markdown after the front matter, LF line endings.
	Body []byte
	// BodyLine is the 1-based line of the file where Body starts.
	BodyLine int
	// AST is the goldmark tree of Body (parsed once).
	AST ast.Node
	// lineStarts holds the byte offset of each line of Body.
	lineStarts []int
	// Cached is true for a document restored from the cache: Meta, Body and
	// AST are nil until Repo.Full parses the file again.
	Cached bool

	// Exactly one of these is set, according to Kind.
	Post     *Post
	Campaign *Campaign
	Contest  *Contest
	Calendar *Calendar
}

// Pos returns the position of the file itself.
func (d *Document) Pos() diag.Pos { return diag.Pos{File: d.Path, Line: 1, Col: 1} }

// PosOf returns the position of the front-matter value at a path of keys and
// list indexes ("media", "0", "alt"). When the path does not exist it returns
// the position of its deepest existing ancestor, or of the file.
func (d *Document) PosOf(path ...string) diag.Pos {
	if d.positions != nil {
		return d.positions.lookup(path...).pos(d.Path)
	}
	n := Lookup(d.Meta, path...)
	if n == nil {
		return d.Pos()
	}
	return diag.Pos{File: d.Path, Line: n.Line, Col: n.Column}
}

// KeyPos returns the position of the key (not the value) at path, falling
// back like PosOf.
func (d *Document) KeyPos(path ...string) diag.Pos {
	if len(path) == 0 {
		return d.Pos()
	}
	last := path[len(path)-1]
	if d.positions != nil {
		parent := d.positions.lookup(path[:len(path)-1]...)
		if parent.kind == yaml.MappingNode {
			for _, k := range parent.kids {
				if k.key == last {
					return diag.Pos{File: d.Path, Line: int(k.keyLine), Col: int(k.keyCol)}
				}
			}
		}
		return d.PosOf(path...)
	}
	parent := Lookup(d.Meta, path[:len(path)-1]...)
	if parent != nil && parent.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(parent.Content); i += 2 {
			if parent.Content[i].Value == last {
				k := parent.Content[i]
				return diag.Pos{File: d.Path, Line: k.Line, Col: k.Column}
			}
		}
	}
	return d.PosOf(path...)
}

// BodyPos converts a byte offset in Body to a file position. It is safe
// for concurrent use: the line index is built when the document is parsed.
func (d *Document) BodyPos(offset int) diag.Pos {
	if d.lineStarts == nil {
		return diag.Pos{File: d.Path, Line: d.BodyLine, Col: offset + 1}
	}
	line := 0
	lo, hi := 0, len(d.lineStarts)-1
	for lo <= hi {
		mid := (lo + hi) / 2
		if d.lineStarts[mid] <= offset {
			line, lo = mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	return diag.Pos{File: d.Path, Line: d.BodyLine + line, Col: offset - d.lineStarts[line] + 1}
}

func lineStarts(b []byte) []int {
	starts := []int{0}
	for i, c := range b {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// Lookup walks a YAML node by mapping keys and sequence indexes, returning
// the deepest node reached (nil if the first step fails).
func Lookup(n *yaml.Node, path ...string) *yaml.Node {
	cur := n
	for _, p := range path {
		next := child(cur, p)
		if next == nil {
			return cur
		}
		cur = next
	}
	return cur
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			return child(n.Content[0], key)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		if i, ok := seqIndex(key, len(n.Content)); ok {
			return n.Content[i]
		}
	}
	return nil
}

// seqIndex reads key, a path element, as an index into a sequence of n
// items: decimal digits only, in range.
func seqIndex(key string, n int) (int, bool) {
	if key == "" || len(key) > 9 {
		return 0, false
	}
	idx := 0
	for _, c := range key {
		if c < '0' || c > '9' {
			return 0, false
		}
		idx = idx*10 + int(c-'0')
	}
	return idx, idx < n
}

// Repo is a loaded content repository.
type Repo struct {
	// Config is clairon.yaml; nil when it is missing (a diagnostic says so).
	Config *Config
	// ConfigDoc holds clairon.yaml's node and path, for positions.
	ConfigDoc *Document
	// Docs are the documents sorted by path.
	Docs []*Document
	// Media lists the files under media/ by slash path.
	Media map[string]MediaFile

	fsys fs.FS
	mu   sync.Mutex
	full map[string]*Document
}

// Full returns d with its front-matter nodes, body and AST: d itself, or,
// for a cached document, the file parsed again (once; later calls return
// the same document).
func (r *Repo) Full(d *Document) (*Document, error) {
	if !d.Cached {
		return d, nil
	}
	r.mu.Lock()
	full, ok := r.full[d.Path]
	r.mu.Unlock()
	if ok {
		return full, nil
	}
	// Parsed outside the lock: the renderer's workers parse in parallel.
	data, err := fs.ReadFile(r.fsys, d.Path)
	if err != nil {
		return nil, err
	}
	full, _ = ParseDocument(d.Path, d.Kind, data)
	if full == nil {
		return nil, fmt.Errorf("%s no longer parses", d.Path)
	}
	full.Blob = BlobHash(data)
	r.mu.Lock()
	defer r.mu.Unlock()
	if first, ok := r.full[d.Path]; ok {
		return first, nil // parsed at the same time by another worker
	}
	if r.full == nil {
		r.full = map[string]*Document{}
	}
	r.full[d.Path] = full
	return full, nil
}

// Replace swaps documents for their full versions (after Full), so that
// diagnostics about them get exact positions.
func (r *Repo) Replace(full *Document) {
	for i, d := range r.Docs {
		if d.Path == full.Path {
			r.Docs[i] = full
		}
	}
}

// ReadFile reads a file of the repository (a media file, for publishing).
func (r *Repo) ReadFile(name string) ([]byte, error) { return fs.ReadFile(r.fsys, name) }

// ReadHead reads the first n bytes of a file of the repository (fewer when
// it is shorter): enough to tell what a media file holds without reading a
// whole video.
func (r *Repo) ReadHead(name string, n int) ([]byte, error) {
	f, err := r.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := io.ReadFull(f, b)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return b[:k], err
}

// FS returns the file system the repository was loaded from.
func (r *Repo) FS() fs.FS { return r.fsys }

// MediaFile describes a file under media/.
type MediaFile struct {
	Size    int64
	ModTime time.Time
	// Blob is the git blob hash (hex) of the file.
	Blob string
	// Symlink is true for a symbolic link (refused: it may leave the tree).
	Symlink bool
}

// Posts returns the post documents in path order.
func (r *Repo) Posts() []*Document { return r.byKind(KindPost) }

// Campaigns returns the campaign documents in path order.
func (r *Repo) Campaigns() []*Document { return r.byKind(KindCampaign) }

// Contests returns the contest documents in path order.
func (r *Repo) Contests() []*Document { return r.byKind(KindContest) }

// Calendars returns the calendar documents in path order.
func (r *Repo) Calendars() []*Document { return r.byKind(KindCalendar) }

func (r *Repo) byKind(k Kind) []*Document {
	var out []*Document
	for _, d := range r.Docs {
		if d.Kind == k {
			out = append(out, d)
		}
	}
	return out
}

// IDFromPath derives a document id from its path: the path without its
// extension ("posts/2026/lancement.md" -> "posts/2026/lancement").
func IDFromPath(p string) string {
	if i := strings.LastIndexByte(p, '.'); i > strings.LastIndexByte(p, '/') {
		return p[:i]
	}
	return p
}
