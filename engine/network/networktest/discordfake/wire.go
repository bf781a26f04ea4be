package discordfake

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"time"
	"unicode/utf16"
)

// Stored is a message as the fake keeps it.
type Stored struct {
	ID        string
	ChannelID string // the thread's id when the message is in a thread
	Content   string
	Embeds    []Embed
	// Attachments in order; Description is the alt text.
	Attachments []Attachment
	Poll        *Poll
	// ThreadName is set when this message opened a forum thread.
	ThreadName string
	// AllowedMentions is the parse list the request sent; nil when the
	// request had no allowed_mentions (Discord then parses users).
	AllowedMentions []string
	Username        string
	AvatarURL       string
	At              time.Time
	Edited          time.Time
	Deleted         bool
}

// Embed is the part of an embed the fake checks.
type Embed struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Timestamp   string `json:"timestamp,omitempty"`
}

// Attachment is an uploaded file.
type Attachment struct {
	ID          string
	Filename    string
	Description string
	ContentType string
	Data        []byte
}

// Poll is a stored poll.
type Poll struct {
	Question    string
	Answers     []string
	Hours       int
	Multiselect bool
}

func (m *Stored) clone() Stored {
	c := *m
	c.Embeds = append([]Embed(nil), m.Embeds...)
	c.Attachments = append([]Attachment(nil), m.Attachments...)
	c.AllowedMentions = append([]string(nil), m.AllowedMentions...)
	if m.AllowedMentions != nil && c.AllowedMentions == nil {
		c.AllowedMentions = []string{}
	}
	if m.Poll != nil {
		p := *m.Poll
		p.Answers = append([]string(nil), m.Poll.Answers...)
		c.Poll = &p
	}
	return c
}

// request is the JSON (or payload_json) body of execute and edit, decoded
// the way Discord reads it: absent and null are told apart where it matters.
type request struct {
	Content         *string            `json:"content"`
	Username        string             `json:"username"`
	AvatarURL       string             `json:"avatar_url"`
	Embeds          *[]Embed           `json:"embeds"`
	AllowedMentions *allowedMentions   `json:"allowed_mentions"`
	Attachments     *[]attachmentInput `json:"attachments"`
	ThreadName      string             `json:"thread_name"`
	Poll            *pollInput         `json:"poll"`
}

type allowedMentions struct {
	Parse []string `json:"parse"`
}

// attachmentInput names files[n] by n, or an existing attachment by its id.
type attachmentInput struct {
	ID          json.RawMessage `json:"id"`
	Filename    string          `json:"filename"`
	Description string          `json:"description"`
}

// ref returns the attachment's id as text: "0" for files[0], or a snowflake.
func (a attachmentInput) ref() string {
	var n json.Number
	if json.Unmarshal(a.ID, &n) == nil {
		return n.String()
	}
	var s string
	json.Unmarshal(a.ID, &s)
	return s
}

type pollInput struct {
	Question struct {
		Text string `json:"text"`
	} `json:"question"`
	Answers []struct {
		PollMedia struct {
			Text string `json:"text"`
		} `json:"poll_media"`
	} `json:"answers"`
	Duration         *int `json:"duration"`
	AllowMultiselect bool `json:"allow_multiselect"`
	LayoutType       int  `json:"layout_type"`
}

// upload is one files[n] part.
type upload struct {
	filename    string
	contentType string
	data        []byte
}

var filesPart = regexp.MustCompile(`^files\[([0-9]+)\]$`)

// decode reads a JSON or multipart body.
func decode(r *http.Request) (request, map[string]upload, *apiError) {
	var req request
	files := map[string]upload{}
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return req, nil, errEmpty
	}
	switch ct {
	case "application/json":
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return req, nil, errJSON
		}
	case "multipart/form-data":
		mr := multipart.NewReader(r.Body, params["boundary"])
		seenPayload := false
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return req, nil, errJSON
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return req, nil, errJSON
			}
			name := part.FormName()
			switch {
			case name == "payload_json":
				if json.Unmarshal(data, &req) != nil {
					return req, nil, errJSON
				}
				seenPayload = true
			case filesPart.MatchString(name):
				if part.FileName() == "" {
					return req, nil, formError(map[string]any{name: fieldError("BASE_TYPE_REQUIRED", "This field is required")})
				}
				files[filesPart.FindStringSubmatch(name)[1]] = upload{
					filename: part.FileName(), contentType: part.Header.Get("Content-Type"), data: data,
				}
			}
		}
		if !seenPayload && len(files) == 0 {
			return req, nil, errEmpty
		}
	default:
		return req, nil, errEmpty
	}
	return req, files, nil
}

// length counts as the stricter of code points and UTF-16 units, which is
// the count Discord is assumed to enforce.
func length(s string) int { return len(utf16.Encode([]rune(s))) }

// validate applies Discord's documented limits to a request.
func validate(req request, files map[string]upload) *apiError {
	fields := map[string]any{}
	if req.Content != nil && length(*req.Content) > 2000 {
		fields["content"] = fieldError("BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
	}
	if req.Embeds != nil {
		total := 0
		if len(*req.Embeds) > 10 {
			fields["embeds"] = fieldError("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
		}
		for i, e := range *req.Embeds {
			total += length(e.Title) + length(e.Description)
			f := map[string]any{}
			if length(e.Title) > 256 {
				f["title"] = fieldError("BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length.")
			}
			if length(e.Description) > 4096 {
				f["description"] = fieldError("BASE_TYPE_MAX_LENGTH", "Must be 4096 or fewer in length.")
			}
			if len(f) > 0 {
				fields["embeds"] = map[string]any{strconv.Itoa(i): f}
			}
		}
		if total > 6000 {
			fields["embeds"] = fieldError("MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
		}
	}
	if len(files) > 10 {
		fields["files"] = fieldError("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
	}
	if req.Attachments != nil {
		for i, a := range *req.Attachments {
			if length(a.Description) > 1024 {
				fields["attachments"] = map[string]any{strconv.Itoa(i): map[string]any{
					"description": fieldError("BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length."),
				}}
			}
		}
	}
	if req.AllowedMentions != nil {
		for _, p := range req.AllowedMentions.Parse {
			if p != "users" && p != "roles" && p != "everyone" {
				fields["allowed_mentions"] = fieldError("BASE_TYPE_CHOICES", fmt.Sprintf("Value %q is not a valid enum value.", p))
			}
		}
	}
	if p := req.Poll; p != nil {
		f := map[string]any{}
		if q := length(p.Question.Text); q == 0 || q > 300 {
			f["question"] = fieldError("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 300 in length.")
		}
		if n := len(p.Answers); n == 0 || n > 10 {
			f["answers"] = fieldError("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 10 in length.")
		}
		for i, a := range p.Answers {
			if n := length(a.PollMedia.Text); n == 0 || n > 55 {
				f["answers"] = map[string]any{strconv.Itoa(i): fieldError("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 55 in length.")}
			}
		}
		if p.Duration != nil && (*p.Duration < 1 || *p.Duration > 768) {
			f["duration"] = fieldError("NUMBER_TYPE_MAX", "int value should be between 1 and 768.")
		}
		if len(f) > 0 {
			fields["poll"] = f
		}
	}
	if len(fields) > 0 {
		return formError(fields)
	}
	return nil
}

// apiError is Discord's JSON error body.
type apiError struct {
	status  int
	Code    int            `json:"code"`
	Message string         `json:"message"`
	Errors  map[string]any `json:"errors,omitempty"`
}

var (
	errEmpty         = &apiError{status: 400, Code: 50006, Message: "Cannot send an empty message"}
	errJSON          = &apiError{status: 400, Code: 50109, Message: "The request body contains invalid JSON."}
	errUnknownHook   = &apiError{status: 404, Code: 10015, Message: "Unknown Webhook"}
	errBadToken      = &apiError{status: 401, Code: 50027, Message: "Invalid Webhook Token"}
	errUnknownMsg    = &apiError{status: 404, Code: 10008, Message: "Unknown Message"}
	errUnknownChan   = &apiError{status: 404, Code: 10003, Message: "Unknown Channel"}
	errForumNeeds    = &apiError{status: 400, Code: 220001, Message: "Webhooks posted to forum channels must have a thread_name or thread_id"}
	errForumBoth     = &apiError{status: 400, Code: 220002, Message: "Webhooks posted to forum channels cannot have both a thread_name and thread_id"}
	errNotForum      = &apiError{status: 400, Code: 220003, Message: "Webhooks can only create threads in forum channels"}
	errPollEdit      = &apiError{status: 400, Code: 520003, Message: "Cannot edit a poll"}
	errServer        = &apiError{status: 500, Code: 0, Message: "500: Internal Server Error"}
	errNotFoundRoute = &apiError{status: 404, Code: 0, Message: "404: Not Found"}
)

func fieldError(code, msg string) map[string]any {
	return map[string]any{"_errors": []map[string]string{{"code": code, "message": msg}}}
}

func formError(fields map[string]any) *apiError {
	return &apiError{status: 400, Code: 50035, Message: "Invalid Form Body", Errors: fields}
}
