"""Alternates iscsi-bench and iscsi-perf runs and prints median ratios (see compare.sh)."""
import os
import re
import resource
import statistics
import subprocess
import sys

url, seconds, pairs, ours = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
digest = "?header_digest=crc32c&data_digest=crc32c"
rows = [
    ("4 KiB reads, QD1", ["-m", "1", "-b", "8"], ""),
    ("4 KiB reads, QD32", ["-m", "32", "-b", "8"], ""),
    ("128 KiB reads, QD32", ["-m", "32", "-b", "256"], ""),
    ("4 KiB reads, QD32, header+data digests", ["-m", "32", "-b", "8"], digest),
]


def run(tool, args, target):
    """Runs one tool; returns (iops, MB/s, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = [tool, "-t", seconds] + args + [target]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=int(seconds) + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = (out.stdout + out.stderr).replace("\r", "\n")
    found = re.findall(r"iops average (\d+) \((\d+) MB/s\)", text)
    if out.returncode != 0 or not found:
        sys.exit(f"{tool} failed ({out.returncode}): {text[-500:]}")
    iops, mbs = map(float, found[-1])
    return iops, mbs, cpu


print(f"Each row: {pairs} pairs of {seconds} s runs, alternating ours and iscsi-perf; medians.\n")
print("| Workload | iscsi-bench IOPS | iscsi-perf IOPS | IOPS ratio | MB/s ratio | CPU/IO ours (us) | CPU/IO libiscsi (us) | CPU/IO ratio |")
print("|---|---|---|---|---|---|---|---|")
for name, args, query in rows:
    target = url + query
    a, b = [], []
    for _ in range(pairs):
        a.append(run(ours, args, target))
        b.append(run("iscsi-perf", args, target))
    med = lambda xs: statistics.median(xs)
    ours_iops, perf_iops = med([x[0] for x in a]), med([x[0] for x in b])
    mb_ratio = med([x[1] for x in a]) / max(med([x[1] for x in b]), 1e-9)
    cpu_ours = med([x[2] / max(x[0] * float(seconds), 1) * 1e6 for x in a])
    cpu_perf = med([x[2] / max(x[0] * float(seconds), 1) * 1e6 for x in b])
    print(f"| {name} | {ours_iops:.0f} | {perf_iops:.0f} | {ours_iops / perf_iops:.2f} | {mb_ratio:.2f} | {cpu_ours:.1f} | {cpu_perf:.1f} | {cpu_ours / cpu_perf:.2f} |", flush=True)
