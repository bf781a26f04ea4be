package linkedinfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/clairon-dev/clairon/engine/network/networktest"
)

const maxRequestBody = 64 << 20

// versionHeader is LinkedIn-Version's form: YYYYMM, or YYYYMM.RR.
var versionHeader = regexp.MustCompile(`^([0-9]{4})([0-9]{2})(\.[0-9]{2})?$`)

// serve checks the headers every versioned call needs, records the request
// and routes it.
func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "unreadable body")
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	f.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if strings.HasPrefix(r.URL.Path, "/dms-uploads/") {
		f.mux.ServeHTTP(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+Token {
		unauthorized(w)
		return
	}
	v := r.Header.Get("LinkedIn-Version")
	if v == "" {
		apiError(w, http.StatusBadRequest, "VERSION_MISSING", "A version must be present. Please specify a version by adding the LinkedIn-Version header.")
		return
	}
	if !f.activeVersion(v) {
		apiError(w, http.StatusUpgradeRequired, "NONEXISTENT_VERSION", "Requested version "+v+" is not active")
		return
	}
	if r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
		apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "X-Restli-Protocol-Version 2.0.0 is required by this API")
		return
	}
	f.mux.ServeHTTP(w, r)
}

// activeVersion reports whether v is a version LinkedIn still serves:
// versions are sunset a year after their month.
func (f *Fake) activeVersion(v string) bool {
	m := versionHeader.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	year, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	if month < 1 || month > 12 {
		return false
	}
	released := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
	return f.Now().Before(released.AddDate(1, 0, 0))
}

// routes builds the server's routes.
func (f *Fake) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /rest/posts", f.restli("CREATE", f.createPost))
	mux.HandleFunc("GET /rest/posts", f.restli("FINDER", f.findPosts))
	mux.HandleFunc("GET /rest/posts/{urn}", f.restli("GET", f.getPost))
	mux.HandleFunc("POST /rest/posts/{urn}", f.restli("PARTIAL_UPDATE", f.updatePost))
	mux.HandleFunc("DELETE /rest/posts/{urn}", f.restli("DELETE", f.deletePost))
	mux.HandleFunc("POST /rest/images", f.restli("ACTION", f.initializeUpload))
	mux.HandleFunc("PUT /dms-uploads/sp/{token}", f.receiveUpload)
	mux.HandleFunc("GET /rest/socialActions/{urn}", f.restli("GET", f.socialActions))
	mux.HandleFunc("GET /rest/socialActions/{urn}/comments", f.restli("GET_ALL", f.comments))
	mux.HandleFunc("GET /rest/socialActions/{urn}/likes", f.restli("GET_ALL", f.likes))
	mux.HandleFunc("GET /rest/organizationalEntityShareStatistics", f.restli("FINDER", f.shareStatistics))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "NOT_FOUND", "No resource found for "+r.Method+" "+r.URL.EscapedPath())
	})
	return mux
}

// restli checks the X-RestLi-Method header, when sent, against the method
// the route implements, and that a URN key in the path is percent-encoded.
func (f *Fake) restli(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if m := r.Header.Get("X-RestLi-Method"); m != "" && !strings.EqualFold(m, method) {
			apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "X-RestLi-Method "+m+" does not match this request ("+method+")")
			return
		}
		if urn := r.PathValue("urn"); urn != "" && strings.Contains(r.URL.EscapedPath(), urn) && strings.Contains(urn, ":") {
			apiError(w, http.StatusBadRequest, "ILLEGAL_ARGUMENT", "the key "+urn+" must be URL-encoded")
			return
		}
		h(w, r)
	}
}

// takeFault pops the next queued fault.
func (f *Fake) takeFault() networktest.Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.faults) == 0 {
		return networktest.NoFault
	}
	fault := f.faults[0]
	f.faults = f.faults[1:]
	return fault
}

// failBefore answers a fault that stops a write before it takes effect,
// and reports whether it did.
func (f *Fake) failBefore(w http.ResponseWriter, fault networktest.Fault) bool {
	switch fault {
	case networktest.FailBefore:
		serverError(w)
	case networktest.RateLimit:
		tooMany(w)
	case networktest.Unauthorized:
		unauthorized(w)
	default:
		return false
	}
	return true
}

// respondAfter answers a write that took effect, unless a fault loses the
// answer. respond writes the normal answer.
func (f *Fake) respondAfter(w http.ResponseWriter, r *http.Request, fault networktest.Fault, respond func()) {
	switch fault {
	case networktest.FailAfter:
		serverError(w)
	case networktest.HangAfter:
		select {
		case <-r.Context().Done():
		case <-f.done:
		}
	case networktest.DropAfter:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	default:
		respond()
	}
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiError answers LinkedIn's plain error shape.
func apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"status": status, "serviceErrorCode": serviceCode(code), "code": code, "message": msg})
}

// serviceCode is the serviceErrorCode LinkedIn pairs with code.
func serviceCode(code string) int {
	switch code {
	case "INVALID_ACCESS_TOKEN":
		return 65600
	case "ACCESS_DENIED":
		return 100
	case "TOO_MANY_REQUESTS":
		return 101
	}
	return 0
}

// validation answers the 422 shape of a validation failure.
func validation(w http.ResponseWriter, msg, inputCode, description string) {
	body := map[string]any{
		"errorDetailType": "com.linkedin.common.error.BadRequest",
		"message":         msg,
		"status":          http.StatusUnprocessableEntity,
	}
	if inputCode != "" {
		body["errorDetails"] = map[string]any{"inputErrors": []any{map[string]any{"description": description, "input": map[string]any{}, "code": inputCode}}}
	}
	writeJSON(w, http.StatusUnprocessableEntity, body)
}

func unauthorized(w http.ResponseWriter) {
	apiError(w, http.StatusUnauthorized, "INVALID_ACCESS_TOKEN", "Invalid access token")
}

func tooMany(w http.ResponseWriter) {
	apiError(w, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.")
}

func serverError(w http.ResponseWriter) {
	writeJSON(w, http.StatusInternalServerError, map[string]any{"message": "Internal Server Error", "status": http.StatusInternalServerError})
}

func notFound(w http.ResponseWriter, urn string) {
	apiError(w, http.StatusNotFound, "NOT_FOUND", "Not Found: "+urn)
}
