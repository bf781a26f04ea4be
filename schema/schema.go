// Package schema embeds clairon's JSON Schemas (2020-12) — post, campaign,
// contest, calendar, clairon.yaml, plan and state — compiles them once and
// validates decoded documents against them, returning violations with the
// schema's own descriptions as hints.
package schema

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/clairon-dev/clairon/engine/diag"
)

//go:embed *.schema.json
var files embed.FS

// BaseURL is the $id prefix of every schema.
const BaseURL = "https://clairon.dev/schema/"

// Names of the document schemas.
const (
	Post     = "post"
	Campaign = "campaign"
	Contest  = "contest"
	Calendar = "calendar"
	Config   = "config"
	Plan     = "plan"
	State    = "state"
)

// Export writes every schema file into dir, for editors.
func Export(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, err
	}
	var written []string
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			return nil, err
		}
		p := filepath.Join(dir, e.Name())
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return nil, err
		}
		written = append(written, p)
	}
	return written, nil
}

type compiled struct {
	raw map[string]any // file name -> decoded JSON, for descriptions
	err error

	// Each schema is compiled on first use: a run mostly validates its
	// configuration and the few files that changed, and compiling every
	// schema against the meta-schema would cost more than that.
	mu       sync.RWMutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
}

var (
	once sync.Once
	all  compiled
)

func load() *compiled {
	once.Do(func() {
		all.raw, all.schemas = map[string]any{}, map[string]*jsonschema.Schema{}
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft2020
		c.AssertFormat = false
		entries, err := fs.ReadDir(files, ".")
		if err != nil {
			all.err = err
			return
		}
		for _, e := range entries {
			b, _ := files.ReadFile(e.Name())
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				all.err = fmt.Errorf("schema %s: %w", e.Name(), err)
				return
			}
			all.raw[e.Name()] = v
			if err := c.AddResource(BaseURL+e.Name(), bytes.NewReader(b)); err != nil {
				all.err = fmt.Errorf("schema %s: %w", e.Name(), err)
				return
			}
		}
		all.compiler = c
	})
	return &all
}

// schema returns the compiled schema of that name.
func (c *compiled) schema(name string) (*jsonschema.Schema, error) {
	if c.err != nil {
		return nil, c.err
	}
	c.mu.RLock()
	s, ok := c.schemas[name]
	c.mu.RUnlock()
	if ok {
		return s, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.schemas[name]; ok {
		return s, nil
	}
	file := name + ".schema.json"
	if _, ok := c.raw[file]; !ok {
		return nil, fmt.Errorf("no schema named %q", name)
	}
	s, err := c.compiler.Compile(BaseURL + file)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", file, err)
	}
	c.schemas[name] = s
	return s, nil
}

// Violation is one way a document fails its schema.
type Violation struct {
	// Path is the location in the document: mapping keys and list indexes.
	Path []string
	// Message says what is wrong, in plain words.
	Message string
	// Description is the schema's description of the value, as a hint.
	Description string
	// Unknown is set when the violation is a key the schema does not allow;
	// Suggestion is the closest allowed key, if any is close.
	Unknown    string
	Suggestion string
}

// Validate checks a decoded document (maps, slices, strings, json.Number,
// bools, nil) against the named schema.
func Validate(name string, doc any) ([]Violation, error) {
	c := load()
	s, err := c.schema(name)
	if err != nil {
		return nil, err
	}
	if quick(s, doc, 0) == valid {
		return nil, nil
	}
	err = s.Validate(doc)
	if err == nil {
		return nil, nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil, err
	}
	var leaves []*jsonschema.ValidationError
	collectLeaves(ve, &leaves)
	return c.violations(leaves), nil
}

// verdict is what quick knows of a value against a schema.
type verdict uint8

const (
	unsure verdict = iota
	valid
	invalid
)

// quickDepth bounds quick's recursion; deeper documents are left to the
// validator.
const quickDepth = 64

// quick evaluates a compiled schema the way the validator does, without
// building its error tree, for the keywords clairon's schemas use. It
// answers valid only when the validator would accept the document; it
// answers unsure for anything it does not model (numbers, formats, dynamic
// references, unevaluated properties…), and then Validate runs the
// validator, whose errors make the diagnostics. Most documents are valid,
// and for them the answer is the same, only sooner.
func quick(s *jsonschema.Schema, v any, depth int) verdict {
	if depth > quickDepth {
		return unsure
	}
	if s.Always != nil {
		if *s.Always {
			return valid
		}
		return invalid
	}
	if s.Format != "" || s.RecursiveRef != nil || s.DynamicRef != nil || s.UnevaluatedProperties != nil ||
		s.UnevaluatedItems != nil || len(s.Dependencies) > 0 || len(s.DependentRequired) > 0 ||
		len(s.DependentSchemas) > 0 || len(s.PatternProperties) > 0 || s.RegexProperties || s.Items != nil ||
		s.AdditionalItems != nil || len(s.PrefixItems) > 0 || s.Contains != nil || s.ContentEncoding != "" ||
		s.ContentMediaType != "" || s.ContentSchema != nil || len(s.Extensions) > 0 {
		return unsure
	}
	typ := jsonType(v)
	if typ == "" {
		return unsure // numbers, and anything else the converter does not make
	}
	if len(s.Types) > 0 && !slices.Contains(s.Types, typ) {
		return invalid
	}
	out := valid
	and := func(r verdict) bool { // false once the answer is invalid
		if r == invalid {
			out = invalid
			return false
		}
		if r == unsure {
			out = unsure
		}
		return true
	}
	if len(s.Constant) > 0 && !and(equal(v, s.Constant[0])) {
		return invalid
	}
	if len(s.Enum) > 0 && !and(anyOf(s.Enum, func(e any) verdict { return equal(v, e) })) {
		return invalid
	}
	switch v := v.(type) {
	case map[string]any:
		if s.MinProperties != -1 && len(v) < s.MinProperties || s.MaxProperties != -1 && len(v) > s.MaxProperties {
			return invalid
		}
		for _, k := range s.Required {
			if _, ok := v[k]; !ok {
				return invalid
			}
		}
		for k, x := range v {
			if s.PropertyNames != nil && !and(quick(s.PropertyNames, k, depth+1)) {
				return invalid
			}
			if p, ok := s.Properties[k]; ok {
				if !and(quick(p, x, depth+1)) {
					return invalid
				}
				continue
			}
			switch a := s.AdditionalProperties.(type) {
			case bool:
				if !a {
					return invalid
				}
			case *jsonschema.Schema:
				if !and(quick(a, x, depth+1)) {
					return invalid
				}
			}
		}
	case []any:
		if s.MinItems != -1 && len(v) < s.MinItems || s.MaxItems != -1 && len(v) > s.MaxItems {
			return invalid
		}
		if s.UniqueItems {
			for i := 1; i < len(v); i++ {
				for j := 0; j < i; j++ {
					if !and(not(equal(v[i], v[j]))) {
						return invalid
					}
				}
			}
		}
		if s.Items2020 != nil {
			for _, x := range v {
				if !and(quick(s.Items2020, x, depth+1)) {
					return invalid
				}
			}
		}
	case string:
		if s.MinLength != -1 || s.MaxLength != -1 {
			n := utf8.RuneCountInString(v)
			if s.MinLength != -1 && n < s.MinLength || s.MaxLength != -1 && n > s.MaxLength {
				return invalid
			}
		}
		if s.Pattern != nil && !s.Pattern.MatchString(v) {
			return invalid
		}
	}
	if s.Ref != nil && !and(quick(s.Ref, v, depth+1)) {
		return invalid
	}
	if s.Not != nil && !and(not(quick(s.Not, v, depth+1))) {
		return invalid
	}
	for _, x := range s.AllOf {
		if !and(quick(x, v, depth+1)) {
			return invalid
		}
	}
	if len(s.AnyOf) > 0 && !and(anyOf(s.AnyOf, func(x *jsonschema.Schema) verdict { return quick(x, v, depth+1) })) {
		return invalid
	}
	if len(s.OneOf) > 0 {
		matched, doubt := 0, false
		for _, x := range s.OneOf {
			switch quick(x, v, depth+1) {
			case valid:
				matched++
			case unsure:
				doubt = true
			}
		}
		r := unsure
		switch {
		case matched > 1:
			r = invalid
		case doubt:
		case matched == 1:
			r = valid
		default:
			r = invalid
		}
		if !and(r) {
			return invalid
		}
	}
	if s.If != nil {
		var r verdict
		switch quick(s.If, v, depth+1) {
		case valid:
			r = valid
			if s.Then != nil {
				r = quick(s.Then, v, depth+1)
			}
		case invalid:
			r = valid
			if s.Else != nil {
				r = quick(s.Else, v, depth+1)
			}
		}
		if !and(r) {
			return invalid
		}
	}
	return out
}

func not(r verdict) verdict {
	switch r {
	case valid:
		return invalid
	case invalid:
		return valid
	}
	return unsure
}

// jsonType names the JSON type of a decoded value the way the validator
// does, or returns "" for numbers and other values quick leaves alone.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return ""
}

// equal compares two values as the validator does (same JSON type, same
// value); it is unsure when either holds a number.
func equal(a, b any) verdict {
	ta, tb := jsonType(a), jsonType(b)
	if ta == "" || tb == "" {
		return unsure
	}
	if ta != tb {
		return invalid
	}
	switch a := a.(type) {
	case []any:
		b := b.([]any)
		if len(a) != len(b) {
			return invalid
		}
		out := valid
		for i := range a {
			switch equal(a[i], b[i]) {
			case invalid:
				return invalid
			case unsure:
				out = unsure
			}
		}
		return out
	case map[string]any:
		b := b.(map[string]any)
		if len(a) != len(b) {
			return invalid
		}
		out := valid
		for k, x := range a {
			y, ok := b[k]
			if !ok {
				return invalid
			}
			switch equal(x, y) {
			case invalid:
				return invalid
			case unsure:
				out = unsure
			}
		}
		return out
	}
	if a == b {
		return valid
	}
	return invalid
}

func collectLeaves(ve *jsonschema.ValidationError, out *[]*jsonschema.ValidationError) {
	if len(ve.Causes) == 0 {
		*out = append(*out, ve)
		return
	}
	for _, c := range ve.Causes {
		collectLeaves(c, out)
	}
}

var quoted = regexp.MustCompile(`'([^']*)'`)

// violations turns leaf errors into violations. Alternatives of an anyOf or
// oneOf that fail at the same place are merged into one message.
func (c *compiled) violations(leaves []*jsonschema.ValidationError) []Violation {
	byPath := map[string]*Violation{}
	var order []string
	add := func(v Violation) {
		key := strings.Join(v.Path, "\x00") + "\x01" + v.Unknown
		if prev, ok := byPath[key]; ok {
			if !strings.Contains(prev.Message, v.Message) {
				prev.Message += "; or " + v.Message
			}
			return
		}
		byPath[key] = &v
		order = append(order, key)
	}
	for _, l := range leaves {
		path := pointerTokens(l.InstanceLocation)
		file, ptr := splitLocation(l.AbsoluteKeywordLocation)
		parentPtr := ptr[:max(0, strings.LastIndexByte(ptr, '/'))]
		if strings.HasSuffix(ptr, "/additionalProperties") {
			allowed := c.allowedKeys(file, parentPtr)
			for _, m := range quoted.FindAllStringSubmatch(l.Message, -1) {
				key := m[1]
				v := Violation{Path: append(append([]string{}, path...), key), Unknown: key,
					Message: fmt.Sprintf("unknown key %q", key)}
				if len(allowed) > 0 {
					v.Suggestion = diag.Suggest(key, allowed)
					v.Description = "allowed keys: " + strings.Join(allowed, ", ")
				}
				add(v)
			}
			continue
		}
		add(Violation{Path: path, Message: plainMessage(l.Message), Description: c.description(file, parentPtr)})
	}
	out := make([]Violation, 0, len(order))
	for _, k := range order {
		out = append(out, *byPath[k])
	}
	return out
}

// plainMessage rewords the validator's messages for people who write YAML.
func plainMessage(m string) string {
	r := strings.NewReplacer("expected object", "expected a mapping", "expected array", "expected a list",
		"but got object", "but got a mapping", "but got array", "but got a list", "but got null", "but got nothing")
	m = r.Replace(m)
	if strings.HasPrefix(m, "does not match pattern") {
		return "has an invalid format"
	}
	if strings.HasPrefix(m, "missing properties: ") {
		return "missing required key " + strings.TrimPrefix(m, "missing properties: ")
	}
	return m
}

func splitLocation(abs string) (file, ptr string) {
	i := strings.IndexByte(abs, '#')
	if i < 0 {
		return strings.TrimPrefix(abs, BaseURL), ""
	}
	return strings.TrimPrefix(abs[:i], BaseURL), abs[i+1:]
}

func pointerTokens(p string) []string {
	if p == "" || p == "/" {
		return nil
	}
	toks := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, t := range toks {
		toks[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(t)
	}
	return toks
}

func (c *compiled) resolve(file, ptr string) map[string]any {
	var cur any = c.raw[file]
	for _, t := range pointerTokens(ptr) {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[t]
		case []any:
			i := 0
			fmt.Sscanf(t, "%d", &i)
			if i < len(v) {
				cur = v[i]
			} else {
				return nil
			}
		default:
			return nil
		}
	}
	m, _ := cur.(map[string]any)
	return m
}

// description returns the description of the schema at ptr, or of its
// nearest described ancestor.
func (c *compiled) description(file, ptr string) string {
	for {
		if m := c.resolve(file, ptr); m != nil {
			if d, ok := m["description"].(string); ok {
				return d
			}
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return ""
		}
		ptr = ptr[:i]
	}
}

func (c *compiled) allowedKeys(file, ptr string) []string {
	m := c.resolve(file, ptr)
	props, _ := m["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// anyOf is valid when one of xs is, unsure when none is but one may be.
func anyOf[T any](xs []T, check func(T) verdict) verdict {
	r := invalid
	for _, x := range xs {
		switch check(x) {
		case valid:
			return valid
		case unsure:
			r = unsure
		}
	}
	return r
}
