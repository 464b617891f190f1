/* SPDX-License-Identifier: MIT */
/* test_tnum.c - tnum operations against brute-force enumeration of members.
 *
 * Small tnums are built over 4 chosen bit positions (3^4 = 81 tnums, up to 16
 * members each) and every pair of members is pushed through the concrete
 * operation: the result must be a member of the abstract result (soundness).
 * For and/or/xor/add/sub/union the result must also be the smallest tnum
 * holding all concrete results (optimality). Random 64-bit tnums follow. */
#include "check.h"
#include "verifier/tnum.h"

#include <stdlib.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so failures reproduce */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* The tnum over positions pos[0..3] described by trits (0, 1, 2 = unknown). */
static struct bpfx_tnum make_small(int code, const int *pos)
{
	struct bpfx_tnum t = {0, 0};
	for (int i = 0; i < 4; i++, code /= 3) {
		int trit = code % 3;
		if (trit == 1)
			t.value |= 1ull << pos[i];
		else if (trit == 2)
			t.mask |= 1ull << pos[i];
	}
	return t;
}

/* All members of a tnum with at most 16 unknown bits. */
static int members(struct bpfx_tnum t, uint64_t *out)
{
	int ub[64], n = 0;
	for (int i = 0; i < 64; i++)
		if (t.mask >> i & 1)
			ub[n++] = i;
	if (n > 16)
		return 0;
	for (uint64_t k = 0; k < (1ull << n); k++) {
		uint64_t v = t.value;
		for (int i = 0; i < n; i++)
			if (k >> i & 1)
				v |= 1ull << ub[i];
		out[k] = v;
	}
	return 1 << n;
}

/* Best tnum for a set of concrete values. */
static struct bpfx_tnum alpha(const uint64_t *v, int n)
{
	uint64_t and_ = ~0ull, or_ = 0;
	for (int i = 0; i < n; i++) {
		and_ &= v[i];
		or_ |= v[i];
	}
	return (struct bpfx_tnum){and_, and_ ^ or_};
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_AND, OP_OR, OP_XOR, OP_UNION, OP__N };
static const char *op_names[] = {"add", "sub", "mul", "and", "or", "xor", "union"};

static struct bpfx_tnum apply(int op, struct bpfx_tnum a, struct bpfx_tnum b)
{
	switch (op) {
	case OP_ADD: return bpfx_tnum_add(a, b);
	case OP_SUB: return bpfx_tnum_sub(a, b);
	case OP_MUL: return bpfx_tnum_mul(a, b);
	case OP_AND: return bpfx_tnum_and(a, b);
	case OP_OR: return bpfx_tnum_or(a, b);
	case OP_XOR: return bpfx_tnum_xor(a, b);
	default: return bpfx_tnum_union(a, b);
	}
}
static uint64_t conc(int op, uint64_t x, uint64_t y)
{
	switch (op) {
	case OP_ADD: return x + y;
	case OP_SUB: return x - y;
	case OP_MUL: return x * y;
	case OP_AND: return x & y;
	case OP_OR: return x | y;
	default: return x ^ y;
	}
}

static void exhaustive(const int *pos)
{
	static uint64_t ma[16], mb[16], res[16 * 16 * 2];
	long unsound = 0, suboptimal[OP__N] = {0}, checks = 0;
	for (int ca = 0; ca < 81; ca++) {
		struct bpfx_tnum a = make_small(ca, pos);
		int na = members(a, ma);
		for (int cb = 0; cb < 81; cb++) {
			struct bpfx_tnum b = make_small(cb, pos);
			int nb = members(b, mb);
			for (int op = 0; op < OP__N; op++) {
				struct bpfx_tnum r = apply(op, a, b);
				int n = 0;
				if (op == OP_UNION) {
					for (int i = 0; i < na; i++)
						res[n++] = ma[i];
					for (int j = 0; j < nb; j++)
						res[n++] = mb[j];
				} else {
					for (int i = 0; i < na; i++)
						for (int j = 0; j < nb; j++)
							res[n++] = conc(op, ma[i], mb[j]);
				}
				for (int i = 0; i < n; i++, checks++)
					if (!bpfx_tnum_contains(r, res[i])) {
						if (unsound++ < 5)
							fprintf(stderr, "unsound %s\n", op_names[op]);
					}
				struct bpfx_tnum best = alpha(res, n);
				if (!bpfx_tnum_equal(best, r))
					suboptimal[op]++;
			}
			/* intersect and overlap against enumeration */
			int common = 0;
			for (int i = 0; i < na; i++)
				if (bpfx_tnum_contains(b, ma[i]))
					common++;
			CHECK((common > 0) == bpfx_tnum_overlap(a, b));
			if (common) {
				struct bpfx_tnum in = bpfx_tnum_intersect(a, b);
				int n = 0;
				for (int i = 0; i < na; i++)
					if (bpfx_tnum_contains(b, ma[i]))
						res[n++] = ma[i];
				CHECK(bpfx_tnum_equal(in, alpha(res, n)));
			}
			/* in(): a subset of b iff every member of a is in b */
			int all = 1;
			for (int i = 0; i < na; i++)
				all &= bpfx_tnum_contains(b, ma[i]);
			CHECK(all == bpfx_tnum_in(a, b));
		}
		/* unary operations */
		for (unsigned k = 0; k < 64; k += 7) {
			struct bpfx_tnum l = bpfx_tnum_lshift(a, k), r = bpfx_tnum_rshift(a, k);
			struct bpfx_tnum s64 = bpfx_tnum_arshift(a, k, 64), s32 = bpfx_tnum_arshift(a, k % 32, 32);
			for (int i = 0; i < na; i++) {
				CHECK(bpfx_tnum_contains(l, ma[i] << k));
				CHECK(bpfx_tnum_contains(r, ma[i] >> k));
				CHECK(bpfx_tnum_contains(s64, (uint64_t)((int64_t)ma[i] >> k)));
				CHECK(bpfx_tnum_contains(s32, (uint32_t)((int32_t)(uint32_t)ma[i] >> (k % 32))));
			}
		}
		struct bpfx_tnum ng = bpfx_tnum_neg(a), c1 = bpfx_tnum_cast(a, 1), c4 = bpfx_tnum_subreg(a);
		struct bpfx_tnum x8 = bpfx_tnum_sext(a, 8), x32 = bpfx_tnum_sext(a, 32);
		struct bpfx_tnum b16 = bpfx_tnum_bswap(a, 16), b64 = bpfx_tnum_bswap(a, 64);
		for (int i = 0; i < na; i++) {
			uint64_t v = ma[i];
			CHECK(bpfx_tnum_contains(ng, 0 - v));
			CHECK(bpfx_tnum_contains(c1, (uint8_t)v));
			CHECK(bpfx_tnum_contains(c4, (uint32_t)v));
			CHECK(bpfx_tnum_contains(x8, (uint64_t)(int64_t)(int8_t)v));
			CHECK(bpfx_tnum_contains(x32, (uint64_t)(int64_t)(int32_t)v));
			CHECK(bpfx_tnum_contains(b16, __builtin_bswap16((uint16_t)v)));
			CHECK(bpfx_tnum_contains(b64, __builtin_bswap64(v)));
		}
	}
	CHECK(unsound == 0);
	CHECK(checks > 400000);
	/* and/or/xor/union are optimal by construction; add and sub are too. */
	CHECK(suboptimal[OP_AND] == 0);
	CHECK(suboptimal[OP_OR] == 0);
	CHECK(suboptimal[OP_XOR] == 0);
	CHECK(suboptimal[OP_UNION] == 0);
	CHECK(suboptimal[OP_ADD] == 0);
	CHECK(suboptimal[OP_SUB] == 0);
	printf("exhaustive positions {%d,%d,%d,%d}: %ld member checks, mul suboptimal in %ld of %d\n", pos[0],
	       pos[1], pos[2], pos[3], checks, suboptimal[OP_MUL], 81 * 81);
}

static struct bpfx_tnum rand_tnum(void)
{
	uint64_t m;
	switch (rnd() % 4) {
	case 0: m = rnd() & rnd() & rnd(); break;
	case 1: m = rnd() & 0xff; break;
	case 2: m = 0; break;
	default: m = rnd(); break;
	}
	return (struct bpfx_tnum){rnd() & ~m, m};
}
static uint64_t rand_member(struct bpfx_tnum t)
{
	return t.value | (rnd() & t.mask);
}

static void random_64(void)
{
	long bad = 0;
	for (long it = 0, iters = check_scale(200000); it < iters; it++) {
		struct bpfx_tnum a = rand_tnum(), b = rand_tnum();
		for (int s = 0; s < 8; s++) {
			uint64_t x = rand_member(a), y = rand_member(b);
			for (int op = 0; op < OP_UNION; op++)
				bad += !bpfx_tnum_contains(apply(op, a, b), conc(op, x, y));
			bad += !bpfx_tnum_contains(bpfx_tnum_union(a, b), x);
			bad += !bpfx_tnum_contains(bpfx_tnum_union(a, b), y);
		}
		uint64_t lo = rnd() >> (rnd() % 64), hi = lo + (rnd() >> (rnd() % 64));
		if (hi < lo)
			hi = ~0ull;
		struct bpfx_tnum r = bpfx_tnum_range(lo, hi);
		bad += !bpfx_tnum_contains(r, lo) + !bpfx_tnum_contains(r, hi) +
		       !bpfx_tnum_contains(r, lo + (hi - lo) / 2);
	}
	CHECK(bad == 0);
	CHECK(bpfx_tnum_equal(bpfx_tnum_range(4, 7), ((struct bpfx_tnum){4, 3})));
	CHECK(bpfx_tnum_equal(bpfx_tnum_range(0, ~0ull), bpfx_tnum_unknown()));
	CHECK(bpfx_tnum_equal(bpfx_tnum_range(9, 9), bpfx_tnum_const(9)));
}

int main(void)
{
	static const int low[4] = {0, 1, 2, 3}, wide[4] = {0, 1, 31, 63}, mid[4] = {1, 3, 32, 62};
	exhaustive(low);
	exhaustive(wide);
	exhaustive(mid);
	random_64();
	return check_summary("test_tnum");
}
