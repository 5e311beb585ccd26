#!/usr/bin/env bash
# The demo: builds imadm (and with it libima.so and libima_plugin_soft.so) and runs
# `imadm demo`, which walks the whole stack (IMA library, plugin, HBA engine, initiator)
# against an in-process iSCSI target on loopback with CHAP required.
#
#   ./scripts/demo.sh
#
# Needs no root, no network and nothing installed: everything lives in a private
# temporary directory (ima.conf, HBA state, node state) that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/release.sh

# imadm depends on ima-lib and ima-plugin-soft, so cargo builds their cdylibs into
# release/deps/, where imadm looks for them.
release_build -p imadm
exec "$bin/imadm" demo
