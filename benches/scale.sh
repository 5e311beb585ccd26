#!/usr/bin/env bash
# Many sessions from one process: runs `iscsi-scale` against `bench-target` (our in-process
# target, RAM LU) and then against a private tgtd (tmpfs LU), and prints Markdown tables:
# one row per target (sessions, login rate, resident memory per session, IOPS with every
# session active, logout time), then the login rate and memory per bucket of sessions.
#
#   benches/scale.sh [SECONDS] [SESSIONS]          (defaults 5 and 10000)
#   SCALE_ARGS="--bucket 50" benches/scale.sh 1 200   (as CI runs it)
#
# SECONDS is the I/O phase (one 4 KiB read in flight per session unless SCALE_ARGS says
# `-m`); SCALE_ARGS is passed to iscsi-scale (--bucket, --concurrency, -m, -b).
# iscsi-scale needs one open file per session (it raises its soft limit to the hard limit)
# and the targets a listen backlog of up to `net.core.somaxconn` (see docs/performance.md).
# A target that cannot take SESSIONS gets a row saying how many it took and why not; the
# script fails when bench-target does not reach SESSIONS or any run fails otherwise.
# Installs tgt when missing (root). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/release.sh
seconds=${1:-5}
sessions=${2:-10000}
# shellcheck disable=SC2206 # word splitting of SCALE_ARGS is the point
extra=(${SCALE_ARGS:-})
. scripts/tgtd.sh
ensure_packages tgtd:tgt
release_build -p iscsi-benches --bin iscsi-scale --bin bench-target

work=$(mktemp -d /dev/shm/iscsi-scale.XXXXXX)
bench_pid=
trap 'stop_tgtd; [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null; rm -rf "$work"' EXIT

echo "somaxconn $(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo '?'), open files: soft $(ulimit -Sn), hard $(ulimit -Hn)" >&2

# scale NAME URL: one iscsi-scale run; its JSON in $work/NAME.json, stderr in NAME.err, and
# its exit status in NAME.status (a run that ends in failed logouts still has its JSON).
scale() {
    local name=$1 url=$2 status=0
    echo "iscsi-scale: $sessions sessions against $name ..." >&2
    "$bin/iscsi-scale" --sessions "$sessions" -t "$seconds" --keep-going --json "${extra[@]}" \
        "$url" >"$work/$name.json" 2>"$work/$name.err" || status=$?
    echo "$status" >"$work/$name.status"
    if [ "$status" != 0 ]; then
        echo "iscsi-scale against $name exited with $status: $(tail -n 1 "$work/$name.err")" >&2
    fi
}

"$bin/bench-target" 64 >"$work/bench-target.url" 2>"$work/bench-target.log" &
bench_pid=$!
for _ in $(seq 100); do [ -s "$work/bench-target.url" ] && break; sleep 0.1; done
scale bench-target "$(head -n 1 "$work/bench-target.url")"
kill "$bench_pid" 2>/dev/null || true
wait "$bench_pid" 2>/dev/null || true
bench_pid=

iqn=iqn.2026-11.invalid.iscsi-ima:scale
start_tgtd "$work" "$iqn" 64M
scale tgtd "iscsi://127.0.0.1:$port/$iqn/1"
stop_tgtd

python3 - "$work" "$sessions" <<'EOF'
import json, sys
work, asked = sys.argv[1], int(sys.argv[2])
rows = {}
for name in ("bench-target", "tgtd"):
    status = int(open(f"{work}/{name}.status").read())
    try:
        rows[name] = json.load(open(f"{work}/{name}.json"))
    except ValueError:
        lines = open(f"{work}/{name}.err").read().strip().splitlines()
        rows[name] = {"failed": lines[-1] if lines else f"exit status {status}"}
    rows[name]["status"] = status
print("| Target | Sessions | Logins/s (all) | Logins/s first / last bucket | KiB/session idle | KiB/session after I/O | IOPS, all active | Logout s | Note |")
print("|---|---|---|---|---|---|---|---|---|")
for name, r in rows.items():
    if "failed" in r:
        print(f"| {name} | - | - | - | - | - | - | - | failed: {r['failed']} |")
        continue
    b = r["buckets"]
    io = r["io"]
    iops = f"{io['iops']:.0f}" + (f" ({io['errors']} errors)" if io["errors"] else "") if io else "-"
    notes = []
    if r["login_error"]:
        notes.append(f"logins stopped {r['login_error']}")
    if r["logout_errors"]:
        notes.append(f"{r['logout_errors']} logouts failed")
    note = "; ".join(notes)
    print(f"| {name} | {r['sessions']} of {r['requested']} | {r['logins_per_s']:.0f} | "
          f"{b[0]['logins_per_s']:.0f} / {b[-1]['logins_per_s']:.0f} | {r['kib_per_session']:.1f} | "
          f"{r['kib_per_session_after_io']:.1f} | {iops} | {r['logout_seconds']:.2f} | {note} |")
print()
for name, r in rows.items():
    if "failed" in r:
        continue
    print(f"{name}, per bucket:")
    print()
    print("| Sessions open | Bucket s | Logins/s | KiB/session |")
    print("|---|---|---|---|")
    for b in r["buckets"]:
        print(f"| {b['sessions']} | {b['seconds']:.3f} | {b['logins_per_s']:.0f} | {b['kib_per_session']:.1f} |")
    print()
bench = rows["bench-target"]
if "failed" in bench or bench["sessions"] < asked:
    sys.exit("bench-target did not take every session")
if bench["status"] != 0:
    sys.exit("the bench-target run failed")
if "failed" in rows["tgtd"]:
    sys.exit("the tgtd run failed")
EOF
