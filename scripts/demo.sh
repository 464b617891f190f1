#!/usr/bin/env bash
# The main job on bundled defaults: build bpfx, compile the example program
# with clang-19, inspect it, verify it, and run it on the bundled input.
#   scripts/demo.sh [PROGRAM.c] [INPUT]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

src=${1:-examples/wordcount.c}
input=${2:-examples/input.txt}
build=build-demo
obj=$build/$(basename "${src%.c}").o

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "build bpfx"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBPFX_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
echo "built $build/bpfx"

step "compile $src with clang-19 -target bpf"
clang-19 -target bpf -O2 -g -c "$src" -o "$obj"
echo "wrote $obj"

step "bpfx inspect $obj"
"$build/bpfx" inspect "$obj"

step "bpfx verify $obj"
"$build/bpfx" verify "$obj" --platform generic

step "bpfx disasm $obj"
"$build/bpfx" disasm "$obj" | head -20
echo "..."

step "bpfx run $obj --mem $input"
out=$("$build/bpfx" run "$obj" --mem "$input")
echo "$out"
r0=$(echo "$out" | tail -1)
printf '\nwords %d, lines %d, bytes %d (wc says: %s)\n' \
  $(( r0 >> 40 )) $(( (r0 >> 20) & 0xfffff )) $(( r0 & 0xfffff )) "$(wc -w -l -c < "$input" | xargs)"

# Maps: an XDP program counting packets per protocol in a hash map, run over
# the bundled packets (examples/packets.txt), then the maps it left.
pc_obj=$build/protocount.o
step "compile examples/protocount.c; bpfx run $pc_obj --packets examples/packets.txt --show-maps"
clang-19 -target bpf -O2 -g -c examples/protocount.c -o "$pc_obj"
"$build/bpfx" run "$pc_obj" --packets examples/packets.txt --show-maps
