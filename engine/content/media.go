package content

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// MediaTypes maps accepted media file extensions to their MIME types.
var MediaTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
	".webp": "image/webp", ".mp4": "video/mp4", ".mov": "video/quicktime",
}

// MediaPath resolves a media src to its path in the repository: "media/x.jpg"
// or "x.jpg" (relative to media/). Absolute paths, URLs and paths leaving
// media/ are refused.
func MediaPath(src string) (string, error) {
	if strings.HasPrefix(src, "/") || strings.Contains(src, "\\") || (len(src) > 1 && src[1] == ':') {
		return "", fmt.Errorf("media path %q is absolute: write it relative to the repository, as media/…", src)
	}
	if u, err := url.Parse(src); err == nil && u.Scheme != "" && u.Host != "" {
		return "", fmt.Errorf("media %q is a URL: clairon publishes files from the repository's media/ folder", src)
	}
	for _, seg := range strings.Split(src, "/") {
		if seg == ".." {
			return "", fmt.Errorf("media path %q leaves the repository's media/ folder", src)
		}
	}
	p := path.Clean(src)
	if !strings.HasPrefix(p, MediaFolder+"/") {
		p = MediaFolder + "/" + p
	}
	return p, nil
}
