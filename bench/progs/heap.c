/* SPDX-License-Identifier: MIT */
/* heap - a binary min-heap of u64 in the scratch half of memory: pushes the
 * 1024 input words, then pops them all, checking the order. r0 = a
 * position-weighted sum of the popped sequence, or 0 if it is out of order. */
#include "bench_prog.h"

NOINLINE void push(u64 *h, u64 n, u64 v)
{
	u64 i = n;
	while (i > 0) {
		u64 parent = (i - 1) / 2;
		if (h[parent] <= v)
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = v;
}

/* Removes and returns the minimum of h[0..n), n > 0. */
NOINLINE u64 pop(u64 *h, u64 n)
{
	u64 top = h[0], v = h[n - 1], i = 0;
	n--;
	for (;;) {
		u64 c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1] < h[c])
			c++;
		if (v <= h[c])
			break;
		h[i] = h[c];
		i = c;
	}
	if (n > 0)
		h[i] = v;
	return top;
}

BENCH_ENTRY(heap)
{
	u64 n = len / 16;
	const u64 *in = (const u64 *)mem;
	u64 *h = (u64 *)(mem + n * 8);

	for (u64 i = 0; i < n; i++)
		push(h, i, in[i]);
	u64 r = 0, prev = 0;
	for (u64 i = 0; i < n; i++) {
		u64 v = pop(h, n - i);
		if (v < prev)
			return 0;
		prev = v;
		r += (i + 1) * (v >> 20);
	}
	return r;
}

BENCH_DESC(heap, 16 * 1024, "binary heap: 1024 pushes and 1024 pops of u64", 0)
