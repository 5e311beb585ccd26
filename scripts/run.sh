#!/usr/bin/env bash
# The main job. With no argument it decodes an embedded capture of a login and a SCSI
# exchange and prints each PDU; with a file argument it decodes that hex dump instead.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet --release -p iscsi-proto --example pdu-decode -- "$@"
