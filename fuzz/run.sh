#!/usr/bin/env bash
# Runs the fuzz targets with cargo-fuzz (libFuzzer) on stable Rust, two at a time.
#   fuzz/run.sh [SECONDS] [TARGET...]     default: 60 s each, every target
#   FUZZ_PARALLEL=N                       targets run at a time (default 2, one a core)
# Installs cargo-fuzz when missing. One build serves every target; the corpus in
# fuzz/corpus/TARGET grows as the run finds new paths (keep it small with `cargo fuzz cmin`).
# A crash stops the run with exit code 1 and leaves its input in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(read_check annotate template number formula)
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
# cargo-fuzz passes nightly-only flags; RUSTC_BOOTSTRAP lets stable accept them. No
# sanitizer (ASan needs nightly's std); overflow checks are on in fuzz/Cargo.toml.
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none
run_one() {
  local target=$1
  mkdir -p "corpus/$target" "artifacts/$target"
  cargo fuzz run -s none "$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=60 -max_len=262144 \
    -print_final_stats=1 >"artifacts/$target.log" 2>&1 || return 1
}
# Two at a time by default: CI machines have two cores.
PARALLEL=${FUZZ_PARALLEL:-2}
failed=()
for ((i = 0; i < ${#TARGETS[@]}; i += PARALLEL)); do
  pids=()
  batch=("${TARGETS[@]:i:PARALLEL}")
  for target in "${batch[@]}"; do
    run_one "$target" & pids+=($!)
  done
  for j in "${!pids[@]}"; do wait "${pids[$j]}" || failed+=("${batch[$j]}"); done
done
for target in "${TARGETS[@]}"; do
  printf '%s: ' "$target"
  grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|Done [0-9]+ runs)' "artifacts/$target.log" | tail -n 1 || true
  echo
done
for target in "${failed[@]}"; do
  echo "== fuzz target $target failed; its input is in fuzz/artifacts/$target/; the end of its log:" >&2
  tail -n 60 "artifacts/$target.log" >&2
done
[ ${#failed[@]} -eq 0 ]
