package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/clairon-dev/clairon/engine/state"
)

// JobsDir is the folder of the state branch where job claims are kept, one
// file per job naming the last occurrence taken and by which run.
const JobsDir = "schedule/jobs"

// maxJobClaims bounds the compare-and-swap retries of one job claim.
const maxJobClaims = 10

// JobClaim is the file a job claim writes.
type JobClaim struct {
	Job string `json:"job"`
	// Slot is the occurrence's due time.
	Slot time.Time `json:"slot"`
	// Run is the run that took it, At when.
	Run string    `json:"run"`
	At  time.Time `json:"at"`
}

// ClaimJob takes the occurrence of job due at slot for run, with one
// compare-and-swap write on the state: of several schedulers sharing the
// state, the first one to write runs the occurrence and the others see it
// taken (false). A scheduler that dies while running a job loses that
// occurrence; the next one runs as usual.
func ClaimJob(ctx context.Context, store state.Store, job, run string, slot, now time.Time) (bool, error) {
	path := JobsDir + "/" + job + ".json"
	data, err := json.MarshalIndent(JobClaim{Job: job, Slot: slot.UTC(), Run: run, At: now.UTC()}, "", "  ")
	if err != nil {
		return false, err
	}
	for range maxJobClaims {
		snap, err := store.Read(ctx)
		if err != nil {
			return false, fmt.Errorf("claim job %s: %w", job, err)
		}
		if b, ok := snap.State.Files[path]; ok {
			var prev JobClaim
			if err := json.Unmarshal(b, &prev); err == nil && !prev.Slot.Before(slot) {
				return false, nil
			}
		}
		cs := state.NewChangeset(state.Message{Subject: fmt.Sprintf("run job %s due %s", job, slot.UTC().Format(time.RFC3339)), Run: run})
		cs.PutFile(path, append(data, '\n'))
		_, err = store.Write(ctx, snap.Version, cs)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, state.ErrConflict) {
			return false, fmt.Errorf("claim job %s: %w", job, err)
		}
	}
	return false, fmt.Errorf("claim job %s: the state kept changing under %d attempts", job, maxJobClaims)
}
