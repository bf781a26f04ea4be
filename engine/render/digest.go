package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/clairon-dev/clairon/engine/network"
)

// digest hashes what would be published, canonically: the JSON encoding of
// digestKey, written by appendDigestJSON.
func digest(o *Output) string {
	var buf [2048]byte
	sum := sha256.Sum256(appendDigestJSON(buf[:0], o))
	return hex.EncodeToString(sum[:])
}

type digestPart struct {
	Text  string        `json:"t"`
	Media []Media       `json:"m,omitempty"`
	Poll  *network.Poll `json:"p,omitempty"`
	FC    bool          `json:"f,omitempty"`
}

type digestKey struct {
	Network string         `json:"n"`
	Format  network.Format `json:"f"`
	CW      string         `json:"cw,omitempty"`
	Lang    string         `json:"l,omitempty"`
	ReplyTo string         `json:"r,omitempty"`
	Parts   []digestPart   `json:"p"`
}

// digestKeyOf is what the digest covers: the media's size is left out, the
// blob hash already identifies the bytes.
func digestKeyOf(o *Output) digestKey {
	key := digestKey{o.Network, o.Format, o.ContentWarning, o.Language, o.ReplyTo, nil}
	for _, p := range o.Parts {
		media := append([]Media(nil), p.Media...)
		for i := range media {
			media[i].Size = 0
		}
		key.Parts = append(key.Parts, digestPart{p.Text, media, p.Poll, p.FirstComment})
	}
	return key
}

// appendDigestJSON appends json.Marshal(digestKeyOf(o)), written directly:
// the same bytes without the reflection, or json.Marshal itself for a focal
// point, whose floats it leaves to encoding/json.
func appendDigestJSON(b []byte, o *Output) []byte {
	for _, p := range o.Parts {
		for _, m := range p.Media {
			if m.Focus != nil {
				j, _ := json.Marshal(digestKeyOf(o))
				return append(b, j...)
			}
		}
	}
	b = append(b, `{"n":`...)
	b = appendJSONString(b, o.Network)
	b = append(b, `,"f":`...)
	b = appendJSONString(b, string(o.Format))
	if o.ContentWarning != "" {
		b = append(b, `,"cw":`...)
		b = appendJSONString(b, o.ContentWarning)
	}
	if o.Language != "" {
		b = append(b, `,"l":`...)
		b = appendJSONString(b, o.Language)
	}
	if o.ReplyTo != "" {
		b = append(b, `,"r":`...)
		b = appendJSONString(b, o.ReplyTo)
	}
	b = append(b, `,"p":`...)
	if len(o.Parts) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, p := range o.Parts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"t":`...)
			b = appendJSONString(b, p.Text)
			if len(p.Media) > 0 {
				b = append(b, `,"m":[`...)
				for j, m := range p.Media {
					if j > 0 {
						b = append(b, ',')
					}
					b = append(b, `{"path":`...)
					b = appendJSONString(b, m.Path)
					b = append(b, `,"mime":`...)
					b = appendJSONString(b, m.MIME)
					if m.Alt != "" {
						b = append(b, `,"alt":`...)
						b = appendJSONString(b, m.Alt)
					}
					b = append(b, `,"size":0,"blob":`...)
					b = appendJSONString(b, m.Blob)
					b = append(b, '}')
				}
				b = append(b, ']')
			}
			if p.Poll != nil {
				b = append(b, `,"p":{"options":`...)
				if p.Poll.Options == nil {
					b = append(b, "null"...)
				} else {
					b = append(b, '[')
					for j, opt := range p.Poll.Options {
						if j > 0 {
							b = append(b, ',')
						}
						b = appendJSONString(b, opt)
					}
					b = append(b, ']')
				}
				b = append(b, `,"duration":`...)
				b = strconv.AppendInt(b, int64(p.Poll.Duration), 10)
				if p.Poll.Multiple {
					b = append(b, `,"multiple":true`...)
				}
				b = append(b, '}')
			}
			if p.FirstComment {
				b = append(b, `,"f":true`...)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendJSONString appends s as encoding/json writes a string: quoted, with
// '"', '\\' and control characters escaped, '<', '>' and '&' written
// \u003c, \u003e and \u0026, invalid UTF-8 as \ufffd, and U+2028 and U+2029
// escaped.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
