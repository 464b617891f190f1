/* SPDX-License-Identifier: MIT */
/* memcopy - copies the first half of memory to the second half in 8-byte
 * words (unrolled by four), then folds every 61st copied word into r0. */
#include "bench_prog.h"

BENCH_ENTRY(memcopy)
{
	u64 half = len / 2 / 32 * 32;
	u64 *src = (u64 *)mem;
	u64 *dst = (u64 *)(mem + half);
	u64 n = half / 8;

	for (u64 i = 0; i < n; i += 4) {
		u64 a = src[i], b = src[i + 1], c = src[i + 2], d = src[i + 3];
		dst[i] = a;
		dst[i + 1] = b;
		dst[i + 2] = c;
		dst[i + 3] = d;
	}
	u64 h = 0;
	for (u64 i = 0; i < n; i += 61)
		h = (h ^ dst[i]) * 0x100000001b3ull;
	return h;
}

BENCH_DESC(memcopy, 1024 * 1024, "copy 512 KiB in 8-byte words, then fold samples", 0)
