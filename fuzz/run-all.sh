#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each (default 10) and fails on the first
# crash, leaving the crashing input under fuzz/artifacts/TARGET/. A target with a
# dictionary in fuzz/dict/TARGET.dict is given it.
#
#   fuzz/run-all.sh 30
#
# Works on the stable toolchain: cargo fuzz passes nightly-only flags (-Zsanitizer),
# which RUSTC_BOOTSTRAP=1 lets stable accept. Installs cargo-fuzz if it is missing.
set -euo pipefail

secs="${1:-10}"
case "$secs" in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")"

CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "run-all: installing cargo-fuzz $CARGO_FUZZ_VERSION" >&2
  cargo install --locked --version "$CARGO_FUZZ_VERSION" cargo-fuzz
fi

export RUSTC_BOOTSTRAP=1

cargo fuzz build
for target in $(cargo fuzz list); do
  echo "run-all: $target for ${secs}s" >&2
  # -max_total_time bounds the run; a crash, a panic or a sanitizer report makes
  # libFuzzer (and so this script) exit non-zero.
  # A target's dictionary (dict/TARGET.dict: its keywords) helps it reach deep quickly.
  dict=()
  if [ -f "dict/$target.dict" ]; then
    dict=(-dict="$PWD/dict/$target.dict")
  fi
  cargo fuzz run "$target" -- -max_total_time="$secs" -print_final_stats=1 ${dict[@]+"${dict[@]}"}
done
echo "run-all: every target ran ${secs}s without a crash" >&2
