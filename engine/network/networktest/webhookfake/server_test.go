package webhookfake_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/network/networktest"
	"github.com/clairon-dev/clairon/engine/network/networktest/webhookfake"
)

// delivery describes one request to the fake.
type delivery struct {
	body, key, event, secret string
	at                       time.Time // the timestamp signed
	ctype                    string
	sig                      string // overrides the computed signature when set
}

func send(t *testing.T, s *webhookfake.Server, d delivery) (int, map[string]any) {
	t.Helper()
	if d.secret == "" {
		d.secret = webhookfake.Secret
	}
	if d.at.IsZero() {
		d.at = networktest.Start
	}
	if d.ctype == "" {
		d.ctype = "application/json"
	}
	ts := strconv.FormatInt(d.at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(d.secret))
	mac.Write([]byte(ts + "." + d.body))
	sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if d.sig != "" {
		sig = d.sig
	}
	req, _ := http.NewRequest("POST", s.URL(), strings.NewReader(d.body))
	req.Header.Set("Content-Type", d.ctype)
	req.Header.Set("Idempotency-Key", d.key)
	req.Header.Set("X-Clairon-Event", d.event)
	req.Header.Set("X-Clairon-Timestamp", ts)
	req.Header.Set("X-Clairon-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

const published = `{"event":"post.published","key":"k1","text":"bonjour","created_at":"2026-03-02T09:30:00Z","media":[]}`

func TestSignatureAndHeaders(t *testing.T) {
	tests := []struct {
		name   string
		d      delivery
		status int
	}{
		{"valid", delivery{body: published, key: "k1", event: "post.published"}, 201},
		{"wrong secret", delivery{body: published, key: "k1", event: "post.published", secret: "not the shared secret"}, 401},
		{"signature of another body", delivery{body: published, key: "k1", event: "post.published", sig: "sha256=" + strings.Repeat("0", 64)}, 401},
		{"stale", delivery{body: published, key: "k1", event: "post.published", at: networktest.Start.Add(-6 * time.Minute)}, 401},
		{"future", delivery{body: published, key: "k1", event: "post.published", at: networktest.Start.Add(6 * time.Minute)}, 401},
		{"within tolerance", delivery{body: published, key: "k1", event: "post.published", at: networktest.Start.Add(-4 * time.Minute)}, 201},
		{"not JSON", delivery{body: published, key: "k1", event: "post.published", ctype: "text/plain"}, 415},
		{"no key", delivery{body: published, event: "post.published"}, 400},
		{"key differs from body", delivery{body: published, key: "k2", event: "post.published"}, 422},
		{"event header differs", delivery{body: published, key: "k1", event: "post.deleted"}, 400},
		{"unknown event", delivery{body: `{"event":"post.liked"}`, key: "k1", event: "post.liked"}, 400},
		{"bad digest", delivery{body: `{"event":"post.published","key":"k1","created_at":"2026-03-02T09:30:00Z","media":[{"name":"a.png","digest":"00","data_base64":"bG9nbw=="}]}`, key: "k1", event: "post.published"}, 422},
		{"update of unknown", delivery{body: `{"event":"post.updated","id":"nope","created_at":"2026-03-02T09:30:00Z"}`, key: "u1", event: "post.updated"}, 404},
		{"delete of unknown", delivery{body: `{"event":"post.deleted","id":"nope","deleted_at":"2026-03-02T09:30:00Z"}`, key: "d1", event: "post.deleted"}, 410},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := webhookfake.New()
			defer s.Close()
			status, body := send(t, s, tt.d)
			if status != tt.status {
				t.Errorf("status %d (%v), want %d", status, body, tt.status)
			}
			if wrote := tt.status/100 == 2; (s.Writes() == 1) != wrote {
				t.Errorf("writes %d, want a write: %v", s.Writes(), wrote)
			}
			if d := s.Deliveries(); len(d) != 1 || d[0].Status != tt.status {
				t.Errorf("deliveries %+v", d)
			}
		})
	}
}

func TestDeduplicatesOnKey(t *testing.T) {
	s := webhookfake.New()
	defer s.Close()
	d := delivery{body: published, key: "k1", event: "post.published"}
	_, first := send(t, s, d)
	status, again := send(t, s, d)
	if status != 201 || again["id"] != first["id"] || s.Writes() != 1 || len(s.Messages()) != 1 {
		t.Errorf("repeat: %d %v (first %v), writes %d", status, again, first, s.Writes())
	}
	// FailAfter writes, loses the reply; the retry gets the original answer.
	s.Inject(networktest.FailAfter)
	d2 := delivery{body: strings.ReplaceAll(published, "k1", "k2"), key: "k2", event: "post.published"}
	if status, _ := send(t, s, d2); status != 500 {
		t.Errorf("FailAfter: %d", status)
	}
	if status, _ := send(t, s, d2); status != 201 || s.Writes() != 2 {
		t.Errorf("retry after FailAfter: %d, writes %d; want the stored reply and no new write", status, s.Writes())
	}
	id := s.Messages()[0].ID
	upd := delivery{body: `{"event":"post.updated","id":"` + id + `","key":"k3","text":"corrigé","created_at":"2026-03-02T09:31:00Z"}`, key: "u1", event: "post.updated"}
	if status, _ := send(t, s, upd); status != 200 {
		t.Errorf("update: %d", status)
	}
	if st, _ := s.Stored(id); st.Text != "corrigé" || st.Updates != 1 {
		t.Errorf("after update %+v", st)
	}
	del := delivery{body: `{"event":"post.deleted","id":"` + id + `","deleted_at":"2026-03-02T09:32:00Z"}`, key: "d1", event: "post.deleted"}
	if status, _ := send(t, s, del); status != 204 || len(s.Messages()) != 1 {
		t.Errorf("delete: %d, %d live messages", status, len(s.Messages()))
	}
}
