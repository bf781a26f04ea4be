package networktest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"slices"

	"github.com/clairon-dev/clairon/engine/network"
)

// encoders are the image types the suite can produce, in order of preference.
var encoders = []struct {
	mime, ext string
	encode    func(*bytes.Buffer, image.Image) error
}{
	{"image/png", "png", func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }},
	{"image/jpeg", "jpg", func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }},
	{"image/gif", "gif", func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) }},
}

// Image returns a small real image (8×8 pixels, a colour chosen by seed)
// of the first type in accepted the suite can encode (PNG, JPEG or GIF;
// PNG when accepted names none of them), with its digest, size and alt.
func Image(accepted []string, seed int, alt string) network.Media {
	enc := encoders[0]
	for _, e := range encoders {
		if slices.Contains(accepted, e.mime) {
			enc = e
			break
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	c := color.RGBA{R: uint8(40 * seed), G: uint8(255 - 30*seed), B: uint8(90 + 17*seed), A: 255}
	for y := range 8 {
		for x := range 8 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := enc.encode(&b, img); err != nil {
		panic(fmt.Sprintf("networktest: encode %s: %v", enc.mime, err))
	}
	sum := sha256.Sum256(b.Bytes())
	return network.Media{
		Name:   fmt.Sprintf("square-%d.%s", seed, enc.ext),
		MIME:   enc.mime,
		Data:   b.Bytes(),
		Digest: hex.EncodeToString(sum[:]),
		Alt:    alt,
		Width:  8,
		Height: 8,
	}
}
