#!/bin/sh
# verifier-speed.sh - verification time of bpfx's verifier against the Linux
# verifier's own ("verification time N usec" of a log_level 4 load), over the
# corpus programs Linux accepted. Needs root; loads only, never attaches.
#   scripts/verifier-speed.sh [BUILD_DIR] [CORPUS_DIR] [REPEAT]
# Prints per-program and per-project ratios (bpfx / kernel) and the overall
# geometric mean. Exit 77 when not root or without the corpus.
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
corpus=${2:-$here/../shared/corpus}
repeat=${3:-3}
tool=$build/tests/verifier/verifier_kernel_speed
if [ ! -x "$tool" ]; then
	echo "verifier-speed: $tool not built (cmake --build $build --target verifier_kernel_speed)" >&2
	exit 2
fi
exec "$tool" "$corpus" "$repeat"
