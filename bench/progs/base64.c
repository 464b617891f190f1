/* SPDX-License-Identifier: MIT */
/* base64 - encodes the first 3/7 of memory as base64 into the rest (the
 * alphabet computed, not looked up: BPF code has no constant tables), then
 * decodes it back and checks the round trip. r0 = a hash of the text, or 0
 * if the round trip failed. */
#include "bench_prog.h"

INLINE u8 enc6(u32 v)
{
	if (v < 26)
		return (u8)('A' + v);
	if (v < 52)
		return (u8)('a' + v - 26);
	if (v < 62)
		return (u8)('0' + v - 52);
	return v == 62 ? '+' : '/';
}

INLINE u32 dec6(u32 c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : 63;
}

NOINLINE u64 encode(const u8 *in, u64 n, u8 *out)
{
	u64 o = 0;
	for (u64 i = 0; i + 3 <= n; i += 3) {
		u32 v = (u32)in[i] << 16 | (u32)in[i + 1] << 8 | in[i + 2];
		out[o] = enc6(v >> 18);
		out[o + 1] = enc6((v >> 12) & 63);
		out[o + 2] = enc6((v >> 6) & 63);
		out[o + 3] = enc6(v & 63);
		o += 4;
	}
	return o;
}

/* Returns 1 if decoding out[0..o) gives back in[]. */
NOINLINE int check(const u8 *in, const u8 *txt, u64 o)
{
	for (u64 i = 0, j = 0; i < o; i += 4, j += 3) {
		u32 v = dec6(txt[i]) << 18 | dec6(txt[i + 1]) << 12 | dec6(txt[i + 2]) << 6 | dec6(txt[i + 3]);
		if (in[j] != (u8)(v >> 16) || in[j + 1] != (u8)(v >> 8) || in[j + 2] != (u8)v)
			return 0;
	}
	return 1;
}

BENCH_ENTRY(base64)
{
	u64 n = len / 7 * 3 / 3 * 3;
	u8 *out = mem + n;
	u64 o = encode(mem, n, out);
	if (!check(mem, out, o))
		return 0;
	u64 h = o;
	for (u64 i = 0; i < o; i += 8)
		h = (h ^ *(const u64 *)(out + i)) * 0x100000001b3ull;
	return h;
}

BENCH_DESC(base64, 14 * 1024, "base64 encode 6 KiB and decode-check it", 0)
