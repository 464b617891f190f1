#!/usr/bin/env bash
# The main job on bundled defaults: build bpfx, compile the example XDP
# program with clang-19, inspect it, verify it, run it over the bundled
# packets and show the maps it filled. Then a second example, run on the
# checked interpreter.
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

build=build-demo
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "build bpfx"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBPFX_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
echo "built $build/bpfx"

# 1. An XDP program that counts packets and bytes per protocol in a hash map.
obj=$build/protocount.o
step "compile examples/protocount.c with clang-19 -target bpf"
clang-19 -target bpf -O2 -g -c examples/protocount.c -o "$obj"
echo "wrote $obj"

step "bpfx inspect $obj"
"$build/bpfx" inspect "$obj"

step "bpfx verify $obj --platform linux"
"$build/bpfx" verify "$obj" --platform linux

step "bpfx disasm $obj (first lines)"
"$build/bpfx" disasm "$obj" | head -12
echo "..."

step "bpfx run $obj --packets examples/packets.txt --show-maps"
"$build/bpfx" run "$obj" --packets examples/packets.txt --show-maps

# 2. A word count over a text buffer: a loop over up to 4096 bytes whose
#    counts decide nothing, so the verifier's precision tracking proves it
#    without keeping a state per count; bpfx then runs it on the default
#    engine (verified code: the JIT where there is one).
wc_obj=$build/wordcount.o
step "compile examples/wordcount.c; bpfx verify $wc_obj; bpfx run $wc_obj --mem examples/input.txt"
clang-19 -target bpf -O2 -g -c examples/wordcount.c -o "$wc_obj"
"$build/bpfx" verify "$wc_obj"
out=$("$build/bpfx" run "$wc_obj" --mem examples/input.txt)
echo "$out"
r0=$(echo "$out" | tail -1)
printf 'words %d, lines %d, bytes %d (wc -w -l -c says: %s)\n' \
  $(( r0 >> 40 )) $(( (r0 >> 20) & 0xfffff )) $(( r0 & 0xfffff )) "$(wc -w -l -c < examples/input.txt | xargs)"
