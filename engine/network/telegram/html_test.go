package telegram

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

func TestPlainAndLength(t *testing.T) {
	tests := []struct {
		html, plain string
		units       int
	}{
		{"Bonjour", "Bonjour", 7},
		{`<b>Gras</b> et <a href="https://x.example/?a=1&amp;b=2">lien</a>`, "Gras et lien", 12},
		{"5 &lt; 6 &amp;&amp; 7 &gt; 6 &quot;ok&quot; &#233;", `5 < 6 && 7 > 6 "ok" é`, 21},
		{`<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> top`, "👍 top", 6},
		{"<pre><code class=\"language-go\">x := 1</code></pre>", "x := 1", 6},
		{"café 🇫🇷", "café 🇫🇷", 9},
	}
	for _, tt := range tests {
		if got := plain(tt.html); got != tt.plain {
			t.Errorf("plain(%q) = %q, want %q", tt.html, got, tt.plain)
		}
		if got := length(tt.plain); got != tt.units {
			t.Errorf("length(%q) = %d, want %d", tt.plain, got, tt.units)
		}
	}
}

func TestSplitLastParagraph(t *testing.T) {
	tests := []struct {
		in, head, last string
		ok             bool
	}{
		{"Intro\n\nQuestion ?", "Intro", "Question ?", true},
		{"A\n\nB\n\n<b>C ?</b>\n", "A\n\nB", "<b>C ?</b>", true},
		{"<pre>code\n\nmore</pre>", "<pre>code\n\nmore</pre>", "", false},
		{"<blockquote>A\n\nB</blockquote>\n\nC ?", "<blockquote>A\n\nB</blockquote>", "C ?", true},
		{"Une seule ligne", "Une seule ligne", "", false},
		{"<b></b>\n\nQuestion ?", "<b></b>\n\nQuestion ?", "", false},
	}
	for _, tt := range tests {
		head, last, ok := splitLastParagraph(tt.in)
		if head != tt.head || last != tt.last || ok != tt.ok {
			t.Errorf("splitLastParagraph(%q) = %q, %q, %v; want %q, %q, %v", tt.in, head, last, ok, tt.head, tt.last, tt.ok)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate("court", 300); got != "court" {
		t.Errorf("truncate kept %q", got)
	}
	got := truncate(strings.Repeat("😀", 200), 300)
	if length(got) > 300 || !strings.HasSuffix(got, "…") {
		t.Errorf("truncate gave %d units: %q", length(got), got)
	}
}

// TestTokenNeverInErrors: the bot token sits in the URL path, so a failed
// request's *url.Error would show it; every error path must hide it.
func TestTokenNeverInErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices a closed connection only once the body is read
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hang.Close()
	defer close(release)
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		w.Write([]byte(`{"ok":false,"error_code":400,"description":"Bad Request: invalid path ` + r.URL.Path + `"}`))
	}))
	defer echo.Close()
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		w.Write([]byte("<html>upstream " + r.URL.String() + " failed</html>"))
	}))
	defer gateway.Close()

	for _, tc := range []struct {
		name, api string
		client    *http.Client
	}{
		{"refused connection", closed, nil},
		{"timeout", hang.URL, &http.Client{Timeout: 50 * time.Millisecond}},
		{"echoed path", echo.URL, nil},
		{"proxy page", gateway.URL, nil},
		{"transport quoting the URL", "https://api.telegram.org", &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return nil, errors.New("no route to " + r.URL.String())
		})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := NewAdapter(network.Config{Settings: map[string]string{SettingChatID: "@" + chatName, SettingAPI: tc.api},
				Secrets: map[string]string{SecretToken: testToken}, HTTPClient: tc.client})
			if err != nil {
				t.Fatal(err)
			}
			errs := []error{}
			_, err = a.Publish(context.Background(), &network.Post{Text: "x"})
			errs = append(errs, err)
			_, err = a.Edit(context.Background(), network.Ref{ID: "1"}, &network.Post{Text: "x"})
			errs = append(errs, err)
			errs = append(errs, a.Delete(context.Background(), network.Ref{ID: "1"}))
			for _, err := range errs {
				if err == nil {
					t.Fatal("no error")
				}
				for e := err; e != nil; e = errors.Unwrap(e) {
					for _, form := range network.SecretForms(testToken) {
						if strings.Contains(e.Error(), form) {
							t.Errorf("%T in the chain of %q shows the token", e, err)
						}
					}
				}
			}
			for _, err := range errs {
				var uerr *url.Error
				if errors.As(err, &uerr) {
					t.Errorf("a *url.Error (whose text is the URL) stays in the chain of %v", err)
				}
			}
		})
	}
}

// roundTripFunc is a transport for tests.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
