package telegram

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/clairon-dev/clairon/engine/network"
)

const (
	testToken = "123456789:AAunitBotTokenHq7Wc2Xe9Rb4Tn6Ym1Kp3"
	chatName  = "clairon_canal"
	chatID    = -1001234567890
)

// call is one expected Bot API request and its reply.
type call struct {
	method string
	// params are compared with the JSON body, or with the multipart fields
	// (objects JSON-decoded) when files are sent.
	params map[string]any
	files  map[string]wantFile
	status int
	reply  string
}

type wantFile struct {
	name, mime, data string
}

// botScript serves the calls in order and checks each exactly.
func botScript(t *testing.T, calls ...call) *httptest.Server {
	t.Helper()
	var (
		mu sync.Mutex
		i  int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if i >= len(calls) {
			t.Errorf("unexpected request %s", strings.ReplaceAll(r.URL.Path, testToken, "<token>"))
			w.WriteHeader(500)
			return
		}
		c := calls[i]
		i++
		if want := "/bot" + testToken + "/" + c.method; r.Method != http.MethodPost || r.URL.Path != want {
			t.Errorf("request %d: %s %s, want POST .../%s", i, r.Method, strings.ReplaceAll(r.URL.Path, testToken, "<token>"), c.method)
		}
		got := map[string]any{}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				t.Fatal(err)
			}
			for k, vs := range r.MultipartForm.Value {
				var v any
				if err := json.Unmarshal([]byte(vs[0]), &v); err != nil || k == "caption" || k == "parse_mode" {
					v = vs[0]
				}
				got[k] = v
			}
			if len(r.MultipartForm.File) != len(c.files) {
				t.Errorf("request %d: %d files, want %d", i, len(r.MultipartForm.File), len(c.files))
			}
			for field, want := range c.files {
				fhs := r.MultipartForm.File[field]
				if len(fhs) != 1 {
					t.Errorf("request %d: no file %q", i, field)
					continue
				}
				f, _ := fhs[0].Open()
				data, _ := io.ReadAll(f)
				f.Close()
				if fhs[0].Filename != want.name || fhs[0].Header.Get("Content-Type") != want.mime || string(data) != want.data {
					t.Errorf("request %d: file %q = %s %s %q", i, field, fhs[0].Filename, fhs[0].Header.Get("Content-Type"), data)
				}
			}
		} else {
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("request %d: Content-Type %q", i, ct)
			}
			if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
				t.Errorf("request %d: body: %v", i, err)
			}
		}
		want := normalizeJSON(c.params)
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			t.Errorf("request %d (%s):\n got %s\nwant %s", i, c.method, g, wj)
		}
		w.Header().Set("Content-Type", "application/json")
		if c.status != 0 {
			w.WriteHeader(c.status)
		}
		io.WriteString(w, c.reply)
	}))
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		defer mu.Unlock()
		if i != len(calls) {
			t.Errorf("%d of %d expected requests were made", i, len(calls))
		}
	})
	return srv
}

// normalizeJSON gives v the shape json.Unmarshal produces.
func normalizeJSON(v map[string]any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// ok wraps a result in the Bot API envelope.
func ok(result string) string { return `{"ok":true,"result":` + result + `}` }

// msg is a Message of the test channel.
func msg(id int) string {
	return `{"message_id":` + itoa(id) + `,"date":1772443800,"chat":{"id":-1001234567890,"title":"Canal","username":"` + chatName + `","type":"channel"}}`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// newTest builds an adapter for @clairon_canal talking to srv.
func newTest(t *testing.T, srv *httptest.Server, settings ...string) *Adapter {
	t.Helper()
	s := map[string]string{SettingChatID: "@" + chatName, SettingAPI: srv.URL}
	for i := 0; i+1 < len(settings); i += 2 {
		s[settings[i]] = settings[i+1]
	}
	a, err := NewAdapter(network.Config{Account: "brand-telegram", Network: Name, Settings: s,
		Secrets: map[string]string{SecretToken: testToken}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
