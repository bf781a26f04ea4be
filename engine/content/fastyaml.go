package content

import (
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Most front matter is a handful of "key: value" lines: plain or quoted
// one-line values, flow lists such as [a, b], nested mappings and lists of
// mappings. fastYAML builds, for exactly that shape, the nodes yaml.v3
// builds — same kinds, styles, tags, values, lines and columns — in a
// fraction of the time. It returns nil for anything else (comments, anchors,
// block scalars, multi-line values, escapes, tabs, flow mappings, empty
// values…), and yaml.v3 parses the document instead, so a document always
// decodes to the same nodes, and YAML errors are always yaml.v3's.

// fyLine is a non-blank line of front matter.
type fyLine struct {
	text string // without the newline
	num  int    // 1-based, within the front matter
	at   int    // byte offset where the content starts (after the indentation)
}

// fyNode is a node while parsing: its children are a list of indexes, so
// that the yaml.Node tree is made at the end in two allocations of exactly
// the right size.
type fyNode struct {
	kind              yaml.Kind
	style             yaml.Style
	tag, value        string
	line, col         int
	first, last, next int // children, and the next sibling; -1 for none
	children          int
}

type fyParser struct {
	lines []fyLine
	i     int // next line
	nodes []fyNode
}

// fyParsers keeps parsers, and their buffers, between documents.
var fyParsers = sync.Pool{New: func() any { return new(fyParser) }}

// maxFastKey is the longest key fastYAML reads; yaml.v3 refuses simple keys
// over 1024 characters.
const maxFastKey = 128

func fastYAML(src []byte) *yaml.Node {
	if !fastText(src) {
		return nil
	}
	p := fyParsers.Get().(*fyParser)
	defer func() {
		clear(p.lines)
		clear(p.nodes)
		p.lines, p.nodes, p.i = p.lines[:0], p.nodes[:0], 0
		fyParsers.Put(p)
	}()
	// Keys and values are cut from one copy of the text.
	b := string(src)
	num := 0
	for len(b) > 0 {
		var line string
		if i := strings.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, ""
		}
		num++
		at := 0
		for at < len(line) && line[at] == ' ' {
			at++
		}
		if at == len(line) {
			continue
		}
		if strings.HasPrefix(line, "---") || strings.HasPrefix(line, "...") {
			return nil // document markers
		}
		p.lines = append(p.lines, fyLine{text: line, num: num, at: at})
	}
	if len(p.lines) == 0 {
		return nil
	}
	first := p.lines[0]
	p.i = 1
	root := p.mapping(first)
	if root < 0 || p.i != len(p.lines) {
		return nil
	}
	doc := p.node(yaml.DocumentNode, 0, "", "", p.nodes[root].line, p.nodes[root].col)
	p.adopt(doc, root)
	return p.tree(doc)
}

// tree makes the yaml.Node tree of the parsed nodes, returning node top.
func (p *fyParser) tree(top int) *yaml.Node {
	nodes := make([]yaml.Node, len(p.nodes))
	total := 0
	for i := range p.nodes {
		total += p.nodes[i].children
	}
	ptrs := make([]*yaml.Node, total)
	for i := range p.nodes {
		f, n := &p.nodes[i], &nodes[i]
		n.Kind, n.Style, n.Tag, n.Value, n.Line, n.Column = f.kind, f.style, f.tag, f.value, f.line, f.col
		if f.children == 0 {
			continue // yaml.v3 leaves Content nil too
		}
		content := ptrs[:f.children:f.children]
		ptrs = ptrs[f.children:]
		j := 0
		for c := f.first; c >= 0; c = p.nodes[c].next {
			content[j] = &nodes[c]
			j++
		}
		n.Content = content
	}
	return &nodes[top]
}

// fastText accepts text made of printable characters only, without the
// characters whose meaning depends on more context than fastYAML keeps
// (tabs, comments, escapes) or that yaml.v3 treats as line breaks.
func fastText(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c == '\n' || c >= 0x20 && c < 0x7f && c != '#' && c != '\\' {
				i++
				continue
			}
			return false
		}
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n <= 1, r < 0xA0, r == 0x2028, r == 0x2029, r == 0xFEFF,
			r >= 0xD800 && r < 0xE000, r > 0xFFFD && r < 0x10000:
			return false
		}
		i += n
	}
	return true
}

// node adds a node and returns its index.
func (p *fyParser) node(kind yaml.Kind, style yaml.Style, tag, value string, line, col int) int {
	p.nodes = append(p.nodes, fyNode{kind: kind, style: style, tag: tag, value: value, line: line, col: col, first: -1, last: -1, next: -1})
	return len(p.nodes) - 1
}

// adopt appends child to parent's children.
func (p *fyParser) adopt(parent, child int) {
	f := &p.nodes[parent]
	if f.last < 0 {
		f.first = child
	} else {
		p.nodes[f.last].next = child
	}
	f.last = child
	f.children++
}

// column returns the 1-based column, in characters, of byte offset at.
func column(line string, at int) int {
	return 1 + utf8.RuneCountInString(line[:at])
}

// key reads "key:" at l.at, returning the key's end and the offset after
// the colon, or -1.
func key(l fyLine) (end, after int) {
	t := l.text
	i := l.at
	if i >= len(t) || !keyStart(t[i]) {
		return -1, -1
	}
	for i < len(t) && keyByte(t[i]) {
		i++
	}
	if i-l.at > maxFastKey || i >= len(t) || t[i] != ':' || (i+1 < len(t) && t[i+1] != ' ') {
		return -1, -1
	}
	return i, i + 1
}

func keyStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func keyByte(c byte) bool { return keyStart(c) || c == '-' || c == '.' || c == '/' }

// The parsing methods return a node's index, or -1 when the text is not of
// the shape fastYAML reads.

// mapping reads a block mapping whose first entry is first (taken) and
// whose other entries are the next lines with the same indentation.
func (p *fyParser) mapping(first fyLine) int {
	indent := first.at
	m := p.node(yaml.MappingNode, 0, "!!map", "", first.num, column(first.text, indent))
	l := first
	for {
		end, after := key(l)
		if end < 0 {
			return -1
		}
		k := p.scalar(l.text[l.at:end], l.num, column(l.text, l.at))
		v := p.value(l, after, indent)
		if v < 0 {
			return -1
		}
		p.adopt(m, k)
		p.adopt(m, v)
		if p.i >= len(p.lines) {
			return m
		}
		next := p.lines[p.i]
		if next.at < indent {
			return m
		}
		if next.at > indent {
			return -1
		}
		l = next
		p.i++
	}
}

// value reads the value after a key (at offset after on line l, whose
// mapping is indented by indent): inline, or a block on the next lines.
func (p *fyParser) value(l fyLine, after, indent int) int {
	t := l.text
	at := after
	for at < len(t) && t[at] == ' ' {
		at++
	}
	if at < len(t) {
		v := p.inline(l, at)
		if v >= 0 && p.i < len(p.lines) && p.lines[p.i].at > indent {
			return -1 // a continuation line, or an error for yaml.v3 to report
		}
		return v
	}
	if p.i >= len(p.lines) {
		return -1 // an empty value
	}
	next := p.lines[p.i]
	switch {
	case next.at > indent && !item(next):
		p.i++
		return p.mapping(next)
	case next.at >= indent && item(next):
		return p.sequence()
	}
	return -1
}

// item reports whether a line starts a block sequence item ("- ").
func item(l fyLine) bool {
	return l.at+1 < len(l.text) && l.text[l.at] == '-' && l.text[l.at+1] == ' '
}

// sequence reads the block sequence starting at the next line.
func (p *fyParser) sequence() int {
	first := p.lines[p.i]
	indent := first.at
	s := p.node(yaml.SequenceNode, 0, "!!seq", "", first.num, column(first.text, indent))
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.at != indent || !item(l) {
			break
		}
		p.i++
		at := l.at + 2
		for at < len(l.text) && l.text[at] == ' ' {
			at++
		}
		if at == len(l.text) {
			return -1 // an empty item
		}
		var v int
		if end, _ := key(fyLine{text: l.text, num: l.num, at: at}); end >= 0 {
			v = p.mapping(fyLine{text: l.text, num: l.num, at: at})
		} else {
			v = p.inline(l, at)
			if v >= 0 && p.i < len(p.lines) && p.lines[p.i].at > indent {
				return -1
			}
		}
		if v < 0 {
			return -1
		}
		p.adopt(s, v)
	}
	if p.i < len(p.lines) && p.lines[p.i].at > indent {
		return -1
	}
	return s
}

// inline reads a one-line value at offset at of l, to the end of the line.
func (p *fyParser) inline(l fyLine, at int) int {
	t := l.text
	if t[at] == '[' {
		return p.flow(l, at)
	}
	v, end := p.flowless(l, at, false)
	if v < 0 || !blank(t[end:]) {
		return -1
	}
	return v
}

// flowless reads a quoted or plain scalar at offset at of l; in a flow
// list it stops at ',' or ']'. It returns the node and the offset after it.
func (p *fyParser) flowless(l fyLine, at int, inFlow bool) (int, int) {
	t := l.text
	switch t[at] {
	case '\'':
		i := at + 1
		val, quotes := "", false
		for {
			j := strings.IndexByte(t[i:], '\'')
			if j < 0 {
				return -1, 0 // the value goes on
			}
			if i+j+1 < len(t) && t[i+j+1] == '\'' {
				i, quotes = i+j+2, true
				continue
			}
			val, i = t[at+1:i+j], i+j+1
			break
		}
		if quotes {
			val = strings.ReplaceAll(val, "''", "'")
		}
		return p.node(yaml.ScalarNode, yaml.SingleQuotedStyle, "!!str", val, l.num, column(t, at)), i
	case '"':
		j := strings.IndexByte(t[at+1:], '"')
		if j < 0 {
			return -1, 0
		}
		return p.node(yaml.ScalarNode, yaml.DoubleQuotedStyle, "!!str", t[at+1:at+1+j], l.num, column(t, at)), at + 2 + j
	}
	if indicator(t[at]) {
		return -1, 0
	}
	end := len(t)
	if inFlow {
		end = at
		for end < len(t) && t[end] != ',' && t[end] != ']' {
			switch t[end] {
			case '[', '{', '}', ':', '"', '\'':
				return -1, 0
			}
			end++
		}
	} else if strings.Contains(t[at:], ": ") || t[len(t)-1] == ':' {
		return -1, 0
	}
	val := strings.TrimRight(t[at:end], " ")
	if len(val) == 0 || val == "<<" {
		return -1, 0
	}
	return p.scalar(val, l.num, column(t, at)), end
}

// flow reads a one-line flow list of scalars.
func (p *fyParser) flow(l fyLine, at int) int {
	t := l.text
	s := p.node(yaml.SequenceNode, yaml.FlowStyle, "!!seq", "", l.num, column(t, at))
	i := at + 1
	for {
		for i < len(t) && t[i] == ' ' {
			i++
		}
		if i >= len(t) {
			return -1
		}
		if t[i] == ']' {
			if p.nodes[s].children > 0 {
				return -1 // a trailing comma
			}
			break
		}
		v, end := p.flowless(l, i, true)
		if v < 0 {
			return -1
		}
		p.adopt(s, v)
		i = end
		for i < len(t) && t[i] == ' ' {
			i++
		}
		if i >= len(t) {
			return -1
		}
		if t[i] == ']' {
			break
		}
		if t[i] != ',' {
			return -1
		}
		i++
	}
	if !blank(t[i+1:]) {
		return -1
	}
	return s
}

// scalar adds a plain scalar node, with the tag yaml.v3 resolves its value
// to.
func (p *fyParser) scalar(value string, line, col int) int {
	return p.node(yaml.ScalarNode, 0, plainTag(value), value, line, col)
}

// plainTag is the tag yaml.v3 resolves a plain scalar (never empty) to.
// yaml.v3 reads the first byte as a hint: only values starting with a
// sign, a digit or a dot may be numbers or dates, and only those starting
// with one of yYnNtTfFoO~ may be booleans or null, as written in its table.
// A local date and time without seconds ("2026-12-01 09:30", the usual at:)
// is a string to yaml.v3, which finds that out after trying four layouts.
func plainTag(v string) string {
	switch c := v[0]; {
	case strings.IndexByte("yYnNtTfFoO~", c) >= 0:
		switch v {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		case "~", "null", "Null", "NULL":
			return "!!null"
		}
		return "!!str"
	case c == '+' || c == '-' || c == '.' || c >= '0' && c <= '9':
		if localMinute(v) {
			return "!!str"
		}
		return (&yaml.Node{Kind: yaml.ScalarNode, Value: v}).ShortTag()
	}
	return "!!str"
}

// localMinute reports whether s has the form 0000-00-00 00:00.
func localMinute(s string) bool {
	if len(s) != len("2006-01-02 15:04") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 4, 7:
			if c != '-' {
				return false
			}
		case 10:
			if c != ' ' {
				return false
			}
		case 13:
			if c != ':' {
				return false
			}
		default:
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// indicator reports whether c may not start a plain scalar here (or starts
// one whose reading depends on what follows).
func indicator(c byte) bool {
	switch c {
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ':
		return true
	}
	return false
}

func blank(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			return false
		}
	}
	return true
}
