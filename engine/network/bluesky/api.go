package bluesky

import "encoding/json"

// Wire types of the XRPC methods the adapter calls, as their lexicons
// define them.

type createSessionInput struct {
	Identifier string `json:"identifier"`
	Password   string `json:"password"`
}

// sessionOutput answers createSession and refreshSession.
type sessionOutput struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
}

func (o sessionOutput) session() *session {
	return &session{did: o.DID, handle: o.Handle, access: o.AccessJwt, refresh: o.RefreshJwt}
}

// postRecord is an app.bsky.feed.post record.
type postRecord struct {
	Type      string       `json:"$type"`
	Text      string       `json:"text"`
	CreatedAt string       `json:"createdAt"`
	Langs     []string     `json:"langs,omitempty"`
	Facets    []facet      `json:"facets,omitempty"`
	Embed     *imagesEmbed `json:"embed,omitempty"`
	Reply     *replyRef    `json:"reply,omitempty"`
}

// facet is an app.bsky.richtext.facet.
type facet struct {
	Index    byteSlice `json:"index"`
	Features []feature `json:"features"`
}

type byteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// feature is one of #link, #mention or #tag.
type feature struct {
	Type string `json:"$type"`
	URI  string `json:"uri,omitempty"`
	DID  string `json:"did,omitempty"`
	Tag  string `json:"tag,omitempty"`
}

const (
	featureLink    = "app.bsky.richtext.facet#link"
	featureMention = "app.bsky.richtext.facet#mention"
	featureTag     = "app.bsky.richtext.facet#tag"
)

// imagesEmbed is an app.bsky.embed.images embed.
type imagesEmbed struct {
	Type   string       `json:"$type"`
	Images []embedImage `json:"images"`
}

type embedImage struct {
	// Image is the blob uploadBlob returned, passed back as it came.
	Image       json.RawMessage `json:"image"`
	Alt         string          `json:"alt"`
	AspectRatio *aspectRatio    `json:"aspectRatio,omitempty"`
}

type aspectRatio struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// replyRef is a post's reply {root, parent}.
type replyRef struct {
	Root   strongRef `json:"root"`
	Parent strongRef `json:"parent"`
}

// strongRef is a com.atproto.repo.strongRef.
type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type createRecordInput struct {
	Repo       string     `json:"repo"`
	Collection string     `json:"collection"`
	Rkey       string     `json:"rkey"`
	Record     postRecord `json:"record"`
}

type createRecordOutput struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type deleteRecordInput struct {
	Repo       string `json:"repo"`
	Collection string `json:"collection"`
	Rkey       string `json:"rkey"`
}

// getRecordOutput answers com.atproto.repo.getRecord for a post.
type getRecordOutput struct {
	URI   string `json:"uri"`
	CID   string `json:"cid"`
	Value struct {
		Reply *replyRef `json:"reply"`
	} `json:"value"`
}

type uploadBlobOutput struct {
	Blob json.RawMessage `json:"blob"`
}

type resolveHandleOutput struct {
	DID string `json:"did"`
}

// profileBasic is the part of app.bsky.actor.defs#profileView* read here.
type profileBasic struct {
	DID    string `json:"did"`
	Handle string `json:"handle"`
}

// postView is the part of app.bsky.feed.defs#postView read here.
type postView struct {
	URI       string       `json:"uri"`
	CID       string       `json:"cid"`
	Author    profileBasic `json:"author"`
	Record    viewRecord   `json:"record"`
	IndexedAt string       `json:"indexedAt"`

	LikeCount     *int64 `json:"likeCount"`
	RepostCount   *int64 `json:"repostCount"`
	ReplyCount    *int64 `json:"replyCount"`
	QuoteCount    *int64 `json:"quoteCount"`
	BookmarkCount *int64 `json:"bookmarkCount"`
}

type viewRecord struct {
	Text      string `json:"text"`
	CreatedAt string `json:"createdAt"`
}

type getPostsOutput struct {
	Posts []postView `json:"posts"`
}

type getProfileOutput struct {
	DID            string `json:"did"`
	FollowersCount *int64 `json:"followersCount"`
}

type getLikesOutput struct {
	Cursor string `json:"cursor"`
	Likes  []struct {
		CreatedAt string       `json:"createdAt"`
		IndexedAt string       `json:"indexedAt"`
		Actor     profileBasic `json:"actor"`
	} `json:"likes"`
}

type getRepostedByOutput struct {
	Cursor     string         `json:"cursor"`
	RepostedBy []profileBasic `json:"repostedBy"`
}

type getQuotesOutput struct {
	Cursor string     `json:"cursor"`
	Posts  []postView `json:"posts"`
}

// threadOutput answers getPostThread; replies are threadViewPost,
// notFoundPost or blockedPost unions, told apart by $type.
type threadOutput struct {
	Thread struct {
		Type    string `json:"$type"`
		Replies []struct {
			Type string   `json:"$type"`
			Post postView `json:"post"`
		} `json:"replies"`
	} `json:"thread"`
}

const threadViewPost = "app.bsky.feed.defs#threadViewPost"
