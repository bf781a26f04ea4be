package mastodon

import "time"

// Wire types: the fields of Mastodon's entities that clairon reads.

type account struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Acct           string `json:"acct"`
	URL            string `json:"url"`
	FollowersCount int64  `json:"followers_count"`
}

type status struct {
	ID              string       `json:"id"`
	CreatedAt       time.Time    `json:"created_at"`
	InReplyToID     *string      `json:"in_reply_to_id"`
	URL             string       `json:"url"`
	URI             string       `json:"uri"`
	Content         string       `json:"content"`
	SpoilerText     string       `json:"spoiler_text"`
	Account         account      `json:"account"`
	Media           []attachment `json:"media_attachments"`
	RepliesCount    *int64       `json:"replies_count"`
	ReblogsCount    *int64       `json:"reblogs_count"`
	FavouritesCount *int64       `json:"favourites_count"`
	QuotesCount     *int64       `json:"quotes_count"`
	Reblog          *status      `json:"reblog"`
}

func (s status) replyTo() string {
	if s.InReplyToID == nil {
		return ""
	}
	return *s.InReplyToID
}

// link is the status's public address: url, or uri when url is null.
func (s status) link() string {
	if s.URL != "" {
		return s.URL
	}
	return s.URI
}

type attachment struct {
	ID  string  `json:"id"`
	URL *string `json:"url"`
}

type source struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	SpoilerText string `json:"spoiler_text"`
}

type threadContext struct {
	Descendants []status `json:"descendants"`
}
