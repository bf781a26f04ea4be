// Command clairon validates, plans and publishes social media posts kept as
// Markdown in a git repository. main.go wires the subcommands (one file
// each), reads the environment and the clock, and maps errors to exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // plan --detailed-exitcode: changes are pending
)

// exitCode carries a process exit code through cobra's error return.
type exitCode struct {
	code int
	err  error // printed unless nil
}

func (e *exitCode) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return fmt.Sprintf("exit status %d", e.code)
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	tuneGC(os.Getenv)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run executes the CLI with explicit streams and environment, for tests.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return runWith(ctx, args, stdin, stdout, stderr, getenv, time.Now)
}

// runWith is run with an explicit clock.
func runWith(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: now}
	root := a.rootCommand()
	root.SetArgs(terraformStyle(args))
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	for _, s := range a.stores {
		s.Close()
	}
	if c, ok := a.contentFS.(io.Closer); ok {
		c.Close()
	}
	if perr := a.profiles.stop(); perr != nil && err == nil {
		err = perr
	}
	if err == nil {
		return exitOK
	}
	var ec *exitCode
	if errors.As(err, &ec) {
		if ec.err != nil {
			fmt.Fprintf(stderr, "clairon: %v\n", ec.err)
		}
		return ec.code
	}
	fmt.Fprintf(stderr, "clairon: %v\n", err)
	return exitError
}

// terraformStyle accepts Terraform's single-dash long flags (-out FILE,
// -detailed-exitcode), which people type from habit.
func terraformStyle(args []string) []string {
	out := make([]string, len(args))
	for i, arg := range args {
		name, _, _ := strings.Cut(arg, "=")
		switch name {
		case "-out", "-detailed-exitcode", "-json":
			arg = "-" + arg
		}
		out[i] = arg
	}
	return out
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "clairon",
		Short: "Publish social media posts from a git repository, safely and reviewably",
		Long: `clairon keeps posts, campaigns, contests and editorial calendars as Markdown
files with YAML front matter in a git repository. It validates them, plans
what to publish against what it already published (like terraform plan), and
publishes each post once, on time, on every network it targets.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		Version:           version,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return a.setup(cmd) },
	}
	f := root.PersistentFlags()
	f.StringVar(&a.dir, "dir", ".", "root of the content repository")
	f.StringVar(&a.configPath, "config", "", "configuration file (default <dir>/clairon.yaml)")
	f.StringVar(&a.format, "format", "text", "output format: text, json or github")
	f.BoolVar(&a.noColor, "no-color", false, "disable colours (also when NO_COLOR is set)")
	f.StringVar(&a.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	f.StringVar(&a.logFormat, "log-format", "text", "log format: text or json")
	f.BoolVar(&a.noCache, "no-cache", false, "do not read or write the parse, render and state caches (.clairon/cache)")
	f.StringVar(&a.stateRepo, "state-repo", "", "git repository holding the state branch (default: the one containing --dir)")
	a.profiles.flags(f)
	root.AddCommand(
		a.validateCommand(),
		a.planCommand(),
		a.applyCommand(),
		a.countCommand(),
		a.previewCommand(),
		a.showCommand(),
		a.stateCommand(),
		a.resolveCommand(),
		a.calendarCommand(),
		a.reportCommand(),
		a.campaignCommand(),
		a.contestCommand(),
		a.schemaCommand(),
		a.versionCommand(),
		a.actionCommand(),
		a.initCommand(),
		a.scheduleCommand(),
	)
	return root
}
