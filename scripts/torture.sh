#!/usr/bin/env bash
# The long crash-torture run of docs/RELIABILITY.md: imports, reindexes and exports of real
# sources killed with SIGKILL at random moments, checked after every kill (tests/torture.rs).
#
#     scripts/torture.sh [ROUNDS] [SEED]     default 1000 rounds, a seed from the clock
#
# A release build, so that a round takes about a second; with ../shared/corpus present, four
# FRUS volumes more than the bundled corpus. Prints the tally the document quotes; a failing
# round keeps its data folders and their history under target/tmp (the path is printed).
set -euo pipefail
cd "$(dirname "$0")/.."
export FONDS_TORTURE_ROUNDS="${1:-1000}"
if [[ -n "${2:-}" ]]; then
    export FONDS_TORTURE_SEED="$2"
fi
exec cargo test --release --locked --test torture -- --nocapture
