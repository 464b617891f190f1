/* SPDX-License-Identifier: MIT */
/* strsearch - naive substring search: counts the occurrences of eight
 * patterns (3 to 10 bytes, taken from the text itself) in 2 KiB of
 * low-entropy text. r0 = the per-pattern counts and first positions mixed. */
#include "bench_prog.h"

#define NPAT 8
#define PATAREA 128 /* the patterns live in the first bytes: 8 x 16 */

/* Counts occurrences of p[0..m) in t[0..n); *first gets the first index. */
NOINLINE u64 count_occ(const u8 *t, u64 n, const u8 *p, u64 m, u64 *first)
{
	u64 c = 0;
	*first = n;
	for (u64 i = 0; i + m <= n; i++) {
		if (t[i] != p[0])
			continue;
		u64 k = 1;
		while (k < m && t[i + k] == p[k])
			k++;
		if (k == m) {
			if (c == 0)
				*first = i;
			c++;
		}
	}
	return c;
}

BENCH_ENTRY(strsearch)
{
	const u8 *text = mem + PATAREA;
	u64 n = len - PATAREA, r = 0;
	for (u64 j = 0; j < NPAT; j++) {
		u64 first;
		u64 c = count_occ(text, n, mem + 16 * j, 3 + j, &first);
		r = (r ^ (c << 16 | first)) * 0x100000001b3ull;
	}
	return r;
}

#ifndef __bpf__
/* Text over a 6-letter alphabet (so prefixes match often); pattern j is
 * copied from a random place in the text, or made up for odd j past 4. */
static void setup(u8 *mem, u64 len)
{
	u64 st = 11;
	for (u64 i = PATAREA; i < len; i++)
		mem[i] = (u8)('a' + bench_rand(&st) % 6);
	for (u64 j = 0; j < NPAT; j++) {
		u64 at = PATAREA + bench_rand(&st) % (len - PATAREA - 16);
		for (u64 k = 0; k < 16; k++)
			mem[16 * j + k] = (j > 4 && (j & 1)) ? (u8)('a' + bench_rand(&st) % 6) : mem[at + k];
	}
}
#endif

BENCH_DESC(strsearch, 2 * 1024 + PATAREA, "naive search of 8 patterns in 2 KiB of 6-letter text", setup)
