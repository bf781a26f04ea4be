package content

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/adrg/frontmatter"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"gopkg.in/yaml.v3"

	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/schema"
)

// Limits on the shape of front matter, against hostile or broken input.
const (
	maxDepth = 32      // nesting of mappings and lists
	maxNodes = 100_000 // nodes after alias expansion ("billion laughs")
)

// markdown is the one goldmark parser: CommonMark plus strikethrough and
// tables. Linkify is deliberately off: it would turn @user@instance handles
// into mailto links; bare URLs are found by the renderer's own detection.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Table))

// ParseMarkdown parses Markdown with clairon's parser (for override texts
// and first comments, which live in the front matter).
func ParseMarkdown(src []byte) ast.Node { return markdown.Parser().Parse(text.NewReader(src)) }

// ParseDocument parses one Markdown document. kind is the kind implied by
// its folder; `kind:` in the front matter overrides it. It never panics on
// any input; problems are diagnostics, and the document is nil only when
// nothing useful could be read.
func ParseDocument(path string, kind Kind, data []byte) (*Document, diag.List) {
	var ds diag.List
	data, ok := checkText(path, data, &ds)
	if !ok {
		return nil, ds
	}
	meta, body, ok := splitFrontMatter(path, data, &ds)
	if !ok {
		return nil, ds
	}
	d := &Document{Path: path, Kind: kind, Meta: meta, Body: body, lineStarts: lineStarts(body),
		BodyLine: 1 + bytes.Count(data[:len(data)-len(body)], []byte{'\n'})}
	if meta == nil {
		ds.Errorf(d.Pos(), "front-matter-missing", "start the file with a line '---', the YAML keys (to:, at:…), then a closing '---'", "%s has no front matter", path)
		return nil, ds
	}
	if k := scalarAt(meta, "kind"); k != "" {
		switch Kind(k) {
		case KindPost, KindCampaign, KindContest, KindCalendar:
			d.Kind = Kind(k)
		}
	}
	decodeMeta(d, &ds)
	d.positions, d.Meta = compactPositions(d.Meta), nil
	d.AST = markdown.Parser().Parse(text.NewReader(d.Body))
	return d, ds
}

// checkText refuses binary and non-UTF-8 files, strips a byte order mark and
// normalises CRLF line endings (lines and columns stay the same).
func checkText(path string, data []byte, ds *diag.List) ([]byte, bool) {
	pos := diag.Pos{File: path}
	if len(bytes.TrimSpace(data)) == 0 {
		ds.Errorf(pos, "empty", "write the front matter and the text, or delete the file", "%s is empty", path)
		return nil, false
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		ds.Errorf(offsetPos(path, data, i), "binary", "documents are UTF-8 Markdown text; put images and videos under media/", "%s looks like a binary file (NUL byte)", path)
		return nil, false
	}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		data = data[3:]
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		ds.Errorf(offsetPos(path, data, i), "encoding", "save the file as UTF-8 (it is probably Latin-1 or Windows-1252)", "%s is not valid UTF-8 (byte 0x%02x)", path, data[i])
		return nil, false
	}
	if bytes.Contains(data, []byte("\r\n")) {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}
	return data, true
}

func offsetPos(path string, data []byte, off int) diag.Pos {
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return diag.Pos{File: path, Line: line, Col: col}
}

// frontMatter collects what the format callbacks decode from one document:
// adrg/frontmatter hands it to them as their second argument.
type frontMatter struct {
	node   *yaml.Node
	err    error
	called bool
}

func yamlFrontMatter(b []byte, v any) error {
	fm := v.(*frontMatter)
	fm.called = true
	b = unmask(b)
	if n := fastYAML(b); n != nil {
		fm.node = n
		return nil
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		fm.err = err
		return nil
	}
	fm.node = &n
	return nil
}

func tomlFrontMatter(b []byte, v any) error {
	fm := v.(*frontMatter)
	fm.called = true
	b = unmask(b)
	var m map[string]any
	if _, err := toml.Decode(string(b), &m); err != nil {
		fm.err = err
		return nil
	}
	var n yaml.Node
	if err := n.Encode(m); err != nil {
		fm.err = err
		return nil
	}
	fm.node = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{&n}}
	return nil
}

// frontMatterFormats are the delimiters clairon reads, in the order
// adrg/frontmatter tries them. They are shared: the callbacks keep no state.
var frontMatterFormats = []*frontmatter.Format{
	frontmatter.NewFormat("---", "---", yamlFrontMatter),
	frontmatter.NewFormat("---yaml", "---", yamlFrontMatter),
	frontmatter.NewFormat("+++", "+++", tomlFrontMatter),
	frontmatter.NewFormat("---toml", "---", tomlFrontMatter),
	frontmatter.NewFormat(";;;", ";;;", yamlFrontMatter),
	frontmatter.NewFormat("---json", "---", yamlFrontMatter),
}

// frontMatterReaders are reused by adrg/frontmatter, which otherwise
// allocates a 4 KiB buffer for each document.
var frontMatterReaders = sync.Pool{New: func() any { return bufio.NewReader(nil) }}

func parseFrontMatter(data []byte, fm *frontMatter) ([]byte, error) {
	br := frontMatterReaders.Get().(*bufio.Reader)
	br.Reset(bytes.NewReader(data))
	rest, err := frontmatter.Parse(br, fm, frontMatterFormats...)
	br.Reset(nil)
	frontMatterReaders.Put(br)
	return rest, err
}

// frontMatterEnd returns the offset just past the line closing the front
// matter, reading lines the way adrg/frontmatter reads the masked document
// (the first non-blank line opens it and must end with a newline; the first
// line equal to the closing delimiter closes it; masked lines match
// nothing), or -1 when there is none.
func frontMatterEnd(data []byte) int {
	pos := 0
	var f *frontmatter.Format
	for f == nil {
		nl := bytes.IndexByte(data[pos:], '\n')
		if nl < 0 {
			return -1
		}
		line := data[pos : pos+nl]
		pos += nl + 1
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			continue
		}
		if masked(line, t) {
			return -1
		}
		for _, ff := range frontMatterFormats {
			if string(t) == ff.Start {
				f = ff
				break
			}
		}
		if f == nil {
			return -1
		}
	}
	for pos < len(data) {
		end := len(data)
		if nl := bytes.IndexByte(data[pos:], '\n'); nl >= 0 {
			end = pos + nl + 1
		}
		line := data[pos:end]
		if t := bytes.TrimSpace(line); string(t) == f.End && !masked(bytes.TrimSuffix(line, []byte{'\n'}), t) {
			return end
		}
		pos = end
	}
	return -1
}

// splitFrontMatter finds the front matter with adrg/frontmatter (YAML between
// '---' lines, TOML between '+++', JSON between ';;;' or as a leading object)
// and parses it into a YAML node whose lines are those of the file.
func splitFrontMatter(path string, data []byte, ds *diag.List) (*yaml.Node, []byte, bool) {
	first, firstLine := firstLine(data)
	var fm frontMatter
	var rest []byte
	var err error
	// adrg/frontmatter reads the front matter only; the body is the rest of
	// the file, taken as is rather than copied line by line. Should adrg not
	// agree on where the front matter ends, it reads the whole document.
	whole := true
	if cut := frontMatterEnd(data); cut >= 0 {
		rest, err = parseFrontMatter(mask(data[:cut]), &fm)
		if err == nil && fm.called && len(rest) == 0 {
			rest = append(make([]byte, 0, len(data)-cut), data[cut:]...)
			whole = false
		}
	}
	if whole {
		fm = frontMatter{}
		rest, err = parseFrontMatter(mask(data), &fm)
		rest = unmask(rest)
	}
	if err != nil {
		ds.Errorf(diag.Pos{File: path, Line: 1, Col: 1}, "front-matter", "", "cannot read front matter: %v", err)
		return nil, nil, false
	}
	node, parseErr := fm.node, fm.err
	if !fm.called {
		for _, f := range frontMatterFormats {
			if first == f.Start {
				ds.Errorf(diag.Pos{File: path, Line: firstLine, Col: 1}, "front-matter-unclosed",
					fmt.Sprintf("close the front matter with a line containing only %s", f.End),
					"front matter opened here never closes")
				return nil, nil, false
			}
		}
		return nil, data, true
	}
	metaLine := firstLine // the delimiter line; keys start on the next one
	if parseErr != nil {
		ds.Add(yamlError(path, metaLine, parseErr))
		return nil, nil, false
	}
	if node == nil || len(node.Content) == 0 {
		node = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map", Line: metaLine + 1, Column: 1}}}
	}
	shiftLines(node, metaLine, 0)
	root := node.Content[0]
	if root.Kind != yaml.MappingNode {
		ds.Errorf(diag.Pos{File: path, Line: root.Line, Col: root.Column}, "front-matter", "front matter is a list of 'key: value' lines", "front matter must be a mapping of keys, not a %s", kindName(root))
		return nil, nil, false
	}
	return root, rest, true
}

// The front-matter library compares trimmed lines with the delimiters, so an
// indented "---" inside a YAML block scalar would close the front matter.
// mask marks such indented lines with a NUL byte (which no accepted document
// contains) so they no longer match; unmask removes the marks again.
func mask(data []byte) []byte {
	var out []byte
	start := 0
	for start < len(data) {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += start
		}
		line := data[start:end]
		if masked(line, bytes.TrimSpace(line)) {
			if out == nil {
				out = append([]byte(nil), data[:start]...)
			}
			out = append(append(out, line...), 0)
		} else if out != nil {
			out = append(out, line...)
		}
		if end < len(data) && out != nil {
			out = append(out, '\n')
		}
		start = end + 1
	}
	if out == nil {
		return data
	}
	return out
}

// masked reports whether mask marks a line (without its newline) whose
// trimmed form is t.
func masked(line, t []byte) bool {
	return len(t) < len(line) && len(line) > 0 && (line[0] == ' ' || line[0] == '\t') && isDelimiter(t)
}

func isDelimiter(t []byte) bool {
	switch string(t) {
	case "---", "+++", ";;;", "---yaml", "---toml", "---json":
		return true
	}
	return false
}

func unmask(b []byte) []byte {
	if bytes.IndexByte(b, 0) < 0 {
		return b
	}
	return bytes.ReplaceAll(b, []byte{0}, nil)
}

func firstLine(data []byte) (string, int) {
	line := 1
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var l []byte
		if i < 0 {
			l, data = data, nil
		} else {
			l, data = data[:i], data[i+1:]
		}
		if t := strings.TrimSpace(string(l)); t != "" {
			return t, line
		}
		line++
	}
	return "", line
}

// shiftLines makes node positions relative to the file, guarding depth.
func shiftLines(n *yaml.Node, by, depth int) {
	if depth > maxDepth*2 {
		return
	}
	if n.Line > 0 {
		n.Line += by
	} else {
		n.Line, n.Column = by, 1
	}
	for _, c := range n.Content {
		shiftLines(c, by, depth+1)
	}
}

var yamlLine = strings.NewReplacer("yaml: ", "")

// yamlError turns a yaml.v3 error ("yaml: line 3: …") into a diagnostic at
// the file's line.
func yamlError(path string, metaLine int, err error) diag.Diagnostic {
	msg := err.Error()
	line := metaLine
	var l int
	if _, e := fmt.Sscanf(msg, "yaml: line %d:", &l); e == nil {
		line = metaLine + l
		msg = msg[strings.Index(msg, ":")+1:]
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	} else {
		msg = yamlLine.Replace(msg)
	}
	return diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: path, Line: line, Col: 1}, Code: "yaml",
		Message: "invalid YAML: " + msg, Hint: "check indentation (spaces, not tabs) and quote values containing ': ' or starting with '@', '*' or '&'"}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "single value"
	default:
		return "mapping"
	}
}

func scalarAt(m *yaml.Node, key string) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.ScalarNode {
			return m.Content[i+1].Value
		}
	}
	return ""
}

// decodeMeta validates the front matter against its schema and decodes it
// into the kind's struct.
func decodeMeta(d *Document, ds *diag.List) {
	var target any
	var name string
	switch d.Kind {
	case KindPost:
		d.Post, target, name = &Post{}, nil, schema.Post
		target = d.Post
	case KindCampaign:
		d.Campaign, name = &Campaign{}, schema.Campaign
		target = d.Campaign
	case KindContest:
		d.Contest, name = &Contest{}, schema.Contest
		target = d.Contest
	case KindCalendar:
		d.Calendar, name = &Calendar{}, schema.Calendar
		target = d.Calendar
	}
	ok := validateNode(d, name, ds)
	if d.Kind == KindPost && decodePost(d.Meta, d.Post) {
		d.ID, d.ExplicitID = idOf(d)
		return
	}
	if d.Kind == KindPost {
		*d.Post = Post{} // decode again from scratch
	}
	if err := d.Meta.Decode(target); err != nil && ok {
		ds.Errorf(d.PosOf(), "front-matter", "", "cannot decode front matter: %v", err)
	}
	d.ID, d.ExplicitID = idOf(d)
}

func idOf(d *Document) (string, bool) {
	if id := scalarAt(d.Meta, "id"); id != "" {
		return id, true
	}
	return IDFromPath(d.Path), false
}

// validateNode converts the node to JSON values (bounded against alias bombs
// and deep nesting) and reports schema violations at the nodes' positions.
// It returns whether the document is valid.
func validateNode(d *Document, name string, ds *diag.List) bool {
	conv := converter{}
	v, err := conv.value(d.Meta, 0)
	if err != nil {
		ds.Errorf(diag.Pos{File: d.Path, Line: conv.errLine, Col: conv.errCol}, conv.errCode, conv.errHint, "%v", err)
		return false
	}
	vs, err := schema.Validate(name, v)
	if err != nil {
		ds.Errorf(d.Pos(), "internal", "", "schema: %v", err)
		return false
	}
	for _, x := range vs {
		pos := d.PosOf(x.Path...)
		where := DisplayPath(x.Path)
		if x.Unknown != "" {
			pos = d.KeyPos(x.Path...)
			hint := x.Description
			if x.Suggestion != "" {
				hint = fmt.Sprintf("did you mean %q? %s", x.Suggestion, x.Description)
			}
			ds.Errorf(pos, "unknown-key", hint, "unknown key %q in %s", x.Unknown, kindLabel(d.Kind, x.Path[:len(x.Path)-1]))
			continue
		}
		if where == "" {
			where = "front matter"
		}
		ds.Errorf(pos, "schema", x.Description, "%s: %s", where, x.Message)
	}
	return len(vs) == 0
}

func kindLabel(k Kind, parent []string) string {
	if len(parent) == 0 {
		if k == "" {
			return "the configuration"
		}
		return string(k) + " front matter"
	}
	return DisplayPath(parent)
}

// DisplayPath renders a front-matter path for people: media[0].alt.
func DisplayPath(path []string) string {
	var b strings.Builder
	for _, p := range path {
		if p != "" && strings.Trim(p, "0123456789") == "" {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// converter turns YAML nodes into the values the schema validator takes.
type converter struct {
	nodes            int
	errLine, errCol  int
	errCode, errHint string
}

var errTooBig = errors.New("front matter expands to too many values (alias bomb?)")

const hintSimplify = "simplify the front matter: no deep nesting, no aliases that expand to huge documents"

func (c *converter) fail(n *yaml.Node, code, hint string, err error) (any, error) {
	if c.errLine == 0 {
		c.errLine, c.errCol, c.errCode, c.errHint = n.Line, n.Column, code, hint
	}
	return nil, err
}

func (c *converter) value(n *yaml.Node, depth int) (any, error) {
	c.nodes++
	if c.nodes > maxNodes {
		return c.fail(n, "front-matter", hintSimplify, errTooBig)
	}
	if depth > maxDepth {
		return c.fail(n, "front-matter", hintSimplify, fmt.Errorf("front matter is nested more than %d levels deep", maxDepth))
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.value(n.Content[0], depth)
	case yaml.AliasNode:
		return c.value(n.Alias, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.AliasNode || k.Tag == "!!merge" {
				return c.fail(k, "front-matter", "write the keys out in full", errors.New("YAML merge keys (<<) are not supported in front matter"))
			}
			if _, dup := m[k.Value]; dup {
				return c.fail(k, "duplicate-key", "keep one of them: YAML would silently use the last", fmt.Errorf("key %q appears twice", k.Value))
			}
			v, err := c.value(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := c.value(e, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	default:
		switch n.Tag {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return n.Value, nil
			}
			return b, nil
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return n.Value, nil
			}
			return json.Number(strings.TrimPrefix(fmt.Sprint(f), "+")), nil
		case "!!timestamp":
			// Dates are strings to clairon: it reads them in the configured
			// time zone itself, rather than YAML's UTC default.
			return n.Value, nil
		default:
			return n.Value, nil
		}
	}
}
