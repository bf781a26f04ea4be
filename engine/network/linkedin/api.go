package linkedin

// Wire types of LinkedIn's versioned Rest.li API.

// postBody is the body of POST /rest/posts.
type postBody struct {
	Author                    string       `json:"author"`
	Commentary                string       `json:"commentary"`
	Visibility                string       `json:"visibility"`
	Distribution              distribution `json:"distribution"`
	Content                   *content     `json:"content,omitempty"`
	LifecycleState            string       `json:"lifecycleState"`
	IsReshareDisabledByAuthor bool         `json:"isReshareDisabledByAuthor"`
}

type distribution struct {
	FeedDistribution               string   `json:"feedDistribution"`
	TargetEntities                 []string `json:"targetEntities"`
	ThirdPartyDistributionChannels []string `json:"thirdPartyDistributionChannels"`
}

// content holds one image (media) or several (multiImage).
type content struct {
	Media      *imageRef   `json:"media,omitempty"`
	MultiImage *multiImage `json:"multiImage,omitempty"`
}

type imageRef struct {
	ID      string `json:"id"`
	AltText string `json:"altText,omitempty"`
}

type multiImage struct {
	Images []imageRef `json:"images"`
}

// images counts the images of c.
func (c *content) images() int {
	switch {
	case c == nil:
		return 0
	case c.MultiImage != nil:
		return len(c.MultiImage.Images)
	case c.Media != nil:
		return 1
	}
	return 0
}

// patchBody is the body of a PARTIAL_UPDATE.
type patchBody struct {
	Patch struct {
		Set map[string]any `json:"$set"`
	} `json:"patch"`
}

// post is a post as GET /rest/posts returns it. Times are epoch
// milliseconds.
type post struct {
	ID             string   `json:"id"`
	Author         string   `json:"author"`
	Commentary     string   `json:"commentary"`
	LifecycleState string   `json:"lifecycleState"`
	CreatedAt      int64    `json:"createdAt"`
	PublishedAt    int64    `json:"publishedAt"`
	LastModifiedAt int64    `json:"lastModifiedAt"`
	Content        *content `json:"content"`
}

// paging is a collection's paging block.
type paging struct {
	Start int  `json:"start"`
	Count int  `json:"count"`
	Total *int `json:"total"`
}

type postsPage struct {
	Elements []post `json:"elements"`
	Paging   paging `json:"paging"`
}

// initializeUpload is the body of POST /rest/images?action=initializeUpload.
type initializeUpload struct {
	InitializeUploadRequest struct {
		Owner string `json:"owner"`
	} `json:"initializeUploadRequest"`
}

type initializeUploadResponse struct {
	Value struct {
		UploadURLExpiresAt int64  `json:"uploadUrlExpiresAt"`
		UploadURL          string `json:"uploadUrl"`
		Image              string `json:"image"`
	} `json:"value"`
}

// socialActions is GET /rest/socialActions/{urn}: like and comment summaries.
type socialActions struct {
	LikesSummary *struct {
		TotalLikes           *int64 `json:"totalLikes"`
		AggregatedTotalLikes *int64 `json:"aggregatedTotalLikes"`
	} `json:"likesSummary"`
	CommentsSummary *struct {
		TotalFirstLevelComments *int64 `json:"totalFirstLevelComments"`
		AggregatedTotalComments *int64 `json:"aggregatedTotalComments"`
	} `json:"commentsSummary"`
}

// shareStatistics is a page of organizationalEntityShareStatistics.
type shareStatistics struct {
	Elements []struct {
		Share                string `json:"share"`
		UGCPost              string `json:"ugcPost"`
		OrganizationalEntity string `json:"organizationalEntity"`
		TotalShareStatistics *struct {
			ImpressionCount        *int64   `json:"impressionCount"`
			UniqueImpressionsCount *int64   `json:"uniqueImpressionsCount"`
			ClickCount             *int64   `json:"clickCount"`
			LikeCount              *int64   `json:"likeCount"`
			CommentCount           *int64   `json:"commentCount"`
			ShareCount             *int64   `json:"shareCount"`
			Engagement             *float64 `json:"engagement"`
		} `json:"totalShareStatistics"`
	} `json:"elements"`
}

// auditStamp says who did something and when (epoch milliseconds).
type auditStamp struct {
	Actor string `json:"actor"`
	Time  int64  `json:"time"`
}

// socialPage is a page of comments or likes on a post.
type socialPage struct {
	Elements []struct {
		Actor      string     `json:"actor"`
		Created    auditStamp `json:"created"`
		ID         string     `json:"id"`
		CommentURN string     `json:"commentUrn"`
		URN        string     `json:"$URN"`
		Message    *struct {
			Text string `json:"text"`
		} `json:"message"`
	} `json:"elements"`
	Paging paging `json:"paging"`
}

// errorBody is LinkedIn's error shape, in its plain form
// ({status, serviceErrorCode, code, message}) and its validation form
// ({errorDetailType, message, errorDetails.inputErrors[], status}).
type errorBody struct {
	Status           int    `json:"status"`
	ServiceErrorCode int    `json:"serviceErrorCode"`
	Code             string `json:"code"`
	Message          string `json:"message"`
	ErrorDetailType  string `json:"errorDetailType"`
	ErrorDetails     *struct {
		InputErrors []struct {
			Description string `json:"description"`
			Code        string `json:"code"`
		} `json:"inputErrors"`
	} `json:"errorDetails"`
}
