# Sourced by scripts/run.sh, scripts/test.sh and benches/compare.sh: package installs and
# a private tgtd on a free loopback port.
#
#   start_tgtd WORKDIR IQN SIZE     # SIZE as truncate(1) takes it: 64M, 1G, ...
#
# Starts tgtd (logging to WORKDIR/tgtd.log), creates target IQN with LUN 1 backed by the
# file WORKDIR/lun1.img of SIZE, binds it to every initiator, and sets tgtd_pid, port,
# control and lun_file. stop_tgtd stops it (the caller's EXIT trap should call it).

# Installs the named Debian packages when their commands are missing; needs root.
ensure_packages() {
    local missing=() pair cmd pkg
    for pair in "$@"; do
        cmd=${pair%%:*}; pkg=${pair#*:}
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing ${missing[*]} and not root to install them" >&2
        return 1
    fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

start_tgtd() {
    local work=$1 iqn=$2 size=$3
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    control=$(( 20000 + RANDOM % 9000 ))
    # One open file per connection: tgtd gets the soft limit raised to the hard limit
    # (benches/scale.sh opens thousands of sessions); exec keeps $! tgtd's own pid.
    (
        ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
        exec tgtd -f -C "$control" --iscsi "portal=127.0.0.1:$port"
    ) >"$work/tgtd.log" 2>&1 &
    tgtd_pid=$!
    disown "$tgtd_pid"
    for _ in $(seq 100); do
        tgtadm -C "$control" --lld iscsi --op show --mode target >/dev/null 2>&1 && break
        sleep 0.1
    done
    lun_file=$work/lun1.img
    truncate -s "$size" "$lun_file"
    tgtadm -C "$control" --lld iscsi --op new --mode target --tid 1 -T "$iqn"
    tgtadm -C "$control" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$lun_file"
    tgtadm -C "$control" --lld iscsi --op bind --mode target --tid 1 -I ALL
}

stop_tgtd() {
    [ -n "${tgtd_pid:-}" ] || return 0
    kill "$tgtd_pid" 2>/dev/null || true
    sleep 0.5
    kill -9 "$tgtd_pid" 2>/dev/null || true
}
