#!/usr/bin/env bash
# The main job: the initiator end to end against a real target.
#
#   ./scripts/run.sh                      # embedded default: a private tgtd on loopback
#   ISCSI_URL=iscsi://host/iqn.../1 ./scripts/run.sh   # your own target (reads only)
#
# Without ISCSI_URL it installs tgt if needed (root), starts tgtd on a free loopback port
# with a 64 MiB file-backed LU, then runs iscsi-ls, iscsi-inq and an iscsi-dd write and
# read-back compared byte for byte, and stops tgtd. With ISCSI_URL it lists the portal and
# prints INQUIRY for the URL's LUN, writing nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/release.sh

release_build -p iscsi-tools --bins

if [ -n "${ISCSI_URL:-}" ]; then
    portal=${ISCSI_URL#iscsi://}; portal=${portal%%/*}; portal=${portal##*@}
    "$bin/iscsi-ls" -s "iscsi://$portal"
    "$bin/iscsi-inq" "$ISCSI_URL"
    exit 0
fi

. scripts/tgtd.sh
if ! ensure_packages tgtd:tgt; then
    echo "run.sh: tgt is not installed; set ISCSI_URL to use your own target" >&2
    exit 1
fi

work=$(mktemp -d)
cleanup() { stop_tgtd; rm -rf "$work"; }
trap cleanup EXIT
iqn=iqn.2026-11.invalid.iscsi-ima:demo
start_tgtd "$work" "$iqn" 64M
url="iscsi://127.0.0.1:$port/$iqn/1"

echo "== iscsi-ls -s iscsi://127.0.0.1:$port"
"$bin/iscsi-ls" -s "iscsi://127.0.0.1:$port"
echo "== iscsi-inq $url"
"$bin/iscsi-inq" "$url"
echo "== iscsi-dd: 64 MiB of random data to the LU and back"
head -c 64M /dev/urandom >"$work/in.img"
"$bin/iscsi-dd" -s "$work/in.img" -d "$url"
"$bin/iscsi-dd" -s "$url" -d "$work/out.img"
cmp "$work/in.img" "$work/out.img"
cmp "$work/in.img" "$work/lun1.img"
echo "== OK: data read back and the LU's backing file match what was written"
