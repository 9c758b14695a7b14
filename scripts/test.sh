#!/usr/bin/env bash
# The one test command: installs what the tests need beyond Rust, then runs
# `cargo test --locked --no-fail-fast` (every test binary, even after one fails), with the
# `fault-injection` feature that the power-loss test needs.
#
#     scripts/test.sh [CARGO TEST ARGS...]      e.g. scripts/test.sh --test browser
#
# Installs, each only when missing, so a second run goes straight to cargo:
#   - Debian's chromium (/usr/bin/chromium), by apt-get, as root; the browser tests drive it.
#   - playwright-core, pinned in tests/browser/package-lock.json, by `npm ci` into
#     tests/browser/node_modules (ignored by git). It never downloads a browser of its own.
#   - schemathesis, pinned below, from PyPI into the venv target/test-tools/venv.
# Then it sets FONDS_TEST_TOOLS=required, so that a test whose tool is still missing fails
# (naming it) instead of skipping as it does under a bare `cargo test`.
#
# Not root and no Chromium: it says so and goes on; the browser test then fails with that message.
# Set FONDS_TEST_TOOLS=optional to let such tests skip instead.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
TOOLS=target/test-tools
VENV="$TOOLS/venv"
BROWSER_DIR=tests/browser

step() { printf '==> %s\n' "$*" >&2; }
elapsed() { printf '%ss' "$((SECONDS - $1))"; }

# Debian's Chromium.
if [[ ! -x /usr/bin/chromium ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        t=$SECONDS
        step "installing Debian's chromium (apt-get)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends chromium >/dev/null
        step "chromium installed in $(elapsed "$t")"
    else
        step "WARNING: /usr/bin/chromium is missing and this is not root with apt-get;" \
            "install it with: sudo apt-get install --no-install-recommends chromium" \
            "(the browser test fails until then)"
    fi
fi

# playwright-core, exactly as the committed lock file pins it. `npm ci` wipes node_modules, so
# it runs only when the installed tree is not the locked one.
if ! command -v npm >/dev/null; then
    step "WARNING: npm is missing; the browser test fails until Node.js and npm are installed"
elif ! cmp -s "$BROWSER_DIR/package-lock.json" "$BROWSER_DIR/node_modules/.fonds-lock"; then
    t=$SECONDS
    step "installing $BROWSER_DIR's Node packages (npm ci)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$BROWSER_DIR" \
        --no-audit --no-fund --loglevel=error
    cp "$BROWSER_DIR/package-lock.json" "$BROWSER_DIR/node_modules/.fonds-lock"
    step "Node packages installed in $(elapsed "$t")"
fi

# schemathesis in a venv of its own.
if [[ "$("$VENV/bin/schemathesis" --version 2>/dev/null)" != *" $SCHEMATHESIS_VERSION" ]]; then
    t=$SECONDS
    step "installing schemathesis $SCHEMATHESIS_VERSION into $VENV (pip)"
    mkdir -p "$TOOLS"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
        "schemathesis==$SCHEMATHESIS_VERSION"
    step "schemathesis installed in $(elapsed "$t")"
fi

export FONDS_TEST_TOOLS="${FONDS_TEST_TOOLS:-required}"
export FONDS_CHROMIUM="${FONDS_CHROMIUM:-/usr/bin/chromium}"
export FONDS_BROWSER_DIR="${FONDS_BROWSER_DIR:-$PWD/$BROWSER_DIR}"
export FONDS_SCHEMATHESIS="${FONDS_SCHEMATHESIS:-$PWD/$VENV/bin/schemathesis}"

step "cargo test --locked --no-fail-fast --features fault-injection${*:+ $*}"
exec cargo test --locked --no-fail-fast --features fault-injection "$@"
