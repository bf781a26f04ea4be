package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"

	"github.com/spf13/pflag"
)

// Memory use of the clairon process. A run is short and its heap is mostly
// the repository it loaded, live until the end: collecting when the heap
// has tripled rather than doubled saves a tenth of a run at 10,000 posts.
// The soft limit makes the collector work harder before the heap passes
// 768 MiB, so that 100,000 posts plan within 1 GiB (their live heap is about
// 400 MiB). GOGC and GOMEMLIMIT, when set, win.
const (
	gcPercent   = 200
	memoryLimit = 768 << 20
)

func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// profiles are the hidden --profile-cpu and --profile-mem flags, for
// measuring clairon on a real repository (go tool pprof reads the files).
type profiles struct {
	cpuPath, memPath string
	cpu              *os.File
}

func (p *profiles) flags(f *pflag.FlagSet) {
	f.StringVar(&p.cpuPath, "profile-cpu", "", "write a CPU profile to FILE")
	f.StringVar(&p.memPath, "profile-mem", "", "write a heap profile (allocations and what is still in use at the end) to FILE")
	_ = f.MarkHidden("profile-cpu")
	_ = f.MarkHidden("profile-mem")
}

func (p *profiles) start() error {
	if p.cpuPath == "" {
		return nil
	}
	f, err := os.Create(p.cpuPath)
	if err != nil {
		return fmt.Errorf("--profile-cpu: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--profile-cpu: %w", err)
	}
	p.cpu = f
	return nil
}

func (p *profiles) stop() error {
	var errs []error
	if p.cpu != nil {
		pprof.StopCPUProfile()
		errs = append(errs, p.cpu.Close())
		p.cpu = nil
	}
	if p.memPath != "" {
		f, err := os.Create(p.memPath)
		if err != nil {
			return fmt.Errorf("--profile-mem: %w", err)
		}
		runtime.GC() // the in-use figures are those of the last collection
		errs = append(errs, pprof.WriteHeapProfile(f), f.Close())
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
