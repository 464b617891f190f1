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

# Engine tests that run under qemu-user. Left out: test_vm and test_vm_jit
# start threads, and qemu-user 7.2 (Debian 12) hangs in pthread_create on
# recent kernels; test_jit skips its thread tests under BPFX_TEST_NO_THREADS
# (its x86 code-shape checks are x86-only). Randomized tests run in their quick
# size (BPFX_TEST_QUICK): emulation is about 20x slower.
regex='unit/test_(jit|jit_arm64_smoke|vm_random|validate)$'
BPFX_TEST_QUICK=1 BPFX_TEST_NO_THREADS=1 ctest --test-dir "$build" -j2 --timeout 300 --output-on-failure -R "$regex" >"$build.ctest.log" 2>&1
grep -E "Test +#|tests passed|tests failed|\*\*\*" "$build.ctest.log"
grep -q "100% tests passed" "$build.ctest.log" || { echo "arm64: unit tests failed (log: $build.ctest.log)"; exit 1; }

# The data-driven suite, through qemu directly (tests/data's ctest entries
# name the CLI by a generator expression, which gets no emulator).
[ "$loader" = ON ] || { echo "arm64: data-driven suite skipped (no loader, no CLI)"; exit 0; }
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64)
status=0
for engine in interp checked jit; do
	timeout 300 "$qemu" -cpu max -L /usr/aarch64-linux-gnu "$build/bpfx" test --engine $engine \
		"$root/tests/data" >"$build.data-$engine.log" 2>&1
	rc=$?
	summary=$(grep -E "passed, [0-9]+ failed" "$build.data-$engine.log" | tail -1)
	if [ $rc = 77 ]; then
		echo "data/$engine: skipped (this build's VM has no JIT for arm64)"
	elif [ $rc = 0 ]; then
		echo "data/$engine: $summary"
	else
		echo "data/$engine: FAILED (rc $rc) $summary (log: $build.data-$engine.log)"
		status=1
	fi
done
exit $status
