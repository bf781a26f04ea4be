package count

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// URL extraction with twitter-text's rules: the valid_url pattern (preceding
// character, optional scheme, domain with a known TLD, port, path, query)
// evaluated with the leftmost-first, greedy semantics of the reference
// regular expressions, then the checks of extractUrlsWithIndices.

const (
	maxURLLength     = 4096 // the longest URL, scheme included
	maxTcoSlugLength = 40
	defaultScheme    = "https://"
)

// urlRules are the parts of the URL grammar that differ between twitter-text
// and Mastodon's variant of it.
type urlRules struct {
	schemes       []string // lower case, with "://"
	withoutScheme bool     // extract bare domains too
	punycodeDash  bool     // "xn--" labels may contain '-'
	pathChar      func(rune) bool
	pathEnd       func(rune) bool // a path may end on this character
	parenChar     func(rune) bool // inside balanced parentheses of a path
	endParenChar  func(rune) bool // inside parentheses that end a path
	queryChar     func(rune) bool
	queryEnd      func(rune) bool
}

func ttPathChar(r rune) bool {
	return isASCIIAlnum(r) || in(r, "!*';:=+,.$/%#[]-_~|&@\u2013") || isLatinAccent(r) || isCyrillicBlock(r)
}

func ttPathEnd(r rune) bool {
	return isASCIIAlnum(r) || in(r, "=_#/-+") || isLatinAccent(r) || isCyrillicBlock(r)
}

func ttQueryChar(r rune) bool { return isASCIIAlnum(r) || in(r, "!?*'();:&=+$/%#[]-_.,~|@") }
func ttQueryEnd(r rune) bool  { return isASCIIAlnum(r) || in(r, "-_&=#/") }

// xURLRules are twitter-text's own rules, used for X.
var xURLRules = &urlRules{
	schemes:       []string{"https://", "http://"},
	withoutScheme: true,
	punycodeDash:  true,
	pathChar:      ttPathChar,
	pathEnd:       ttPathEnd,
	parenChar:     ttPathChar,
	endParenChar:  ttPathChar,
	queryChar:     ttQueryChar,
	queryEnd:      ttQueryEnd,
}

type urlMatch struct {
	before           rune // preceding character, -1 at the start
	start, end       int  // the URL, scheme included
	scheme           bool
	domStart, domEnd int
	hasPath          bool
}

// urlScanner finds URL candidates in a text.
type urlScanner struct {
	t     *runeText
	rules *urlRules
	// subRunEnd[i] and nameRunEnd[i], plus one, end the longest run from i
	// of domain characters, '-' and '_' (sub) or domain characters and '-'
	// (name); zero until computed.
	subRunEnd, nameRunEnd []int32
	memo                  []int32 // domain end per position plus two, zero until computed
}

// unknownDomain marks a position whose domain is not computed yet.
const unknownDomain = -2

func newURLScanner(t *runeText, rules *urlRules) *urlScanner {
	n := len(t.r)
	if cap(t.scan) < 3*(n+1) {
		t.scan = make([]int32, 3*(n+1))
	}
	buf := t.scan[:3*(n+1)]
	clear(buf)
	return &urlScanner{t: t, rules: rules, subRunEnd: buf[:n+1], nameRunEnd: buf[n+1 : 2*(n+1)], memo: buf[2*(n+1):]}
}

// runEnd returns the end of the run from p (see urlScanner), remembering
// it for every position of the run, which keeps a scan linear.
func (sc *urlScanner) runEnd(p int, sub bool) int {
	ends := sc.nameRunEnd
	if sub {
		ends = sc.subRunEnd
	}
	if e := ends[p]; e != 0 {
		return int(e) - 1
	}
	r := sc.t.r
	j := p
	for j < len(r) && (isDomainChar(r[j]) || r[j] == '-' || sub && r[j] == '_') {
		j++
	}
	for k := p; k < j; k++ {
		ends[k] = int32(j) + 1
	}
	return j
}

// label returns the index of the dot ending a domain label at p, or -1.
// A label starts and ends with a domain character.
func (sc *urlScanner) label(p int, sub bool) int {
	r := sc.t.r
	if p >= len(r) || !isDomainChar(r[p]) {
		return -1
	}
	e := sc.runEnd(p, sub)
	if e < len(r) && r[e] == '.' && isDomainChar(r[e-1]) {
		return e
	}
	return -1
}

// domain matches subdomains, a domain name and a TLD at d; it returns the
// end of the domain or -1.
//
// The pattern tries the most subdomains first: from d, the answer is the
// answer from the next label when the first label is a subdomain and that
// answer exists, else the first label as the domain name followed by a TLD.
// Answers are memoised per position, which keeps a scan linear.
func (sc *urlScanner) domain(d int) int {
	var buf [16]int
	stack := buf[:0]
	res := -1
	for p := d; ; {
		if v := sc.memo[p]; v != 0 {
			res = int(v) - 2
			break
		}
		dot := sc.label(p, true)
		if dot < 0 {
			res = sc.nameAndTLD(p)
			sc.memo[p] = int32(res) + 2
			break
		}
		stack = append(stack, p)
		p = dot + 1
	}
	for k := len(stack) - 1; k >= 0; k-- {
		if res < 0 {
			res = sc.nameAndTLD(stack[k])
		}
		sc.memo[stack[k]] = int32(res) + 2
	}
	return res
}

// nameAndTLD matches a domain-name label at p followed by a TLD.
func (sc *urlScanner) nameAndTLD(p int) int {
	dot := sc.label(p, false)
	if dot < 0 {
		return -1
	}
	return matchTLD(sc.t.r, dot+1, len(sc.t.r), sc.rules.punycodeDash)
}

// validPreceding is valid_url_preceding_chars without the start of text.
func validPreceding(r rune) bool {
	return !isASCIIAlnum(r) && !isAtSign(r) && !isHashSign(r) && r != '$' && !isInvalidChar(r)
}

// next returns the leftmost URL candidate at or after from.
func (sc *urlScanner) next(from int) (urlMatch, bool) {
	r := sc.t.r
	skip := 0 // no URL starts before skip
	for s := from; s <= len(r); s++ {
		if s < len(r) && validPreceding(r[s]) && s+1 >= skip {
			if ok, end := sc.mayStart(s + 1); !ok {
				skip = end
			} else if m, ok := sc.urlAt(s + 1); ok {
				m.before = r[s]
				return m, true
			}
		}
		if s == 0 {
			if m, ok := sc.urlAt(0); ok {
				m.before = -1
				return m, true
			}
		}
	}
	return urlMatch{}, false
}

// mayStart reports whether urlAt may match at u. It cannot unless r[u] is a
// domain character whose run of domain characters, '-' and '_' ends on a
// '.' (a domain needs a label ending there) or a ':' (a scheme's letters
// end there). When it cannot, end is where that run ends: urlAt cannot
// match before end either, since every position of the run ends there too
// or is not a domain character.
func (sc *urlScanner) mayStart(u int) (ok bool, end int) {
	r := sc.t.r
	if u >= len(r) {
		return true, u
	}
	if !isDomainChar(r[u]) {
		return false, u + 1
	}
	e := u + 1
	for e < len(r) && (isDomainChar(r[e]) || r[e] == '-' || r[e] == '_') {
		e++
	}
	if e < len(r) && (r[e] == '.' || r[e] == ':') {
		return true, e
	}
	return false, e
}

// urlAt matches the URL part of valid_url at u: a scheme is tried first.
func (sc *urlScanner) urlAt(u int) (urlMatch, bool) {
	r := sc.t.r
	for _, scheme := range sc.rules.schemes {
		if hasPrefixFold(r, u, len(r), scheme) {
			if m, ok := sc.afterScheme(u, u+len(scheme)); ok {
				m.scheme = true
				return m, true
			}
			break
		}
	}
	return sc.afterScheme(u, u)
}

func (sc *urlScanner) afterScheme(u, d int) (urlMatch, bool) {
	r := sc.t.r
	at := sc.t.at
	de := sc.domain(d)
	if de < 0 {
		return urlMatch{}, false
	}
	m := urlMatch{start: u, domStart: d, domEnd: de}
	i := de
	if at(i) == ':' && isASCIIDigit(at(i+1)) {
		i += 2
		for isASCIIDigit(at(i)) {
			i++
		}
	}
	if at(i) == '/' {
		m.hasPath = true
		i = sc.path(i + 1)
	}
	if at(i) == '?' {
		last := -1
		for j := i + 1; j < len(r) && sc.rules.queryChar(r[j]); j++ {
			if sc.rules.queryEnd(r[j]) {
				last = j
			}
		}
		if last >= 0 {
			i = last + 1
		}
	}
	m.end = i
	return m, true
}

// path matches the path after its first '/': path characters and balanced
// parentheses, ending on an allowed end character or parenthesised group.
// It returns the end of the path ('/' alone when nothing else fits).
//
// twitter-text's alternative "@ path-characters /" never matches more than
// this: '/' is itself an allowed end character.
func (sc *urlScanner) path(p int) int {
	r := sc.t.r
	end := p
	for i := p; i < len(r); {
		c := r[i]
		if c == '(' {
			e := sc.parens(i, sc.rules.parenChar)
			if e < 0 {
				break
			}
			if sc.parens(i, sc.rules.endParenChar) == e {
				end = e
			}
			i = e
			continue
		}
		if !sc.rules.pathChar(c) {
			break
		}
		i++
		if sc.rules.pathEnd(c) {
			end = i
		}
	}
	return end
}

// parens matches balanced parentheses at p, one nesting level deep, whose
// content is made of chars; it returns their end or -1.
func (sc *urlScanner) parens(p int, chars func(rune) bool) int {
	at := sc.t.at
	run := func(i int) int {
		for i < len(sc.t.r) && chars(sc.t.r[i]) {
			i++
		}
		return i
	}
	if at(p) != '(' {
		return -1
	}
	j := run(p + 1)
	if at(j) == ')' && j > p+1 {
		return j + 1
	}
	if at(j) != '(' {
		return -1
	}
	k := run(j + 1)
	if at(k) != ')' || k == j+1 {
		return -1
	}
	q := run(k + 1)
	if at(q) != ')' {
		return -1
	}
	return q + 1
}

// ttEntity is an entity found by the twitter-text rules, in code points.
type ttEntity struct {
	kind       string
	start, end int
	value      string // URL, tag, screen name or cashtag
	listSlug   string // "/list" after a screen name
}

// extractURLs is extractUrlsWithIndices.
func extractURLs(t *runeText, rules *urlRules) []ttEntity {
	if rules.withoutScheme && !strings.Contains(t.s, ".") || !rules.withoutScheme && !strings.Contains(t.s, ":") {
		return nil
	}
	sc := newURLScanner(t, rules)
	var out []ttEntity
	for pos := 0; pos <= len(t.r); {
		m, ok := sc.next(pos)
		if !ok {
			break
		}
		pos = m.end
		url := t.str(m.start, m.end)
		urlLen := m.end - m.start
		if !m.scheme {
			if !rules.withoutScheme || in(m.before, "-_./") {
				continue
			}
			var last *ttEntity
			for _, a := range asciiDomains(t, m.domStart, m.domEnd, rules.punycodeDash) {
				if !validHost(urlLen, t.str(a[0], a[1]), false) {
					continue
				}
				out = append(out, ttEntity{kind: KindURL, start: a[0], end: a[1], value: t.str(a[0], a[1])})
				last = &out[len(out)-1]
			}
			if last != nil && m.hasPath {
				last.value += t.str(m.domEnd, m.end)
				last.end = m.end
			}
			continue
		}
		if e, slug, ok := tcoURL(t, m.start, m.end, rules); ok {
			if slug > maxTcoSlugLength {
				continue
			}
			m.end = e
			url = t.str(m.start, e)
			urlLen = e - m.start
		}
		if !validHost(urlLen, t.str(m.domStart, m.domEnd), true) {
			continue
		}
		out = append(out, ttEntity{kind: KindURL, start: m.start, end: m.end, value: url})
	}
	return out
}

// asciiDomains finds the valid_ascii_domain matches inside a domain: labels
// of ASCII letters, digits, '-', '_' and Latin accents, then a TLD. As for
// domain, the answer from a position is memoised: the answer from the next
// label if there is one, else the TLD right after the first label.
func asciiDomains(t *runeText, from, to int, dash bool) [][2]int {
	r := t.r
	isLabel := func(c rune) bool { return isASCIIAlnum(c) || c == '-' || c == '_' || isLatinAccent(c) }
	runEnd := make([]int, to-from+1)
	runEnd[to-from] = to
	for i := to - 1; i >= from; i-- {
		runEnd[i-from] = i
		if isLabel(r[i]) {
			runEnd[i-from] = runEnd[i+1-from]
		}
	}
	memo := make([]int, to-from+1)
	for i := range memo {
		memo[i] = unknownDomain
	}
	// after returns the start of the label after the one at p, or -1.
	after := func(p int) int {
		if p >= to {
			return -1
		}
		e := runEnd[p-from]
		if e == p || e >= to || r[e] != '.' {
			return -1
		}
		return e + 1
	}
	match := func(p int) int {
		var stack []int
		res := -1
		for q := p; ; {
			if q <= to && memo[q-from] != unknownDomain {
				res = memo[q-from]
				break
			}
			next := after(q)
			if next < 0 {
				if q <= to {
					memo[q-from] = -1
				}
				break
			}
			stack = append(stack, q)
			q = next
		}
		for k := len(stack) - 1; k >= 0; k-- {
			if res < 0 {
				res = matchTLD(r, after(stack[k]), to, dash)
			}
			memo[stack[k]-from] = res
		}
		return res
	}
	var out [][2]int
	for s := from; s < to; {
		end := match(s)
		if end < 0 {
			s++
			continue
		}
		out = append(out, [2]int{s, end})
		s = end
	}
	return out
}

// tcoURL matches ^https?://t\.co/([a-z0-9]+)(?:\?query)? on the URL; it
// returns the end of that match and the slug length.
func tcoURL(t *runeText, start, end int, rules *urlRules) (int, int, bool) {
	r := t.r
	i := start
	switch {
	case hasPrefixFold(r, i, end, "https://t.co/"):
		i += len("https://t.co/")
	case hasPrefixFold(r, i, end, "http://t.co/"):
		i += len("http://t.co/")
	default:
		return 0, 0, false
	}
	slugStart := i
	for i < end && isASCIIAlnum(r[i]) {
		i++
	}
	if i == slugStart {
		return 0, 0, false
	}
	slug := i - slugStart
	if i < end && r[i] == '?' {
		last := -1
		for j := i + 1; j < end && ttQueryChar(r[j]); j++ {
			if ttQueryEnd(r[j]) {
				last = j
			}
		}
		if last >= 0 {
			i = last + 1
		}
	}
	return i, slug, true
}

// validHost is isValidHostAndLength: every label of the host, once
// IDNA-encoded, has 1 to 63 characters, and the URL with its scheme (https://
// when none was written) fits in maxURLLength.
func validHost(urlLen int, host string, scheme bool) bool {
	if host == "" {
		return false
	}
	encoded := 0
	for i, label := range strings.Split(host, ".") {
		if i > 0 {
			encoded++
		}
		n := len(label)
		if !isASCII(label) {
			if len(label) >= 4 && strings.EqualFold(label[:4], "xn--") {
				return false // IDNA refuses an ACE prefix on a Unicode label
			}
			n = len("xn--") + len(punycode(nameprep(label)))
		}
		if n == 0 || n > 63 {
			return false
		}
		encoded += n
	}
	if orig := utf8.RuneCountInString(host); encoded > orig {
		urlLen += encoded - orig
	}
	if !scheme {
		urlLen += len(defaultScheme)
	}
	return urlLen <= maxURLLength
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// nameprep approximates IDNA2003 nameprep: compatibility composition and
// lower case.
func nameprep(label string) string {
	return strings.Map(unicode.ToLower, norm.NFKC.String(label))
}
