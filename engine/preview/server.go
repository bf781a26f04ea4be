package preview

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Builder loads the content and computes what the site shows.
type Builder func(ctx context.Context) (Input, error)

// Server serves the site live and rebuilds it when a file of the content
// changes; open pages reload through server-sent events.
type Server struct {
	build Builder
	dir   string
	poll  time.Duration
	log   *slog.Logger

	mu      sync.RWMutex
	site    *Site
	media   fs.FS
	err     error
	clients map[chan struct{}]bool
	print   string
}

// NewServer builds the site once; dir is the content directory to watch,
// every poll interval.
func NewServer(ctx context.Context, build Builder, dir string, poll time.Duration, log *slog.Logger) *Server {
	s := &Server{build: build, dir: dir, poll: poll, log: log, clients: map[chan struct{}]bool{}}
	s.print = fingerprint(dir)
	s.rebuild(ctx)
	return s
}

func (s *Server) rebuild(ctx context.Context) {
	in, err := s.build(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
	if err == nil {
		s.site = New(in, true)
		s.media = in.Repo.FS()
	}
}

// Watch polls the content directory until ctx ends, rebuilding the site
// and telling every open page to reload when something changed.
func (s *Server) Watch(ctx context.Context) {
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p := fingerprint(s.dir)
		if p == s.print {
			continue
		}
		s.print = p
		s.rebuild(ctx)
		s.log.Info("content changed; pages reloaded")
		s.mu.Lock()
		for c := range s.clients {
			select {
			case c <- struct{}{}:
			default:
			}
		}
		s.mu.Unlock()
	}
}

// fingerprint sums the paths, sizes and times of the content's files.
func fingerprint(dir string) string {
	h := sha256.New()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".clairon" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			fmt.Fprintf(h, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return fmt.Sprintf("%x", h.Sum(nil))
}

// ServeHTTP serves pages, the stylesheet, media and the event stream.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	switch {
	case p == "events":
		s.events(w, r)
		return
	case p == "style.css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Write(Stylesheet())
		return
	}
	s.mu.RLock()
	site, media, err := s.site, s.media, s.err
	s.mu.RUnlock()
	if err != nil || site == nil {
		http.Error(w, fmt.Sprintf("clairon cannot build the preview: %v", err), http.StatusInternalServerError)
		return
	}
	if strings.HasPrefix(p, "media/") {
		b, err := fs.ReadFile(media, p)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(p)))
		w.Write(b)
		return
	}
	if p == "." || p == "" {
		p = "index.html"
	}
	page, ok, err := site.Render(p)
	switch {
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	case !ok:
		http.NotFound(w, r)
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'")
		w.Write(page)
	}
}

// events streams "reload" to a page whenever the content changed.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	c := make(chan struct{}, 1)
	s.mu.Lock()
	s.clients[c] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.clients, c)
		s.mu.Unlock()
	}()
	fmt.Fprint(w, ": connected\n\n")
	flusher.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c:
			fmt.Fprint(w, "data: reload\n\n")
			flusher.Flush()
		}
	}
}

// Export writes every page, the stylesheet and the media the posts use into
// dir, as static files that open from disk.
func Export(site *Site, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "style.css"), Stylesheet(), 0o644); err != nil {
		return err
	}
	for _, p := range site.Pages() {
		b, ok, err := site.Render(p)
		if err != nil {
			return err
		}
		if ok {
			if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
				return err
			}
		}
	}
	for p := range site.in.Repo.Media {
		b, err := site.in.Repo.ReadFile(p)
		if err != nil {
			continue
		}
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
