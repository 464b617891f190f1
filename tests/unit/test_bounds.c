/* SPDX-License-Identifier: MIT */
/* test_bounds.c - the scalar domain against a brute-force reference model.
 *
 * Abstract values are built from random sets of concrete values (the join of
 * their constants, with random extra narrowing) so that known members are at
 * hand. Every ALU op at both widths must map every pair of members to a
 * member of the abstract result; branch refinement must keep every pair that
 * takes the branch (and may call a branch impossible only if no pair takes
 * it); sync must keep every member. The concrete semantics used here are
 * written independently of bpfx_alu_eval. */
#include "check.h"
#include "verifier/bounds.h"

#include <stdlib.h>

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* Values near the interesting edges: 0, sign boundaries at both widths. */
static uint64_t rand_value(uint64_t base)
{
	static const uint64_t edges[] = {0, 0x7fffffffull, 0x80000000ull, 0xffffffffull, 0x100000000ull,
					 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, 16, 4096};
	switch (rnd() % 6) {
	case 0: return edges[rnd() % 10] + (rnd() % 9) - 4;
	case 1: return base + (rnd() % 17) - 8;
	case 2: return base + (rnd() % 0x3000) - 0x1000;
	case 3: return rnd() % 64;
	case 4: return base ^ (rnd() & 0xf0f);
	default: return rnd();
	}
}

#define NM 12
struct absval {
	struct bpfx_scalar s;
	uint64_t m[NM]; /* known members */
	int n;
};

static void make_abs(struct absval *a)
{
	uint64_t base = rand_value(rnd());
	a->n = 1 + (int)(rnd() % NM);
	for (int i = 0; i < a->n; i++)
		a->m[i] = rand_value(base);
	a->s = bpfx_scalar_const(a->m[0]);
	for (int i = 1; i < a->n; i++) {
		struct bpfx_scalar c = bpfx_scalar_const(a->m[i]);
		a->s = bpfx_scalar_union(&a->s, &c);
	}
	/* Sometimes widen a component (still containing every member). */
	if (rnd() % 3 == 0)
		a->s.r64.umax = ~0ull;
	if (rnd() % 3 == 0)
		a->s.r64.smin = INT64_MIN;
	if (rnd() % 4 == 0)
		a->s.t = bpfx_tnum_union(a->s.t, (struct bpfx_tnum){0, rnd() & 0xff00});
	if (rnd() % 4 == 0)
		a->s.r32 = (struct bpfx_range){0, 0xffffffffull, INT32_MIN, INT32_MAX};
	CHECK(bpfx_scalar_sync(&a->s));
}

/* Independent concrete semantics. */
static uint64_t ref_alu(enum bpfx_aop op, int bits, uint64_t a, uint64_t b)
{
	if (bits == 32) {
		uint32_t x = (uint32_t)a, y = (uint32_t)b, r;
		int32_t sx = (int32_t)x, sy = (int32_t)y;
		switch (op) {
		case BPFX_AOP_ADD: r = x + y; break;
		case BPFX_AOP_SUB: r = x - y; break;
		case BPFX_AOP_MUL: r = x * y; break;
		case BPFX_AOP_DIV: r = y == 0 ? 0 : x / y; break;
		case BPFX_AOP_MOD: r = y == 0 ? x : x % y; break;
		case BPFX_AOP_SDIV:
			r = sy == 0 ? 0 : (sx == INT32_MIN && sy == -1) ? (uint32_t)INT32_MIN : (uint32_t)(sx / sy);
			break;
		case BPFX_AOP_SMOD: r = sy == 0 ? x : sy == -1 ? 0 : (uint32_t)(sx % sy); break;
		case BPFX_AOP_OR: r = x | y; break;
		case BPFX_AOP_AND: r = x & y; break;
		case BPFX_AOP_XOR: r = x ^ y; break;
		case BPFX_AOP_LSH: r = x << (y % 32); break;
		case BPFX_AOP_RSH: r = x >> (y % 32); break;
		case BPFX_AOP_ARSH: r = (uint32_t)(sx >> (y % 32)); break;
		case BPFX_AOP_NEG: r = -x; break;
		default: r = y; break;
		}
		return r;
	}
	int64_t sx = (int64_t)a, sy = (int64_t)b;
	switch (op) {
	case BPFX_AOP_ADD: return a + b;
	case BPFX_AOP_SUB: return a - b;
	case BPFX_AOP_MUL: return a * b;
	case BPFX_AOP_DIV: return b == 0 ? 0 : a / b;
	case BPFX_AOP_MOD: return b == 0 ? a : a % b;
	case BPFX_AOP_SDIV:
		return sy == 0 ? 0 : (sx == INT64_MIN && sy == -1) ? (uint64_t)INT64_MIN : (uint64_t)(sx / sy);
	case BPFX_AOP_SMOD: return sy == 0 ? a : sy == -1 ? 0 : (uint64_t)(sx % sy);
	case BPFX_AOP_OR: return a | b;
	case BPFX_AOP_AND: return a & b;
	case BPFX_AOP_XOR: return a ^ b;
	case BPFX_AOP_LSH: return a << (b % 64);
	case BPFX_AOP_RSH: return a >> (b % 64);
	case BPFX_AOP_ARSH: return (uint64_t)(sx >> (b % 64));
	case BPFX_AOP_NEG: return -a;
	default: return b;
	}
}

static bool ref_cond(enum bpfx_cond c, int bits, uint64_t a, uint64_t b)
{
	if (bits == 32) {
		uint32_t x = (uint32_t)a, y = (uint32_t)b;
		switch (c) {
		case BPFX_COND_EQ: return x == y;
		case BPFX_COND_NE: return x != y;
		case BPFX_COND_GT: return x > y;
		case BPFX_COND_GE: return x >= y;
		case BPFX_COND_LT: return x < y;
		case BPFX_COND_LE: return x <= y;
		case BPFX_COND_SGT: return (int32_t)x > (int32_t)y;
		case BPFX_COND_SGE: return (int32_t)x >= (int32_t)y;
		case BPFX_COND_SLT: return (int32_t)x < (int32_t)y;
		case BPFX_COND_SLE: return (int32_t)x <= (int32_t)y;
		case BPFX_COND_SET: return (x & y) != 0;
		default: return (x & y) == 0;
		}
	}
	switch (c) {
	case BPFX_COND_EQ: return a == b;
	case BPFX_COND_NE: return a != b;
	case BPFX_COND_GT: return a > b;
	case BPFX_COND_GE: return a >= b;
	case BPFX_COND_LT: return a < b;
	case BPFX_COND_LE: return a <= b;
	case BPFX_COND_SGT: return (int64_t)a > (int64_t)b;
	case BPFX_COND_SGE: return (int64_t)a >= (int64_t)b;
	case BPFX_COND_SLT: return (int64_t)a < (int64_t)b;
	case BPFX_COND_SLE: return (int64_t)a <= (int64_t)b;
	case BPFX_COND_SET: return (a & b) != 0;
	default: return (a & b) == 0;
	}
}

static long fails;
static void report(const char *what, int op, int bits, const struct bpfx_scalar *a, const struct bpfx_scalar *b,
		   uint64_t x, uint64_t y, uint64_t r)
{
	char ba[256], bb[256];
	if (fails++ > 10)
		return;
	fprintf(stderr, "%s op %d bits %d: x=0x%llx y=0x%llx r=0x%llx\n  a=%s\n  b=%s\n", what, op, bits,
		(unsigned long long)x, (unsigned long long)y, (unsigned long long)r,
		bpfx_scalar_str(a, ba, sizeof ba), bpfx_scalar_str(b, bb, sizeof bb));
}

static void test_alu(void)
{
	long checks = 0;
	for (long it = 0, iters = check_scale(15000); it < iters; it++) {
		struct absval a, b;
		make_abs(&a);
		make_abs(&b);
		if (rnd() % 4 == 0) { /* constant shift amounts and divisors matter */
			b.n = 1;
			b.m[0] = rnd() % 70;
			b.s = bpfx_scalar_const(b.m[0]);
		}
		for (int op = 0; op < BPFX_AOP__COUNT; op++)
			for (int bits = 32; bits <= 64; bits += 32) {
				struct bpfx_scalar r = a.s;
				bpfx_scalar_alu((enum bpfx_aop)op, bits, &r, &b.s);
				for (int i = 0; i < a.n; i++)
					for (int j = 0; j < b.n; j++, checks++) {
						uint64_t v = ref_alu((enum bpfx_aop)op, bits, a.m[i], b.m[j]);
						CHECK_EQ_U64(bpfx_alu_eval((enum bpfx_aop)op, bits, a.m[i], b.m[j]), v);
						if (!bpfx_scalar_contains(&r, v))
							report("alu", op, bits, &a.s, &b.s, a.m[i], b.m[j], v);
					}
			}
		/* unary: truncation, sign extension, byte swaps */
		for (int i = 0; i < a.n; i++) {
			uint64_t x = a.m[i];
			static const unsigned tb[] = {1, 2, 4, 8};
			for (int k = 0; k < 4; k++) {
				struct bpfx_scalar r = a.s;
				bpfx_scalar_trunc(&r, tb[k]);
				uint64_t v = tb[k] == 8 ? x : x & ((1ull << (tb[k] * 8)) - 1);
				if (!bpfx_scalar_contains(&r, v))
					report("trunc", (int)tb[k], 0, &a.s, &a.s, x, 0, v);
			}
			static const unsigned sf[] = {8, 16, 32};
			for (int k = 0; k < 3; k++)
				for (int to = 32; to <= 64; to += 32) {
					struct bpfx_scalar r = a.s;
					bpfx_scalar_sext(&r, sf[k], to);
					int64_t e = sf[k] == 8 ? (int8_t)x : sf[k] == 16 ? (int16_t)x : (int32_t)x;
					uint64_t v = to == 32 ? (uint32_t)e : (uint64_t)e;
					if (!bpfx_scalar_contains(&r, v))
						report("sext", (int)sf[k], to, &a.s, &a.s, x, 0, v);
				}
			struct bpfx_scalar r16 = a.s, r32 = a.s, r64 = a.s;
			bpfx_scalar_bswap(&r16, 16);
			bpfx_scalar_bswap(&r32, 32);
			bpfx_scalar_bswap(&r64, 64);
			if (!bpfx_scalar_contains(&r16, __builtin_bswap16((uint16_t)x)) ||
			    !bpfx_scalar_contains(&r32, __builtin_bswap32((uint32_t)x)) ||
			    !bpfx_scalar_contains(&r64, __builtin_bswap64(x)))
				report("bswap", 0, 0, &a.s, &a.s, x, 0, 0);
		}
	}
	CHECK(fails == 0);
	printf("alu: %ld member checks\n", checks);
}

static void test_branch(void)
{
	long checks = 0, infeasible = 0;
	for (long it = 0, iters = check_scale(25000); it < iters; it++) {
		struct absval a, b;
		make_abs(&a);
		make_abs(&b);
		if (rnd() % 3 == 0) {
			b.n = 1;
			b.m[0] = rnd() % 3 == 0 ? a.m[rnd() % a.n] : rand_value(a.m[0]);
			b.s = bpfx_scalar_const(b.m[0]);
		}
		for (int c = 0; c < BPFX_COND__COUNT; c++)
			for (int bits = 32; bits <= 64; bits += 32)
				for (int taken = 0; taken < 2; taken++) {
					struct bpfx_scalar ra = a.s, rb = b.s;
					bool ok = bpfx_scalar_branch((enum bpfx_cond)c, bits, taken, &ra, &rb);
					infeasible += !ok;
					for (int i = 0; i < a.n; i++)
						for (int j = 0; j < b.n; j++, checks++) {
							bool holds = ref_cond((enum bpfx_cond)c, bits, a.m[i], b.m[j]);
							CHECK(bpfx_cond_eval((enum bpfx_cond)c, bits, a.m[i], b.m[j]) ==
							      holds);
							if (holds != (bool)taken)
								continue;
							if (!ok)
								report("branch-infeasible", c, bits, &a.s, &b.s, a.m[i],
								       b.m[j], (uint64_t)taken);
							else if (!bpfx_scalar_contains(&ra, a.m[i]) ||
								 !bpfx_scalar_contains(&rb, b.m[j]))
								report("branch-excludes", c, bits, &a.s, &b.s, a.m[i],
								       b.m[j], (uint64_t)taken);
						}
				}
	}
	CHECK(fails == 0);
	CHECK(infeasible > check_scale(1000)); /* refinement does decide branches */
	printf("branch: %ld member checks, %ld outcomes found impossible\n", checks, infeasible);
}

/* Precision spot checks the verifier relies on. */
static void test_precision(void)
{
	struct bpfx_scalar x = bpfx_scalar_unknown(), k = bpfx_scalar_const(8);
	CHECK(bpfx_scalar_branch(BPFX_COND_LT, 64, false, &x, &k)); /* fall-through of x < 8 */
	CHECK_EQ_U64(x.r64.umin, 8);
	x = bpfx_scalar_unknown();
	k = bpfx_scalar_const(0xff);
	bpfx_scalar_alu(BPFX_AOP_AND, 64, &x, &k);
	CHECK_EQ_U64(x.r64.umax, 0xff);
	CHECK(x.r64.smin == 0 && x.r64.smax == 0xff && x.r32.umax == 0xff);
	struct bpfx_scalar y = x, four = bpfx_scalar_const(4);
	bpfx_scalar_alu(BPFX_AOP_LSH, 64, &y, &four);
	CHECK_EQ_U64(y.r64.umax, 0xff0);
	CHECK_EQ_U64(y.t.mask, 0xff0);
	/* 32-bit ops zero-extend */
	x = bpfx_scalar_unknown();
	bpfx_scalar_alu(BPFX_AOP_MOV, 32, &x, &x);
	CHECK_EQ_U64(x.r64.umax, 0xffffffffull);
	CHECK(x.r64.smin == 0);
	/* an impossible comparison */
	x = bpfx_scalar_urange(10, 20);
	k = bpfx_scalar_const(30);
	struct bpfx_scalar kc = k;
	CHECK(!bpfx_scalar_branch(BPFX_COND_GT, 64, true, &x, &kc));
	/* the low half bounds the whole value when the upper half is known */
	x = bpfx_scalar_urange(0, 0xffffffffull);
	x.r32.umin = 5;
	x.r32.umax = 9;
	CHECK(bpfx_scalar_sync(&x));
	CHECK(x.r64.umin == 5 && x.r64.umax == 9);
	/* constants fold exactly */
	x = bpfx_scalar_const(7);
	k = bpfx_scalar_const(0);
	bpfx_scalar_alu(BPFX_AOP_MOD, 64, &x, &k);
	CHECK(bpfx_scalar_is_const(&x) && x.t.value == 7);
}

int main(void)
{
	test_alu();
	test_branch();
	test_precision();
	return check_summary("test_bounds");
}
