/* SPDX-License-Identifier: MIT */
/* checksum - the Internet checksum (RFC 1071) of every 1500-byte "packet" in
 * memory; r0 = the sum of the checksums, each weighted by its position. */
#include "bench_prog.h"

NOINLINE u32 csum(const u8 *p, u64 n)
{
	u64 sum = 0;
	u64 i = 0;
	for (; i + 1 < n; i += 2)
		sum += (u32)p[i] << 8 | p[i + 1];
	if (i < n)
		sum += (u32)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u32)(~sum & 0xffff);
}

BENCH_ENTRY(checksum)
{
	u64 r = 0, k = 1;
	for (u64 off = 0; off < len; off += 1500, k++) {
		u64 n = len - off < 1500 ? len - off : 1500;
		r += k * csum(mem + off, n);
	}
	return r;
}

BENCH_DESC(checksum, 64 * 1024, "Internet checksum of 1500-byte chunks over 64 KiB", 0)
