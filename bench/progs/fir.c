/* SPDX-License-Identifier: MIT */
/*
 * fir - signed arithmetic: a 16-tap FIR filter over s16 samples with s16
 * coefficients (sign-extending loads: one instruction with -mcpu=v4, a load
 * and two shifts with v3), a 64-bit accumulator, arithmetic shift and
 * saturation back to s16. Memory: 16 coefficients, the samples, then the
 * output. r0 = a weighted sum of the output.
 */
#include "bench_prog.h"

typedef __INT16_TYPE__ s16;

#define TAPS 16

NOINLINE s64 tap_sum(const s16 *c, const s16 *x)
{
	s64 acc = 0;
	for (int k = 0; k < TAPS; k++)
		acc += (s64)c[k] * x[k];
	return acc;
}

BENCH_ENTRY(fir)
{
	const s16 *c = (const s16 *)mem;
	u64 n = (len - TAPS * 2) / 4;
	const s16 *x = c + TAPS;
	s16 *y = (s16 *)(x + n);
	u64 r = 0;

	for (u64 i = 0; i + TAPS <= n; i++) {
		s64 v = tap_sum(c, x + i) >> 12;
		if (v > 32767)
			v = 32767;
		if (v < -32768)
			v = -32768;
		y[i] = (s16)v;
		r += (u64)(s64)y[i] * ((i & 7) + 1);
	}
	return r;
}

BENCH_DESC(fir, 16 * 1024 + TAPS * 2, "16-tap FIR filter over 4096 s16 samples", 0)
