package content

import (
	"gopkg.in/yaml.v3"

	"github.com/clairon-dev/clairon/engine/diag"
)

// posTree is what diagnostics need of a document's YAML tree once it is
// decoded: the position of every value and key. A yaml.Node tree costs
// about 2 KB per post, more than half of a loaded repository's memory; this
// keeps a quarter of that.
type posTree struct {
	key             string // the mapping key naming this node ("" otherwise)
	line, col       int32
	keyLine, keyCol int32
	kind            yaml.Kind // MappingNode or SequenceNode when kids matter
	kids            []posTree
}

// compactPositions keeps the positions of the tree at n.
func compactPositions(n *yaml.Node) *posTree {
	if n == nil {
		return nil
	}
	t := &posTree{}
	fillPositions(t, n, 0)
	return t
}

func fillPositions(t *posTree, n *yaml.Node, depth int) {
	t.line, t.col = int32(n.Line), int32(n.Column)
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		// Lookup looks through the document node but keeps its position.
		n = n.Content[0]
	}
	if depth > maxDepth {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		t.kind = yaml.MappingNode
		t.kids = make([]posTree, len(n.Content)/2)
		for i := range t.kids {
			k, v := n.Content[2*i], n.Content[2*i+1]
			kid := &t.kids[i]
			fillPositions(kid, v, depth+1)
			kid.key, kid.keyLine, kid.keyCol = k.Value, int32(k.Line), int32(k.Column)
		}
	case yaml.SequenceNode:
		t.kind = yaml.SequenceNode
		t.kids = make([]posTree, len(n.Content))
		for i, v := range n.Content {
			fillPositions(&t.kids[i], v, depth+1)
		}
	}
}

// child mirrors the package's child for yaml nodes.
func (t *posTree) child(key string) *posTree {
	switch t.kind {
	case yaml.MappingNode:
		for i := range t.kids {
			if t.kids[i].key == key {
				return &t.kids[i]
			}
		}
	case yaml.SequenceNode:
		if i, ok := seqIndex(key, len(t.kids)); ok {
			return &t.kids[i]
		}
	}
	return nil
}

// lookup mirrors Lookup: the deepest node reached along path.
func (t *posTree) lookup(path ...string) *posTree {
	cur := t
	for _, p := range path {
		next := cur.child(p)
		if next == nil {
			return cur
		}
		cur = next
	}
	return cur
}

func (t *posTree) pos(file string) diag.Pos {
	return diag.Pos{File: file, Line: int(t.line), Col: int(t.col)}
}
