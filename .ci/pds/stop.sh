#!/usr/bin/env bash
# Stops the PDS that start.sh started (by its recorded process id only) and
# removes its data.
set -euo pipefail

run="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.run"
if [ -f "$run/pid" ]; then
	pid=$(cat "$run/pid")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid"
		fi
		echo "pds: stopped" >&2
	fi
	rm -f "$run/pid"
fi
rm -rf "$run/data"
