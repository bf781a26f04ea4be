package x

import (
	"slices"
	"time"
)

// Wire types of the X API v2. X renamed "Tweet" to "Post" in parts of its
// specification (repost_count, edit_history_post_ids, referenced_posts)
// while live responses keep the older names: both are decoded, the older
// names are sent.

// createRequest is the body of POST /2/tweets.
type createRequest struct {
	Text        string       `json:"text"`
	Reply       *replyField  `json:"reply,omitempty"`
	Poll        *pollField   `json:"poll,omitempty"`
	Media       *mediaField  `json:"media,omitempty"`
	EditOptions *editOptions `json:"edit_options,omitempty"`
}

type replyField struct {
	InReplyToTweetID string `json:"in_reply_to_tweet_id"`
}

type pollField struct {
	Options         []string `json:"options"`
	DurationMinutes int      `json:"duration_minutes"`
}

type mediaField struct {
	MediaIDs []string `json:"media_ids"`
}

type editOptions struct {
	PreviousPostID string `json:"previous_post_id"`
}

// createResponse is the answer to POST /2/tweets.
type createResponse struct {
	Data *struct {
		ID                  string   `json:"id"`
		Text                string   `json:"text"`
		EditHistoryTweetIDs []string `json:"edit_history_tweet_ids"`
		EditHistoryPostIDs  []string `json:"edit_history_post_ids"`
	} `json:"data"`
	Errors []problem `json:"errors"`
}

// deleteResponse is the answer to DELETE /2/tweets/:id.
type deleteResponse struct {
	Data *struct {
		Deleted bool `json:"deleted"`
	} `json:"data"`
	Errors []problem `json:"errors"`
}

// problem is an RFC 7807 problem object, X's error shape, or an entry of a
// response's errors array; Code and Message hold the legacy shape.
type problem struct {
	Type         string `json:"type"`
	Title        string `json:"title"`
	Detail       string `json:"detail"`
	Status       int    `json:"status"`
	ResourceType string `json:"resource_type"`
	ResourceID   string `json:"resource_id"`
	Parameter    string `json:"parameter"`
	Code         int    `json:"code"`
	Message      string `json:"message"`
}

// errorBody is any X error body: a problem at the top level, or an errors
// array (the legacy shape, or partial errors).
type errorBody struct {
	problem
	Errors []problem `json:"errors"`
}

// tweet is a post as X returns it.
type tweet struct {
	ID               string            `json:"id"`
	Text             string            `json:"text"`
	AuthorID         string            `json:"author_id"`
	ConversationID   string            `json:"conversation_id"`
	CreatedAt        time.Time         `json:"created_at"`
	ReferencedTweets []referenced      `json:"referenced_tweets"`
	ReferencedPosts  []referenced      `json:"referenced_posts"`
	Entities         *entities         `json:"entities"`
	PublicMetrics    *publicMetrics    `json:"public_metrics"`
	NonPublicMetrics *nonPublicMetrics `json:"non_public_metrics"`
	OrganicMetrics   *nonPublicMetrics `json:"organic_metrics"`
	EditControls     *editControls     `json:"edit_controls"`
	EditHistoryTweet []string          `json:"edit_history_tweet_ids"`
	EditHistoryPost  []string          `json:"edit_history_post_ids"`
}

// editControls says whether and until when a post can be edited.
type editControls struct {
	IsEditEligible *bool     `json:"is_edit_eligible"`
	EditableUntil  time.Time `json:"editable_until"`
	EditsRemaining *int      `json:"edits_remaining"`
}

// is reports whether t is post id or has it in its edit history (X answers
// an edited post's id with its latest version).
func (t *tweet) is(id string) bool {
	return t.ID == id || slices.Contains(t.EditHistoryTweet, id) || slices.Contains(t.EditHistoryPost, id)
}

// references returns the tweet's referenced posts under either name.
func (t *tweet) references() []referenced {
	if len(t.ReferencedTweets) > 0 {
		return t.ReferencedTweets
	}
	return t.ReferencedPosts
}

// repliesTo returns the id of the post t replies to, "" when none.
func (t *tweet) repliesTo() string {
	for _, r := range t.references() {
		if r.Type == "replied_to" {
			return r.ID
		}
	}
	return ""
}

type referenced struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type entities struct {
	URLs []urlEntity `json:"urls"`
}

// urlEntity is a link X wrapped in a t.co address. Media attachments appear
// as links too, with a media key.
type urlEntity struct {
	URL         string `json:"url"`
	ExpandedURL string `json:"expanded_url"`
	UnwoundURL  string `json:"unwound_url"`
	MediaKey    string `json:"media_key"`
}

type publicMetrics struct {
	RetweetCount    *int64 `json:"retweet_count"`
	RepostCount     *int64 `json:"repost_count"`
	ReplyCount      *int64 `json:"reply_count"`
	LikeCount       *int64 `json:"like_count"`
	QuoteCount      *int64 `json:"quote_count"`
	BookmarkCount   *int64 `json:"bookmark_count"`
	ImpressionCount *int64 `json:"impression_count"`
}

type nonPublicMetrics struct {
	ImpressionCount   *int64 `json:"impression_count"`
	URLLinkClicks     *int64 `json:"url_link_clicks"`
	UserProfileClicks *int64 `json:"user_profile_clicks"`
	Engagements       *int64 `json:"engagements"`
}

// tweetsResponse is a page of posts: a lookup, a timeline or a search.
type tweetsResponse struct {
	Data     []tweet `json:"data"`
	Includes struct {
		Users []user `json:"users"`
	} `json:"includes"`
	Meta   pageMeta  `json:"meta"`
	Errors []problem `json:"errors"`
}

// usersResponse is a page of users (liking users, reposters).
type usersResponse struct {
	Data   []user    `json:"data"`
	Meta   pageMeta  `json:"meta"`
	Errors []problem `json:"errors"`
}

type pageMeta struct {
	ResultCount int    `json:"result_count"`
	NextToken   string `json:"next_token"`
}

type user struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Username      string `json:"username"`
	PublicMetrics *struct {
		FollowersCount *int64 `json:"followers_count"`
	} `json:"public_metrics"`
}

type userResponse struct {
	Data   *user     `json:"data"`
	Errors []problem `json:"errors"`
}

// uploadResponse is the answer to every media upload call.
type uploadResponse struct {
	Data *struct {
		ID               string          `json:"id"`
		MediaKey         string          `json:"media_key"`
		ExpiresAfterSecs int             `json:"expires_after_secs"`
		ProcessingInfo   *processingInfo `json:"processing_info"`
	} `json:"data"`
	Errors []problem `json:"errors"`
}

type processingInfo struct {
	State          string `json:"state"`
	CheckAfterSecs int    `json:"check_after_secs"`
	Error          *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// initializeRequest is the JSON body of POST /2/media/upload/initialize.
type initializeRequest struct {
	MediaType     string `json:"media_type"`
	TotalBytes    int    `json:"total_bytes"`
	MediaCategory string `json:"media_category"`
}

// metadataRequest is the body of POST /2/media/metadata.
type metadataRequest struct {
	ID       string `json:"id"`
	Metadata struct {
		AltText struct {
			Text string `json:"text"`
		} `json:"alt_text"`
	} `json:"metadata"`
}
