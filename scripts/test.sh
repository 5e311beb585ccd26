#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine, then runs every test.
# This is the README's test command and exactly what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/tgtd.sh
# cc for the IMA C client test; tgt because the interop suite starts its own tgtd on
# loopback (tests/integration/tests/tgt_interop.rs); open-isns (isnsd, isnsadm) because the
# iSNS tests start their own isnsd on loopback (tests/integration/tests/isns.rs); libnbd-bin
# and qemu-utils because the NBD export is tested with real clients (nbd/tests/clients.rs);
# pkg-config and readelf because scripts/install.sh is tested by building a C program against
# the installed libima.so (tests/integration/tests/install.rs); libiscsi-bin because the
# tools are compared with libiscsi's on the same URLs (tools/tests/tgt.rs; probed by
# iscsi-perf, a name none of ours takes).
ensure_packages cc:gcc cc:libc6-dev tgtd:tgt isnsd:open-isns-server isnsadm:open-isns-utils \
    nbdinfo:libnbd-bin qemu-img:qemu-utils pkg-config:pkgconf readelf:binutils \
    iscsi-perf:libiscsi-bin

cargo test --workspace --locked
# Each criterion bench once, in criterion's test mode (the session bench moves 64 MiB and
# checks every read and the target's protocol log).
cargo test -p iscsi-benches --benches --locked
