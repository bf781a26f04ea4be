// Command clairon-corpus writes a reproducible synthetic content repository,
// for benchmarks: clairon-corpus -posts 10000 DIR.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/clairon-dev/clairon/engine/corpus"
)

func main() {
	posts := flag.Int("posts", 10000, "number of posts")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same files")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: clairon-corpus [-posts N] [-seed S] DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := corpus.Write(flag.Arg(0), corpus.Options{Posts: *posts, Seed: *seed}); err != nil {
		fmt.Fprintln(os.Stderr, "clairon-corpus:", err)
		os.Exit(1)
	}
}
