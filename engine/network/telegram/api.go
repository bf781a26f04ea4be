package telegram

// message is the part of the Bot API Message object clairon reads.
type message struct {
	MessageID    int64  `json:"message_id"`
	Date         int64  `json:"date"`
	MediaGroupID string `json:"media_group_id"`
	Chat         struct {
		ID       int64  `json:"id"`
		Type     string `json:"type"`
		Title    string `json:"title"`
		Username string `json:"username"`
	} `json:"chat"`
}

// replyParameters is ReplyParameters.
type replyParameters struct {
	MessageID int64 `json:"message_id"`
}

// linkPreviewOptions is LinkPreviewOptions.
type linkPreviewOptions struct {
	IsDisabled    bool   `json:"is_disabled,omitempty"`
	URL           string `json:"url,omitempty"`
	ShowAboveText bool   `json:"show_above_text,omitempty"`
}

// inputMedia is InputMediaPhoto or InputMediaVideo inside sendMediaGroup.
type inputMedia struct {
	Type       string `json:"type"`
	Media      string `json:"media"`
	Caption    string `json:"caption,omitempty"`
	ParseMode  string `json:"parse_mode,omitempty"`
	HasSpoiler bool   `json:"has_spoiler,omitempty"`
}

// inputPollOption is InputPollOption.
type inputPollOption struct {
	Text string `json:"text"`
}
