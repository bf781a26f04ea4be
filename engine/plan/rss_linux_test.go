package plan_test

import "syscall"

// peakRSS returns the process's peak resident memory in MiB (0 if unknown).
// It never goes down: a benchmark reports it after its largest case.
func peakRSS() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}
