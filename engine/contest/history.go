package contest

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/clairon-dev/clairon/engine/state"
)

// Commit is one commit of the repository that holds the state branch.
type Commit struct {
	Hash string
	// Time is the committer's time.
	Time time.Time
}

// History reads the commits of the repository that holds the state branch:
// the draw's anchor is one of them, and verify looks back through them for
// the entries snapshot a draw was made from.
type History interface {
	// Resolve returns the commit a revision names: a hash, a branch or a tag.
	Resolve(ctx context.Context, rev string) (Commit, error)
	// Parent returns the first parent of a commit; ok is false for a root.
	Parent(ctx context.Context, hash string) (c Commit, ok bool, err error)
	// ReadFile returns a file of the state at a commit; ok is false when
	// the file does not exist there.
	ReadFile(ctx context.Context, hash, path string) (data []byte, ok bool, err error)
}

// maxWalk bounds how far back through the state history a search goes.
const maxWalk = 100_000

// lastChange returns the commit, at or before version, that wrote the file
// at path as it is at version.
func lastChange(ctx context.Context, h History, version state.Version, path string) (Commit, error) {
	c, err := h.Resolve(ctx, string(version))
	if err != nil {
		return Commit{}, err
	}
	want, ok, err := h.ReadFile(ctx, c.Hash, path)
	if err != nil {
		return Commit{}, err
	}
	if !ok {
		return Commit{}, fmt.Errorf("%s is not in the state at %s", path, short(c.Hash))
	}
	for range maxWalk {
		p, ok, err := h.Parent(ctx, c.Hash)
		if err != nil {
			return Commit{}, err
		}
		if !ok {
			return c, nil
		}
		data, exists, err := h.ReadFile(ctx, p.Hash, path)
		if err != nil {
			return Commit{}, err
		}
		if !exists || !bytes.Equal(data, want) {
			return c, nil
		}
		c = p
	}
	return Commit{}, fmt.Errorf("the state history is longer than %d commits", maxWalk)
}

// findFile walks back from version to the newest commit whose file at path
// has the given SHA-256, and returns its content and that commit.
func findFile(ctx context.Context, h History, version state.Version, path, sum string) ([]byte, Commit, bool, error) {
	c, err := h.Resolve(ctx, string(version))
	if err != nil {
		return nil, Commit{}, false, err
	}
	for range maxWalk {
		data, ok, err := h.ReadFile(ctx, c.Hash, path)
		if err != nil {
			return nil, Commit{}, false, err
		}
		if ok && SHA256(data) == sum {
			return data, c, true, nil
		}
		p, more, err := h.Parent(ctx, c.Hash)
		if err != nil {
			return nil, Commit{}, false, err
		}
		if !more {
			return nil, Commit{}, false, nil
		}
		c = p
	}
	return nil, Commit{}, false, fmt.Errorf("the state history is longer than %d commits", maxWalk)
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}
