package parallel

import (
	"fmt"
	"sync"
	"testing"
)

func TestChunksCoverEachIndexOnce(t *testing.T) {
	for _, c := range []struct{ workers, n, chunk int }{
		{1, 10, 3}, {4, 0, 5}, {4, 1, 5}, {4, 10, 3}, {4, 10, 10}, {3, 1000, 7}, {8, 5, 0}, {0, 9, 2},
	} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			var mu sync.Mutex
			seen := make([]int, c.n)
			calls := 0
			ChunksOn(c.workers, c.n, c.chunk, func(lo, hi int) {
				mu.Lock()
				defer mu.Unlock()
				calls++
				if size := max(c.chunk, 1); lo%size != 0 || hi-lo > size || hi <= lo {
					t.Errorf("range [%d, %d) is not a chunk of %d", lo, hi, size)
				}
				for i := lo; i < hi; i++ {
					seen[i]++
				}
			})
			for i, k := range seen {
				if k != 1 {
					t.Fatalf("index %d done %d times", i, k)
				}
			}
			if want := (c.n + max(c.chunk, 1) - 1) / max(c.chunk, 1); calls != want {
				t.Errorf("%d calls, want %d", calls, want)
			}
		})
	}
}
