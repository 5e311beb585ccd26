#!/usr/bin/env bash
# Builds every fuzz target and runs each for SECONDS (default 600) on a copy of its seed
# corpus in fuzz/work/, so new inputs never pollute the checked-in seeds. Crashes land in
# fuzz/artifacts/<target>/. Usage: fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
cargo fuzz build -O
status=0
for t in "${targets[@]}"; do
    mkdir -p "work/$t" "corpus/$t"
    cp -n "corpus/$t"/* "work/$t"/ 2>/dev/null || true
    echo "== $t: ${seconds}s"
    if ! cargo fuzz run -O "$t" "work/$t" -- -max_total_time="$seconds" -max_len=65536 \
        -print_final_stats=1 2>&1 | tee "work/$t.log" | grep -E "^#[0-9]+ +DONE|ERROR|panicked|stat::(number_of_executed_units|average_exec_per_sec|peak_rss)"; then
        :
    fi
    if grep -qE "ERROR: libFuzzer|panicked at|SUMMARY:" "work/$t.log"; then
        echo "!! $t crashed: see fuzz/work/$t.log and fuzz/artifacts/$t/"
        status=1
    fi
done
exit $status
