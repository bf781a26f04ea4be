package schedule

import "time"

// Clock is the scheduler's time source. The command passes the system
// clock; tests pass scheduletest.Clock, which moves only when told to and
// fires due timers in order, so a week of schedule runs in milliseconds.
type Clock interface {
	// Now reads the clock.
	Now() time.Time
	// Timer returns a channel that receives the clock's time once d has
	// passed, and a function that stops the timer. A stopped timer never
	// fires.
	Timer(d time.Duration) (<-chan time.Time, func())
}
