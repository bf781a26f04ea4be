package render

import (
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
)

// writer renders a goldmark tree in one flavor. Literal text goes through
// the text hook, which replaces mentions, tags links and escapes.
type writer struct {
	fl  flavor
	src []byte
	txt *textHook
}

// splitParts returns the top-level block groups of a document separated by
// thematic breaks: the parts of a thread.
func splitParts(doc ast.Node) [][]ast.Node {
	parts := [][]ast.Node{nil}
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		if c.Kind() == ast.KindThematicBreak {
			parts = append(parts, nil)
			continue
		}
		parts[len(parts)-1] = append(parts[len(parts)-1], c)
	}
	out := parts[:0]
	for _, p := range parts {
		if len(p) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// blocks renders a run of blocks separated by blank lines.
func (w *writer) blocks(nodes []ast.Node) string {
	var out []string
	for _, n := range nodes {
		if s := w.block(n, 0); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n\n")
}

func children(n ast.Node) []ast.Node {
	var out []ast.Node
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		out = append(out, c)
	}
	return out
}

func (w *writer) block(n ast.Node, depth int) string {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		return w.inlines(n)
	case *ast.Heading:
		return w.fl.heading(w.inlines(n))
	case *ast.ThematicBreak:
		return "—"
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		return w.fl.codeBlock(strings.TrimRight(w.lines(n), "\n"))
	case *ast.Blockquote:
		return w.fl.quote(w.blocks(children(n)))
	case *ast.List:
		return w.list(n, depth)
	case *ast.HTMLBlock:
		return w.fl.escape(strings.TrimRight(w.lines(n), "\n"))
	case *east.Table:
		var rows []string
		for r := n.FirstChild(); r != nil; r = r.NextSibling() {
			var cells []string
			for c := r.FirstChild(); c != nil; c = c.NextSibling() {
				cells = append(cells, w.inlines(c))
			}
			rows = append(rows, strings.Join(cells, " | "))
		}
		return strings.Join(rows, "\n")
	default:
		return w.blocks(children(n))
	}
}

func (w *writer) list(l *ast.List, depth int) string {
	var items []string
	num := l.Start
	indent := strings.Repeat("  ", depth)
	for it := l.FirstChild(); it != nil; it = it.NextSibling() {
		marker := w.fl.bullet
		if l.IsOrdered() {
			marker = strconv.Itoa(num) + ". "
			num++
		}
		var parts []string
		for c := it.FirstChild(); c != nil; c = c.NextSibling() {
			if sub, ok := c.(*ast.List); ok {
				parts = append(parts, w.list(sub, depth+1))
				continue
			}
			parts = append(parts, w.block(c, depth))
		}
		sep := "\n"
		if !l.IsTight {
			sep = "\n\n"
		}
		items = append(items, indent+marker+strings.Join(parts, sep))
	}
	sep := "\n"
	if !l.IsTight {
		sep = "\n\n"
	}
	return strings.Join(items, sep)
}

func (w *writer) lines(n ast.Node) string {
	var b strings.Builder
	ls := n.Lines()
	for i := 0; i < ls.Len(); i++ {
		seg := ls.At(i)
		b.Write(seg.Value(w.src))
	}
	return b.String()
}

// inlines renders the inline children of n.
func (w *writer) inlines(n ast.Node) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		t, ok := c.(*ast.Text)
		if !ok {
			w.inline(&b, c)
			continue
		}
		// goldmark splits text at would-be delimiters ("_" in a URL's
		// query, for one): join the run so URLs and mentions are whole.
		start := t.Segment.Start
		// Most runs are one text node: its bytes are the run.
		var run []byte
		for {
			seg := t.Segment.Value(w.src)
			if run == nil {
				run = seg[:len(seg):len(seg)]
			} else {
				run = append(run, seg...)
			}
			next, more := t.NextSibling().(*ast.Text)
			if t.SoftLineBreak() || t.HardLineBreak() || !more {
				break
			}
			c, t = next, next
		}
		b.WriteString(w.txt.text(w.fl, string(run), start))
		if t.SoftLineBreak() || t.HardLineBreak() {
			b.WriteByte('\n')
		}
	}
	return strings.TrimSpace(b.String())
}

func (w *writer) inline(b *strings.Builder, n ast.Node) {
	switch n := n.(type) {
	case *ast.String:
		b.WriteString(w.txt.text(w.fl, string(n.Value), -1))
	case *ast.CodeSpan:
		var s strings.Builder
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if t, ok := c.(*ast.Text); ok {
				s.Write(t.Segment.Value(w.src))
			}
		}
		b.WriteString(w.fl.code(s.String()))
	case *ast.Emphasis:
		mark := w.fl.emph
		if n.Level >= 2 {
			mark = w.fl.strong
		}
		b.WriteString(mark[0] + w.inlines(n) + mark[1])
	case *east.Strikethrough:
		b.WriteString(w.fl.strike[0] + w.inlines(n) + w.fl.strike[1])
	case *ast.Link:
		dest := string(n.Destination)
		url := dest
		if string(n.Title) != noUTM {
			url = w.txt.tagURL(dest)
		}
		w.txt.urls = append(w.txt.urls, url)
		label := w.inlines(n)
		if label == "" || plainEqual(label, dest) {
			b.WriteString(w.fl.url(url))
			return
		}
		b.WriteString(w.fl.link(label, url))
	case *ast.AutoLink:
		raw := string(n.URL(w.src))
		if n.AutoLinkType == ast.AutoLinkEmail {
			b.WriteString(w.fl.escape(raw))
			return
		}
		url := w.txt.tagURL(raw)
		w.txt.urls = append(w.txt.urls, url)
		b.WriteString(w.fl.url(url))
	case *ast.Image:
		b.WriteString(w.inlines(n))
	case *ast.RawHTML:
		for i := 0; i < n.Segments.Len(); i++ {
			seg := n.Segments.At(i)
			b.WriteString(w.fl.escape(string(seg.Value(w.src))))
		}
	default:
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			w.inline(b, c)
		}
	}
}

// noUTM is the link title that keeps a link untagged: [label](url "no-utm").
const noUTM = "no-utm"

func plainEqual(label, url string) bool {
	trim := func(s string) string {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
		return strings.TrimSuffix(s, "/")
	}
	return trim(label) == trim(url)
}
