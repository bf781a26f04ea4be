package main

import (
	"log/slog"
	"strings"
)

// logger returns the structured logger for --log-level and --log-format,
// writing to standard error.
func (a *app) logger() *slog.Logger {
	if a.log != nil {
		return a.log
	}
	var level slog.Level
	switch strings.ToLower(a.logLevel) {
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "error":
		level = slog.LevelError
	default:
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(a.stderr, opts)
	if a.logFormat == "json" {
		h = slog.NewJSONHandler(a.stderr, opts)
	}
	a.log = slog.New(h)
	return a.log
}
