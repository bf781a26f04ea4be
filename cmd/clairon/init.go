package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/clairon-dev/clairon/templates"
)

func (a *app) initCommand() *cobra.Command {
	var force bool
	var timezone string
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a new content repository: clairon.yaml, examples, and the workflow",
		Long: `init writes a new content repository in DIR (default: --dir, the current
folder): clairon.yaml with example accounts, one example of each document
kind (a post, a campaign, a contest with its announcement post, an editorial
calendar), media/, a .gitignore for clairon's local files, a README, and
.github/workflows/clairon.yml, the workflow that plans on pull requests and
publishes from main.

The example posts are drafts dated next month: nothing is published until you
make them ready. init never overwrites a file unless --force is given; when
one exists, it writes nothing at all.`,
		Example: `  clairon init my-posts --timezone Europe/Paris
  clairon init --force`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := a.dir
			if len(args) == 1 {
				dir = args[0]
			}
			return a.runInit(dir, timezone, force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite existing files")
	cmd.Flags().StringVar(&timezone, "timezone", "", "the IANA time zone of the posts' dates (default: $TZ when it names one, else UTC)")
	return cmd
}

func (a *app) runInit(dir, timezone string, force bool) error {
	if timezone == "" {
		timezone = "UTC"
		if tz := a.getenv("TZ"); tz != "" && tz != "Local" && !strings.HasPrefix(tz, ":") {
			if _, err := time.LoadLocation(tz); err == nil {
				timezone = tz
			}
		}
	}
	data, err := templates.NewData(a.now(), timezone)
	if err != nil {
		return fmt.Errorf("--timezone: %w", err)
	}
	files, err := templates.Scaffold(data)
	if err != nil {
		return err
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fmt.Errorf("%s is a file, not a directory", dir)
	}
	var exist []string
	for _, f := range files {
		_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case err == nil:
			exist = append(exist, f.Path)
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
	}
	if len(exist) > 0 && !force {
		return &exitCode{code: exitError, err: fmt.Errorf("%s already has %s; nothing was written (use --force to overwrite)", dir, strings.Join(exist, ", "))}
	}
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return err
		}
	}

	w := a.stdout
	fmt.Fprintf(w, "Created a clairon content repository in %s (time zone %s):\n", dir, timezone)
	for _, f := range files {
		mark := "+"
		for _, e := range exist {
			if e == f.Path {
				mark = "~"
			}
		}
		fmt.Fprintf(w, "  %s %s\n", mark, f.Path)
	}
	fmt.Fprintf(w, `
Next:
  1. Edit clairon.yaml: your time zone and your accounts.
  2. Check everything:    clairon validate --dir %[1]s
  3. Rehearse offline:    clairon apply --sandbox --dir %[1]s
  4. Push the repository to GitHub, and add the secrets clairon.yaml names
     (env:NAME) under Settings → Secrets and variables → Actions.
`, dir)
	if a.gitRoot(dir) == "" {
		fmt.Fprintf(w, "\n%s is not in a git repository yet: clairon keeps its state on a branch of it. Run git init there.\n", dir)
	}
	return nil
}

// gitRoot returns the git work tree that contains dir, or "".
func (a *app) gitRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}
