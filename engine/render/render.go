// Package render turns a post into exactly what each target account will
// receive: the text of every thread part in the network's format (plain,
// Telegram HTML, Discord Markdown, Slack mrkdwn, LinkedIn little text), with
// mentions resolved from the handle table, links UTM-tagged, campaign
// hashtags added, media with alt text, polls and first comments; it counts
// each part the way the network counts it (engine/render/count) and reports
// what does not fit as diagnostics at the post's file:line.
package render

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/yuin/goldmark/ast"

	"github.com/clairon-dev/clairon/engine/content"
	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/engine/internal/parallel"
	"github.com/clairon-dev/clairon/engine/localtime"
	"github.com/clairon-dev/clairon/engine/network"
	"github.com/clairon-dev/clairon/engine/render/count"
)

// Output is a post rendered for one account.
type Output struct {
	// Post is the post's id; Account its target; Network the account's
	// network (the emulated one for a sandbox account).
	Post    string `json:"post"`
	Account string `json:"account"`
	Network string `json:"network"`
	// Format of every part's Text.
	Format network.Format `json:"format"`
	// Parts are the messages to publish in order: the thread's parts, then
	// the first comment if any (FirstComment set).
	Parts []Part `json:"parts"`
	// ContentWarning and Language apply to every part.
	ContentWarning string `json:"content_warning,omitempty"`
	Language       string `json:"language,omitempty"`
	// ReplyTo is the post's reply_to: a URL, or another post's id.
	ReplyTo string `json:"reply_to,omitempty"`
	// Digest identifies the rendered content: it changes exactly when what
	// would be published changes (text, media bytes, alt text, poll).
	Digest string `json:"digest"`
}

// Part is one message of a rendered post.
type Part struct {
	Text string `json:"text"`
	// Markdown is the part's source, for the webhook's payload.
	Markdown     string           `json:"markdown,omitempty"`
	Entities     []network.Entity `json:"entities,omitempty"`
	Media        []Media          `json:"media,omitempty"`
	Poll         *network.Poll    `json:"poll,omitempty"`
	FirstComment bool             `json:"first_comment,omitempty"`
	Count        count.Result     `json:"count"`
	URLs         []string         `json:"urls,omitempty"`
	// Pos is where the part's text starts in the file.
	Pos diag.Pos `json:"-"`
}

// Media is an attachment of a part.
type Media struct {
	Path  string      `json:"path"`
	MIME  string      `json:"mime"`
	Alt   string      `json:"alt,omitempty"`
	Focus *[2]float64 `json:"focus,omitempty"`
	Size  int64       `json:"size"`
	// Blob is the git blob hash of the file, which enters the digest.
	Blob string `json:"blob"`
}

// Capabilities returns an account's capabilities, if known.
type Capabilities func(account string) (network.Capabilities, bool)

// Renderer renders the posts of one repository.
type Renderer struct {
	repo      *content.Repo
	caps      Capabilities
	campaigns map[string]*content.Campaign

	mu    sync.Mutex
	blobs map[string]string
}

// New returns a renderer for repo; caps may be nil (no capability checks).
func New(repo *content.Repo, caps Capabilities) *Renderer {
	r := &Renderer{repo: repo, caps: caps, campaigns: map[string]*content.Campaign{}, blobs: map[string]string{}}
	for _, d := range repo.Campaigns() {
		r.campaigns[d.ID] = d.Campaign
	}
	return r
}

// NetworkOf returns the network an account renders for: its own, or the one
// a sandbox account emulates.
func NetworkOf(acc *content.Account) string {
	if acc.Network == "sandbox" {
		if e := acc.Settings["emulate"]; e != "" {
			return e
		}
		return "webhook"
	}
	return acc.Network
}

// RenderAll renders a post for each of its accounts, in to: order.
func (r *Renderer) RenderAll(d *content.Document) ([]*Output, diag.List) {
	var outs []*Output
	var ds diag.List
	if d.Cached && d.Post != nil {
		// Parsed again once for all its accounts, not once per account.
		full, err := r.repo.Full(d)
		if err != nil {
			ds.Errorf(d.Pos(), "read", "", "%v", err)
			return nil, ds
		}
		d = full
	}
	var sh shared
	for _, a := range d.Post.To {
		o, dds := r.render(d, a, &sh)
		ds.Add(dds...)
		if o != nil {
			outs = append(outs, o)
		}
	}
	return outs, ds
}

// RenderPosts renders many posts in parallel (one worker per CPU), returning
// each post's outputs at its index and every diagnostic. caps must be safe
// for concurrent use.
func (r *Renderer) RenderPosts(docs []*content.Document) ([][]*Output, diag.List) {
	outs := make([][]*Output, len(docs))
	dss := make([]diag.List, len(docs))
	r.RenderEach(docs, func(i int, o []*Output, ds diag.List) { outs[i], dss[i] = o, ds })
	var ds diag.List
	for _, d := range dss {
		ds.Add(d...)
	}
	return outs, ds
}

// RenderEach renders many posts in parallel and hands each post's outputs
// to fn as soon as they are made, so that a caller keeping only digests
// never holds every output at once. fn is called from several goroutines,
// once per index.
func (r *Renderer) RenderEach(docs []*content.Document, fn func(i int, outs []*Output, ds diag.List)) {
	parallel.Chunks(len(docs), 1, func(i, _ int) {
		outs, ds := r.RenderAll(docs[i])
		fn(i, outs, ds)
	})
}

// Render renders a post for one account. It returns nil when the account
// is unknown (validation reports it).
func (r *Renderer) Render(d *content.Document, account string) (*Output, diag.List) {
	return r.render(d, account, nil)
}

// shared holds what the outputs of one post have in common, computed for
// its first account: the Markdown source and position of each part of the
// body (overrides have their own).
type shared struct {
	doc      *content.Document
	markdown []string
	pos      []diag.Pos
}

func (r *Renderer) render(d *content.Document, account string, sh *shared) (*Output, diag.List) {
	var ds diag.List
	cfg := r.repo.Config
	if cfg == nil || cfg.Accounts[account] == nil || d.Post == nil {
		return nil, nil
	}
	if d.Cached {
		full, err := r.repo.Full(d)
		if err != nil {
			ds.Errorf(d.Pos(), "read", "", "%v", err)
			return nil, ds
		}
		d = full
	}
	acc := cfg.Accounts[account]
	p := d.Post
	netName := NetworkOf(acc)
	fl := flavorFor(netName)
	o := &Output{Post: d.ID, Account: account, Network: netName, Format: fl.format, Language: p.Language, ContentWarning: p.ContentWarning, ReplyTo: p.ReplyTo}

	// Overrides: network first, then account, so the account wins.
	body, bodyFromOverride := d.AST, false
	src := d.Body
	media := p.Media
	tags := p.Tags
	overridePos := diag.Pos{}
	for _, key := range []string{netName, account} {
		ov, ok := p.Overrides[key]
		if !ok {
			continue
		}
		if ov.Text != nil {
			src = []byte(*ov.Text)
			body = content.ParseMarkdown(src)
			bodyFromOverride = true
			overridePos = d.PosOf("overrides", key, "text")
		}
		if ov.Media != nil {
			media = *ov.Media
		}
		if ov.Tags != nil {
			tags = *ov.Tags
		}
		if ov.ContentWarning != nil {
			o.ContentWarning = *ov.ContentWarning
		}
	}

	campaign := r.campaigns[p.Campaign]
	var campaignUTM *content.UTM
	if campaign != nil {
		campaignUTM = campaign.UTM
	}
	hook := &textHook{network: netName, ds: &ds, fallback: overridePos}
	if acc.Settings["utm"] != "off" {
		hook.utm = newUTMTagger(campaignUTM, p.UTM, utmVars{network: netName, account: account, post: lastSegment(d.ID), campaign: p.Campaign})
	}
	if cfg.Mentions != nil {
		hook.mentions = cfg.Mentions
	}
	if !bodyFromOverride {
		hook.pos = d.BodyPos
	}
	w := &writer{fl: fl, src: src, txt: hook}

	groups := splitParts(body)
	if len(groups) == 0 {
		ds.Errorf(d.Pos(), "empty-post", "write the post's text after the front matter", "post has no text")
		return nil, ds
	}
	if sh != nil {
		if sh.doc == nil {
			sh.doc = d
		}
		if bodyFromOverride || sh.doc != d {
			sh = nil // not the body the post's outputs share
		}
	}
	for i, g := range groups {
		hook.urls = nil
		part := Part{Text: w.blocks(g), URLs: hook.urls}
		switch {
		case bodyFromOverride:
			part.Markdown, part.Pos = sourceOf(g, src), overridePos
		case sh != nil && i < len(sh.markdown):
			part.Markdown, part.Pos = sh.markdown[i], sh.pos[i]
		default:
			part.Markdown, part.Pos = sourceOf(g, src), d.BodyPos(startOffset(g))
		}
		o.Parts = append(o.Parts, part)
	}
	if sh != nil && len(sh.markdown) == 0 {
		for _, p := range o.Parts {
			sh.markdown, sh.pos = append(sh.markdown, p.Markdown), append(sh.pos, p.Pos)
		}
	}

	// Hashtags: the post's (or override's) tags, then the campaign's, on a
	// last line of the first part, never repeating one the text has.
	var extra []string
	extra = append(extra, tags...)
	if campaign != nil && campaign.HashtagPlacement != "none" {
		extra = append(extra, campaign.Hashtags...)
	}
	o.Parts[0].Text = appendHashtags(o.Parts[0].Text, extra, fl)

	if p.Thread.Auto() {
		o.Parts = r.autoThread(o.Parts, netName, acc, p.Thread.Numbering, o.ContentWarning)
	}

	// Media and poll belong to the first part.
	o.Parts[0].Media = r.media(media, &ds, d)
	if p.Poll != nil {
		dur := 24 * time.Hour
		if p.Poll.Duration != "" {
			if v, err := localtime.ParseDuration(p.Poll.Duration); err == nil {
				dur = v
			}
		}
		o.Parts[0].Poll = &network.Poll{Options: p.Poll.Options, Duration: dur, Multiple: p.Poll.Multiple}
	}
	if p.FirstComment != "" {
		hook.urls, hook.pos, hook.fallback = nil, nil, d.PosOf("first_comment")
		fc := content.ParseMarkdown([]byte(p.FirstComment))
		fw := &writer{fl: fl, src: []byte(p.FirstComment), txt: hook}
		o.Parts = append(o.Parts, Part{Text: fw.blocks(children(fc)), Markdown: p.FirstComment, FirstComment: true, URLs: hook.urls, Pos: d.PosOf("first_comment")})
	}

	for i := range o.Parts {
		r.measure(o, &o.Parts[i], acc)
	}
	r.check(o, d, &ds)
	o.Digest = digest(o)
	return o, ds
}

func lastSegment(id string) string {
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[i+1:]
	}
	return id
}

func startOffset(nodes []ast.Node) int {
	for _, n := range nodes {
		if n.Lines().Len() > 0 {
			return n.Lines().At(0).Start
		}
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if c.Lines().Len() > 0 {
				return c.Lines().At(0).Start
			}
		}
	}
	return 0
}

// sourceOf returns the Markdown source of a run of blocks.
func sourceOf(nodes []ast.Node, src []byte) string {
	start, end := -1, -1
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		if n.Type() == ast.TypeBlock {
			ls := n.Lines()
			for i := 0; i < ls.Len(); i++ {
				s := ls.At(i)
				if start < 0 || s.Start < start {
					start = s.Start
				}
				if s.Stop > end {
					end = s.Stop
				}
			}
		}
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	if start < 0 {
		return ""
	}
	// Extend to the start of the line, to keep list markers and quotes.
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	return strings.TrimSpace(string(src[start:end]))
}

func appendHashtags(s string, tags []string, fl flavor) string {
	if len(tags) == 0 {
		return s
	}
	have := hashtagsIn(s)
	var add []string
	for _, t := range tags {
		t = strings.TrimPrefix(t, "#")
		if t == "" || slices.Contains(have, strings.ToLower(t)) {
			continue
		}
		have = append(have, strings.ToLower(t))
		tag := "#" + t
		if fl.format != network.FormatLittleText { // LinkedIn takes hashtags raw
			tag = fl.escape(tag)
		}
		add = append(add, tag)
	}
	if len(add) == 0 {
		return s
	}
	return s + "\n\n" + strings.Join(add, " ")
}

// media resolves attachments; problems with files are validate's to report.
func (r *Renderer) media(refs []content.MediaRef, ds *diag.List, d *content.Document) []Media {
	var out []Media
	for _, m := range refs {
		p, err := content.MediaPath(m.Src)
		if err != nil {
			continue
		}
		f, ok := r.repo.Media[p]
		if !ok {
			continue
		}
		item := Media{Path: p, Alt: m.Alt, Size: f.Size, Blob: r.blob(p, f), MIME: content.MediaTypes[strings.ToLower(extOf(p))]}
		if m.Focus != nil && len(*m.Focus) == 2 {
			item.Focus = &[2]float64{(*m.Focus)[0], (*m.Focus)[1]}
		}
		out = append(out, item)
	}
	return out
}

func extOf(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i:]
	}
	return ""
}

// blob returns a media file's blob hash, reading it once when the file
// system did not know it.
func (r *Renderer) blob(p string, f content.MediaFile) string {
	if f.Blob != "" {
		return f.Blob
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if b, ok := r.blobs[p]; ok {
		return b
	}
	data, err := r.repo.ReadFile(p)
	if err != nil {
		return ""
	}
	b := content.BlobHash(data)
	r.blobs[p] = b
	return b
}

// VisibleText returns the text a network shows (and counts): what people see, without
// the markup of HTML or little text.
func VisibleText(format network.Format, s string) string {
	switch format {
	case network.FormatHTML:
		return visibleHTML(s)
	case network.FormatLittleText:
		return unescapeLittle(s)
	}
	return s
}

func (r *Renderer) measure(o *Output, p *Part, acc *content.Account) {
	opts := count.Options{Caption: o.Network == "telegram" && len(p.Media) > 0}
	if o.Network == "mastodon" {
		// Every status of the thread carries the warning, and Mastodon
		// counts it with the text.
		opts.ContentWarning = o.ContentWarning
	}
	if l := acc.Settings["limit"]; l != "" {
		fmt.Sscan(l, &opts.Limit)
	}
	netName := o.Network
	if !count.KnownNetwork(netName) {
		netName = count.Webhook
	}
	visible := VisibleText(o.Format, p.Text)
	res, err := count.Count(netName, visible, opts)
	if err != nil {
		return
	}
	p.Count = res
	for _, e := range res.Entities {
		if o.Format != network.FormatPlain {
			continue // offsets are into the visible text, not the payload
		}
		p.Entities = append(p.Entities, network.Entity{Kind: entityKind(e.Kind), Start: e.Start, End: e.End, Value: e.Value})
	}
}

// entityKind names a count entity kind as the network contract does.
func entityKind(k string) network.EntityKind {
	switch k {
	case count.KindURL:
		return network.EntityLink
	case count.KindHashtag:
		return network.EntityHashtag
	case count.KindMention:
		return network.EntityMention
	case count.KindCashtag:
		return network.EntityCashtag
	}
	return ""
}
