#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what the tests need,
# checks formatting and lints, builds runsc and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v gcc >/dev/null || need+=(gcc)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(libc6-dev)
[ -x /bin/busybox ] || need+=(busybox-static)
# Real programs the native-vs-sandbox program tests run (tests/tests/programs.rs).
command -v awk >/dev/null || need+=(mawk)
command -v tar >/dev/null || need+=(tar)
command -v gzip >/dev/null || need+=(gzip)
command -v find >/dev/null || need+=(findutils)
command -v sha256sum >/dev/null || need+=(coreutils)
command -v make >/dev/null || need+=(make)
command -v python3 >/dev/null || need+=(python3)
# The ecosystem tests (tests/tests/containerd.rs): a private containerd,
# runc to prove them, script(1) for terminals.
command -v containerd >/dev/null || need+=(containerd)
command -v runc >/dev/null || need+=(runc)
command -v script >/dev/null || need+=(bsdutils)
if ((${#need[@]})); then
    if [ "$(id -u)" -ne 0 ]; then
        echo "test.sh: missing packages ${need[*]}: run as root or apt-get install them" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${need[@]}" || {
        apt-get update && apt-get install -y --no-install-recommends "${need[@]}"
    }
fi

cargo fmt --all -- --check
cargo clippy --release --workspace --all-targets -- -D warnings
cargo build --release -p runsc
cargo test --release --workspace
# The same containerd tests with runc as the runtime prove the tests.
CONTAINERD_TEST_RUNTIME="$(command -v runc)" \
    cargo test --release -p tests --test containerd -- --include-ignored
