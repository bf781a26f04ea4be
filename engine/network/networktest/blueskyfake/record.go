package blueskyfake

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/clipperhouse/uax29/v2/graphemes"
)

const postCollection = "app.bsky.feed.post"

// record is a stored app.bsky.feed.post record.
type record struct {
	uri, cid, did, rkey string
	value               json.RawMessage
	post                postValue
	at                  time.Time
	deleted             bool
}

// images returns the record's embedded images.
func (r *record) images() []imageValue {
	if r.post.Embed == nil {
		return nil
	}
	return r.post.Embed.Images
}

// quoted returns the AT URI of the post r quotes, or "".
func (r *record) quoted() string {
	if e := r.post.Embed; e != nil && e.Record != nil {
		return e.Record.URI
	}
	return ""
}

// parent returns the AT URI of the post r replies to, or "".
func (r *record) parent() string {
	if r.post.Reply != nil {
		return r.post.Reply.Parent.URI
	}
	return ""
}

// postValue is an app.bsky.feed.post record as the lexicon defines it.
// Pointers tell a missing required field from an empty one.
type postValue struct {
	Type      string       `json:"$type"`
	Text      string       `json:"text"`
	CreatedAt string       `json:"createdAt"`
	Langs     []string     `json:"langs,omitempty"`
	Facets    []facetValue `json:"facets,omitempty"`
	Embed     *embedValue  `json:"embed,omitempty"`
	Reply     *replyValue  `json:"reply,omitempty"`

	hasText, hasCreatedAt bool
}

type facetValue struct {
	Index    *byteSlice     `json:"index"`
	Features []featureValue `json:"features"`
}

type byteSlice struct {
	ByteStart *int `json:"byteStart"`
	ByteEnd   *int `json:"byteEnd"`
}

type featureValue struct {
	Type string  `json:"$type"`
	URI  *string `json:"uri,omitempty"`
	DID  *string `json:"did,omitempty"`
	Tag  *string `json:"tag,omitempty"`
}

type embedValue struct {
	Type   string          `json:"$type"`
	Images []imageValue    `json:"images,omitempty"`
	Record *strongRefValue `json:"record,omitempty"`
}

type imageValue struct {
	Image       *blobValue   `json:"image"`
	Alt         *string      `json:"alt"`
	AspectRatio *aspectRatio `json:"aspectRatio,omitempty"`
}

type aspectRatio struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

type blobValue struct {
	Type string `json:"$type"`
	Ref  struct {
		Link string `json:"$link"`
	} `json:"ref"`
	MimeType string `json:"mimeType"`
	Size     int    `json:"size"`
}

type replyValue struct {
	Root   strongRefValue `json:"root"`
	Parent strongRefValue `json:"parent"`
}

type strongRefValue struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

// decodePost decodes and validates a post record against the lexicon and
// the blobs uploaded so far. Call with s.mu held. A refusal is returned as
// the message a PDS gives for the same fault, where it gives one ("" when
// the record is valid).
func (s *Server) decodePost(raw json.RawMessage) (postValue, string) {
	const prefix = "Invalid app.bsky.feed.post record: "
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return postValue{}, prefix + "Record must be an object"
	}
	var p postValue
	if err := json.Unmarshal(raw, &p); err != nil {
		return postValue{}, prefix + "Record has a field of the wrong type: " + err.Error()
	}
	_, p.hasText = fields["text"]
	_, p.hasCreatedAt = fields["createdAt"]
	if msg := s.checkPost(&p); msg != "" {
		return postValue{}, prefix + msg
	}
	return p, ""
}

func (s *Server) checkPost(p *postValue) string {
	switch {
	case p.Type != postCollection:
		return fmt.Sprintf("Record/$type must be %s", postCollection)
	case !p.hasText:
		return `Record must have the property "text"`
	case !p.hasCreatedAt:
		return `Record must have the property "createdAt"`
	case !validDatetime(p.CreatedAt):
		return "Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)"
	case len(p.Text) > maxTextBytes:
		return fmt.Sprintf("Record/text must not be longer than %d characters", maxTextBytes)
	case graphemeCount(p.Text) > maxGraphemes:
		return fmt.Sprintf("Record/text must not be longer than %d graphemes", maxGraphemes)
	case len(p.Langs) > maxLangs:
		return fmt.Sprintf("Record/langs must not have more than %d elements", maxLangs)
	}
	for i, f := range p.Facets {
		if msg := checkFacet(p.Text, f); msg != "" {
			return fmt.Sprintf("Record/facets/%d/%s", i, msg)
		}
	}
	if p.Embed != nil {
		if msg := s.checkEmbed(p.Embed); msg != "" {
			return "Record/embed/" + msg
		}
	}
	if r := p.Reply; r != nil {
		for name, ref := range map[string]strongRefValue{"root": r.Root, "parent": r.Parent} {
			if !strings.HasPrefix(ref.URI, "at://") || ref.CID == "" {
				return fmt.Sprintf("Record/reply/%s must be a strongRef with uri and cid", name)
			}
		}
	}
	return ""
}

// checkFacet validates a richtext facet. Beyond the lexicon, which only asks
// for non-negative integers, it checks that the byte range lies within the
// text and starts before it ends: a client that gets offsets wrong is caught.
func checkFacet(text string, f facetValue) string {
	if f.Index == nil || f.Index.ByteStart == nil || f.Index.ByteEnd == nil {
		return `index must have the properties "byteStart" and "byteEnd"`
	}
	start, end := *f.Index.ByteStart, *f.Index.ByteEnd
	if start < 0 || end > len(text) || start >= end {
		return fmt.Sprintf("index [%d,%d) is not a byte range of the %d-byte text", start, end, len(text))
	}
	if len(f.Features) == 0 {
		return "features must not be empty"
	}
	for _, ft := range f.Features {
		switch ft.Type {
		case "app.bsky.richtext.facet#link":
			if ft.URI == nil || !strings.Contains(*ft.URI, ":") {
				return "features/uri must be a URI"
			}
		case "app.bsky.richtext.facet#mention":
			if ft.DID == nil || !strings.HasPrefix(*ft.DID, "did:") {
				return "features/did must be a did"
			}
		case "app.bsky.richtext.facet#tag":
			if ft.Tag == nil || *ft.Tag == "" || len(*ft.Tag) > 640 || graphemeCount(*ft.Tag) > 64 {
				return "features/tag must be 1 to 64 graphemes"
			}
		default:
			return fmt.Sprintf("features/$type %q is not a facet feature", ft.Type)
		}
	}
	return ""
}

// checkEmbed validates an images or record embed. Call with s.mu held.
func (s *Server) checkEmbed(e *embedValue) string {
	switch e.Type {
	case "app.bsky.embed.images":
		if len(e.Images) == 0 || len(e.Images) > maxImages {
			return fmt.Sprintf("images must have 1 to %d elements", maxImages)
		}
		for i, img := range e.Images {
			b := img.Image
			switch {
			case b == nil || b.Type != "blob" || b.Ref.Link == "":
				return fmt.Sprintf("images/%d/image must be a blob", i)
			case img.Alt == nil:
				return fmt.Sprintf(`images/%d must have the property "alt"`, i)
			case !strings.HasPrefix(b.MimeType, "image/"):
				return fmt.Sprintf("images/%d/image mimeType (%s) does not match accepted types image/*", i, b.MimeType)
			case b.Size > maxImageBytes:
				return fmt.Sprintf("images/%d/image file too large (%d bytes); max size is %d", i, b.Size, maxImageBytes)
			case img.AspectRatio != nil && (img.AspectRatio.Width < 1 || img.AspectRatio.Height < 1):
				return fmt.Sprintf("images/%d/aspectRatio width and height must be at least 1", i)
			}
			stored, ok := s.blobs[b.Ref.Link]
			if !ok {
				return fmt.Sprintf("images/%d/image: could not find blob %s", i, b.Ref.Link)
			}
			if stored.size != b.Size || stored.mime != b.MimeType {
				return fmt.Sprintf("images/%d/image does not match the uploaded blob", i)
			}
		}
	case "app.bsky.embed.record":
		if e.Record == nil || !strings.HasPrefix(e.Record.URI, "at://") || e.Record.CID == "" {
			return "record must be a strongRef with uri and cid"
		}
	default:
		return fmt.Sprintf("$type %q is not an embed the fake supports", e.Type)
	}
	return ""
}

// graphemeCount counts extended grapheme clusters (UAX #29).
func graphemeCount(s string) int {
	n := 0
	for g := graphemes.FromString(s); g.Next(); {
		n++
	}
	return n
}
