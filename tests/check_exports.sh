#!/usr/bin/env bash
# Checks the symbol map of libbpfx.so: every exported symbol is named bpfx_*,
# and every BPFX_API function declared in include/bpfx/*.h is exported.
set -euo pipefail
lib=$1; inc=$2
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sed 's/@.*//' | sort -u)
bad=$(echo "$exported" | grep -v '^bpfx_' || true)
if [ -n "$bad" ]; then
  echo "exported symbols without the bpfx_ prefix:"; echo "$bad"; exit 1
fi
declared=$(grep -hv "^#" "$inc"/*.h | tr '\n' ' ' | grep -oE 'BPFX_API [^;(]*\(' | sed -E 's/.*[ *]([a-z_0-9]+)\($/\1/' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
if [ -n "$missing" ]; then
  echo "declared BPFX_API but not exported (not implemented?):"; echo "$missing"; exit 1
fi
echo "exports: $(echo "$exported" | wc -l) symbols, all bpfx_*; all $(echo "$declared" | wc -l) declared functions exported"
