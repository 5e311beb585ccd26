#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine, then runs every test.
# This is the README's test command and exactly what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(gcc libc6-dev)
# The interop suite starts its own tgtd on loopback (tests/integration/tests/tgt_interop.rs).
command -v tgtd >/dev/null 2>&1 || need_apt+=(tgt)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
    else
        echo "test.sh: missing ${need_apt[*]} and not root to install them" >&2
        exit 1
    fi
fi

cargo test --workspace --locked
# Each criterion bench once, in criterion's test mode (the session bench moves 64 MiB and
# checks every read and the target's protocol log).
cargo test -p iscsi-benches --benches --locked
