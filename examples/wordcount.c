/* SPDX-License-Identifier: MIT */
/*
 * wordcount.c - the bpfx demo program: counts the words, lines and bytes (up to
 * 4096) of its input buffer (r1 = data, r2 = length) and returns them packed as
 * (words << 40) | (lines << 20) | bytes.
 *
 * Build: clang-19 -target bpf -O2 -g -c wordcount.c -o wordcount.o
 */
typedef unsigned char u8;
typedef unsigned long long u64;

#define MAX_LEN 4096 /* bounded, and every read checked against the end pointer */

static int is_space(u8 c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

__attribute__((section("bpfx/generic"), used))
u64 wordcount(const u8 *data, u64 len)
{
	const u8 *end = data + len;
	u64 words = 0, lines = 0, n = 0;
	int in_word = 0;

	for (int i = 0; i < MAX_LEN; i++) {
		const u8 *p = data + i;
		if (p + 1 > end) /* the bounds check the verifier relies on */
			break;
		u8 c = *p;
		n++;
		if (c == '\n')
			lines++;
		if (is_space(c)) {
			in_word = 0;
		} else if (!in_word) {
			in_word = 1;
			words++;
		}
	}
	return (words << 40) | (lines << 20) | n;
}

char _license[] __attribute__((section("license"), used)) = "MIT";
