package count

import "fmt"

// Networks whose limit is a plain number of characters. Where the network
// does not say how it counts characters, UTF-16 code units are counted: never
// fewer than code points, so a text that fits here fits there.

const (
	linkedInLimit         = 3000
	facebookLimit         = 63206
	instagramLimit        = 2200
	instagramMaxHashtags  = 30
	instagramMaxMentions  = 20
	telegramTextLimit     = 4096
	telegramCaptionLimit  = 1024
	discordLimit          = 2000
	slackLimit            = 40000
	instagramMaxUsernames = 30 // characters in an Instagram username
)

// countUTF16 builds a result whose main check counts UTF-16 code units, with
// entities found by twitter-text's rules.
func countUTF16(network, text string, limit, min int) (Result, *runeText) {
	t := newRuneText(text)
	r := Result{Network: network, Counts: measure(text)}
	overflow := -1
	if limit > 0 {
		overflow = utf16Overflow(text, limit)
	}
	newCheck(&r, "length", UnitUTF16, r.Counts.UTF16, min, limit, overflow)
	return r, t
}

func genericEntities(r *Result, t *runeText) {
	for _, e := range extractEntities(t) {
		r.Entities = append(r.Entities, plainEntity(t, e))
	}
}

// CountLinkedIn measures a post commentary for LinkedIn: 3000 characters,
// counted as UTF-16 code units.
func CountLinkedIn(text string, opts Options) Result {
	r, t := countUTF16(LinkedIn, text, limitOr(opts, linkedInLimit), 0)
	defer t.release()
	genericEntities(&r, t)
	finish(&r)
	return r
}

// CountFacebook measures a Page post message for Facebook: 63,206
// characters, counted as UTF-16 code units.
func CountFacebook(text string, opts Options) Result {
	r, t := countUTF16(Facebook, text, limitOr(opts, facebookLimit), 0)
	defer t.release()
	genericEntities(&r, t)
	finish(&r)
	return r
}

// CountInstagram measures a caption for Instagram: 2200 characters (UTF-16
// code units), at most 30 hashtags and at most 20 "@" mentions.
func CountInstagram(text string, opts Options) Result {
	r, t := countUTF16(Instagram, text, limitOr(opts, instagramLimit), 0)
	defer t.release()
	tags := extractHashtags(t, true)
	mentions := instagramMentions(t)
	for _, e := range removeOverlapping(append(append(extractURLs(t, xURLRules), tags...), mentions...)) {
		r.Entities = append(r.Entities, plainEntity(t, e))
	}
	entityCheck(&r, t, "hashtags", tags, instagramMaxHashtags)
	entityCheck(&r, t, "mentions", mentions, instagramMaxMentions)
	finish(&r)
	return r
}

// entityCheck limits how many entities of a kind a text may hold; the text
// stops fitting where the first entity past the limit starts.
func entityCheck(r *Result, t *runeText, name string, es []ttEntity, max int) {
	overflow := -1
	if len(es) > max {
		overflow = t.off[es[max].start]
	}
	newCheck(r, name, UnitEntities, len(es), 0, max, overflow)
}

// instagramMentions finds "@username" mentions: 1 to 30 letters, digits,
// '_' or '.', not ending with '.', not after a letter, digit, '_', '.' or '@'.
func instagramMentions(t *runeText) []ttEntity {
	r := t.r
	isUser := func(c rune) bool { return isASCIIAlnum(c) || c == '_' || c == '.' }
	var out []ttEntity
	for i := 0; i < len(r); i++ {
		if r[i] != '@' || (i > 0 && (isUser(r[i-1]) || r[i-1] == '@')) {
			continue
		}
		run := i + 1
		for run < len(r) && isUser(r[run]) {
			run++
		}
		j := run
		for j > i+1 && r[j-1] == '.' {
			j--
		}
		if j == i+1 || j-(i+1) > instagramMaxUsernames || (run < len(r) && r[run] == '@') {
			i = run - 1
			continue
		}
		out = append(out, ttEntity{kind: KindMention, start: i, end: j, value: string(r[i+1 : j])})
		i = j - 1
	}
	return out
}

// CountTelegram measures a message for Telegram in UTF-16 code units, the
// unit of its entity offsets: 1 to 4096 for a text message, or 0 to 1024 for
// a media caption (opts.Caption). The limits apply to the text after
// formatting markup is removed, which is what this package receives.
func CountTelegram(text string, opts Options) Result {
	limit, min := telegramTextLimit, 1
	if opts.Caption {
		limit, min = telegramCaptionLimit, 0
	}
	r, t := countUTF16(Telegram, text, limitOr(opts, limit), min)
	defer t.release()
	genericEntities(&r, t)
	finish(&r)
	return r
}

// CountDiscord measures a webhook message content for Discord: 2000
// characters, counted as UTF-16 code units.
func CountDiscord(text string, opts Options) Result {
	r, t := countUTF16(Discord, text, limitOr(opts, discordLimit), 0)
	defer t.release()
	genericEntities(&r, t)
	finish(&r)
	return r
}

// CountSlack measures an incoming-webhook text for Slack, which truncates
// text beyond 40,000 characters (counted as UTF-16 code units).
func CountSlack(text string, opts Options) Result {
	r, t := countUTF16(Slack, text, limitOr(opts, slackLimit), 0)
	defer t.release()
	genericEntities(&r, t)
	if !r.Checks[0].Valid {
		r.Problems = append(r.Problems, fmt.Sprintf("Slack truncates the text after %d characters", r.Checks[0].Limit))
	}
	finish(&r)
	return r
}

// CountWebhook measures a text for a generic webhook, which sets no limit
// unless opts.Limit gives one (counted in code points).
func CountWebhook(text string, opts Options) Result {
	t := newRuneText(text)
	defer t.release()
	r := Result{Network: Webhook, Counts: measure(text)}
	overflow := -1
	if opts.Limit > 0 {
		overflow = codePointOverflow(text, opts.Limit)
	}
	newCheck(&r, "length", UnitCodePoints, r.Counts.CodePoints, 0, opts.Limit, overflow)
	genericEntities(&r, t)
	finish(&r)
	return r
}
