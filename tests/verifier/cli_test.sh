#!/bin/sh
# cli_test.sh BPFX DIR - `bpfx verify` exit codes and output forms.
bpfx=$1
dir=$2
fail=0
check() { # expected-status description command...
	want=$1; what=$2; shift 2
	out=$("$@" 2>&1); got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: exit $got, want $want"; echo "$out"; fail=1
	fi
	LAST=$out
}
check 0 "accepted program" "$bpfx" verify "$dir/accept.s"
case $LAST in *ACCEPTED*) ;; *) echo "FAIL: no ACCEPTED line"; fail=1 ;; esac
check 1 "rejected program" "$bpfx" verify "$dir/reject.s"
case $LAST in *"REJECTED BPFX-MEM-003"*"at insn 1"*) ;; *) echo "FAIL: text report: $LAST"; fail=1 ;; esac
check 1 "rejected, JSON" "$bpfx" verify "$dir/reject.s" --json
case $LAST in '{"verdict": "rejected", "rule": "BPFX-MEM-003"'*) ;; *) echo "FAIL: JSON report: $LAST"; fail=1 ;; esac
check 1 "full log" "$bpfx" verify "$dir/reject.s" --log full
case $LAST in *"0: if r2 < 0x4 goto"*) ;; *) echo "FAIL: full log: $LAST"; fail=1 ;; esac
check 0 "unpriv accepted" "$bpfx" verify "$dir/accept.s" --unpriv
check 2 "assembly error" "$bpfx" verify "$dir/bad.s"
check 2 "missing file" "$bpfx" verify "$dir/does-not-exist.s"
check 2 "unknown platform" "$bpfx" verify "$dir/accept.s" --platform nope
check 2 "bad --log" "$bpfx" verify "$dir/accept.s" --log loud
check 2 "bad --max-insns" "$bpfx" verify "$dir/accept.s" --max-insns x
check 1 "complexity limit" "$bpfx" verify "$dir/accept.s" --max-insns 1
case $LAST in *BPFX-CFG-005*) ;; *) echo "FAIL: limit: $LAST"; fail=1 ;; esac
check 0 "help" "$bpfx" verify --help
check 0 "linux socket filter" "$bpfx" verify --platform linux --type socket "$dir/socket_ok.s"
check 1 "linux socket filter, read-only field" "$bpfx" verify --platform linux --type socket "$dir/socket_ro.s"
case $LAST in *"REJECTED BPFX-MEM-005"*) ;; *) echo "FAIL: socket report: $LAST"; fail=1 ;; esac
check 2 "unknown program type" "$bpfx" verify --platform linux --type nope "$dir/socket_ok.s"
# Linux platform on clang-built XDP objects (skipped without clang-19)
src=$dir/../linux
if command -v clang-19 >/dev/null 2>&1; then
	tmp=$(mktemp -d)
	for f in xdp_ok xdp_short_check; do
		clang-19 -O2 -g -target bpf -c "$src/$f.c" -o "$tmp/$f.o" || { echo "FAIL: cannot compile $f.c"; fail=1; }
	done
	check 0 "linux xdp accepted" "$bpfx" verify --platform linux "$tmp/xdp_ok.o"
	check 1 "linux xdp short check" "$bpfx" verify --platform linux "$tmp/xdp_short_check.o"
	case $LAST in *"REJECTED BPFX-MEM-003"*"variable base"*) ;; *) echo "FAIL: xdp report: $LAST"; fail=1 ;; esac
	check 1 "xdp object on the generic platform" "$bpfx" verify "$tmp/xdp_ok.o"
	rm -rf "$tmp"
else
	echo "cli_test: clang-19 not found, Linux object checks skipped"
fi
[ $fail = 0 ] && echo "cli_test: all passed"
exit $fail
