# Sourced by the scripts that run release builds (run from the repository root):
#   release_build CARGO-BUILD-ARGS...
# builds in release mode and sets $bin to the release directory: target/release, or under
# CARGO_TARGET_DIR (or a configured build.target-dir) when set.
release_build() {
    cargo build --quiet --release "$@"
    local dir
    dir=$(cargo metadata --format-version 1 --no-deps \
        | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    bin=${dir:?cannot find the cargo target directory}/release
}
