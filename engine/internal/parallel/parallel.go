// Package parallel spreads the iterations of a loop over the cores: the one
// way clairon's loaders, renderer, planner and caches run work on every
// core.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Chunks calls fn(lo, hi) for the consecutive ranges of [0, n) that are
// chunk long (the last one shorter): range k is [k*chunk, min(n,
// (k+1)*chunk)), so a caller can keep one result per range by lo/chunk. It
// runs them on GOMAXPROCS goroutines and returns when all are done.
func Chunks(n, chunk int, fn func(lo, hi int)) { ChunksOn(runtime.GOMAXPROCS(0), n, chunk, fn) }

// ChunksOn is Chunks on at most workers goroutines. With one worker, or
// one range, fn runs on the caller's goroutine.
func ChunksOn(workers, n, chunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	chunk = max(chunk, 1)
	ranges := (n + chunk - 1) / chunk
	if workers = min(max(workers, 1), ranges); workers == 1 {
		for lo := 0; lo < n; lo += chunk {
			fn(lo, min(n, lo+chunk))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= ranges {
					return
				}
				fn(k*chunk, min(n, (k+1)*chunk))
			}
		})
	}
	wg.Wait()
}
