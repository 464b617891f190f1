/* SPDX-License-Identifier: MIT */
/* tnum.c - tristate numbers (see tnum.h). */
#include "tnum.h"

#include <stdio.h>

struct bpfx_tnum bpfx_tnum_range(uint64_t min, uint64_t max)
{
	uint64_t diff = min ^ max;
	if (min > max)
		return bpfx_tnum_unknown();
	if (diff == 0)
		return bpfx_tnum_const(min);
	/* Every bit below and including the highest differing bit may vary. */
	int top = 63 - __builtin_clzll(diff);
	uint64_t m = top == 63 ? ~0ull : (2ull << top) - 1;
	return (struct bpfx_tnum){min & ~m, m};
}

struct bpfx_tnum bpfx_tnum_add(struct bpfx_tnum a, struct bpfx_tnum b)
{
	/* Add the smallest and the largest members; the bits where those sums
	 * differ are the ones a carry can reach, plus the unknown inputs. */
	uint64_t lo = a.value + b.value;
	uint64_t hi = (a.value | a.mask) + (b.value | b.mask);
	uint64_t unk = (lo ^ hi) | a.mask | b.mask;
	return (struct bpfx_tnum){lo & ~unk, unk};
}

struct bpfx_tnum bpfx_tnum_sub(struct bpfx_tnum a, struct bpfx_tnum b)
{
	/* a - b over its extreme borrow patterns: largest a minus smallest b and
	 * smallest a minus largest b. */
	uint64_t d1 = a.value - (b.value | b.mask);
	uint64_t d2 = (a.value | a.mask) - b.value;
	uint64_t v = a.value - b.value;
	uint64_t unk = (d1 ^ d2) | a.mask | b.mask;
	return (struct bpfx_tnum){v & ~unk, unk};
}

struct bpfx_tnum bpfx_tnum_neg(struct bpfx_tnum a)
{
	return bpfx_tnum_sub(bpfx_tnum_const(0), a);
}

struct bpfx_tnum bpfx_tnum_mul(struct bpfx_tnum a, struct bpfx_tnum b)
{
	/* Sum of partial products: bit i of a known 1 adds b << i; bit i
	 * unknown adds either 0 or b << i, whose smallest cover is
	 * {0, (b.value | b.mask) << i}. */
	if (bpfx_tnum_is_const(a) && bpfx_tnum_is_const(b))
		return bpfx_tnum_const(a.value * b.value);
	struct bpfx_tnum acc = bpfx_tnum_const(0);
	uint64_t bits = a.value | a.mask;
	for (unsigned i = 0; i < 64 && (bits >> i); i++) {
		uint64_t bit = 1ull << i;
		if (a.value & bit)
			acc = bpfx_tnum_add(acc, bpfx_tnum_lshift(b, i));
		else if (a.mask & bit)
			acc = bpfx_tnum_add(acc, (struct bpfx_tnum){0, (b.value | b.mask) << i});
		if (acc.mask == ~0ull)
			break;
	}
	return acc;
}

struct bpfx_tnum bpfx_tnum_and(struct bpfx_tnum a, struct bpfx_tnum b)
{
	uint64_t one_a = a.value | a.mask, one_b = b.value | b.mask; /* may be 1 */
	uint64_t v = a.value & b.value;
	return (struct bpfx_tnum){v, (one_a & one_b) & ~v};
}

struct bpfx_tnum bpfx_tnum_or(struct bpfx_tnum a, struct bpfx_tnum b)
{
	uint64_t v = a.value | b.value;
	return (struct bpfx_tnum){v, (a.mask | b.mask) & ~v};
}

struct bpfx_tnum bpfx_tnum_xor(struct bpfx_tnum a, struct bpfx_tnum b)
{
	uint64_t m = a.mask | b.mask;
	return (struct bpfx_tnum){(a.value ^ b.value) & ~m, m};
}

struct bpfx_tnum bpfx_tnum_lshift(struct bpfx_tnum a, unsigned k)
{
	return (struct bpfx_tnum){a.value << (k & 63), a.mask << (k & 63)};
}

struct bpfx_tnum bpfx_tnum_rshift(struct bpfx_tnum a, unsigned k)
{
	return (struct bpfx_tnum){a.value >> (k & 63), a.mask >> (k & 63)};
}

struct bpfx_tnum bpfx_tnum_arshift(struct bpfx_tnum a, unsigned k, int bits)
{
	if (bits == 32) {
		struct bpfx_tnum s = bpfx_tnum_sext(a, 32);
		s.value = (uint64_t)((int64_t)s.value >> (k & 31));
		s.mask = (uint64_t)((int64_t)s.mask >> (k & 31));
		return bpfx_tnum_cast(s, 4);
	}
	/* Arithmetic shifts of value and mask separately keep the form: a known
	 * sign bit copies into value (mask 0), an unknown one into mask. */
	return (struct bpfx_tnum){(uint64_t)((int64_t)a.value >> (k & 63)),
				  (uint64_t)((int64_t)a.mask >> (k & 63))};
}

struct bpfx_tnum bpfx_tnum_intersect(struct bpfx_tnum a, struct bpfx_tnum b)
{
	uint64_t v = a.value | b.value;
	uint64_t m = a.mask & b.mask;
	return (struct bpfx_tnum){v & ~m, m};
}

struct bpfx_tnum bpfx_tnum_union(struct bpfx_tnum a, struct bpfx_tnum b)
{
	uint64_t m = a.mask | b.mask | (a.value ^ b.value);
	return (struct bpfx_tnum){a.value & ~m, m};
}

struct bpfx_tnum bpfx_tnum_cast(struct bpfx_tnum a, unsigned bytes)
{
	if (bytes >= 8)
		return a;
	uint64_t keep = (1ull << (bytes * 8)) - 1;
	return (struct bpfx_tnum){a.value & keep, a.mask & keep};
}

struct bpfx_tnum bpfx_tnum_sext(struct bpfx_tnum a, unsigned bits)
{
	if (bits >= 64)
		return a;
	unsigned sh = 64 - bits;
	return (struct bpfx_tnum){(uint64_t)((int64_t)(a.value << sh) >> sh),
				  (uint64_t)((int64_t)(a.mask << sh) >> sh)};
}

static uint64_t bswap_bits(uint64_t x, unsigned bits)
{
	switch (bits) {
	case 16:
		return __builtin_bswap16((uint16_t)x);
	case 32:
		return __builtin_bswap32((uint32_t)x);
	default:
		return __builtin_bswap64(x);
	}
}

struct bpfx_tnum bpfx_tnum_bswap(struct bpfx_tnum a, unsigned bits)
{
	/* A permutation of bits maps known bits to known bits. */
	return (struct bpfx_tnum){bswap_bits(a.value, bits), bswap_bits(a.mask, bits)};
}

char *bpfx_tnum_str(struct bpfx_tnum t, char *buf, unsigned long len)
{
	if (bpfx_tnum_is_const(t))
		snprintf(buf, len, "0x%llx", (unsigned long long)t.value);
	else
		snprintf(buf, len, "(0x%llx; 0x%llx)", (unsigned long long)t.value,
			 (unsigned long long)t.mask);
	return buf;
}
