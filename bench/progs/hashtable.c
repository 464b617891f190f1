/* SPDX-License-Identifier: MIT */
/*
 * hashtable - builds an open-addressing hash table (linear probing, 4096
 * slots of {key, value}) from 2048 keys, then looks up 8192 queries, half of
 * them present. Memory: keys, queries, then the table (rebuilt every run).
 * r0 = hits << 32 | (sum of the values found, truncated to 32 bits).
 */
#include "bench_prog.h"

#define NKEYS 2048
#define NQUERIES 8192
#define NSLOTS 4096 /* power of two */

INLINE u32 slot_of(u32 key)
{
	return (key * 0x9e3779b1u) >> 20; /* top 12 bits: 0..4095 */
}

NOINLINE void insert(u32 *tab, u32 key, u32 val)
{
	u32 s = slot_of(key);
	for (u32 n = 0; n < NSLOTS; n++, s = (s + 1) & (NSLOTS - 1)) {
		if (tab[2 * s] == key) {
			tab[2 * s + 1] += val;
			return;
		}
		if (tab[2 * s] == 0) {
			tab[2 * s] = key;
			tab[2 * s + 1] = val;
			return;
		}
	}
}

NOINLINE s64 lookup(const u32 *tab, u32 key)
{
	u32 s = slot_of(key);
	for (u32 n = 0; n < NSLOTS; n++, s = (s + 1) & (NSLOTS - 1)) {
		if (tab[2 * s] == key)
			return tab[2 * s + 1];
		if (tab[2 * s] == 0)
			return -1;
	}
	return -1;
}

BENCH_ENTRY(hashtable)
{
	const u32 *keys = (const u32 *)mem;
	const u32 *queries = keys + NKEYS;
	u32 *tab = (u32 *)(mem + (NKEYS + NQUERIES) * 4);
	u64 *tab64 = (u64 *)tab;

	if (len < (NKEYS + NQUERIES + 2 * NSLOTS) * 4)
		return 0;
	for (u32 i = 0; i < NSLOTS; i++)
		tab64[i] = 0;
	for (u32 i = 0; i < NKEYS; i++)
		insert(tab, keys[i] | 1, i + 1);
	u64 hits = 0, sum = 0;
	for (u32 i = 0; i < NQUERIES; i++) {
		s64 v = lookup(tab, queries[i] | 1);
		if (v >= 0) {
			hits++;
			sum += (u64)v;
		}
	}
	return hits << 32 | (sum & 0xffffffffu);
}

#ifndef __bpf__
/* Keys are random (a few duplicates on purpose); every other query is a key. */
static void setup(u8 *mem, u64 len)
{
	u32 *keys = (u32 *)mem, *queries = keys + NKEYS;
	u64 st = 99;
	for (u32 i = 0; i < NKEYS; i++)
		if (i % 97 == 0)
			keys[i] = keys[i / 2];
	for (u32 i = 0; i < NQUERIES; i += 2)
		queries[i] = keys[bench_rand(&st) % NKEYS];
	(void)len;
}
#endif

BENCH_DESC(hashtable, (NKEYS + NQUERIES + 2 * NSLOTS) * 4, "open-addressing table: 2048 inserts, 8192 lookups", setup)
