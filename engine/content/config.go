package content

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/clairon-dev/clairon/engine/diag"
	"github.com/clairon-dev/clairon/schema"
)

// secretKeys are account settings that hold secrets: they must be env:
// references, never values.
var secretKeys = map[string]bool{
	"token": true, "password": true, "webhook": true, "secret": true,
	"consumer_key": true, "consumer_secret": true, "access_token": true, "access_secret": true,
}

// IsSecretKey reports whether an account setting holds a secret.
func IsSecretKey(k string) bool { return secretKeys[k] }

// loadConfig reads and validates clairon.yaml. A missing file is a
// diagnostic, not an error.
func loadConfig(fsys fs.FS, p string) (*Config, *Document, diag.List, error) {
	var ds diag.List
	data, err := fs.ReadFile(fsys, p)
	if errors.Is(err, fs.ErrNotExist) {
		ds.Errorf(diag.Pos{File: p}, "config-missing", "run `clairon init` to create one, or pass --dir to the repository's root", "%s not found", p)
		return nil, nil, ds, nil
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read %s: %w", p, err)
	}
	if int64(len(data)) > DefaultMaxFileSize {
		ds.Errorf(diag.Pos{File: p}, "too-large", "", "%s is larger than %s", p, FormatSize(DefaultMaxFileSize))
		return nil, nil, ds, nil
	}
	data, ok := checkText(p, data, &ds)
	if !ok {
		return nil, nil, ds, nil
	}
	// clairon.yaml is all YAML: parse it as a front matter that spans the file.
	node, _, ok := splitFrontMatter(p, append([]byte("---\n"), append(data, []byte("\n---\n")...)...), &ds)
	if !ok {
		return nil, nil, ds, nil
	}
	shiftLines(node, -1, 0)
	d := &Document{Path: p, Meta: node}
	cfg := &Config{}
	var sds diag.List
	valid := validateNode(d, schema.Config, &sds)
	if err := node.Decode(cfg); err != nil && valid {
		ds.Errorf(d.PosOf(), "config-invalid", "", "cannot decode %s: %v", p, err)
	}
	secretAt := map[diag.Pos]bool{}
	for name, acc := range cfg.Accounts {
		if acc == nil {
			continue
		}
		for k, v := range acc.Settings {
			if secretKeys[k] && !strings.HasPrefix(v, "env:") {
				// Say why it matters, without echoing the value; this
				// replaces the schema's "invalid format" at that place.
				secretAt[d.PosOf("accounts", name, k)] = true
				ds.Errorf(d.PosOf("accounts", name, k), "secret-literal",
					fmt.Sprintf("remove the value from the repository (and revoke it: it is in git history), then write %s: env:%s_%s and set that environment variable", k, envName(name), strings.ToUpper(k)),
					"accounts.%s.%s is a secret written as a literal value", name, k)
			}
		}
	}
	for _, x := range sds {
		if !secretAt[x.Pos] {
			ds.Add(x)
		}
	}
	return cfg, d, ds, nil
}

func envName(s string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(s))
}
