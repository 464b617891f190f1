/* SPDX-License-Identifier: MIT */
/* sort - copies the u32 array in the first half of memory to the second half
 * and shell-sorts it there (Knuth's 3h+1 gaps); r0 = a position-weighted sum
 * of the sorted array, and 0 if the result is not in order. */
#include "bench_prog.h"

NOINLINE void shell_sort(u32 *a, u64 n)
{
	u64 gap = 1;
	while (gap < n / 9)
		gap = gap * 3 + 1;
	for (; gap > 0; gap /= 3) {
		for (u64 i = gap; i < n; i++) {
			u32 v = a[i];
			u64 j = i;
			while (j >= gap && a[j - gap] > v) {
				a[j] = a[j - gap];
				j -= gap;
			}
			a[j] = v;
		}
	}
}

BENCH_ENTRY(sort)
{
	u64 n = len / 8;
	u32 *in = (u32 *)mem;
	u32 *a = (u32 *)(mem + n * 4);

	for (u64 i = 0; i < n; i++)
		a[i] = in[i];
	shell_sort(a, n);
	u64 r = 0;
	for (u64 i = 0; i < n; i++) {
		if (i > 0 && a[i - 1] > a[i])
			return 0;
		r += (i + 1) * a[i];
	}
	return r;
}

BENCH_DESC(sort, 8 * 1024, "shell sort of 1024 random u32", 0)
