package count

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Syntax checks of AT Protocol identifiers, as the protocol specifies them.
// They check form only: a valid handle may still not resolve.

var (
	handleRE    = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)
	didRE       = regexp.MustCompile(`^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$`)
	nsidRE      = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+\.[a-zA-Z][a-zA-Z0-9]{0,62}$`)
	tidRE       = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)
	recordKeyRE = regexp.MustCompile(`^[a-zA-Z0-9_~.:-]{1,512}$`)
	datetimeRE  = regexp.MustCompile(`^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\.[0-9]{1,20})?(Z|[+-][0-2][0-9]:[0-5][0-9])$`)
	languageRE  = regexp.MustCompile(`^((i|[a-z]{2,3})(-[a-zA-Z0-9]+)*|[xX](-[a-zA-Z0-9]+)+)$`)
	atURIRE     = regexp.MustCompile(`^at://([^/]+)(/([^/]+)(/([^/]+))?)?$`)
)

// ErrSyntax is wrapped by every syntax check that fails.
var ErrSyntax = errors.New("invalid syntax")

func syntaxErr(kind, s, why string) error {
	return fmt.Errorf("%s %q: %w: %s", kind, s, ErrSyntax, why)
}

// ValidateHandle checks an atproto handle: a DNS name of at most 253 ASCII
// characters, two labels or more of letters, digits and inner hyphens, and a
// last label that does not start with a digit.
func ValidateHandle(s string) error {
	switch {
	case len(s) > 253:
		return syntaxErr("handle", s, "longer than 253 characters")
	case !handleRE.MatchString(s):
		return syntaxErr("handle", s, "not a domain name of two labels or more")
	}
	return nil
}

// ValidateDID checks a DID: "did:", a lower-case method, ":" and an
// identifier, at most 2048 characters.
func ValidateDID(s string) error {
	switch {
	case len(s) > 2048:
		return syntaxErr("DID", s, "longer than 2048 characters")
	case !didRE.MatchString(s):
		return syntaxErr("DID", s, "not did:method:identifier")
	}
	return nil
}

// ValidateNSID checks a namespaced identifier such as app.bsky.feed.post: a
// reversed domain and a name, three segments or more, at most 317 characters.
func ValidateNSID(s string) error {
	switch {
	case len(s) > 317:
		return syntaxErr("NSID", s, "longer than 317 characters")
	case !nsidRE.MatchString(s):
		return syntaxErr("NSID", s, "not a reversed domain followed by a name")
	}
	return nil
}

// ValidateTID checks a timestamp identifier: 13 base32-sortable characters
// whose first one leaves the high bit clear.
func ValidateTID(s string) error {
	if !tidRE.MatchString(s) {
		return syntaxErr("TID", s, "not 13 base32-sortable characters with the high bit clear")
	}
	return nil
}

// ValidateRecordKey checks a record key: 1 to 512 characters among letters,
// digits and "_~.:-", and neither "." nor "..".
func ValidateRecordKey(s string) error {
	switch {
	case s == "." || s == "..":
		return syntaxErr("record key", s, `"." and ".." are reserved`)
	case !recordKeyRE.MatchString(s):
		return syntaxErr("record key", s, "not 1 to 512 characters among letters, digits and _~.:-")
	}
	return nil
}

// ValidateDatetime checks an atproto datetime: RFC 3339 with an upper-case
// "T", seconds, an optional fraction, and "Z" or a numeric offset other
// than "-00:00", naming a real date and time.
func ValidateDatetime(s string) error {
	if !datetimeRE.MatchString(s) {
		return syntaxErr("datetime", s, "not YYYY-MM-DDTHH:MM:SS[.frac] with Z or ±HH:MM")
	}
	if strings.HasSuffix(s, "-00:00") {
		return syntaxErr("datetime", s, "the offset -00:00 is not allowed")
	}
	whole := s
	if i := strings.IndexByte(s, '.'); i >= 0 {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		whole = s[:i] + s[j:]
	}
	if _, err := time.Parse(time.RFC3339, whole); err != nil {
		return syntaxErr("datetime", s, "not a real date and time")
	}
	return nil
}

// ValidateLanguage checks a BCP 47 language tag the way atproto does: a
// two- or three-letter lower-case language (or "i") and subtags, or a
// private-use tag.
func ValidateLanguage(s string) error {
	if !languageRE.MatchString(s) {
		return syntaxErr("language tag", s, "not a BCP 47 language tag")
	}
	return nil
}

// ValidateATURI checks an AT URI in its strict form:
// at://AUTHORITY[/COLLECTION[/RKEY]], where the authority is a handle or a
// DID, the collection an NSID and the record key valid, at most 8 KiB, with
// no query, fragment or trailing slash.
func ValidateATURI(s string) error {
	if len(s) > 8*1024 {
		return syntaxErr("AT URI", s, "longer than 8 KiB")
	}
	m := atURIRE.FindStringSubmatch(s)
	if m == nil {
		return syntaxErr("AT URI", s, "not at://authority[/collection[/rkey]]")
	}
	authority, collection, rkey := m[1], m[3], m[5]
	if strings.HasPrefix(authority, "did:") {
		if err := ValidateDID(authority); err != nil {
			return syntaxErr("AT URI", s, "bad authority: "+err.Error())
		}
	} else if err := ValidateHandle(authority); err != nil {
		return syntaxErr("AT URI", s, "bad authority: "+err.Error())
	}
	if m[2] != "" {
		if err := ValidateNSID(collection); err != nil {
			return syntaxErr("AT URI", s, "bad collection: "+err.Error())
		}
	}
	if m[4] != "" {
		if err := ValidateRecordKey(rkey); err != nil {
			return syntaxErr("AT URI", s, "bad record key: "+err.Error())
		}
	}
	return nil
}
