//go:build !linux

package plan_test

import "time"

// peakRSS is not measured on this system.
func peakRSS() float64 { return 0 }

// cpuTime is not measured on this system.
func cpuTime() time.Duration { return 0 }

// minorFaults is not measured on this system.
func minorFaults() int64 { return 0 }
