#!/bin/sh
# soak-verifier.sh [HOURS] [WORKDIR] - a long soundness campaign for the
# verifier: fuzz/fuzz_verify (libFuzzer, ASan+UBSan) accepts a program only if
# it never faults on the checked interpreter, so any crash it keeps is either
# a memory bug in bpfx or a program the verifier wrongly accepted.
#
# It runs in cycles of BPFX_SOAK_CYCLE seconds (default 1200) until HOURS
# (default 2) have passed. Each cycle rebuilds fuzz_verify from this tree
# (after `git pull --ff-only` when BPFX_SOAK_PULL=1, so a campaign in a clone
# follows main), then resumes from the corpus kept in WORKDIR (default
# /tmp/bpfx-soak). Seeds are the programs of the verifier tables in
# tests/verifier/*.data, assembled with `bpfx asm`.
#
# WORKDIR/soak.log gets one line per cycle: the commit, seconds, executions
# and corpus size; the totals are the figures to report. Crashing inputs stay
# in WORKDIR/artifacts/ and end the campaign with status 1.
set -eu

hours=${1:-2}
work=${2:-/tmp/bpfx-soak}
cycle=${BPFX_SOAK_CYCLE:-1200}
src=$(cd "$(dirname "$0")/.." && pwd)
bdir=$work/build

command -v clang-19 >/dev/null || { echo "soak: clang-19 not found" >&2; exit 2; }
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
log=$work/soak.log
end=$(($(date +%s) + $(awk "BEGIN{print int($hours*3600)}")))

build() {
	cmake -S "$src" -B "$bdir" -DCMAKE_C_COMPILER=clang-19 -DBPFX_FUZZ=ON -DBPFX_BENCH=OFF \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/configure.log" 2>&1 &&
		cmake --build "$bdir" -j1 --target fuzz_verify >"$work/build.log" 2>&1
}

seed() {
	# The fuzz build's library is instrumented, so the assembler comes from a
	# plain build of its own.
	cmake -S "$src" -B "$work/tool" -DBPFX_BENCH=OFF >"$work/tool.log" 2>&1 &&
		cmake --build "$work/tool" -j1 --target bpfx_cli >>"$work/tool.log" 2>&1 ||
		{ echo "soak: no assembler for the seeds (see $work/tool.log)" >&2; return 0; }
	# Each "== name" case of a verifier table becomes one seed program.
	for t in "$src"/tests/verifier/*.data; do
		awk -v dir="$work/seeds" -v base="$(basename "$t" .data)" '
			/^== /{ n++; f = dir "/" base "-" n ".s"; next }
			/^--/ || /^#/ { next }
			f { print > f }' "$t"
	done
	for s in "$work"/seeds/*.s; do
		[ -e "$s" ] || continue
		"$work/tool/bpfx" asm "$s" -o "${s%.s}.bin" >/dev/null 2>&1 || true
		rm -f "$s"
	done
}

total_execs=0
n=0
while [ "$(date +%s)" -lt "$end" ]; do
	n=$((n + 1))
	if [ "${BPFX_SOAK_PULL:-0}" = 1 ]; then
		git -C "$src" pull -q --ff-only || echo "soak: pull failed, keeping the old tree" >&2
	fi
	if ! build; then
		echo "soak: build failed (see $work/build.log); retrying next cycle" >&2
		sleep 60
		continue
	fi
	[ -n "$(ls "$work/seeds" 2>/dev/null)" ] || seed
	left=$((end - $(date +%s)))
	secs=$((left < cycle ? left : cycle))
	[ "$secs" -gt 0 ] || break
	rev=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
	status=0
	"$bdir/fuzz/fuzz_verify" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 \
		-artifact_prefix="$work/artifacts/" -print_final_stats=1 \
		"$work/corpus" "$work/seeds" >"$work/cycle-$n.log" 2>&1 || status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/cycle-$n.log" | tail -n 1)
	execs=${execs:-0}
	total_execs=$((total_execs + execs))
	echo "$(date -u +%FT%TZ) cycle $n rev $rev secs $secs execs $execs corpus $(ls "$work/corpus" | wc -l) total_execs $total_execs status $status" >>"$log"
	if [ "$status" != 0 ]; then
		echo "soak: fuzz_verify failed at $rev; see $work/cycle-$n.log and $work/artifacts/" >&2
		exit 1
	fi
done
echo "soak: $n cycles, $total_execs executions, no failure (log: $log)"
