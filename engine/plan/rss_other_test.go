//go:build !linux

package plan_test

// peakRSS is not measured on this system.
func peakRSS() float64 { return 0 }
