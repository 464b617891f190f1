/* SPDX-License-Identifier: MIT */
/* fnv1a - 64-bit FNV-1a over every byte, then a murmur-style 64-bit mix over
 * the same buffer read in 8-byte words. */
#include "bench_prog.h"

NOINLINE u64 fnv1a(const u8 *p, u64 n)
{
	u64 h = 0xcbf29ce484222325ull;
	for (u64 i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

NOINLINE u64 murmur_words(const u64 *w, u64 n, u64 seed)
{
	const u64 m = 0xc6a4a7935bd1e995ull;
	u64 h = seed ^ (n * m);
	for (u64 i = 0; i < n; i++) {
		u64 k = w[i];
		k *= m;
		k ^= k >> 47;
		k *= m;
		h ^= k;
		h *= m;
	}
	h ^= h >> 47;
	h *= m;
	h ^= h >> 47;
	return h;
}

BENCH_ENTRY(fnv1a)
{
	u64 h = fnv1a(mem, len);
	return h ^ murmur_words((const u64 *)mem, len / 8, h);
}

BENCH_DESC(fnv1a, 16 * 1024, "FNV-1a over 16 KiB of bytes, murmur mix over its words", 0)
