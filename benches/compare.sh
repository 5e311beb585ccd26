#!/usr/bin/env bash
# Runs iscsi-bench and libiscsi's iscsi-perf alternately (A B A B ...) against one tgtd
# whose LU is a tmpfs file, then against `bench-target` (our in-process target, where the
# target is not the bottleneck), and prints the median ratios ours/libiscsi for IOPS and
# for initiator CPU per I/O, as Markdown tables: reads, writes (ImmediateData and InitialR2T
# both ways), a 70/30 mixed load, and QD1 latency. iscsi-perf only reads, so the write and
# mixed rows run ours alone (see compare.py). One QD1 row runs `iscsi-floor` (our protocol
# core alone, on blocking sockets) in place of iscsi-bench, to separate the protocol code's
# cost from the async driver's.
#
#   benches/compare.sh [SECONDS-PER-RUN] [PAIRS]      (defaults 5 and 3)
#   LU_MIB=64 BENCH_TARGET_MIB=64 benches/compare.sh 1 1   (smaller LUs, as CI runs it)
#
# Installs tgt and libiscsi-bin when missing (root). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/release.sh
seconds=${1:-5}
pairs=${2:-3}
# LU sizes: LU_MIB for tgtd (tmpfs), BENCH_TARGET_MIB for bench-target (RAM).
lu_mib=${LU_MIB:-1024}
bench_mib=${BENCH_TARGET_MIB:-256}
. scripts/tgtd.sh
ensure_packages tgtd:tgt iscsi-perf:libiscsi-bin
release_build -p iscsi-benches --bin iscsi-bench --bin iscsi-floor --bin bench-target

work=$(mktemp -d /dev/shm/iscsi-compare.XXXXXX)
bench_pid=
trap 'stop_tgtd; kill $bench_pid 2>/dev/null; rm -rf "$work"' EXIT
iqn=iqn.2026-11.invalid.iscsi-ima:bench
start_tgtd "$work" "$iqn" "${lu_mib}M"
tgtadm -C "$control" --lld iscsi --op update --mode target --tid 1 -n HeaderDigest -v CRC32C,None
tgtadm -C "$control" --lld iscsi --op update --mode target --tid 1 -n DataDigest -v CRC32C,None
# InitialR2T is an OR (RFC 7143 §13.10): tgt's default Yes would override our offer of No.
tgtadm -C "$control" --lld iscsi --op update --mode target --tid 1 -n InitialR2T -v No
# Write the LU once so reads hit real data.
dd if=/dev/zero of="$lun_file" bs=1M count="$lu_mib" conv=notrunc status=none

"$bin/bench-target" "$bench_mib" >"$work/bench-target.url" 2>"$work/bench-target.log" &
bench_pid=$!
for _ in $(seq 100); do [ -s "$work/bench-target.url" ] && break; sleep 0.1; done
bench_url=$(head -n 1 "$work/bench-target.url")

python3 benches/compare.py "iscsi://127.0.0.1:$port/$iqn/1" "$bench_url" "$seconds" "$pairs" \
    "$bin/iscsi-bench" "$bin/iscsi-floor"
