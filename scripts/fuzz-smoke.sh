#!/bin/sh
# fuzz-smoke.sh [SECONDS] [BUILD_DIR] - builds every fuzz/fuzz_*.c target with
# clang-19 and libFuzzer (-DBPFX_FUZZ=ON) and runs each for SECONDS (default
# 20). Fails on any crash, sanitizer report or round-trip abort; the input
# that did it is left in BUILD_DIR/artifacts/. BUILD_DIR defaults to a new
# temporary directory. Seeds: fuzz/seeds/<target>/ if present, plus for
# fuzz_asm the "-- asm" sections of the bpf_conformance mirror if fetched.
set -eu

secs=${1:-20}
src=$(cd "$(dirname "$0")/.." && pwd)
bdir=${2:-$(mktemp -d /tmp/bpfx-fuzz.XXXXXX)}
jobs=${BPFX_JOBS:-2}
conf_git=${BPFX_CONFORMANCE_GIT:-/work/.mirror/Alan-Jowett+bpf_conformance/repo}

command -v clang-19 >/dev/null || { echo "fuzz-smoke: clang-19 not found" >&2; exit 2; }

mkdir -p "$bdir"
echo "fuzz-smoke: building in $bdir"
cmake -S "$src" -B "$bdir" -DCMAKE_C_COMPILER=clang-19 -DBPFX_FUZZ=ON -DBPFX_BENCH=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$bdir/configure.log" 2>&1 ||
	{ cat "$bdir/configure.log" >&2; exit 1; }

targets=""
for f in "$src"/fuzz/fuzz_*.c; do
	[ -e "$f" ] || continue
	targets="$targets $(basename "$f" .c)"
done
[ -n "$targets" ] || { echo "fuzz-smoke: no fuzz targets" >&2; exit 1; }
# shellcheck disable=SC2086
cmake --build "$bdir" -j"$jobs" --target $targets

mkdir -p "$bdir/artifacts"
failed=0
for t in $targets; do
	corpus="$bdir/corpus/$t"
	seeds="$bdir/seeds/$t"
	mkdir -p "$corpus" "$seeds"
	if [ -d "$src/fuzz/seeds/$t" ]; then
		cp -r "$src/fuzz/seeds/$t/." "$seeds/"
	fi
	case $t in
	fuzz_asm)
		# the first byte of an input picks the dialect: '\0' = auto
		printf '\000mov %%r0, 1\nja +0\nexit\n' >"$seeds/a1"
		printf '\001r1 = 0x1122334455667788 ll\nif r1 s> 0x5 goto +0x1\nw0 = cmpxchg32_32(r1 + 0x0, w0, w2)\nexit\n' >"$seeds/a2"
		printf '\002lock fetch add32 [%%r10-8], %%r1\ncall local f\nexit\nf: exit\n' >"$seeds/a3"
		if [ -d "$conf_git" ]; then
			i=0
			for name in $(git --git-dir="$conf_git" ls-tree --name-only HEAD tests/ 2>/dev/null); do
				i=$((i + 1))
				{ printf '\000'; git --git-dir="$conf_git" show "HEAD:$name" |
					awk '/^-- asm/{a=1;next} /^-- /{a=0} a'; } >"$seeds/conf$i"
			done
		fi
		;;
	fuzz_validate)
		# mov r0, 1; exit    and    lddw r1, imm64; exit
		printf '\267\000\000\000\001\000\000\000\225\000\000\000\000\000\000\000' >"$seeds/v1"
		printf '\030\001\000\000\001\000\000\000\000\000\000\000\002\000\000\000\225\000\000\000\000\000\000\000' >"$seeds/v2"
		;;
	esac
	echo "fuzz-smoke: running $t for ${secs}s"
	if ! "$bdir/fuzz/$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 \
		-artifact_prefix="$bdir/artifacts/$t-" -print_final_stats=1 "$corpus" "$seeds" \
		>"$bdir/$t.log" 2>&1; then
		echo "fuzz-smoke: $t FAILED; log: $bdir/$t.log, inputs: $bdir/artifacts/" >&2
		tail -n 40 "$bdir/$t.log" >&2
		failed=1
	else
		grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$bdir/$t.log" | tail -n 2 || true
	fi
done
[ "$failed" = 0 ] && echo "fuzz-smoke: all targets ran clean"
exit "$failed"
