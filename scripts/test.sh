#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. release build with -Werror, all ctest tests (gcc);
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer (clang-19, -O2;
#      randomized tests at 1/50 scale: BPFX_TEST_QUICK);
#   3. the interpreter built with plain-switch dispatch, its tests again;
#   4. the unit tests under valgrind memcheck (--fair-sched: tests whose
#      threads spin until another cancels them would starve otherwise);
#   5. the arm64 cross build: JIT, VM and the data-driven suite under qemu-user;
#   6. a short libFuzzer smoke run of every fuzz target.
# Prints one closing line "N passed, M failed" over all phases; exits non-zero
# on any failure. Usage: scripts/test.sh [--quick]   (--quick: phase 1 only)
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

jobs=$(nproc 2>/dev/null || echo 2)
quick=0
[ "${1:-}" = "--quick" ] && quick=1
total_pass=0
total_fail=0
phase_fail=0

# run_ctest NAME BUILD_DIR [ctest args...]: runs ctest, adds its counts.
run_ctest() {
  local name=$1 dir=$2; shift 2
  local log; log=$(mktemp)
  echo "== $name"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" "$@" 2>&1 | tee "$log"
  local line; line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
  if [ -z "$line" ]; then
    echo "$name: ctest printed no summary" >&2
    total_fail=$((total_fail + 1)); phase_fail=1
  else
    local failed total
    failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
    total=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/')
    total_pass=$((total_pass + total - failed))
    total_fail=$((total_fail + failed))
    [ "$failed" = 0 ] || phase_fail=1
  fi
  rm -f "$log"
}

build() { # build DIR cmake-args...
  local dir=$1; shift
  echo "== build $dir $*"
  if ! { cmake -S . -B "$dir" -DBPFX_WERROR=ON "$@" >/dev/null && cmake --build "$dir" -j "$jobs" >"$dir.log" 2>&1; }; then
    tail -50 "$dir.log" 2>/dev/null
    echo "build of $dir failed" >&2
    total_fail=$((total_fail + 1)); phase_fail=1
    return 1
  fi
}

if build build -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
  run_ctest "release (gcc)" build
fi

if [ $quick = 0 ]; then
  if build build-san -DCMAKE_C_COMPILER=clang-19 -DBPFX_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBPFX_BENCH=OFF; then
    BPFX_TEST_QUICK=1 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_ctest "asan+ubsan (clang-19)" build-san -LE nosan
  fi
  if build build-switch -DBPFX_INTERP_SWITCH=ON -DBPFX_BENCH=OFF; then
    run_ctest "switch dispatch" build-switch -L engine
  fi
  if command -v valgrind >/dev/null; then
    echo "== valgrind memcheck"
    for t in build/tests/test_* build/tests/*/test_*; do
      [ -f "$t" ] && [ -x "$t" ] || continue
      start=$SECONDS
      BPFX_TEST_QUICK=1 timeout 600 valgrind -q --fair-sched=yes --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$t" >/dev/null 2>build/valgrind.log
      rc=$?
      if [ $rc = 0 ]; then
        echo "valgrind: $(basename "$t") clean ($((SECONDS - start)) s)"
        total_pass=$((total_pass + 1))
      elif [ $rc = 77 ]; then
        echo "valgrind: $(basename "$t") skipped (not for this machine)"
      else
        echo "valgrind: $t failed"; tail -30 build/valgrind.log
        total_fail=$((total_fail + 1)); phase_fail=1
      fi
    done
    if [ -d tests/data ] && BPFX_TEST_QUICK=1 timeout 600 valgrind -q --fair-sched=yes --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
         build/bpfx test tests/data --engine all >/dev/null 2>build/valgrind.log; then
      total_pass=$((total_pass + 1))
    else
      echo "valgrind: bpfx test tests/data failed"; tail -30 build/valgrind.log
      total_fail=$((total_fail + 1)); phase_fail=1
    fi
  fi
  echo "== arm64 (cross build, tests under qemu-user)"
  if scripts/setup-arm64.sh && scripts/test-arm64.sh build-arm64 | tee build-arm64.out; then
    n=$(grep -cE '^data/[a-z]+: [0-9]+ passed, 0 failed|100% tests passed' build-arm64.out || true)
    total_pass=$((total_pass + n))
  else
    total_fail=$((total_fail + 1)); phase_fail=1
  fi
  if [ -x scripts/fuzz-smoke.sh ]; then
    echo "== fuzz smoke"
    if scripts/fuzz-smoke.sh 15; then total_pass=$((total_pass + 1)); else total_fail=$((total_fail + 1)); fi
  fi
fi

echo
echo "all phases: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ] && [ "$phase_fail" = 0 ]
