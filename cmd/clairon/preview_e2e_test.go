package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// lockedBuffer is a bytes.Buffer safe for a writer and a reader at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *lockedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *lockedBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// chromium finds the browser, or skips the test (fails it in CI, where
// .ci/run installs Debian's chromium).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run installs Debian's chromium package")
	}
	t.Skip("chromium is not installed (apt-get install chromium); CI runs this test")
	return ""
}

// TestPreviewInBrowser serves the sample content, loads it in a real
// headless Chromium, checks the cards, counts and calendar, edits a file and
// watches the open page update, and takes a screenshot. No request may leave
// the preview server.
func TestPreviewInBrowser(t *testing.T) {
	exe := chromium(t)
	dir := sampleCopy(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- runWith(ctx, []string{"preview", "--serve", "--addr", "127.0.0.1:0", "--dir", dir}, strings.NewReader(""), out, io.Discard,
			func(string) string { return "" }, func() time.Time { return time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC) })
	}()
	base := ""
	for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(out.String()); m != "" {
			base = m
		}
	}
	if base == "" {
		t.Fatalf("the server did not start: %s", out.String())
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1400))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	bctx, tcancel := context.WithTimeout(bctx, 90*time.Second)
	defer tcancel()

	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(bctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	card := `section.card[aria-label="brulerie-mastodon on Mastodon"]`
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return s
	}
	do(chromedp.Navigate(base+"post-abonnements-hiver.html"), chromedp.WaitVisible(card))
	if got := text(card + " .text"); !strings.Contains(got, "l’abonnement de la Brûlerie passe à l’heure d’hiver") || !strings.Contains(got, "utm_source=mastodon") {
		t.Errorf("mastodon card text: %q", got)
	}
	if got := text(card + " .counter"); !regexp.MustCompile(`^\d+ / 500 graphemes$`).MatchString(strings.TrimSpace(got)) {
		t.Errorf("mastodon counter: %q", got)
	}

	// Every network's card of the sample is on the index.
	do(chromedp.Navigate(base), chromedp.WaitVisible(`article.post`))
	networks, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...new Set([...document.querySelectorAll("section.card .name")].map(e => e.textContent))].sort()`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(networks, ","); got != "Bluesky,Discord,Facebook,Instagram,LinkedIn,Mastodon,Telegram,Webhook,X" {
		t.Errorf("networks shown: %s", got)
	}

	// The calendar shows the right days.
	do(chromedp.Navigate(base+"calendar-2027-01.html"), chromedp.WaitVisible(`table.month`))
	day7, day8 := text(`table.month td[data-date="2027-01-07"]`), text(`table.month td[data-date="2027-01-08"]`)
	if !strings.Contains(day7, "portrait-tierra-alta") || !strings.Contains(day8, "Coulisses de la torréfaction") {
		t.Errorf("7 Jan: %q; 8 Jan: %q", day7, day8)
	}

	// Editing a file updates the open page.
	do(chromedp.Navigate(base+"post-abonnements-hiver.html"), chromedp.WaitVisible(card))
	post := filepath.Join(dir, "posts", "2026-11", "abonnements-hiver.md")
	b, _ := os.ReadFile(post)
	edited := strings.Replace(string(b), "passe à l’heure d’hiver", "passe à l’heure d’hiver (édition en direct)", 1)
	if edited == string(b) {
		t.Fatal("the sample post changed: update the test")
	}
	os.WriteFile(post, []byte(edited), 0o644)
	// The page reloads itself; evaluations during the reload fail, so poll.
	updated := false
	for deadline := time.Now().Add(20 * time.Second); !updated && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		updated, _ = chromedp.Run(bctx, chromedp.Evaluate[bool](`!!document.querySelector('`+card+` .text')?.textContent.includes("édition en direct")`))
	}
	if !updated {
		t.Fatal("the open page did not update after the file was edited")
	}

	// A screenshot, which must not be blank.
	do(chromedp.Navigate(base), chromedp.WaitVisible(`article.post`))
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(80))
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("CLAIRON_SCREENSHOT") != "" {
		os.WriteFile(os.Getenv("CLAIRON_SCREENSHOT"), shot, 0o644)
	}
	assertNotBlank(t, shot)

	mu.Lock()
	defer mu.Unlock()
	for _, u := range requests {
		if !strings.HasPrefix(u, base) && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page fetched %s, outside the preview server", u)
		}
	}
	if len(requests) == 0 {
		t.Error("no request was seen: the network listener is broken")
	}
	cancel()
	<-done
}

// assertNotBlank decodes a screenshot (JPEG or PNG) and checks that it has
// real content: many distinct colours.
func assertNotBlank(t *testing.T, shot []byte) {
	t.Helper()
	img, err := decodeImage(shot)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	colors := map[uint32]bool{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 7 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 7 {
			r, g, b, _ := img.At(x, y).RGBA()
			colors[(r>>11)<<10|(g>>11)<<5|(b>>11)] = true
		}
	}
	if len(colors) < 20 || bounds.Dx() < 800 {
		t.Errorf("the screenshot looks blank: %d colours, %v", len(colors), bounds)
	}
}
