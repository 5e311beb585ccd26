#!/usr/bin/env bash
# Copies a 1 GiB file into a tgtd LU (and back out) with `iscsi-dd` and with `nbdcopy`
# through the LU's NBD export (IMA_ExposeLu via iscsi-hbad and `imadm lu expose`),
# alternately (A B A B ...), and prints the median times, the ratio nbdcopy/iscsi-dd and
# the CPU each process spent, as a Markdown table (docs/performance.md, "NBD export").
#
#   benches/nbd_compare.sh [ROUNDS]      (default 3)
#   LU_MIB=64 benches/nbd_compare.sh 1   (a smaller LU)
#
# Installs tgt and libnbd-bin when missing (root). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/release.sh
rounds=${1:-3}
lu_mib=${LU_MIB:-1024}
. scripts/tgtd.sh
ensure_packages tgtd:tgt nbdcopy:libnbd-bin
release_build -p iscsi-tools -p iscsi-hbad -p imadm -p ima-plugin-soft

work=$(mktemp -d /dev/shm/iscsi-nbd-compare.XXXXXX)
hbad_pid=
trap 'kill $hbad_pid 2>/dev/null || true; stop_tgtd; rm -rf "$work"' EXIT
iqn=iqn.2026-12.invalid.iscsi-ima:nbd-bench
start_tgtd "$work" "$iqn" "${lu_mib}M"
head -c "$((lu_mib << 20))" /dev/urandom >"$work/src.img"

printf 'org.iscsi-ima.soft\t%s\n' "$bin/deps/libima_plugin_soft.so" >"$work/ima.conf"
export IMA_CONF=$work/ima.conf ISCSI_HBA_STATE=$work/hba.json IMA_NODE_STATE=$work/node
export ISCSI_HBAD_SOCKET=$work/hbad.sock
# The default socket directory (/tmp/iscsi-ima-nbd-UID): a short socket path.
unset XDG_RUNTIME_DIR
"$bin/iscsi-hbad" --socket "$ISCSI_HBAD_SOCKET" --state "$ISCSI_HBA_STATE" >"$work/hbad.log" 2>&1 &
hbad_pid=$!
for _ in $(seq 100); do [ -S "$ISCSI_HBAD_SOCKET" ] && break; sleep 0.1; done
"$bin/imadm" add discovery-address "127.0.0.1:$port" >/dev/null
uri=$("$bin/imadm" lu expose "$iqn" 1)
case $uri in nbd+unix://*) ;; *) echo "imadm printed $uri, not a URI" >&2; exit 1 ;; esac
url="iscsi://127.0.0.1:$port/$iqn/1"

# One run of a command: "WALL CLIENT HBAD TGTD", seconds with 3 decimals; CLIENT is the
# command's own CPU time (user + system, its children included), HBAD and TGTD the CPU the
# daemon and tgtd used meanwhile (/proc/PID/stat utime + stime). On a machine whose cores
# are all busy, wall time follows the total CPU; the CPU columns say who spent it.
tck=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
timed() {
    local h0 t0 h1 t1 out
    h0=$(ticks "$hbad_pid"); t0=$(ticks "$tgtd_pid")
    out=$( { TIMEFORMAT='%3R %3U %3S'; time "$@" >/dev/null 2>>"$work/errors.log"; } 2>&1 ) \
        || { echo FAIL; return; }
    h1=$(ticks "$hbad_pid"); t1=$(ticks "$tgtd_pid")
    set -- $out
    printf '%s %.3f %.3f %.3f' "$1" "$(echo "$2 + $3" | bc -l)" \
        "$(echo "($h1 - $h0) / $tck" | bc -l)" "$(echo "($t1 - $t0) / $tck" | bc -l)"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# Each write is checked by the other tool's read: iscsi-dd writes, nbdcopy reads back;
# nbdcopy writes, iscsi-dd reads back. A failing tool prints FAIL and stops the script.
check() {
    cmp -s "$work/src.img" "$work/out.img" || { echo "$1: data differs" >&2; cat "$work/errors.log" >&2; cmp "$work/src.img" "$work/out.img" >&2; cmp "$work/src.img" "$work/lun1.img" >&2; ls -la "$work" >&2; exit 1; }
    rm -f "$work/out.img"
}
load0=$(cut -d" " -f1-3 /proc/loadavg)
declare -a dd_w nbd_w dd_r nbd_r
for _ in $(seq "$rounds"); do
    dd_w+=("$(timed "$bin/iscsi-dd" -s "$work/src.img" -d "$url")")
    nbd_r+=("$(timed nbdcopy ${NBDCOPY_FLAGS:-} "$uri" "$work/out.img")")
    check "iscsi-dd write, nbdcopy read"
    nbd_w+=("$(timed nbdcopy ${NBDCOPY_FLAGS:-} "$work/src.img" "$uri")")
    dd_r+=("$(timed "$bin/iscsi-dd" -s "$url" -d "$work/out.img")")
    check "nbdcopy write, iscsi-dd read"
done
case " ${dd_w[*]} ${nbd_w[*]} ${dd_r[*]} ${nbd_r[*]} " in
*FAIL*) echo "a copy failed:" >&2; cat "$work/errors.log" >&2; exit 1 ;;
esac
"$bin/imadm" lu unexpose "$iqn" 1 >/dev/null

# Field N (1 wall, 2 client CPU, 3 hbad CPU, 4 tgtd CPU) of each run, median.
field() { local n=$1; shift; printf '%s\n' "$@" | awk -v n="$n" '{print $n}' | median; }
row() {
    local what=$1 a b ac bc bh bt at total_a total_b
    local -a A=("${@:2:$rounds}") B=("${@:$((rounds + 2)):$rounds}")
    a=$(field 1 "${A[@]}"); b=$(field 1 "${B[@]}")
    ac=$(field 2 "${A[@]}"); at=$(field 4 "${A[@]}")
    bc=$(field 2 "${B[@]}"); bh=$(field 3 "${B[@]}"); bt=$(field 4 "${B[@]}")
    total_a=$(echo "$ac + $at" | bc -l); total_b=$(echo "$bc + $bh + $bt" | bc -l)
    printf '| %s | %.2f | %.0f | %.2f | %.0f | %.2f | %.2f + %.2f = %.2f | %.2f + %.2f + %.2f = %.2f | %.2f |\n' \
        "$what" "$a" "$(echo "$lu_mib / $a" | bc -l)" "$b" "$(echo "$lu_mib / $b" | bc -l)" \
        "$(echo "$b / $a" | bc -l)" "$ac" "$at" "$total_a" "$bc" "$bh" "$bt" "$total_b" \
        "$(echo "$total_b / $total_a" | bc -l)"
}
echo "load average before: $load0" >&2
echo "| ${lu_mib} MiB copy | iscsi-dd s | iscsi-dd MiB/s | nbdcopy s | nbdcopy MiB/s | time ratio nbdcopy/iscsi-dd | CPU s iscsi-dd + tgtd | CPU s nbdcopy + iscsi-hbad + tgtd | CPU ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
row "file → LU (write)" "${dd_w[@]}" "${nbd_w[@]}"
row "LU → file (read)" "${dd_r[@]}" "${nbd_r[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
