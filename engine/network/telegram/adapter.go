// Package telegram publishes to a Telegram channel or group through the Bot
// API: HTML messages with link previews, photos, videos and albums with a
// caption, polls, replies that form threads, edits of a message's text or
// caption, and deletes. The bot token travels in the URL path, so every
// error is rebuilt without it.
//
// The Bot API gives no way to read a chat's history, so a publish whose
// outcome was lost cannot be looked up: the adapter has no Lookup, its
// idempotency is IdempotencyNone, and such a publish becomes unconfirmed
// for a person to resolve. Messages carry no view or reaction counts either,
// so it reads no metrics.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network"
)

// Name is the network's name in clairon.yaml.
const Name = "telegram"

// Settings and secrets the adapter reads.
const (
	SettingChatID      = "chat_id"      // a numeric chat id or "@channelusername"
	SettingAPI         = "api"          // Bot API server, DefaultAPI when unset
	SettingLinkPreview = "link_preview" // "off" hides previews; "above" shows them above the text
	SecretToken        = "token"        // the bot token from @BotFather
)

// Bot API limits.
const (
	maxText        = 4096
	maxCaption     = 1024
	maxQuestion    = 300
	maxOption      = 100
	maxOptions     = 12 // Bot API 10.1; earlier versions allowed 10
	maxAlbum       = 10
	maxPhotoBytes  = 10 << 20
	maxUploadBytes = 50 << 20
	minOpenPeriod  = 5 * time.Second
	maxOpenPeriod  = 2628000 * time.Second
)

// mediaTypes maps accepted MIME types to the Bot API kind that sends them.
var mediaTypes = map[string]string{
	"image/jpeg": "photo",
	"image/png":  "photo",
	"image/gif":  "animation",
	"video/mp4":  "video",
}

// tokenPattern is the shape of a bot token: "<bot id>:<secret>".
var tokenPattern = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

// Adapter publishes to one Telegram chat.
type Adapter struct {
	api      string
	token    string
	chat     any    // int64 or "@username", as the Bot API takes chat_id
	username string // the chat's public username, when chat_id names one
	preview  string
	http     *http.Client
	redact   *network.Redactor
}

// New builds an adapter from an account's configuration.
func New(cfg network.Config) (network.Adapter, error) { return NewAdapter(cfg) }

// NewAdapter is New with the concrete type.
func NewAdapter(cfg network.Config) (*Adapter, error) {
	tok := strings.TrimSpace(cfg.Secrets[SecretToken])
	if tok == "" {
		return nil, errors.New("telegram: secret token is not set")
	}
	if !tokenPattern.MatchString(tok) {
		return nil, errors.New(`telegram: secret token is not a bot token ("<bot id>:<secret>" from @BotFather)`)
	}
	a := &Adapter{token: tok, http: cfg.Client(), redact: network.NewRedactor(cfg.Secrets)}
	chat := strings.TrimSpace(cfg.Settings[SettingChatID])
	switch {
	case chat == "":
		return nil, errors.New("telegram: setting chat_id is required (a numeric chat id or @channelusername)")
	case strings.HasPrefix(chat, "@") && len(chat) > 1 && !strings.ContainsAny(chat, " /?#"):
		a.chat, a.username = chat, chat[1:]
	default:
		id, err := strconv.ParseInt(chat, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("telegram: setting chat_id %q is neither a numeric id nor @channelusername", chat)
		}
		a.chat = id
	}
	switch p := cfg.Settings[SettingLinkPreview]; p {
	case "", "on", "off", "above":
		a.preview = p
	default:
		return nil, fmt.Errorf(`telegram: setting link_preview %q is not "on", "off" or "above"`, p)
	}
	a.api = strings.TrimRight(cfg.Settings[SettingAPI], "/")
	if a.api == "" {
		a.api = DefaultAPI
	}
	if !strings.HasPrefix(a.api, "https://") && !strings.HasPrefix(a.api, "http://") {
		return nil, fmt.Errorf("telegram: setting api %q is not an http(s) URL", a.api)
	}
	return a, nil
}

// Network returns "telegram".
func (a *Adapter) Network() string { return Name }

// Capabilities describes Bot API messages.
func (a *Adapter) Capabilities() network.Capabilities {
	types := make([]string, 0, len(mediaTypes))
	for t := range mediaTypes {
		types = append(types, t)
	}
	slices.Sort(types)
	return network.Capabilities{
		Format:         network.FormatHTML,
		TextLimit:      maxText,
		CaptionLimit:   maxCaption,
		MaxMedia:       maxAlbum,
		MediaTypes:     types,
		MaxImageBytes:  maxPhotoBytes,
		AltText:        false, // the Bot API has no alt-text field
		Threads:        true,
		Polls:          true,
		PollMaxOptions: maxOptions,
		Edit:           true,
		Delete:         true,
		// No idempotency key and no way to read the chat back (see the
		// package comment): a lost outcome becomes unconfirmed.
		Idempotency: network.IdempotencyNone,
		// Bot FAQ: about 20 messages a minute in one group or channel.
		Rate: network.Rate{Requests: 20, Window: time.Minute},
	}
}

// step is one message of a publication.
type step struct {
	kind string // "text", "media" or "poll"
	// text is the HTML text or caption, or the poll's plain question.
	text string
}

// plan turns a post into the messages that carry it: its text (or its media
// with the text as caption), then its poll. A poll alone carries a short
// post: its text becomes the question when it fits 300 characters and holds
// no link. Otherwise the last paragraph becomes the question when it fits
// (the rest goes first as a message), or failing that the question is the
// text's start, cut to 300 characters, under the full message.
func plan(p *network.Post) ([]step, error) {
	var steps []step
	content, question := p.Text, ""
	if p.Poll != nil {
		whole := strings.TrimSpace(plain(p.Text))
		if len(p.Media) == 0 && whole != "" && length(whole) <= maxQuestion && !strings.Contains(p.Text, "<a ") {
			return []step{{kind: "poll", text: whole}}, nil
		}
		if head, last, ok := splitLastParagraph(p.Text); ok && length(plain(last)) <= maxQuestion && !strings.Contains(last, "<a ") {
			content, question = head, strings.TrimSpace(plain(last))
		} else if whole != "" {
			question = truncate(whole, maxQuestion)
		} else {
			return nil, errors.New("a poll needs a question: the post has no text")
		}
	}
	if len(p.Media) > 0 {
		if n := length(plain(content)); n > maxCaption {
			return nil, fmt.Errorf("caption is %d characters after entities parsing, more than %d", n, maxCaption)
		}
		steps = append(steps, step{kind: "media", text: content})
	} else {
		n := length(strings.TrimSpace(plain(content)))
		if n == 0 {
			return nil, errors.New("message text is empty")
		}
		if n > maxText {
			return nil, fmt.Errorf("message is %d characters after entities parsing, more than %d", n, maxText)
		}
		steps = append(steps, step{kind: "text", text: content})
	}
	if p.Poll != nil {
		steps = append(steps, step{kind: "poll", text: question})
	}
	return steps, nil
}

// check refuses what the Bot API would refuse, before any call.
func (a *Adapter) check(p *network.Post) error {
	if p == nil {
		return errors.New("no post")
	}
	if len(p.Media) > maxAlbum {
		return fmt.Errorf("%d media items, an album holds at most %d", len(p.Media), maxAlbum)
	}
	for _, m := range p.Media {
		kind, ok := mediaTypes[m.MIME]
		switch {
		case !ok:
			return fmt.Errorf("media %s: type %q is not accepted", m.Name, m.MIME)
		case len(m.Data) == 0:
			return fmt.Errorf("media %s: no data", m.Name)
		case kind == "photo" && len(m.Data) > maxPhotoBytes:
			return fmt.Errorf("photo %s is %d bytes, more than 10 MB", m.Name, len(m.Data))
		case len(m.Data) > maxUploadBytes:
			return fmt.Errorf("media %s is %d bytes, more than the 50 MB bots may upload", m.Name, len(m.Data))
		case kind == "animation" && len(p.Media) > 1:
			return fmt.Errorf("media %s: an album cannot hold an animated GIF", m.Name)
		}
	}
	if p.ReplyTo != nil && !p.ReplyTo.IsZero() {
		if _, err := strconv.ParseInt(p.ReplyTo.ID, 10, 64); err != nil {
			return fmt.Errorf("reply_to %q is not a Telegram message id", p.ReplyTo.ID)
		}
	}
	if p.Poll != nil {
		if n := len(p.Poll.Options); n < 2 || n > maxOptions {
			return fmt.Errorf("a poll takes 2 to %d options, not %d", maxOptions, n)
		}
		for _, o := range p.Poll.Options {
			if n := length(strings.TrimSpace(o)); n == 0 || n > maxOption {
				return fmt.Errorf("poll option %q must be 1 to %d characters", o, maxOption)
			}
		}
		if d := p.Poll.Duration; d != 0 && (d < minOpenPeriod || d > maxOpenPeriod) {
			return fmt.Errorf("a poll stays open between %s and %s, not %s", minOpenPeriod, maxOpenPeriod, d)
		}
	}
	return nil
}

// sent is what one step produced.
type sent struct {
	kind     string
	ids      []int64
	chatID   int64
	username string
}

// Publish sends the post's messages in order: each later message replies to
// the first. When a later message fails, the error is MaybeWritten, since
// the earlier ones exist, and names them.
func (a *Adapter) Publish(ctx context.Context, p *network.Post) (network.Ref, error) {
	fail := func(err error) error {
		return &network.Error{Class: network.Permanent, Network: Name, Op: "publish", Err: err}
	}
	if err := a.check(p); err != nil {
		return network.Ref{}, fail(err)
	}
	steps, err := plan(p)
	if err != nil {
		return network.Ref{}, fail(err)
	}
	var (
		done    []sent
		replyTo int64
	)
	if p.ReplyTo != nil && !p.ReplyTo.IsZero() {
		replyTo, _ = strconv.ParseInt(p.ReplyTo.ID, 10, 64)
	}
	for _, st := range steps {
		s, err := a.send(ctx, p, st, replyTo)
		if err != nil {
			return network.Ref{}, partial(err, done)
		}
		done = append(done, s)
		replyTo = done[0].ids[0]
	}
	return a.ref(done), nil
}

// partial marks err as MaybeWritten when earlier messages were sent, and
// names them so that a person can resolve the publication.
func partial(err error, done []sent) error {
	if len(done) == 0 {
		return err
	}
	var ids []string
	for _, s := range done {
		for _, id := range s.ids {
			ids = append(ids, strconv.FormatInt(id, 10))
		}
	}
	ne := &network.Error{Class: network.Retryable, Network: Name, Op: "publish", MaybeWritten: true,
		Err: fmt.Errorf("messages %s were sent, the rest failed: %w", strings.Join(ids, ","), err)}
	var inner *network.Error
	if errors.As(err, &inner) {
		ne.Class, ne.Status, ne.RetryAfter = inner.Class, inner.Status, inner.RetryAfter
	}
	return ne
}

// ref builds the reference of a publication from its messages.
func (a *Adapter) ref(done []sent) network.Ref {
	first := done[0]
	id := strconv.FormatInt(first.ids[0], 10)
	var all []string
	extra := map[string]string{"kind": first.kind, "chat_id": strconv.FormatInt(first.chatID, 10)}
	for _, s := range done {
		for _, mid := range s.ids {
			all = append(all, strconv.FormatInt(mid, 10))
		}
		if s.kind == "poll" && len(done) > 1 {
			extra["poll_message_id"] = strconv.FormatInt(s.ids[0], 10)
		}
	}
	extra["message_ids"] = strings.Join(all, ",")
	ref := network.Ref{ID: id, Extra: extra}
	user := first.username
	if user == "" {
		user = a.username
	}
	if user != "" {
		ref.URL = "https://t.me/" + user + "/" + id
	}
	return ref
}

var (
	_ network.Adapter = (*Adapter)(nil)
	_ network.Editor  = (*Adapter)(nil)
	_ network.Factory = New
)
