/* SPDX-License-Identifier: MIT */
/* crc32 - ALU-heavy: bitwise CRC-32 (reflected, 0xEDB88320) of the buffer,
 * eight shift/xor/mask steps per byte, without tables; then an xorshift64*
 * stream mixed with it. */
#include "bench_prog.h"

NOINLINE u32 crc32_bitwise(const u8 *p, u64 n)
{
	u32 crc = 0xffffffffu;
	for (u64 i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			/* Not `poly & -(crc & 1)`: and-by-(0 or -1) chains trip a
			 * bug in some kernel verifiers, and the kernel is our
			 * reference for differential runs. */
			crc = (crc >> 1) ^ (0xedb88320u * (crc & 1));
	}
	return ~crc;
}

NOINLINE u64 xorshift_mix(u64 x, u64 rounds)
{
	u64 acc = 0;
	for (u64 i = 0; i < rounds; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		acc += x * 0x2545f4914f6cdd1dull;
	}
	return acc;
}

BENCH_ENTRY(crc32)
{
	u32 c = crc32_bitwise(mem, len);
	return (u64)c << 32 ^ xorshift_mix(c | 1, len);
}

BENCH_DESC(crc32, 4 * 1024, "bitwise CRC-32 of 4 KiB plus 4096 xorshift64* rounds", 0)
