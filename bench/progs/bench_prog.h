/* SPDX-License-Identifier: MIT */
/*
 * bench_prog.h - common frame of the benchmark programs.
 *
 * Every program is one C file compiled twice from the same source:
 *   - for BPF (clang-19 -target bpf): the entry `bench_NAME(mem, len)` must be
 *     the first function of .text, and the code may only use what BPF allows:
 *     no globals or constant tables (they would need relocations), no libc,
 *     at most five arguments per call, small stack frames, bounded loops;
 *   - natively (into libbpfx_bench_native.so): the same entry, plus a
 *     descriptor (BENCH_DESC) and, optionally, a setup function that shapes
 *     the PRNG-filled input (sorted arrays, packets, text...).
 *
 * Programs must be idempotent: running one twice on the same memory gives the
 * same r0 and the same memory, so the bench tool can repeat runs without
 * restoring the input. They only read the input part of `mem` and fully
 * rewrite the scratch part they use.
 */
#ifndef BPFX_BENCH_PROG_H
#define BPFX_BENCH_PROG_H

typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
typedef __INT32_TYPE__ s32;
typedef __INT64_TYPE__ s64;

#define NOINLINE static __attribute__((noinline))
#define INLINE static inline __attribute__((always_inline))

/* Big-endian (network order) loads at any alignment, byte by byte. */
INLINE u16 ld16be(const u8 *p)
{
	return (u16)((u16)p[0] << 8 | p[1]);
}
INLINE u32 ld32be(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

#define BENCH_ENTRY(name) u64 bench_##name(u8 *mem, u64 len)

#ifdef __bpf__
#define BENCH_DESC(name, size, what, setup)
#else
#include "../bench_abi.h"
#define BENCH_DESC(name, size, what, setup)                                                   \
	u64 bench_##name(u8 *mem, u64 len);                                                   \
	__attribute__((visibility("default"))) const struct bpfx_bench_desc bench_desc_##name = \
		{BPFX_BENCH_ABI, #name, what, size, setup, bench_##name};

/* Deterministic generator for setup functions (splitmix64). */
static inline u64 bench_rand(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
#endif

#endif
