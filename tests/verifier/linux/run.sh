#!/bin/sh
# run.sh BPFX DIR - compiles every DIR/*.c with clang-19 -target bpf and
# verifies it on the linux platform (program type from its section name).
# The first comment says the verdict: "Accepted on the linux platform" or
# "Rejected on the linux platform ... (BPFX-XXX-NNN)". Exit 77 without
# clang-19.
bpfx=$1
dir=$2
command -v clang-19 >/dev/null 2>&1 || { echo "run.sh: clang-19 not found"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for src in "$dir"/*.c; do
	name=$(basename "$src" .c)
	head=$(sed -n '1,/\*\//p' "$src")
	case $head in
	*"Accepted on the linux platform"*) want=0 rule= ;;
	*"Rejected on the linux platform"*) want=1 rule=$(printf '%s\n' "$head" | grep -o 'BPFX-[A-Z]*-[0-9]*' | head -n 1) ;;
	*) echo "FAIL: $name: no expected verdict in its first comment"; fail=1; continue ;;
	esac
	n=$((n + 1))
	if ! clang-19 -O2 -g -target bpf -c "$src" -o "$tmp/$name.o"; then
		echo "FAIL: $name: does not compile"; fail=1; continue
	fi
	out=$("$bpfx" verify --platform linux "$tmp/$name.o" 2>&1); got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $name: exit $got, want $want"; echo "$out"; fail=1; continue
	fi
	if [ -n "$rule" ]; then
		case $out in *"REJECTED $rule"*) ;; *) echo "FAIL: $name: want $rule, got:"; echo "$out"; fail=1 ;; esac
	fi
done
# flow_load_bytes as an object: a buffer whose bytes 192..207 look like
# packet pointers must not reach skb_load_bytes in an unchecked run
if [ -f "$tmp/flow_load_bytes.o" ]; then
	mem=$(awk 'BEGIN { for (i = 0; i < 216; i++) printf "%s ", (i == 193 ? "10" : i == 201 ? "20" : "00") }')
	out=$("$bpfx" run "$tmp/flow_load_bytes.o" --mem-hex "$mem" --engine jit 2>&1); got=$?
	case "$got:$out" in
	1:*"only verified"*) ;;
	*) echo "FAIL: flow_load_bytes object: unchecked run allowed (exit $got):"; echo "$out"; fail=1 ;;
	esac
	"$bpfx" run "$tmp/flow_load_bytes.o" --mem-hex "$mem" >/dev/null 2>&1
	[ $? -le 1 ] || { echo "FAIL: flow_load_bytes object: checked run crashed"; fail=1; }
fi
[ $fail = 0 ] && echo "linux C programs: $n verified as expected"
exit $fail
