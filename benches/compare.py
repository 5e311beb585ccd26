"""Alternates iscsi-bench and iscsi-perf runs and prints median ratios (see compare.sh).

    compare.py TGT_URL BENCH_TARGET_URL SECONDS PAIRS OURS FLOOR

TGT_URL is a LU on tgtd; BENCH_TARGET_URL a LU on our in-process test target
(`bench-target`), where the target is not the bottleneck, so the initiators' own costs
show. Each row runs the two tools alternately, A B A B ..., PAIRS times, and reports
medians. Rows libiscsi cannot run run ours alone, marked so:

- header+data digests: iscsi-perf never offers DataDigest=CRC32C (libiscsi-bin 1.19 sends
  DataDigest=None whatever the URL says);
- writes and mixed loads: iscsi-perf only reads (READ16), in Debian's 1.19 and upstream.

One row runs FLOOR (`iscsi-floor`: our protocol core alone, on one thread with blocking
sockets, as iscsi-perf runs libiscsi) in place of iscsi-bench: at QD1 it separates what
our protocol code costs from what the async driver adds.

CPU per I/O is the child's user + system time (getrusage) over its I/O count. Ours reports
its figures with --json (latency percentiles too); iscsi-perf's are parsed from its last
"iops average" line. At QD1 its mean latency is 1/IOPS (it prints no percentiles).
"""
import json
import os
import re
import resource
import statistics
import subprocess
import sys

tgt_url, bench_url, seconds, pairs, ours, floor = (
    sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6])
HD = "?header_digest=crc32c"
HDDD = "?header_digest=crc32c&data_digest=crc32c"
QD1 = ["-m", "1", "-b", "8"]
QD32 = ["-m", "32", "-b", "8"]
BIG = ["-m", "32", "-b", "256"]
# Offered ImmediateData / InitialR2T (both targets answer InitialR2T=No, so ours decide).
IMM_NO_R2T = ["--immediate-data", "yes", "--initial-r2t", "no"]
R2T_NO_IMM = ["--immediate-data", "no", "--initial-r2t", "yes"]
WRITE = ["--write"]
MIXED = ["-r", "--write", "--mixed", "70"]

# A row: (name, args, URL query, libiscsi can run it (else: why not)[, our tool]).
NO_DD = "(no data digest)"
NO_WRITE = "(reads only)"


def rows(qd1=True):
    return [
        ("4 KiB reads, QD1", QD1, "", True),
        ("4 KiB reads, QD1, protocol core alone (iscsi-floor)", QD1, "", True, floor),
        ("4 KiB reads, QD32", QD32, "", True),
        ("128 KiB reads, QD32", BIG, "", True),
        ("4 KiB reads, QD32, header digest", QD32, HD, True),
        ("4 KiB reads, QD32, header+data digests", QD32, HDDD, NO_DD),
        ("4 KiB writes, QD32, ImmediateData=Yes InitialR2T=No", QD32 + WRITE + IMM_NO_R2T,
         "", NO_WRITE),
        ("4 KiB writes, QD32, ImmediateData=No InitialR2T=Yes", QD32 + WRITE + R2T_NO_IMM,
         "", NO_WRITE),
        ("128 KiB writes, QD32, ImmediateData=Yes InitialR2T=No", BIG + WRITE + IMM_NO_R2T,
         "", NO_WRITE),
        ("128 KiB writes, QD32, ImmediateData=No InitialR2T=Yes", BIG + WRITE + R2T_NO_IMM,
         "", NO_WRITE),
        ("4 KiB random 70 % reads / 30 % writes, QD32", QD32 + MIXED, "", NO_WRITE),
    ]


sections = [
    ("tgtd, LU on tmpfs", tgt_url, rows()),
    ("bench-target (our in-process target, RAM LU)", bench_url, rows()),
]


def run(tool, args, target, secs):
    """Runs one tool; returns a dict: iops, mbs (10^6 B/s), cpu_us (per I/O), and for ours
    p50/p99 (us)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    json_flag = ["--json"] if tool in (ours, floor) else []
    cmd = [tool, "-t", str(secs)] + args + json_flag + [target]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=int(secs) + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = (out.stdout + out.stderr).replace("\r", "\n")
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}): {text[-500:]}")
    if tool in (ours, floor):
        s = json.loads(out.stdout.strip().splitlines()[-1])
        ios = max(s["ios"], 1)
        # iscsi-floor keeps no latency histogram (two clock reads per I/O it would not
        # otherwise make).
        lat = s.get("latency_us", {})
        return {"iops": s["iops"], "mbs": s["mb_per_s"], "cpu_us": cpu / ios * 1e6,
                "p50": lat.get("p50", float("nan")), "p99": lat.get("p99", float("nan"))}
    found = re.findall(r"iops average (\d+) \((\d+) MB/s\)", text)
    if not found:
        sys.exit(f"{' '.join(cmd)}: no summary: {text[-500:]}")
    iops, mibs = map(float, found[-1])
    # iscsi-perf's "MB/s" is 2^20 bytes per second.
    return {"iops": iops, "mbs": mibs * 1.048576,
            "cpu_us": cpu / max(iops * float(secs), 1) * 1e6}


def med(results, key):
    return statistics.median(r[key] for r in results)


print(f"Each row: {pairs} pairs of {seconds} s runs, alternating ours and iscsi-perf; medians.")
print("MB = 10^6 bytes. CPU/IO: user+system microseconds of the initiator process per I/O.")
for title, url, section in sections:
    print(f"\n### {title}\n")
    print("| Workload | iscsi-bench IOPS | iscsi-perf IOPS | IOPS ratio | MB/s ours "
          "| CPU/IO ours (us) | CPU/IO libiscsi (us) | CPU/IO ratio "
          "| latency ours p50 / p99 (us) | load |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    plain = {}
    for row in section:
        name, args, query, both = row[:4]
        tool = row[4] if len(row) > 4 else ours
        load = os.getloadavg()[0]
        # One discarded 1-second run of each tool first: a fresh target process (bench-target
        # above all) runs its first large reads much slower while its allocator warms up,
        # and the first run of a row would otherwise always be ours.
        # Skipped for 1-second runs (the CI smoke), where it would double the time.
        if int(seconds) > 1:
            run(tool, args, url + query, 1)
            if both is True:
                run("iscsi-perf", args, url + query, 1)
        a, b = [], []
        for _ in range(pairs):
            a.append(run(tool, args, url + query, seconds))
            if both is True:
                b.append(run("iscsi-perf", args, url + query, seconds))
        oi, om, oc = med(a, "iops"), med(a, "mbs"), med(a, "cpu_us")
        p50, p99 = med(a, "p50"), med(a, "p99")
        lat = "-" if p50 != p50 else f"{p50:.1f} / {p99:.1f}"  # NaN: no histogram
        if args == QD1:
            lat += f" (mean {1e6 / oi:.1f})"
        if b:
            pi, pc = med(b, "iops"), med(b, "cpu_us")
            if args == QD1:
                lat += f"; libiscsi mean {1e6 / pi:.1f}"
            print(f"| {name} | {oi:.0f} | {pi:.0f} | {oi / pi:.2f} | {om:.1f} | {oc:.2f} "
                  f"| {pc:.2f} | {oc / pc:.2f} | {lat} | {load:.1f} |", flush=True)
        else:
            print(f"| {name} | {oi:.0f} | {both} | - | {om:.1f} | {oc:.2f} | - | - "
                  f"| {lat} | {load:.1f} |", flush=True)
        if query == "" and tool == ours:
            plain[tuple(args)] = (oi, med(b, "iops") if b else None)
        if query and tuple(args) in plain:
            base_ours, base_perf = plain[tuple(args)]
            cost = f"digest cost in IOPS: ours {100 * (1 - oi / base_ours):.0f} %"
            if b and base_perf:
                cost += f", libiscsi {100 * (1 - med(b, 'iops') / base_perf):.0f} %"
            print(f"|   ({cost}) | | | | | | | | | |", flush=True)
