/* SPDX-License-Identifier: MIT */
/* calls - call-heavy: for every input word, a chain of small non-inlined
 * functions five frames deep (no recursion), each doing a little arithmetic.
 * r0 = the sum of the chain results. */
#include "bench_prog.h"

NOINLINE u64 f5(u64 a, u64 b)
{
	return (a ^ b) + (a >> 3);
}
NOINLINE u64 f4(u64 a, u64 b, u64 c)
{
	return f5(a + c, b) * 3 + f5(b, c);
}
NOINLINE u64 f3(u64 a, u64 b)
{
	return a & 1 ? f4(a, b, a >> 7) : f5(b, a) + 1;
}
NOINLINE u64 f2(u64 a, u64 b, u64 c, u64 d)
{
	return f3(a, b) ^ f3(c, d);
}
NOINLINE u64 f1(u64 w, u64 i)
{
	return f2(w, i, w >> 32, i * 7) + f5(w, i);
}

BENCH_ENTRY(calls)
{
	const u64 *w = (const u64 *)mem;
	u64 sum = 0;
	for (u64 i = 0; i < len / 8; i++)
		sum += f1(w[i], i);
	return sum;
}

BENCH_DESC(calls, 16 * 1024, "2048 five-deep chains of non-inlined calls", 0)
