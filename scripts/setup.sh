#!/usr/bin/env bash
# Installs, from Debian's packages, everything bpfx needs to build, test and
# run its demo. Idempotent: installs only what is missing, and runs
# `apt-get update` only when something is.
set -euo pipefail

packages=(
  cmake make gcc pkg-config     # build
  clang-19 llvm-19 lld-19       # compile BPF C for tests, demo and benchmarks; fuzzing
  libclang-rt-19-dev            # libFuzzer and sanitizer runtimes for clang-19
  libelf-dev zlib1g-dev         # ELF objects (loader)
  libbpf-dev                    # BTF parsing (loader)
  dwarves                       # pahole: host-application BTF for the CO-RE tests
  libcapstone-dev               # disassembling JIT output
  gcc-bpf                       # gcc-built BPF objects for loader tests
  valgrind                      # memcheck run of the test suite
  xxd                           # hex dumps in scripts
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
