#!/usr/bin/env bash
# Runs the public bpf_conformance suite against bpfx, once per engine.
#
#   scripts/conformance.sh RUNNER_PATH TESTS_DIR [BPFX] [ENGINE...]
#
# RUNNER_PATH  an already-built bpf_conformance_runner (see docs/conformance.md)
# TESTS_DIR    the suite's tests/ directory
# BPFX         the bpfx binary (default: build/bpfx)
# ENGINE...    engines to run (default: interp checked, and jit if this bpfx
#              runs a trivial program with it)
#
# The runner starts the plugin as `PLUGIN [MEM_HEX] PLUGIN_OPTIONS...`: the
# memory comes before the options, so it cannot be `bpfx` itself with
# "conformance-plugin" as an option. A two-line wrapper per engine puts the
# subcommand first. All groups are included (callx and packet too) at CPU v4.
# Each engine runs the suite's programs as raw bytecode; the first engine also
# runs them as ELF objects (runner --elf: exercises the loader).
# Prints per run: passed / run / skipped and every failing test; exits 1 if
# any test failed in any run.
set -uo pipefail

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then usage; exit 0; fi
if [ $# -lt 2 ]; then usage >&2; exit 2; fi
runner=$1
tests=$2
bpfx=${3:-build/bpfx}
shift $(( $# >= 3 ? 3 : 2 ))
engines=("$@")

[ -x "$runner" ] || { echo "conformance: runner '$runner' is not an executable" >&2; exit 2; }
[ -d "$tests" ] || { echo "conformance: tests directory '$tests' does not exist" >&2; exit 2; }
[ -x "$bpfx" ] || { echo "conformance: bpfx binary '$bpfx' is not an executable" >&2; exit 2; }
bpfx=$(cd "$(dirname "$bpfx")" && pwd)/$(basename "$bpfx")
if [ ${#engines[@]} -eq 0 ]; then
  engines=(interp checked)
  # mov r0, 0; exit
  if echo "b7 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00" |
    "$bpfx" conformance-plugin --engine jit >/dev/null 2>&1; then
    engines+=(jit)
  else
    echo "conformance: no jit engine in this bpfx; running interp and checked"
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
runs=()
for engine in "${engines[@]}"; do runs+=("$engine"); done
runs+=("${engines[0]}+elf")
for run in "${runs[@]}"; do
  engine=${run%+elf}
  elf=()
  [ "$run" != "$engine" ] && elf=(--elf true)
  plugin=$tmp/bpfx-plugin-$engine
  printf '#!/bin/sh\nexec "%s" conformance-plugin --engine %s "$@"\n' "$bpfx" "$engine" >"$plugin"
  chmod +x "$plugin"
  out=$tmp/out-$run
  "$runner" --test_file_directory "$tests" --plugin_path "$plugin" --cpu_version v4 \
    --include_groups callx packet "${elf[@]}" >"$out" 2>&1
  rc=$?
  summary=$(grep -E '^Passed [0-9]+ out of [0-9]+ tests' "$out" | tail -1)
  skipped=$(grep -c '^SKIP: ' "$out")
  if [ -z "$summary" ]; then
    echo "conformance [$run]: the runner printed no summary (exit $rc):"
    tail -20 "$out"
    status=1
    continue
  fi
  passed=$(echo "$summary" | awk '{print $2}')
  nrun=$(echo "$summary" | awk '{print $5}')
  echo "conformance [$run]: $passed passed, $((nrun - passed)) failed, $skipped skipped (of $((nrun + skipped)) test files)"
  grep -E '^(FAIL|ERROR): ' "$out" | sed "s/^/  [$run] /"
  grep -E '^SKIP: ' "$out" | sed "s/^/  [$run] /"
  [ "$passed" = "$nrun" ] || status=1
done
exit $status
