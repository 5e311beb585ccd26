"""Alternates iscsi-bench and iscsi-perf runs and prints median ratios (see compare.sh).

    compare.py TGT_URL BENCH_TARGET_URL SECONDS PAIRS OURS

TGT_URL is a LU on tgtd; BENCH_TARGET_URL a LU on our in-process test target
(`bench-target`), where the target is not the bottleneck, so the initiators' own costs
show. Each row runs the two tools alternately, A B A B ..., PAIRS times, and reports
medians. Rows libiscsi cannot run (it never offers DataDigest=CRC32C: libiscsi-bin 1.19
sends DataDigest=None whatever the URL says) run ours alone.
"""
import resource
import re
import statistics
import subprocess
import sys

tgt_url, bench_url, seconds, pairs, ours = (
    sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
HD = "?header_digest=crc32c"
HDDD = "?header_digest=crc32c&data_digest=crc32c"
QD1 = ["-m", "1", "-b", "8"]
QD32 = ["-m", "32", "-b", "8"]
BIG = ["-m", "32", "-b", "256"]

# (section, rows); a row is (name, args, URL query, libiscsi can run it).
sections = [
    (f"tgtd, 1 GiB LU on tmpfs", tgt_url, [
        ("4 KiB reads, QD1", QD1, "", True),
        ("4 KiB reads, QD32", QD32, "", True),
        ("128 KiB reads, QD32", BIG, "", True),
        ("4 KiB reads, QD32, header digest", QD32, HD, True),
        ("4 KiB reads, QD32, header+data digests", QD32, HDDD, False),
    ]),
    (f"bench-target (our in-process target, RAM LU)", bench_url, [
        ("4 KiB reads, QD32", QD32, "", True),
        ("128 KiB reads, QD32", BIG, "", True),
        ("4 KiB reads, QD32, header digest", QD32, HD, True),
        ("4 KiB reads, QD32, header+data digests", QD32, HDDD, False),
    ]),
]


def run(tool, args, target, warmup=False):
    """Runs one tool; returns (iops, MB/s, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = [tool] + (args if warmup else ["-t", seconds] + args) + [target]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=int(seconds) + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = (out.stdout + out.stderr).replace("\r", "\n")
    found = re.findall(r"iops average (\d+) \((\d+) MB/s\)", text)
    if out.returncode != 0 or not found:
        sys.exit(f"{tool} failed ({out.returncode}): {text[-500:]}")
    iops, mbs = map(float, found[-1])
    return iops, mbs, cpu


def summary(results):
    """Median IOPS, MB/s and CPU microseconds per I/O."""
    med = statistics.median
    iops = med([r[0] for r in results])
    mbs = med([r[1] for r in results])
    cpu = med([r[2] / max(r[0] * float(seconds), 1) * 1e6 for r in results])
    return iops, mbs, cpu


print(f"Each row: {pairs} pairs of {seconds} s runs, alternating ours and iscsi-perf; medians.")
for title, url, rows in sections:
    print(f"\n### {title}\n")
    print("| Workload | iscsi-bench IOPS | iscsi-perf IOPS | IOPS ratio | MB/s ratio "
          "| CPU/IO ours (us) | CPU/IO libiscsi (us) | CPU/IO ratio |")
    print("|---|---|---|---|---|---|---|---|")
    plain = {}
    for name, args, query, both in rows:
        # One discarded 1-second run of each tool first: a fresh target process (bench-target
        # above all) runs its first large reads much slower while its allocator warms up,
        # and the first run of a row would otherwise always be ours.
        run(ours, ["-t", "1"] + args, url + query, warmup=True)
        if both:
            run("iscsi-perf", ["-t", "1"] + args, url + query, warmup=True)
        a, b = [], []
        for _ in range(pairs):
            a.append(run(ours, args, url + query))
            if both:
                b.append(run("iscsi-perf", args, url + query))
        oi, om, oc = summary(a)
        if query == "":
            plain[tuple(args)] = (oi, summary(b)[0] if b else None)
        if b:
            pi, pm, pc = summary(b)
            print(f"| {name} | {oi:.0f} | {pi:.0f} | {oi / pi:.2f} | {om / max(pm, 1e-9):.2f} "
                  f"| {oc:.2f} | {pc:.2f} | {oc / pc:.2f} |", flush=True)
        else:
            print(f"| {name} | {oi:.0f} | (no data digest) | - | - | {oc:.2f} | - | - |",
                  flush=True)
        if query and tuple(args) in plain:
            base_ours, base_perf = plain[tuple(args)]
            cost = f"digest cost in IOPS: ours {100 * (1 - oi / base_ours):.0f} %"
            if b and base_perf:
                cost += f", libiscsi {100 * (1 - summary(b)[0] / base_perf):.0f} %"
            print(f"|   ({cost}) | | | | | | | |", flush=True)
