package x

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/network/httpx"
)

// mediaKind sorts attachments by how X takes them.
type mediaKind int

const (
	kindUnknown mediaKind = iota
	kindImage             // one-shot upload, category tweet_image
	kindGIF               // chunked upload, category tweet_gif
	kindVideo             // chunked upload, category tweet_video
)

func kindOf(mime string) mediaKind {
	switch strings.ToLower(strings.TrimSpace(mime)) {
	case "image/jpeg", "image/pjpeg", "image/png", "image/webp", "image/bmp", "image/tiff":
		return kindImage
	case "image/gif":
		return kindGIF
	case "video/mp4", "video/quicktime", "video/webm", "video/mp2t":
		return kindVideo
	}
	return kindUnknown
}

// uploadAll uploads every attachment in order and returns the media ids.
func (a *Adapter) uploadAll(ctx context.Context, media []network.Media) ([]string, error) {
	ids := make([]string, 0, len(media))
	for i := range media {
		id, err := a.upload(ctx, &media[i])
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// upload sends one attachment and its alt text, and returns its media id.
// Images go in one request (POST /2/media/upload); GIFs and videos in
// chunks (initialize, append, finalize), then wait for X to process them.
func (a *Adapter) upload(ctx context.Context, m *network.Media) (string, error) {
	const op = "upload media"
	var (
		id  string
		pi  *processingInfo
		err error
	)
	switch kindOf(m.MIME) {
	case kindImage:
		id, pi, err = a.uploadOneShot(ctx, m)
	case kindGIF:
		id, pi, err = a.uploadChunked(ctx, m, "tweet_gif")
	case kindVideo:
		id, pi, err = a.uploadChunked(ctx, m, "tweet_video")
	default:
		return "", permanent(op, fmt.Sprintf("x does not accept %q", m.MIME))
	}
	if err != nil {
		return "", err
	}
	if err := a.awaitProcessing(ctx, id, pi); err != nil {
		return "", err
	}
	if m.Alt != "" {
		var req metadataRequest
		req.ID = id
		req.Metadata.AltText.Text = m.Alt
		if err := a.do(ctx, call{op: "set alt text", method: http.MethodPost, path: "/2/media/metadata", json: req}, nil); err != nil {
			return "", err
		}
	}
	return id, nil
}

// uploadOneShot sends an image as multipart/form-data: the file in "media",
// with "media_category" and "media_type".
func (a *Adapter) uploadOneShot(ctx context.Context, m *network.Media) (string, *processingInfo, error) {
	const op = "upload media"
	body, ctype, err := multipartBody(m, map[string]string{"media_category": "tweet_image", "media_type": m.MIME})
	if err != nil {
		return "", nil, permanent(op, err.Error())
	}
	var out uploadResponse
	if err := a.do(ctx, call{op: op, method: http.MethodPost, path: "/2/media/upload", body: body, contentType: ctype}, &out); err != nil {
		return "", nil, err
	}
	if out.Data == nil || out.Data.ID == "" {
		return "", nil, &network.Error{Class: network.Retryable, Network: Name, Op: op, Err: errors.New("the response holds no media id" + problemSuffix(out.Errors))}
	}
	return out.Data.ID, out.Data.ProcessingInfo, nil
}

// uploadChunked runs the chunked upload: POST /2/media/upload/initialize
// (JSON), POST /2/media/upload/{id}/append for each segment (multipart, with
// "segment_index"), then POST /2/media/upload/{id}/finalize.
func (a *Adapter) uploadChunked(ctx context.Context, m *network.Media, category string) (string, *processingInfo, error) {
	const op = "upload media"
	var init uploadResponse
	req := initializeRequest{MediaType: m.MIME, TotalBytes: len(m.Data), MediaCategory: category}
	if err := a.do(ctx, call{op: op, method: http.MethodPost, path: "/2/media/upload/initialize", json: req}, &init); err != nil {
		return "", nil, err
	}
	if init.Data == nil || !isID(init.Data.ID) {
		return "", nil, &network.Error{Class: network.Retryable, Network: Name, Op: op, Err: errors.New("initialize returned no media id" + problemSuffix(init.Errors))}
	}
	id := init.Data.ID
	size := a.chunk
	if size <= 0 {
		size = chunkSize
	}
	for seg, off := 0, 0; off < len(m.Data); seg, off = seg+1, off+size {
		end := min(off+size, len(m.Data))
		part := network.Media{Name: m.Name, MIME: m.MIME, Data: m.Data[off:end]}
		body, ctype, err := multipartBody(&part, map[string]string{"segment_index": strconv.Itoa(seg)})
		if err != nil {
			return "", nil, permanent(op, err.Error())
		}
		if err := a.do(ctx, call{op: op, method: http.MethodPost, path: "/2/media/upload/" + id + "/append", body: body, contentType: ctype}, nil); err != nil {
			return "", nil, err
		}
	}
	var fin uploadResponse
	if err := a.do(ctx, call{op: op, method: http.MethodPost, path: "/2/media/upload/" + id + "/finalize"}, &fin); err != nil {
		return "", nil, err
	}
	if fin.Data == nil {
		return id, nil, nil
	}
	return id, fin.Data.ProcessingInfo, nil
}

// awaitProcessing polls GET /2/media/upload?command=STATUS until X has
// processed the media, waiting check_after_secs between checks.
func (a *Adapter) awaitProcessing(ctx context.Context, id string, pi *processingInfo) error {
	const op = "process media"
	for i := 0; pi != nil; i++ {
		switch pi.State {
		case "", "succeeded":
			return nil
		case "failed":
			msg := "x could not process the media"
			if pi.Error != nil && pi.Error.Message != "" {
				msg += ": " + pi.Error.Message
			}
			return permanent(op, msg)
		}
		if i >= maxStatusPolls {
			return &network.Error{Class: network.Retryable, Network: Name, Op: op, Err: fmt.Errorf("media %s still %s after %d checks", id, pi.State, i)}
		}
		wait := time.Duration(max(pi.CheckAfterSecs, 1)) * time.Second
		if err := a.sleep(ctx, wait); err != nil {
			return &network.Error{Class: network.Retryable, Network: Name, Op: op, Err: err}
		}
		var out uploadResponse
		q := url.Values{"command": {"STATUS"}, "media_id": {id}}
		if err := a.do(ctx, call{op: op, method: http.MethodGet, path: "/2/media/upload", query: q}, &out); err != nil {
			return err
		}
		if out.Data == nil {
			return nil
		}
		pi = out.Data.ProcessingInfo
	}
	return nil
}

// multipartBody encodes fields, then m's bytes as the "media" file part.
func multipartBody(m *network.Media, fields map[string]string) ([]byte, string, error) {
	mp := httpx.NewMultipart()
	for _, k := range []string{"media_category", "media_type", "segment_index"} {
		if v, ok := fields[k]; ok {
			mp.Field(k, v)
		}
	}
	name := m.Name
	if name == "" {
		name = "media"
	}
	mp.File("media", name, m.MIME, m.Data)
	return mp.Finish()
}
