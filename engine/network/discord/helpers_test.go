package discord_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/internal/golden"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/discord"
)

const (
	hookID  = "223704706495545344"
	token   = "Tok3n_SECRET-3d89bb7572e0fb30d8128367b3b1b44fecd1726de135cbe28a41f8b2f777c372ba2939e7"
	guildID = "199737254929760256"
)

var now = time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC)

func webhookURL() string { return "https://discord.com/api/webhooks/" + hookID + "/" + token }

// captured is one request a test server received.
type captured struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// recorder is a test server that records every request and answers with
// respond (the request's index in the sequence is n).
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []captured
}

func newRecorder(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, n int)) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		n := len(rec.reqs)
		rec.reqs = append(rec.reqs, captured{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		rec.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		respond(w, r, n)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) requests() []captured {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]captured(nil), r.reqs...)
}

// config points an adapter at rec; guild_id is set so that no webhook read
// precedes the first write, unless the caller removes it.
func (r *recorder) config(settings map[string]string) network.Config {
	s := map[string]string{"api": r.URL + "/api/v10", "guild_id": guildID}
	for k, v := range settings {
		if v == "" {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
	return network.Config{
		Account: "brand-discord", Network: "discord", Settings: s,
		Secrets: map[string]string{"webhook": webhookURL()},
		Now:     func() time.Time { return now },
	}
}

func newAdapter(t *testing.T, cfg network.Config) *discord.Adapter {
	t.Helper()
	a, err := discord.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func respondJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func messageJSON(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "message.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// render writes a request as readable text for a golden file: the method,
// the path with the token replaced, the query, the content type, and the
// body (JSON indented; multipart part by part, files by size and digest).
func render(t *testing.T, c captured) string {
	t.Helper()
	var b strings.Builder
	path := strings.Replace(c.Path, token, "{token}", 1)
	fmt.Fprintf(&b, "%s %s", c.Method, path)
	if c.Query != "" {
		fmt.Fprintf(&b, "?%s", c.Query)
	}
	ct := c.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	fmt.Fprintf(&b, "\nContent-Type: %s\n", mt)
	switch mt {
	case "":
		if len(c.Body) != 0 {
			t.Errorf("%s %s has a body but no Content-Type", c.Method, path)
		}
	case "application/json":
		b.WriteString("\n" + indent(t, c.Body))
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(c.Body), params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			data, _ := io.ReadAll(part)
			fmt.Fprintf(&b, "\n--- %s", part.Header.Get("Content-Disposition"))
			fmt.Fprintf(&b, " [%s]\n", part.Header.Get("Content-Type"))
			if part.FormName() == "payload_json" {
				b.WriteString(indent(t, data))
			} else {
				sum := sha256.Sum256(data)
				fmt.Fprintf(&b, "%d bytes sha256:%s\n", len(data), hex.EncodeToString(sum[:8]))
			}
		}
	default:
		t.Errorf("unexpected Content-Type %q", ct)
	}
	return b.String()
}

func indent(t *testing.T, data []byte) string {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, data)
	}
	return out.String() + "\n"
}

// checkGolden compares got with testdata/name.golden, rewriting it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), []byte(got))
}

// square is a small media item with real bytes.
func square(name, mime, alt string) network.Media {
	data := []byte("\x89PNG\r\n\x1a\n" + name)
	sum := sha256.Sum256(data)
	return network.Media{Name: name, MIME: mime, Data: data, Digest: hex.EncodeToString(sum[:]), Alt: alt}
}
