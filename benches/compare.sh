#!/usr/bin/env bash
# Runs iscsi-bench and libiscsi's iscsi-perf alternately (A B A B ...) against one tgtd
# whose LU is a tmpfs file, then against `bench-target` (our in-process target, where the
# target is not the bottleneck), and prints the median ratios ours/libiscsi for IOPS and
# for initiator CPU per I/O, as Markdown tables.
#
#   benches/compare.sh [SECONDS-PER-RUN] [PAIRS]      (defaults 5 and 3)
#
# Installs tgt and libiscsi-bin when missing (root). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
pairs=${2:-3}
missing=()
command -v tgtd >/dev/null 2>&1 || missing+=(tgt)
command -v iscsi-perf >/dev/null 2>&1 || missing+=(libiscsi-bin)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
cargo build --quiet --release -p iscsi-benches --bin iscsi-bench --bin bench-target

work=$(mktemp -d /dev/shm/iscsi-compare.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
control=$(( 20000 + RANDOM % 9000 ))
tgtd -f -C "$control" --iscsi "portal=127.0.0.1:$port" >"$work/tgtd.log" 2>&1 &
tgtd_pid=$!
disown "$tgtd_pid"
bench_pid=
trap 'kill "$tgtd_pid" $bench_pid 2>/dev/null; sleep 0.5; kill -9 "$tgtd_pid" $bench_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do tgtadm -C "$control" --lld iscsi --op show --mode target >/dev/null 2>&1 && break; sleep 0.1; done
iqn=iqn.2026-11.invalid.iscsi-ima:bench
truncate -s 1G "$work/lun1.img"
tgtadm -C "$control" --lld iscsi --op new --mode target --tid 1 -T "$iqn"
tgtadm -C "$control" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$work/lun1.img"
tgtadm -C "$control" --lld iscsi --op update --mode target --tid 1 -n HeaderDigest -v CRC32C,None
tgtadm -C "$control" --lld iscsi --op update --mode target --tid 1 -n DataDigest -v CRC32C,None
tgtadm -C "$control" --lld iscsi --op bind --mode target --tid 1 -I ALL
# Write the LU once so reads hit real data.
dd if=/dev/zero of="$work/lun1.img" bs=1M count=1024 conv=notrunc status=none

target/release/bench-target 256 >"$work/bench-target.url" 2>"$work/bench-target.log" &
bench_pid=$!
for _ in $(seq 100); do [ -s "$work/bench-target.url" ] && break; sleep 0.1; done
bench_url=$(head -n 1 "$work/bench-target.url")

python3 benches/compare.py "iscsi://127.0.0.1:$port/$iqn/1" "$bench_url" "$seconds" "$pairs" \
    target/release/iscsi-bench
