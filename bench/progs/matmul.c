/* SPDX-License-Identifier: MIT */
/* matmul - loop-heavy: C = A * B for 32x32 u32 matrices (wrapping), A and B
 * from the input, C written after them; r0 = a position-weighted sum of C. */
#include "bench_prog.h"

#define N 32

NOINLINE void matmul(const u32 *a, const u32 *b, u32 *c)
{
	for (u32 i = 0; i < N; i++)
		for (u32 j = 0; j < N; j++) {
			u32 s = 0;
			for (u32 k = 0; k < N; k++)
				s += a[i * N + k] * b[k * N + j];
			c[i * N + j] = s;
		}
}

BENCH_ENTRY(matmul)
{
	if (len < 3 * N * N * 4)
		return 0;
	const u32 *a = (const u32 *)mem;
	const u32 *b = a + N * N;
	u32 *c = (u32 *)(mem + 2 * N * N * 4);
	matmul(a, b, c);
	u64 r = 0;
	for (u32 i = 0; i < N * N; i++)
		r += (u64)c[i] * (i + 1);
	return r;
}

BENCH_DESC(matmul, 3 * N * N * 4, "32x32 u32 matrix multiply", 0)
