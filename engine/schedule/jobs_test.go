package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/clairon-dev/clairon/engine/state"
	"github.com/clairon-dev/clairon/engine/state/statetest"
)

func TestClaimJob(t *testing.T) {
	ctx := context.Background()
	store := state.NewMemStore(statetest.Seeded(1))
	slot := time.Date(2026, 12, 1, 6, 45, 0, 0, time.UTC)
	ok, err := ClaimJob(ctx, store, "reports", "run-a", slot, slot.Add(time.Second))
	if err != nil || !ok {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	if ok, err := ClaimJob(ctx, store, "reports", "run-b", slot, slot.Add(2*time.Second)); err != nil || ok {
		t.Fatalf("second claim of the same slot: %v %v", ok, err)
	}
	if ok, err := ClaimJob(ctx, store, "coverage", "run-b", slot, slot); err != nil || !ok {
		t.Fatalf("another job: %v %v", ok, err)
	}
	if ok, err := ClaimJob(ctx, store, "reports", "run-b", slot.AddDate(0, 0, 1), slot.AddDate(0, 0, 1)); err != nil || !ok {
		t.Fatalf("next day: %v %v", ok, err)
	}
	snap, err := store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var c JobClaim
	if err := json.Unmarshal(snap.State.Files[JobsDir+"/reports.json"], &c); err != nil {
		t.Fatal(err)
	}
	if c.Run != "run-b" || !c.Slot.Equal(slot.AddDate(0, 0, 1)) {
		t.Errorf("stored claim %+v", c)
	}
}

func TestClaimJobRace(t *testing.T) {
	ctx := context.Background()
	store := state.NewMemStore(statetest.Seeded(2))
	slot := time.Date(2026, 12, 1, 6, 45, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := ClaimJob(ctx, store, "coverage", fmt.Sprintf("run-%d", i), slot, slot)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d schedulers ran the job, want 1", won)
	}
}
