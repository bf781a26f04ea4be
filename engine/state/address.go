package state

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Address names one publication: one post on one account. It is the key of
// the state. Its text form is "post-id@account"; since account names never
// contain '@' and post ids may, the text is split at its last '@'.
type Address struct {
	// Post is the post's id: its `id:` front matter, or its path without
	// extension, such as "posts/2026/launch".
	Post string
	// Account is the account's name in clairon.yaml, such as "brand-mastodon".
	Account string
}

// maxPostLen bounds a post id, so that paths and commit messages stay sane.
const maxPostLen = 1024

// ParseAddress parses "post-id@account", splitting at the last '@'.
func ParseAddress(s string) (Address, error) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return Address{}, fmt.Errorf("parse address %q: missing '@' between post and account", s)
	}
	a := Address{Post: s[:i], Account: s[i+1:]}
	if err := a.Validate(); err != nil {
		return Address{}, fmt.Errorf("parse address %q: %w", s, err)
	}
	return a, nil
}

// String returns "post-id@account".
func (a Address) String() string { return a.Post + "@" + a.Account }

// IsZero reports whether the address is empty.
func (a Address) IsZero() bool { return a.Post == "" && a.Account == "" }

// Validate checks that the address can be stored and printed safely: both
// parts present, valid UTF-8 without control characters, an account name
// without '@' or spaces.
func (a Address) Validate() error {
	switch {
	case a.Post == "":
		return errors.New("empty post id")
	case a.Account == "":
		return errors.New("empty account")
	case len(a.Post) > maxPostLen:
		return fmt.Errorf("post id longer than %d bytes", maxPostLen)
	}
	if err := checkText(a.Post); err != nil {
		return fmt.Errorf("post id: %w", err)
	}
	if err := checkText(a.Account); err != nil {
		return fmt.Errorf("account: %w", err)
	}
	if strings.ContainsRune(a.Account, '@') {
		return fmt.Errorf("account %q contains '@'", a.Account)
	}
	if strings.IndexFunc(a.Account, unicode.IsSpace) >= 0 {
		return fmt.Errorf("account %q contains a space", a.Account)
	}
	return nil
}

// Compare orders addresses by post, then account.
func (a Address) Compare(b Address) int {
	if c := cmp.Compare(a.Post, b.Post); c != 0 {
		return c
	}
	return cmp.Compare(a.Account, b.Account)
}

// MarshalText writes the "post-id@account" form, so that an address is a
// plain string in JSON.
func (a Address) MarshalText() ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("address %q: %w", a.String(), err)
	}
	return []byte(a.String()), nil
}

// UnmarshalText parses the "post-id@account" form.
func (a *Address) UnmarshalText(b []byte) error {
	p, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = p
	return nil
}

// checkText refuses invalid UTF-8 and control characters, which would break
// file names, commit messages and logs.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("invalid UTF-8")
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		return fmt.Errorf("control character at byte %d", i)
	}
	return nil
}
