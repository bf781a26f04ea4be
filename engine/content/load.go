// Package content loads a clairon content repository — clairon.yaml, posts,
// campaigns, contests, calendars and the media folder — from a directory or a
// git commit's tree through one code path. It decodes front matter once into
// positioned YAML nodes, validates it against the JSON Schemas, decodes it
// strictly into typed structs, parses each body once with goldmark, and
// reports every problem as a diagnostic with file:line:col.
package content

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/internal/parallel"
)

// ConfigFile is the name of the repository's configuration file.
const ConfigFile = "clairon.yaml"

// MediaFolder holds the images and videos posts reference.
const MediaFolder = "media"

// DefaultMaxFileSize is the largest document accepted unless configured.
const DefaultMaxFileSize = 1 << 20

// Options tune loading.
type Options struct {
	// MaxFileSize overrides the configured document size limit when > 0.
	MaxFileSize int64
	// Workers is the number of files parsed at once; 0 means GOMAXPROCS.
	Workers int
	// Cache, when set, returns previously parsed posts whose file has not
	// changed (same size and modification time), so an unchanged file is not
	// even read. It never changes a result.
	Cache Cache
	// ConfigPath overrides the configuration file's path within the tree.
	ConfigPath string
}

// Cache remembers parsed posts between runs. A document it returns is
// Cached: it has its front matter decoded (Post) but no Meta, Body or AST;
// Repo.Full parses it again when those are needed.
//
// Files listed from a git tree are known by their blob hash instead: GetBlob
// finds them, with the size they had, and Put is given a zero modTime.
//
// Media files on disk are hashed once: MediaBlob returns the blob hash
// remembered for a file of the same size and time, PutMediaBlob remembers
// one. Renders then name media by content, wherever they were read from.
type Cache interface {
	Get(path string, size int64, modTime time.Time) (*Document, diag.List, bool)
	GetBlob(path, blob string) (d *Document, ds diag.List, size int64, ok bool)
	Put(d *Document, ds diag.List, size int64, modTime time.Time)
	MediaBlob(path string, size int64, modTime time.Time) (string, bool)
	PutMediaBlob(path string, size int64, modTime time.Time, blob string)
}

// blobEntry is a listed file that knows its git blob hash (see TreeFS).
type blobEntry interface{ BlobHash() string }

// Load reads a content repository from fsys. It returns the repository and
// every diagnostic found; the error is reserved for failures to read the
// file system itself.
func Load(ctx context.Context, fsys fs.FS, opts Options) (*Repo, diag.List, error) {
	l := &loader{fsys: fsys, opts: opts}
	if t, ok := fsys.(*TreeFS); ok {
		if tc, ok := opts.Cache.(TreeCache); ok {
			t.useTreeCache(tc)
		}
	}
	return l.load(ctx)
}

type loader struct {
	fsys  fs.FS
	opts  Options
	limit int64 // largest document size
}

type job struct {
	path  string
	kind  Kind // from the folder
	entry fs.DirEntry
}

func (l *loader) load(ctx context.Context) (*Repo, diag.List, error) {
	var ds diag.List
	repo := &Repo{Media: map[string]MediaFile{}, fsys: l.fsys}

	// Walking the folders needs nothing from the configuration: it runs
	// while the configuration loads, and its findings are used in order
	// afterwards.
	type walked struct {
		found []found
		media diag.List
		err   error
	}
	walking := make(chan walked, 1)
	go func() {
		var w walked
		w.found, w.err = l.walk()
		if w.err == nil {
			w.err = l.listMedia(repo, &w.media)
		}
		walking <- w
	}()

	cfgPath := l.opts.ConfigPath
	if cfgPath == "" {
		cfgPath = ConfigFile
	}
	cfg, cfgDoc, cds, err := loadConfig(l.fsys, cfgPath)
	w := <-walking
	if err != nil {
		return nil, nil, err
	}
	ds.Add(cds...)
	repo.Config, repo.ConfigDoc = cfg, cfgDoc

	limit := int64(DefaultMaxFileSize)
	if cfg != nil && cfg.Limits.MaxFileSize != "" {
		if n, err := ParseSize(cfg.Limits.MaxFileSize); err == nil {
			limit = n
		} else {
			ds.Errorf(cfgDoc.PosOf("limits", "max_file_size"), "config-invalid", "write a size such as 1MiB or 500KB", "%v", err)
		}
	}
	if l.opts.MaxFileSize > 0 {
		limit = l.opts.MaxFileSize
	}
	l.limit = limit
	if w.err != nil {
		return nil, nil, w.err
	}

	var jobs []job
	for _, f := range w.found {
		if f.diag != nil {
			ds.Add(*f.diag)
		} else {
			jobs = append(jobs, f.job)
		}
	}
	ds.Add(w.media...)

	docs, dds, err := l.parseAll(ctx, jobs)
	if err != nil {
		return nil, nil, err
	}
	ds.Add(dds...)
	repo.Docs = docs
	return repo, ds, nil
}

// found is what the walk finds, in order: a document to read, or a
// diagnostic about a file that is not one.
type found struct {
	job  job
	diag *diag.Diagnostic
}

// walk lists the documents of every kind's folder.
func (l *loader) walk() ([]found, error) {
	var out []found
	report := func(ds diag.List) {
		for i := range ds {
			out = append(out, found{diag: &ds[i]})
		}
	}
	for _, k := range Kinds {
		err := fs.WalkDir(l.fsys, k.Folder, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == k.Folder {
					return fs.SkipDir
				}
				return err
			}
			if e.IsDir() {
				if p != k.Folder && strings.HasPrefix(e.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			if strings.HasPrefix(e.Name(), ".") {
				return nil
			}
			pos := diag.Pos{File: p}
			var ds diag.List
			if e.Type()&fs.ModeSymlink != 0 {
				ds.Errorf(pos, "symlink", "replace the link with the file itself", "%s is a symbolic link; clairon reads documents only from regular files inside the repository", p)
				report(ds)
				return nil
			}
			if !e.Type().IsRegular() {
				return nil
			}
			ext := strings.ToLower(path.Ext(p))
			if ext != ".md" && ext != ".markdown" {
				ds.Warnf(pos, "not-markdown", fmt.Sprintf("documents are Markdown files ending in .md; put images and videos under %s/", MediaFolder), "%s is not a Markdown file and is ignored", p)
				report(ds)
				return nil
			}
			// The file's size and time are read by the parsing workers, in
			// parallel: one stat per file is most of a cached run's walk.
			out = append(out, found{job: job{path: p, kind: k.Kind, entry: e}})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", k.Folder, err)
		}
	}
	return out, nil
}

func (l *loader) listMedia(repo *Repo, ds *diag.List) error {
	err := fs.WalkDir(l.fsys, MediaFolder, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == MediaFolder {
				return fs.SkipDir
			}
			return err
		}
		if e.IsDir() {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		mf := MediaFile{Size: info.Size(), ModTime: info.ModTime(), Symlink: e.Type()&fs.ModeSymlink != 0}
		switch be, ok := e.(blobEntry); {
		case ok:
			mf.Blob = be.BlobHash()
		case l.opts.Cache != nil && e.Type().IsRegular():
			if mf.Blob, ok = l.opts.Cache.MediaBlob(p, mf.Size, mf.ModTime); !ok {
				if data, err := fs.ReadFile(l.fsys, p); err == nil {
					mf.Blob = BlobHash(data)
					l.opts.Cache.PutMediaBlob(p, mf.Size, mf.ModTime, mf.Blob)
				}
			}
		}
		repo.Media[p] = mf
		return nil
	})
	if err != nil {
		return fmt.Errorf("walk %s: %w", MediaFolder, err)
	}
	return nil
}

// parseAll parses the files in parallel and returns documents sorted by path.
func (l *loader) parseAll(ctx context.Context, jobs []job) ([]*Document, diag.List, error) {
	workers := l.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type result struct {
		doc *Document
		ds  diag.List
		err error
	}
	results := make([]result, len(jobs))
	// A few files at a time: a file restored from the cache takes about a
	// microsecond, one parsed tens of them.
	parallel.ChunksOn(workers, len(jobs), 16, func(lo, hi int) {
		for i := lo; i < hi && ctx.Err() == nil; i++ {
			d, ds, err := l.parseFile(jobs[i])
			results[i] = result{d, ds, err}
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}

	var docs []*Document
	var ds diag.List
	for _, r := range results {
		if r.err != nil {
			return nil, nil, r.err
		}
		ds.Add(r.ds...)
		if r.doc != nil {
			docs = append(docs, r.doc)
		}
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].Path < docs[j].Path })
	return docs, ds, nil
}

func (l *loader) parseFile(j job) (*Document, diag.List, error) {
	blob := ""
	if e, ok := j.entry.(blobEntry); ok {
		blob = e.BlobHash()
	}
	cached := l.opts.Cache != nil && j.kind == KindPost
	if cached && blob != "" {
		// A file of a git tree is known by its blob: when the cache has it,
		// the file is neither read nor even sized.
		if d, ds, size, ok := l.opts.Cache.GetBlob(j.path, blob); ok && size <= l.limit {
			return d, ds, nil
		}
	}
	info, err := j.entry.Info()
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", j.path, err)
	}
	size, modTime := info.Size(), info.ModTime()
	if blob != "" {
		modTime = time.Time{} // every file of a tree has the commit's time
	}
	if size > l.limit {
		var ds diag.List
		ds.Errorf(diag.Pos{File: j.path}, "too-large", "split the document, or raise limits.max_file_size in clairon.yaml", "%s is %s, over the %s limit for a document", j.path, FormatSize(size), FormatSize(l.limit))
		return nil, ds, nil
	}
	if cached && blob == "" {
		if d, ds, ok := l.opts.Cache.Get(j.path, size, modTime); ok {
			return d, ds, nil
		}
	}
	data, err := fs.ReadFile(l.fsys, j.path)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", j.path, err)
	}
	if blob == "" {
		blob = BlobHash(data)
	}
	if cached && !modTime.IsZero() {
		// Touched but not changed (a checkout, a fresh clone): the same
		// content needs no parsing, only its new time remembered.
		if d, ds, _, ok := l.opts.Cache.GetBlob(j.path, blob); ok {
			l.opts.Cache.Put(d, ds, size, modTime)
			return d, ds, nil
		}
	}
	d, ds := ParseDocument(j.path, j.kind, data)
	if d != nil {
		d.Blob = blob
	}
	if cached && d != nil && d.Post != nil {
		l.opts.Cache.Put(d, ds, size, modTime)
	}
	return d, ds, nil
}
