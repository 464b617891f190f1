#!/usr/bin/env bash
# Installs what the arm64 cross build and its qemu-user test run need
# (scripts/test-arm64.sh): the aarch64 cross compiler, qemu-user, and the
# arm64 builds of libelf/libbpf/zlib through dpkg multiarch, so the loader
# and the CLI cross-build too. Idempotent. Note: enabling the arm64
# architecture makes every later `apt-get update` fetch arm64 lists as well.
set -euo pipefail

SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive

need=()
for p in gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static \
         libelf-dev:arm64 libbpf-dev:arm64 zlib1g-dev:arm64; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0

echo "setup-arm64: installing ${need[*]}" >&2
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
