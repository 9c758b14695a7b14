#!/usr/bin/env bash
# Fonds' fuzzing: cargo-fuzz (libFuzzer) on the stable toolchain. See docs/RELIABILITY.md,
# "Fuzzing", for what each target does and the figures of the last runs.
#
#     fuzz/fuzz.sh build                 build every target (instrumented, debug assertions on)
#     fuzz/fuzz.sh seeds                 cut the real data into raw seeds (fuzz/work/seeds/)
#     fuzz/fuzz.sh run TARGET [RUNS]     fuzz one target RUNS executions (default 1,000,000)
#     fuzz/fuzz.sh minimize TARGET       merge corpus + new finds + seeds into fuzz/corpus/TARGET
#                                        (one smallest input per edge reached)
#     fuzz/fuzz.sh replay                the committed corpora and regressions, as `cargo test` does
#     fuzz/fuzz.sh list                  the targets
#
# Needs `cargo install cargo-fuzz` (from crates.io; libfuzzer-sys builds libFuzzer from the
# sources it bundles, with the C++ compiler). No nightly: `--sanitizer none` leaves out the
# only flag that needs one (-Zsanitizer), and the coverage instrumentation cargo-fuzz asks
# for (-Cpasses=sancov-module and LLVM's -sanitizer-coverage-* options) is stable.
# Runs go under `nice -n 19`, one at a time: the machine is shared.
# Environment: FUZZ_ARGS adds libFuzzer options to `run` (e.g. FUZZ_ARGS=-max_total_time=600).
set -euo pipefail
cd "$(dirname "$0")/.."

TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
BIN=fuzz/target/$TRIPLE/release
BUILD=(cargo fuzz build --sanitizer none --debug-assertions)

# The libFuzzer options of every run: a hang is an input taking more than 2 s (the targets run
# in microseconds to milliseconds), memory is capped at 2 GB.
COMMON=(-timeout=2 -rss_limit_mb=2048 -print_final_stats=1)

# Per-target options: input length and dictionary.
options() {
    case "$1" in
        frus_tei) echo "-max_len=16384 -dict=fuzz/dict/xml.dict" ;;
        frus_grammar) echo "-max_len=8192" ;;
        wcda_page | csv) echo "-max_len=8192" ;;
        wcda_json | jsonl) echo "-max_len=8192 -dict=fuzz/dict/json.dict" ;;
        wcda_json_grammar | query) echo "-max_len=4096" ;;
        detect) echo "-max_len=8192" ;;
        date | archival_ref) echo "-max_len=512" ;;
        *) echo "unknown target $1 (fuzz/fuzz.sh list)" >&2; exit 2 ;;
    esac
}

targets() { sed -n 's/^name = "\([a-z_]*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^fonds_fuzz$'; }

case "${1:-}" in
    build)
        nice -n 19 "${BUILD[@]}"
        ;;
    seeds)
        rm -rf fuzz/work/seeds
        python3 fuzz/seeds.py fuzz/work/seeds
        ;;
    run)
        target=${2:?target}
        runs=${3:-1000000}
        read -ra opts <<<"$(options "$target")"
        mkdir -p "fuzz/work/$target" "fuzz/corpus/$target" "fuzz/artifacts/$target"
        dirs=("fuzz/work/$target" "fuzz/corpus/$target")
        [[ -d fuzz/work/seeds/$target ]] && dirs+=("fuzz/work/seeds/$target")
        nice -n 19 "${BUILD[@]}" "$target"
        # shellcheck disable=SC2086
        nice -n 19 "$BIN/$target" "${COMMON[@]}" "${opts[@]}" -runs="$runs" \
            -artifact_prefix="fuzz/artifacts/$target/" ${FUZZ_ARGS:-} "${dirs[@]}"
        ;;
    minimize)
        target=${2:?target}
        read -ra opts <<<"$(options "$target")"
        nice -n 19 "${BUILD[@]}" "$target"
        new=fuzz/work/$target.min
        rm -rf "$new" && mkdir -p "$new" "fuzz/work/$target" "fuzz/corpus/$target"
        dirs=("fuzz/corpus/$target" "fuzz/work/$target")
        [[ -d fuzz/work/seeds/$target ]] && dirs+=("fuzz/work/seeds/$target")
        # Edges only (-use_counters=0): the smallest inputs that together reach every edge
        # the runs reached, so the committed corpus stays small; the fuller working corpus,
        # kept by hit counts too, stays in fuzz/work/.
        nice -n 19 "$BIN/$target" "${COMMON[@]}" "${opts[@]}" -use_counters=0 -merge=1 "$new" \
            "${dirs[@]}"
        rm -rf "fuzz/corpus/$target" && mv "$new" "fuzz/corpus/$target"
        echo "fuzz/corpus/$target: $(find "fuzz/corpus/$target" -type f | wc -l) files," \
            "$(du -sh --apparent-size "fuzz/corpus/$target" | cut -f1)"
        ;;
    replay)
        cargo test --test fuzz_corpus
        ;;
    list)
        targets
        ;;
    *)
        sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
