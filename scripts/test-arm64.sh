#!/bin/sh
# test-arm64.sh - cross-builds bpfx for arm64 and runs the engine tests
# (the arm64 JIT, the VM, the data-driven suite) under qemu-user.
#   scripts/test-arm64.sh [BUILD_DIR]     (default: build-arm64 in the repo)
# Exits 0 with "skipped: ..." when the cross toolchain or qemu is missing.
# Needs: gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static; for
# the loader also libelf-dev:arm64 libbpf-dev:arm64 (dpkg multiarch),
# otherwise the build leaves the loader out (-DBPFX_LOADER=OFF).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-arm64}

if ! command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
	echo "skipped: aarch64-linux-gnu-gcc not installed (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"
	exit 0
fi
if ! command -v qemu-aarch64-static >/dev/null 2>&1 && ! command -v qemu-aarch64 >/dev/null 2>&1; then
	echo "skipped: qemu-aarch64 not installed (apt-get install qemu-user-static)"
	exit 0
fi
loader=ON
if ! PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig pkg-config --exists libelf libbpf 2>/dev/null; then
	echo "note: no arm64 libelf/libbpf: building without the loader (BPFX_LOADER=OFF)"
	loader=OFF
fi

cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-toolchain.cmake" \
	-DBPFX_LOADER=$loader -DBPFX_BENCH=OFF -DBPFX_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	>"$build.configure.log" 2>&1 || { cat "$build.configure.log"; echo "arm64: configure failed"; exit 1; }

# Only what the engine tests need (the CLI runs the data-driven suite).
# (test_vm_jit is left out: on a build without the VM's JIT glue its x86
# tests are unused functions, an error under -Werror.)
targets="bpfx_static test_jit test_jit_arm64_smoke test_vm test_vm_random test_validate"
[ "$loader" = ON ] && targets="$targets bpfx_cli"
if ! cmake --build "$build" -j2 --target $targets >"$build.build.log" 2>&1; then
	grep -E "error|warning" "$build.build.log" | head -40
	echo "arm64: build failed (log: $build.build.log)"
	exit 1
fi

# Unit tests of the engines, then the data-driven suite (if the CLI built).
regex='unit/test_(jit|jit_arm64_smoke|vm|vm_random|validate)$'
[ "$loader" = ON ] && regex="$regex|^data/(interp|checked|jit|coverage)$"
ctest --test-dir "$build" -j2 --output-on-failure -R "$regex" 2>&1 | tee "$build.ctest.log" | \
	grep -E "tests passed|tests failed|Failed|\*\*\*|passed, [0-9]+ failed|Total Test time"
grep -q "100% tests passed" "$build.ctest.log" || exit 1
exit 0
