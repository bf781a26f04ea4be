package networktest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"testing"
	"time"
)

func TestImageDecodes(t *testing.T) {
	for _, tc := range []struct {
		accepted []string
		format   string
	}{
		{[]string{"image/webp", "image/jpeg"}, "jpeg"},
		{[]string{"image/gif"}, "gif"},
		{nil, "png"},
	} {
		m := Image(tc.accepted, 3, "alt")
		cfg, format, err := image.DecodeConfig(bytes.NewReader(m.Data))
		if err != nil || format != tc.format || cfg.Width != 8 || m.MIME != "image/"+tc.format {
			t.Errorf("Image(%v) = %s %s %dpx, %v; want %s", tc.accepted, m.MIME, format, cfg.Width, err, tc.format)
		}
		if sum := sha256.Sum256(m.Data); m.Digest != hex.EncodeToString(sum[:]) {
			t.Errorf("Image(%v) digest is not the data's", tc.accepted)
		}
	}
}

func TestClockSleepAdvances(t *testing.T) {
	c := NewClock(time.Time{})
	if err := c.Sleep(context.Background(), time.Minute); err != nil || !c.Now().Equal(Start.Add(time.Minute)) {
		t.Errorf("after Sleep(1m): %v, %v", c.Now(), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c.Sleep(ctx, time.Hour) == nil || !c.Now().Equal(Start.Add(time.Minute)) {
		t.Error("Sleep with a done context advanced the clock")
	}
	if got := c.Slept(); len(got) != 1 || got[0] != time.Minute {
		t.Errorf("Slept = %v", got)
	}
}
