/* SPDX-License-Identifier: MIT */
/* bsearch - memory holds a sorted u32 table (the first 3/4) and queries (the
 * last 1/4); r0 counts the queries found and sums their positions. */
#include "bench_prog.h"

NOINLINE s64 lower_bound(const u32 *t, u64 n, u32 key)
{
	u64 lo = 0, hi = n;
	while (lo < hi) {
		u64 mid = lo + (hi - lo) / 2;
		if (t[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && t[lo] == key ? (s64)lo : -1;
}

BENCH_ENTRY(bsearch)
{
	u64 words = len / 4;
	u64 n = words / 4 * 3;
	const u32 *t = (const u32 *)mem;
	const u32 *q = t + n;
	u64 found = 0, possum = 0;

	for (u64 i = 0; i < words - n; i++) {
		s64 pos = lower_bound(t, n, q[i]);
		if (pos >= 0) {
			found++;
			possum += (u64)pos;
		}
	}
	return found << 40 | possum;
}

#ifndef __bpf__
/* Table: strictly increasing with random steps; queries: half taken from the
 * table, half random (mostly absent). */
static void setup(u8 *mem, u64 len)
{
	u64 words = len / 4, n = words / 4 * 3, st = 42;
	u32 *t = (u32 *)mem;
	u32 v = 0;
	for (u64 i = 0; i < n; i++) {
		v += 1 + (u32)(bench_rand(&st) % 64);
		t[i] = v;
	}
	for (u64 i = n; i < words; i++)
		t[i] = (i & 1) ? t[bench_rand(&st) % n] : (u32)(bench_rand(&st) % (v + 100));
}
#endif

BENCH_DESC(bsearch, 16 * 1024, "1024 binary searches in a sorted table of 3072 u32", setup)
