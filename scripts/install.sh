#!/usr/bin/env bash
# Installs the IMA library, the plugin, the headers, a pkg-config file, the daemon, imadm and
# the command-line tools under a prefix.
#
#   scripts/install.sh [--prefix DIR] [--destdir DIR] [--suffix SUFFIX] [--from DIR] [--lib-only]
#
#   --prefix DIR    where it goes (default /usr/local): PREFIX/bin, PREFIX/lib,
#                   PREFIX/include, PREFIX/lib/pkgconfig/ima.pc, PREFIX/share/man (and
#                   bash, zsh and fish completions under PREFIX/share),
#                   PREFIX/share/doc/iscsi-ima/ima.conf.example
#   --destdir DIR   stage under DIR (packaging): files land in DIR/PREFIX, paths inside
#                   them (ima.pc, the ima.conf example) still say PREFIX
#   --suffix S      install the tools (and their man pages) as iscsi-ls$S, iscsi-inq$S, ...
#                   so that they live beside libiscsi-bin's programs of the same names
#                   (e.g. --suffix -ima); shell completions are installed only without it
#   --from DIR      take the built files from DIR (a cargo profile directory such as
#                   target/release, or its deps/) instead of building them in release mode
#   --lib-only      the library, the plugin, the headers and ima.pc only
#
# The library is installed as libima.so.1 (its SONAME, set by ima-lib/build.rs) with the
# development link libima.so; C programs build with `pkg-config --cflags --libs ima`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/release.sh

prefix=/usr/local destdir= suffix= from= lib_only=
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
        --destdir) destdir=${2:?--destdir needs a directory}; shift 2 ;;
        --suffix) suffix=${2:?--suffix needs a value}; shift 2 ;;
        --from) from=${2:?--from needs a directory}; shift 2 ;;
        --lib-only) lib_only=1; shift ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
case $prefix in /*) ;; *) echo "install.sh: --prefix must be absolute: $prefix" >&2; exit 2 ;; esac
case $suffix in */*) echo "install.sh: --suffix must not contain /" >&2; exit 2 ;; esac

tools=(iscsi-ls iscsi-inq iscsi-dd iscsi-readcapacity16 iscsi-swp)
daemons=(imadm iscsi-hbad)
if [ -z "$from" ]; then
    packages=(-p ima-lib -p ima-plugin-soft)
    [ -n "$lib_only" ] || packages+=(-p imadm -p iscsi-hbad -p iscsi-tools)
    release_build --locked "${packages[@]}"
    from=$bin
fi

# A built file: FROM/NAME, else FROM/deps/NAME (where cargo puts the cdylibs of
# dependencies), the newer when both exist.
built() {
    local a=$from/$1 b=$from/deps/$1
    if [ -f "$a" ] && { [ ! -f "$b" ] || [ "$a" -nt "$b" ]; }; then echo "$a"
    elif [ -f "$b" ]; then echo "$b"
    else echo "install.sh: $1 is not built in $from" >&2; return 1
    fi
}

root=$destdir$prefix
install -d "$root/bin" "$root/lib/pkgconfig" "$root/include" "$root/share/doc/iscsi-ima"
install -m 0755 "$(built libima.so)" "$root/lib/libima.so.1"
ln -sfn libima.so.1 "$root/lib/libima.so"
install -m 0755 "$(built libima_plugin_soft.so)" "$root/lib/libima_plugin_soft.so"
install -m 0644 ima-lib/include/ima.h ima-plugin-soft/include/ima_plugin_soft.h "$root/include/"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
cat >"$root/lib/pkgconfig/ima.pc" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: ima
Description: SNIA iSCSI Management API (IMA 1.1) library, with the iscsi-ima software initiator plugin
URL: https://www.snia.org/tech_activities/standards/curr_standards/ima
Version: $version
Libs: -L\${libdir} -lima
Cflags: -I\${includedir}
EOF
printf '# /etc/ima.conf: one plugin per line, name and path separated by a tab.\norg.iscsi-ima.soft\t%s\n' \
    "$prefix/lib/libima_plugin_soft.so" >"$root/share/doc/iscsi-ima/ima.conf.example"

if [ -z "$lib_only" ]; then
    for t in "${daemons[@]}"; do install -m 0755 "$(built "$t")" "$root/bin/$t"; done
    for t in "${tools[@]}"; do install -m 0755 "$(built "$t")" "$root/bin/$t$suffix"; done
    # Man pages and completions, generated from the tools' own parsers.
    gen=$(mktemp -d)
    "$(built iscsi-tools-gen)" "$gen" 2>/dev/null
    install -d "$root/share/man/man1"
    for t in "${tools[@]}"; do install -m 0644 "$gen/man1/$t.1" "$root/share/man/man1/$t$suffix.1"; done
    if [ -z "$suffix" ]; then   # completions are keyed by the command name
        install -d "$root/share/bash-completion/completions" "$root/share/zsh/site-functions" \
            "$root/share/fish/vendor_completions.d"
        for t in "${tools[@]}"; do
            install -m 0644 "$gen/completions/$t.bash" "$root/share/bash-completion/completions/$t"
            install -m 0644 "$gen/completions/_$t" "$root/share/zsh/site-functions/_$t"
            install -m 0644 "$gen/completions/$t.fish" "$root/share/fish/vendor_completions.d/$t.fish"
        done
    fi
    rm -rf "$gen"
fi
echo "installed under $root (libima.so.1, ima.h, ima.pc${lib_only:+; library only})"
