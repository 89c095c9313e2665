#!/usr/bin/env bash
# `make demo`: a store with data, a query run on it, and the output written under demo/.
# Needs nothing from ../shared and no API key.
set -euo pipefail
db="${1:-demo/tracehound-demo.duckdb}"
th=".venv/bin/tracehound"
mkdir -p "$(dirname "$db")"
rm -f "$db"
export TRACEHOUND_DB="$db"
"$th" init
if "$th" lab --help >/dev/null 2>&1; then
  "$th" lab seed --days 7
  "$th" tables --non-empty
fi
"$th" query 'DeviceLogonEvents | where DeviceName =~ "windows-target-1" | summarize attempts = count() by ActionType, RemoteIP | top 10 by attempts' || true
if "$th" hunt --help >/dev/null 2>&1; then
  "$th" hunt --no-input "I'm worried that windows-target-1 might have been maliciously logged into in the last few days"
fi
echo "demo store: $db"
