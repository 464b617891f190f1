/* SPDX-License-Identifier: MIT */
/* sieve - the sieve of Eratosthenes over one byte per number, in the whole
 * memory (cleared first); r0 = count of primes << 32 | the largest prime. */
#include "bench_prog.h"

BENCH_ENTRY(sieve)
{
	u64 *w = (u64 *)mem;
	for (u64 i = 0; i < len / 8; i++)
		w[i] = 0;
	for (u64 p = 2; p * p < len; p++) {
		if (mem[p])
			continue;
		for (u64 m = p * p; m < len; m += p)
			mem[m] = 1;
	}
	u64 count = 0, largest = 0;
	for (u64 i = 2; i < len; i++)
		if (!mem[i]) {
			count++;
			largest = i;
		}
	return count << 32 | largest;
}

BENCH_DESC(sieve, 64 * 1024, "sieve of Eratosthenes up to 65536", 0)
