/* SPDX-License-Identifier: MIT */
/* bounds.c - the scalar domain (see bounds.h). */
#include "bounds.h"

#include <stdio.h>

#define HI32 0xffffffff00000000ull
#define LO32 0x00000000ffffffffull

/* ---- width helpers ---- */

static inline uint64_t umax_of(int bits)
{
	return bits == 64 ? ~0ull : LO32;
}
static inline int64_t smax_of(int bits)
{
	return bits == 64 ? INT64_MAX : INT32_MAX;
}
static inline int64_t smin_of(int bits)
{
	return bits == 64 ? INT64_MIN : INT32_MIN;
}
/* The low `bits` bits of v, as unsigned and as signed. */
static inline uint64_t zx(uint64_t v, int bits)
{
	return bits == 64 ? v : (v & LO32);
}
static inline int64_t sx(uint64_t v, int bits)
{
	return bits == 64 ? (int64_t)v : (int64_t)(int32_t)(uint32_t)v;
}
static inline uint64_t umin64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}
static inline uint64_t umax64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}
static inline int64_t smin64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}
static inline int64_t smax64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static struct bpfx_range range_unknown(int bits)
{
	return (struct bpfx_range){0, umax_of(bits), smin_of(bits), smax_of(bits)};
}
static struct bpfx_range range_const(uint64_t v, int bits)
{
	return (struct bpfx_range){zx(v, bits), zx(v, bits), sx(v, bits), sx(v, bits)};
}
static inline bool range_empty(const struct bpfx_range *r)
{
	return r->umin > r->umax || r->smin > r->smax;
}
static inline bool range_in(const struct bpfx_range *a, const struct bpfx_range *b)
{
	return a->umin >= b->umin && a->umax <= b->umax && a->smin >= b->smin && a->smax <= b->smax;
}
static inline struct bpfx_tnum tn_width(struct bpfx_tnum t, int bits)
{
	return bits == 64 ? t : bpfx_tnum_subreg(t);
}

/* ---- names, negation, concrete semantics ---- */

enum bpfx_cond bpfx_cond_negate(enum bpfx_cond c)
{
	static const enum bpfx_cond neg[BPFX_COND__COUNT] = {
		[BPFX_COND_EQ] = BPFX_COND_NE,   [BPFX_COND_NE] = BPFX_COND_EQ,
		[BPFX_COND_GT] = BPFX_COND_LE,   [BPFX_COND_GE] = BPFX_COND_LT,
		[BPFX_COND_LT] = BPFX_COND_GE,   [BPFX_COND_LE] = BPFX_COND_GT,
		[BPFX_COND_SGT] = BPFX_COND_SLE, [BPFX_COND_SGE] = BPFX_COND_SLT,
		[BPFX_COND_SLT] = BPFX_COND_SGE, [BPFX_COND_SLE] = BPFX_COND_SGT,
		[BPFX_COND_SET] = BPFX_COND_NSET, [BPFX_COND_NSET] = BPFX_COND_SET,
	};
	return neg[c];
}

enum bpfx_cond bpfx_cond_swap(enum bpfx_cond c)
{
	static const enum bpfx_cond sw[BPFX_COND__COUNT] = {
		[BPFX_COND_EQ] = BPFX_COND_EQ,   [BPFX_COND_NE] = BPFX_COND_NE,
		[BPFX_COND_GT] = BPFX_COND_LT,   [BPFX_COND_GE] = BPFX_COND_LE,
		[BPFX_COND_LT] = BPFX_COND_GT,   [BPFX_COND_LE] = BPFX_COND_GE,
		[BPFX_COND_SGT] = BPFX_COND_SLT, [BPFX_COND_SGE] = BPFX_COND_SLE,
		[BPFX_COND_SLT] = BPFX_COND_SGT, [BPFX_COND_SLE] = BPFX_COND_SGE,
		[BPFX_COND_SET] = BPFX_COND_SET, [BPFX_COND_NSET] = BPFX_COND_NSET,
	};
	return sw[c];
}

const char *bpfx_cond_name(enum bpfx_cond c)
{
	static const char *const n[BPFX_COND__COUNT] = {"==", "!=", ">", ">=", "<", "<=",
							 "s>", "s>=", "s<", "s<=", "&", "!&"};
	return (unsigned)c < BPFX_COND__COUNT ? n[c] : "?";
}

const char *bpfx_aop_name(enum bpfx_aop op)
{
	static const char *const n[BPFX_AOP__COUNT] = {"+=", "-=", "*=", "/=", "s/=", "%=", "s%=", "|=",
						       "&=", "^=", "<<=", ">>=", "s>>=", "neg", "="};
	return (unsigned)op < BPFX_AOP__COUNT ? n[op] : "?";
}

uint64_t bpfx_alu_eval(enum bpfx_aop op, int bits, uint64_t a, uint64_t b)
{
	uint64_t r;
	a = zx(a, bits);
	b = zx(b, bits);
	int64_t sa = sx(a, bits), sb = sx(b, bits);
	unsigned sh = (unsigned)(b & (uint64_t)(bits - 1));
	switch (op) {
	case BPFX_AOP_ADD: r = a + b; break;
	case BPFX_AOP_SUB: r = a - b; break;
	case BPFX_AOP_MUL: r = a * b; break;
	case BPFX_AOP_DIV: r = b ? a / b : 0; break;
	case BPFX_AOP_MOD: r = b ? a % b : a; break;
	case BPFX_AOP_SDIV:
		if (sb == 0)
			r = 0;
		else if (sb == -1)
			r = 0 - a; /* also covers the most negative value / -1 */
		else
			r = (uint64_t)(sa / sb);
		break;
	case BPFX_AOP_SMOD:
		if (sb == 0)
			r = a;
		else if (sb == -1)
			r = 0;
		else
			r = (uint64_t)(sa % sb);
		break;
	case BPFX_AOP_OR: r = a | b; break;
	case BPFX_AOP_AND: r = a & b; break;
	case BPFX_AOP_XOR: r = a ^ b; break;
	case BPFX_AOP_LSH: r = a << sh; break;
	case BPFX_AOP_RSH: r = a >> sh; break;
	case BPFX_AOP_ARSH: r = (uint64_t)(sa >> sh); break;
	case BPFX_AOP_NEG: r = 0 - a; break;
	case BPFX_AOP_MOV: r = b; break;
	default: r = 0; break;
	}
	return zx(r, bits);
}

bool bpfx_cond_eval(enum bpfx_cond c, int bits, uint64_t a, uint64_t b)
{
	uint64_t ua = zx(a, bits), ub = zx(b, bits);
	int64_t sa = sx(a, bits), sb = sx(b, bits);
	switch (c) {
	case BPFX_COND_EQ: return ua == ub;
	case BPFX_COND_NE: return ua != ub;
	case BPFX_COND_GT: return ua > ub;
	case BPFX_COND_GE: return ua >= ub;
	case BPFX_COND_LT: return ua < ub;
	case BPFX_COND_LE: return ua <= ub;
	case BPFX_COND_SGT: return sa > sb;
	case BPFX_COND_SGE: return sa >= sb;
	case BPFX_COND_SLT: return sa < sb;
	case BPFX_COND_SLE: return sa <= sb;
	case BPFX_COND_SET: return (ua & ub) != 0;
	case BPFX_COND_NSET: return (ua & ub) == 0;
	default: return false;
	}
}

/* ---- constructors and predicates ---- */

struct bpfx_scalar bpfx_scalar_unknown(void)
{
	return (struct bpfx_scalar){bpfx_tnum_unknown(), range_unknown(64), range_unknown(32)};
}

struct bpfx_scalar bpfx_scalar_const(uint64_t v)
{
	return (struct bpfx_scalar){bpfx_tnum_const(v), range_const(v, 64), range_const(v, 32)};
}

struct bpfx_scalar bpfx_scalar_urange(uint64_t umin, uint64_t umax)
{
	struct bpfx_scalar s = bpfx_scalar_unknown();
	s.r64.umin = umin;
	s.r64.umax = umax;
	bpfx_scalar_sync(&s);
	return s;
}

static bool range_contains(const struct bpfx_range *r, uint64_t v, int bits)
{
	uint64_t u = zx(v, bits);
	int64_t s = sx(v, bits);
	return u >= r->umin && u <= r->umax && s >= r->smin && s <= r->smax;
}

bool bpfx_scalar_contains(const struct bpfx_scalar *s, uint64_t v)
{
	return bpfx_tnum_contains(s->t, v) && range_contains(&s->r64, v, 64) &&
	       range_contains(&s->r32, v, 32);
}

bool bpfx_scalar_in(const struct bpfx_scalar *a, const struct bpfx_scalar *b)
{
	return bpfx_tnum_in(a->t, b->t) && range_in(&a->r64, &b->r64) && range_in(&a->r32, &b->r32);
}

bool bpfx_scalar_equal(const struct bpfx_scalar *a, const struct bpfx_scalar *b)
{
	return bpfx_scalar_in(a, b) && bpfx_scalar_in(b, a);
}

static struct bpfx_range range_union(const struct bpfx_range *a, const struct bpfx_range *b)
{
	return (struct bpfx_range){umin64(a->umin, b->umin), umax64(a->umax, b->umax),
				   smin64(a->smin, b->smin), smax64(a->smax, b->smax)};
}

struct bpfx_scalar bpfx_scalar_union(const struct bpfx_scalar *a, const struct bpfx_scalar *b)
{
	struct bpfx_scalar r = {bpfx_tnum_union(a->t, b->t), range_union(&a->r64, &b->r64),
				range_union(&a->r32, &b->r32)};
	return r;
}

/* ---- sync ---- */

/* Intervals implied by a tnum of the given width. */
static void range_meet_tnum(struct bpfx_range *r, struct bpfx_tnum t, int bits)
{
	uint64_t sb = 1ull << (bits - 1);
	r->umin = umax64(r->umin, t.value);
	r->umax = umin64(r->umax, t.value | t.mask);
	/* Smallest signed member: sign bit set if it may be; largest: clear. */
	r->smin = smax64(r->smin, sx(t.value | (t.mask & sb), bits));
	r->smax = smin64(r->smax, sx((t.value | t.mask) & ~(t.mask & sb), bits));
}

/* Signed and unsigned intervals of one width inform each other when the
 * interval does not cross the sign boundary. */
static void range_cross(struct bpfx_range *r, int bits)
{
	uint64_t sb = 1ull << (bits - 1);
	if (r->umin <= r->umax && ((r->umin ^ r->umax) & sb) == 0) {
		r->smin = smax64(r->smin, sx(r->umin, bits));
		r->smax = smin64(r->smax, sx(r->umax, bits));
	}
	if (r->smin <= r->smax && (r->smin >= 0 || r->smax < 0)) {
		r->umin = umax64(r->umin, zx((uint64_t)r->smin, bits));
		r->umax = umin64(r->umax, zx((uint64_t)r->smax, bits));
	}
}

/* The low halves of [lo, hi] when lo and hi share their upper 32 bits. */
static void r32_from_span(struct bpfx_range *r32, uint64_t lo, uint64_t hi)
{
	if ((lo >> 32) != (hi >> 32) || lo > hi)
		return;
	r32->umin = umax64(r32->umin, lo & LO32);
	r32->umax = umin64(r32->umax, hi & LO32);
	if ((int32_t)(uint32_t)lo <= (int32_t)(uint32_t)hi) {
		r32->smin = smax64(r32->smin, (int32_t)(uint32_t)lo);
		r32->smax = smin64(r32->smax, (int32_t)(uint32_t)hi);
	}
}

/*
 * Moves a lower bound up (or an upper bound down) to the nearest value whose
 * low 32 bits lie in [l32, h32]. `sgn` selects signed order of the 64-bit
 * value (the low half still orders unsigned within one upper half). Returns
 * false if no such value exists in the representable range.
 */
static bool raise_lo(uint64_t *v, uint64_t l32, uint64_t h32, bool sgn)
{
	uint64_t low = *v & LO32, up = *v & HI32;
	if (low >= l32 && low <= h32)
		return true;
	if (low < l32) {
		*v = up | l32;
		return true;
	}
	uint64_t top = sgn ? 0x7fffffff00000000ull : HI32;
	if (up == top)
		return false;
	*v = (up + (1ull << 32)) | l32;
	return true;
}
static bool lower_hi(uint64_t *v, uint64_t l32, uint64_t h32, bool sgn)
{
	uint64_t low = *v & LO32, up = *v & HI32;
	if (low >= l32 && low <= h32)
		return true;
	if (low > h32) {
		*v = up | h32;
		return true;
	}
	uint64_t bottom = sgn ? 0x8000000000000000ull : 0;
	if (up == bottom)
		return false;
	*v = (up - (1ull << 32)) | h32;
	return true;
}

static bool sync_round(struct bpfx_scalar *s)
{
	struct bpfx_tnum t32 = bpfx_tnum_subreg(s->t);

	range_meet_tnum(&s->r64, s->t, 64);
	range_meet_tnum(&s->r32, t32, 32);
	range_cross(&s->r64, 64);
	range_cross(&s->r32, 32);
	if (range_empty(&s->r64) || range_empty(&s->r32))
		return false;

	/* 64 -> 32 */
	r32_from_span(&s->r32, s->r64.umin, s->r64.umax);
	r32_from_span(&s->r32, (uint64_t)s->r64.smin, (uint64_t)s->r64.smax);
	range_cross(&s->r32, 32);
	if (range_empty(&s->r32))
		return false;

	/* 32 -> 64: bounds move to the nearest value with acceptable low bits. */
	{
		uint64_t lo = s->r64.umin, hi = s->r64.umax;
		if (!raise_lo(&lo, s->r32.umin, s->r32.umax, false) ||
		    !lower_hi(&hi, s->r32.umin, s->r32.umax, false))
			return false;
		s->r64.umin = lo;
		s->r64.umax = hi;
		uint64_t slo = (uint64_t)s->r64.smin, shi = (uint64_t)s->r64.smax;
		if (!raise_lo(&slo, s->r32.umin, s->r32.umax, true) ||
		    !lower_hi(&shi, s->r32.umin, s->r32.umax, true))
			return false;
		s->r64.smin = (int64_t)slo;
		s->r64.smax = (int64_t)shi;
		if (range_empty(&s->r64))
			return false;
		range_cross(&s->r64, 64);
		if (range_empty(&s->r64))
			return false;
	}

	/* intervals -> tnum */
	struct bpfx_tnum rt = bpfx_tnum_range(s->r64.umin, s->r64.umax);
	if (!bpfx_tnum_overlap(s->t, rt))
		return false;
	s->t = bpfx_tnum_intersect(s->t, rt);
	if (s->r64.smin >= 0 || s->r64.smax < 0) {
		rt = bpfx_tnum_range((uint64_t)s->r64.smin, (uint64_t)s->r64.smax);
		if (!bpfx_tnum_overlap(s->t, rt))
			return false;
		s->t = bpfx_tnum_intersect(s->t, rt);
	}
	t32 = bpfx_tnum_subreg(s->t);
	rt = bpfx_tnum_range(s->r32.umin, s->r32.umax);
	if (!bpfx_tnum_overlap(t32, rt))
		return false;
	t32 = bpfx_tnum_intersect(t32, rt);
	if (s->r32.smin >= 0 || s->r32.smax < 0) {
		rt = bpfx_tnum_range(zx((uint64_t)s->r32.smin, 32), zx((uint64_t)s->r32.smax, 32));
		if (!bpfx_tnum_overlap(t32, rt))
			return false;
		t32 = bpfx_tnum_intersect(t32, rt);
	}
	s->t = bpfx_tnum_with_subreg(s->t, t32);
	return true;
}

static bool scalar_same(const struct bpfx_scalar *a, const struct bpfx_scalar *b)
{
	return bpfx_tnum_equal(a->t, b->t) && a->r64.umin == b->r64.umin && a->r64.umax == b->r64.umax &&
	       a->r64.smin == b->r64.smin && a->r64.smax == b->r64.smax && a->r32.umin == b->r32.umin &&
	       a->r32.umax == b->r32.umax && a->r32.smin == b->r32.smin && a->r32.smax == b->r32.smax;
}

bool bpfx_scalar_sync(struct bpfx_scalar *s)
{
	for (int i = 0; i < 4; i++) {
		struct bpfx_scalar before = *s;
		if (!sync_round(s))
			return false;
		if (scalar_same(&before, s))
			break;
	}
	return !range_empty(&s->r64) && !range_empty(&s->r32);
}

/* ---- interval arithmetic at one width ---- */

/* a + b at the width: *r gets the wrapped sum; returns the carry out. */
static int add_u(uint64_t a, uint64_t b, int bits, uint64_t *r)
{
	if (bits == 64) {
		*r = a + b;
		return *r < a;
	}
	*r = (a + b) & LO32;
	return a + b > LO32;
}
static int sub_u(uint64_t a, uint64_t b, int bits, uint64_t *r)
{
	*r = zx(a - b, bits);
	return a < b;
}
/* Signed a + b and a - b at the width: *r gets the wrapped result; returns
 * the overflow direction (-1, 0 or 1). */
static int add_s(int64_t a, int64_t b, int bits, int64_t *r)
{
	if (bits == 64) {
		if (!__builtin_add_overflow(a, b, r))
			return 0;
		*r = (int64_t)((uint64_t)a + (uint64_t)b);
		return a < 0 ? -1 : 1;
	}
	int64_t x = a + b;
	*r = (int32_t)(uint32_t)(uint64_t)x;
	return x > INT32_MAX ? 1 : x < INT32_MIN ? -1 : 0;
}
static int sub_s(int64_t a, int64_t b, int bits, int64_t *r)
{
	if (bits == 64) {
		if (!__builtin_sub_overflow(a, b, r))
			return 0;
		*r = (int64_t)((uint64_t)a - (uint64_t)b);
		return b < 0 ? 1 : -1;
	}
	int64_t x = a - b;
	*r = (int32_t)(uint32_t)(uint64_t)x;
	return x > INT32_MAX ? 1 : x < INT32_MIN ? -1 : 0;
}
static bool mul_u(uint64_t a, uint64_t b, int bits, uint64_t *r)
{
	if (bits == 64)
		return !__builtin_mul_overflow(a, b, r);
	*r = a * b; /* both < 2^32: no 64-bit overflow */
	return *r <= LO32;
}
static bool mul_s(int64_t a, int64_t b, int bits, int64_t *r)
{
	if (bits == 64)
		return !__builtin_mul_overflow(a, b, r);
	*r = a * b;
	return *r >= INT32_MIN && *r <= INT32_MAX;
}

static void range_add(struct bpfx_range *r, const struct bpfx_range *a, const struct bpfx_range *b, int bits)
{
	uint64_t lo, hi;
	int64_t slo, shi;
	if (add_u(a->umin, b->umin, bits, &lo) == add_u(a->umax, b->umax, bits, &hi)) {
		r->umin = lo;
		r->umax = hi;
	}
	if (add_s(a->smin, b->smin, bits, &slo) == add_s(a->smax, b->smax, bits, &shi)) {
		r->smin = slo;
		r->smax = shi;
	}
}

static void range_sub(struct bpfx_range *r, const struct bpfx_range *a, const struct bpfx_range *b, int bits)
{
	uint64_t lo, hi;
	int64_t slo, shi;
	if (sub_u(a->umin, b->umax, bits, &lo) == sub_u(a->umax, b->umin, bits, &hi)) {
		r->umin = lo;
		r->umax = hi;
	}
	if (sub_s(a->smin, b->smax, bits, &slo) == sub_s(a->smax, b->smin, bits, &shi)) {
		r->smin = slo;
		r->smax = shi;
	}
}

static void range_mul(struct bpfx_range *r, const struct bpfx_range *a, const struct bpfx_range *b, int bits)
{
	uint64_t lo, hi;
	if (mul_u(a->umax, b->umax, bits, &hi)) {
		mul_u(a->umin, b->umin, bits, &lo);
		r->umin = lo;
		r->umax = hi;
	}
	int64_t p[4];
	if (mul_s(a->smin, b->smin, bits, &p[0]) && mul_s(a->smin, b->smax, bits, &p[1]) &&
	    mul_s(a->smax, b->smin, bits, &p[2]) && mul_s(a->smax, b->smax, bits, &p[3])) {
		r->smin = smin64(smin64(p[0], p[1]), smin64(p[2], p[3]));
		r->smax = smax64(smax64(p[0], p[1]), smax64(p[2], p[3]));
	}
}

/* dst OP src at one width, on that width's tnum (already truncated) and
 * interval. The result tnum is truncated to the width. */
static void alu_width(enum bpfx_aop op, int bits, struct bpfx_tnum ta, const struct bpfx_range *ra,
		      struct bpfx_tnum tb, const struct bpfx_range *rb, struct bpfx_tnum *ot,
		      struct bpfx_range *orr)
{
	struct bpfx_range r = range_unknown(bits);
	struct bpfx_tnum t = tn_width(bpfx_tnum_unknown(), bits);
	struct bpfx_range zero = range_const(0, bits);

	if (op == BPFX_AOP_MOV) {
		*ot = tb;
		*orr = *rb;
		return;
	}
	if (op == BPFX_AOP_NEG) { /* 0 - a */
		tb = ta;
		rb = ra;
		ta = bpfx_tnum_const(0);
		ra = &zero;
		op = BPFX_AOP_SUB;
	}
	if (bpfx_tnum_is_const(ta) && bpfx_tnum_is_const(tb)) {
		uint64_t v = bpfx_alu_eval(op, bits, ta.value, tb.value);
		*ot = bpfx_tnum_const(v);
		*orr = range_const(v, bits);
		return;
	}
	bool kconst = bpfx_tnum_is_const(tb);
	unsigned k = (unsigned)(tb.value & (uint64_t)(bits - 1));

	switch (op) {
	case BPFX_AOP_ADD:
		t = bpfx_tnum_add(ta, tb);
		range_add(&r, ra, rb, bits);
		break;
	case BPFX_AOP_SUB:
		t = bpfx_tnum_sub(ta, tb);
		range_sub(&r, ra, rb, bits);
		break;
	case BPFX_AOP_MUL:
		t = bpfx_tnum_mul(ta, tb);
		range_mul(&r, ra, rb, bits);
		break;
	case BPFX_AOP_DIV: /* x / 0 == 0 */
		if (rb->umin > 0) {
			r.umin = ra->umin / rb->umax;
			r.umax = ra->umax / rb->umin;
		} else {
			r.umin = 0;
			r.umax = ra->umax;
		}
		break;
	case BPFX_AOP_MOD: /* x % 0 == x */
		if (rb->umin > 0 && ra->umax < rb->umin) {
			t = ta;
			r = *ra;
		} else if (rb->umin > 0) {
			r.umin = 0;
			r.umax = umin64(ra->umax, rb->umax - 1);
		} else {
			r.umin = 0;
			r.umax = ra->umax;
		}
		break;
	case BPFX_AOP_SDIV:
	case BPFX_AOP_SMOD:
		break;
	case BPFX_AOP_AND:
		t = bpfx_tnum_and(ta, tb);
		r.umax = umin64(ra->umax, rb->umax);
		if (ra->smin >= 0 && rb->smin >= 0) {
			r.smin = 0;
			r.smax = smin64(ra->smax, rb->smax);
		} else if (ra->smin >= 0) {
			r.smin = 0;
			r.smax = ra->smax;
		} else if (rb->smin >= 0) {
			r.smin = 0;
			r.smax = rb->smax;
		}
		break;
	case BPFX_AOP_OR:
		t = bpfx_tnum_or(ta, tb);
		r.umin = umax64(ra->umin, rb->umin);
		break;
	case BPFX_AOP_XOR:
		t = bpfx_tnum_xor(ta, tb);
		break;
	case BPFX_AOP_LSH:
		if (!kconst)
			break;
		t = bpfx_tnum_lshift(ta, k);
		if (k == 0)
			r = *ra;
		else if ((ra->umax >> (bits - k)) == 0) {
			r.umin = ra->umin << k;
			r.umax = ra->umax << k;
		}
		break;
	case BPFX_AOP_RSH:
		if (!kconst) {
			r.umax = ra->umax;
			break;
		}
		t = bpfx_tnum_rshift(ta, k);
		r.umin = ra->umin >> k;
		r.umax = ra->umax >> k;
		break;
	case BPFX_AOP_ARSH:
		if (!kconst) {
			r.smin = ra->smin < 0 ? ra->smin : 0;
			r.smax = ra->smax >= 0 ? ra->smax : -1;
			break;
		}
		t = bpfx_tnum_arshift(ta, k, bits);
		r.smin = ra->smin >> k;
		r.smax = ra->smax >> k;
		break;
	default:
		break;
	}
	*ot = tn_width(t, bits);
	*orr = r;
}

/* Operations whose low 32 result bits depend only on the low 32 operand bits. */
static bool low_closed(enum bpfx_aop op)
{
	return op == BPFX_AOP_ADD || op == BPFX_AOP_SUB || op == BPFX_AOP_MUL || op == BPFX_AOP_AND ||
	       op == BPFX_AOP_OR || op == BPFX_AOP_XOR || op == BPFX_AOP_NEG || op == BPFX_AOP_MOV;
}

static void zext_from_32(struct bpfx_scalar *s)
{
	s->t = bpfx_tnum_subreg(s->t);
	s->r64 = (struct bpfx_range){s->r32.umin, s->r32.umax, (int64_t)s->r32.umin, (int64_t)s->r32.umax};
}

void bpfx_scalar_alu(enum bpfx_aop op, int bits, struct bpfx_scalar *dst, const struct bpfx_scalar *src)
{
	struct bpfx_tnum t, t32;
	struct bpfx_range r, r32;
	const struct bpfx_scalar *b = src ? src : dst;

	if (bits == 32) {
		alu_width(op, 32, bpfx_tnum_subreg(dst->t), &dst->r32, bpfx_tnum_subreg(b->t), &b->r32, &t,
			  &r);
		dst->t = t;
		dst->r32 = r;
		zext_from_32(dst);
	} else {
		alu_width(op, 64, dst->t, &dst->r64, b->t, &b->r64, &t, &r);
		bool lsh32 = op == BPFX_AOP_LSH && bpfx_tnum_is_const(b->t) && (b->t.value & 63) < 32;
		if (low_closed(op) || lsh32) {
			alu_width(op, 32, bpfx_tnum_subreg(dst->t), &dst->r32, bpfx_tnum_subreg(b->t), &b->r32,
				  &t32, &r32);
			if (bpfx_tnum_overlap(bpfx_tnum_subreg(t), t32))
				t = bpfx_tnum_with_subreg(t, bpfx_tnum_intersect(bpfx_tnum_subreg(t), t32));
		} else {
			r32 = range_unknown(32);
		}
		dst->t = t;
		dst->r64 = r;
		dst->r32 = r32;
	}
	if (!bpfx_scalar_sync(dst))
		*dst = bpfx_scalar_unknown(); /* cannot happen for non-empty operands */
}

void bpfx_scalar_trunc(struct bpfx_scalar *s, unsigned bytes)
{
	if (bytes >= 8)
		return;
	if (bytes == 4) {
		zext_from_32(s);
	} else {
		uint64_t m = (1ull << (bytes * 8)) - 1;
		struct bpfx_scalar n = bpfx_scalar_unknown();
		n.t = bpfx_tnum_cast(s->t, bytes);
		n.r64.umax = m;
		if (s->r64.umax <= m) {
			n.r64.umin = s->r64.umin;
			n.r64.umax = s->r64.umax;
		} else if (s->r32.umax <= m) {
			n.r64.umin = s->r32.umin;
			n.r64.umax = s->r32.umax;
		}
		*s = n;
	}
	if (!bpfx_scalar_sync(s))
		*s = bpfx_scalar_urange(0, bytes == 4 ? LO32 : (1ull << (bytes * 8)) - 1);
}

void bpfx_scalar_sext(struct bpfx_scalar *s, unsigned from, int to)
{
	struct bpfx_scalar n = bpfx_scalar_unknown();
	int64_t lo = -((int64_t)1 << (from - 1)), hi = ((int64_t)1 << (from - 1)) - 1;
	n.t = bpfx_tnum_sext(bpfx_tnum_cast(s->t, from / 8), from);
	if (from == 32) {
		n.r64.smin = s->r32.smin;
		n.r64.smax = s->r32.smax;
	} else if (s->r64.smin >= lo && s->r64.smax <= hi) {
		n.r64.smin = s->r64.smin;
		n.r64.smax = s->r64.smax;
	} else if (s->r32.smin >= lo && s->r32.smax <= hi) {
		n.r64.smin = s->r32.smin;
		n.r64.smax = s->r32.smax;
	} else {
		n.r64.smin = lo;
		n.r64.smax = hi;
	}
	if (!bpfx_scalar_sync(&n)) {
		n = bpfx_scalar_unknown();
		n.r64.smin = lo;
		n.r64.smax = hi;
		bpfx_scalar_sync(&n);
	}
	if (to == 32)
		bpfx_scalar_trunc(&n, 4);
	*s = n;
}

void bpfx_scalar_bswap(struct bpfx_scalar *s, unsigned bits)
{
	struct bpfx_scalar n = bpfx_scalar_unknown();
	n.t = bpfx_tnum_bswap(s->t, bits);
	if (!bpfx_scalar_sync(&n))
		n = bpfx_scalar_unknown();
	*s = n;
}

/* ---- branch refinement ---- */

static bool refine_width(enum bpfx_cond c, int bits, struct bpfx_tnum *ta, struct bpfx_range *ra,
			 struct bpfx_tnum *tb, struct bpfx_range *rb)
{
	uint64_t um = umax_of(bits);
	int64_t sm = smax_of(bits), sn = smin_of(bits);

	switch (c) {
	case BPFX_COND_EQ: {
		if (!bpfx_tnum_overlap(*ta, *tb))
			return false;
		*ta = *tb = bpfx_tnum_intersect(*ta, *tb);
		struct bpfx_range m = {umax64(ra->umin, rb->umin), umin64(ra->umax, rb->umax),
				       smax64(ra->smin, rb->smin), smin64(ra->smax, rb->smax)};
		*ra = *rb = m;
		break;
	}
	case BPFX_COND_NE:
		for (int side = 0; side < 2; side++) {
			struct bpfx_tnum *tk = side ? ta : tb, *tv = side ? tb : ta;
			struct bpfx_range *rv = side ? rb : ra;
			if (!bpfx_tnum_is_const(*tk))
				continue;
			uint64_t k = tk->value;
			int64_t sk = sx(k, bits);
			if (bpfx_tnum_is_const(*tv) && tv->value == k)
				return false;
			if (rv->umin == k && rv->umax == k)
				return false;
			if (rv->umin == k)
				rv->umin++;
			else if (rv->umax == k)
				rv->umax--;
			if (rv->smin == sk && rv->smax == sk)
				return false;
			if (rv->smin == sk)
				rv->smin++;
			else if (rv->smax == sk)
				rv->smax--;
		}
		break;
	case BPFX_COND_GT: /* a > b */
		if (rb->umin == um || ra->umax == 0)
			return false;
		ra->umin = umax64(ra->umin, rb->umin + 1);
		rb->umax = umin64(rb->umax, ra->umax - 1);
		break;
	case BPFX_COND_GE:
		ra->umin = umax64(ra->umin, rb->umin);
		rb->umax = umin64(rb->umax, ra->umax);
		break;
	case BPFX_COND_SGT:
		if (rb->smin == sm || ra->smax == sn)
			return false;
		ra->smin = smax64(ra->smin, rb->smin + 1);
		rb->smax = smin64(rb->smax, ra->smax - 1);
		break;
	case BPFX_COND_SGE:
		ra->smin = smax64(ra->smin, rb->smin);
		rb->smax = smin64(rb->smax, ra->smax);
		break;
	case BPFX_COND_LT:
	case BPFX_COND_LE:
	case BPFX_COND_SLT:
	case BPFX_COND_SLE:
		return refine_width(bpfx_cond_swap(c), bits, tb, rb, ta, ra);
	case BPFX_COND_SET:
		if (((ta->value | ta->mask) & (tb->value | tb->mask)) == 0)
			return false;
		for (int side = 0; side < 2; side++) {
			struct bpfx_tnum *tk = side ? ta : tb, *tv = side ? tb : ta;
			if (bpfx_tnum_is_const(*tk) && __builtin_popcountll(tk->value) == 1) {
				tv->value |= tk->value;
				tv->mask &= ~tk->value;
			}
		}
		break;
	case BPFX_COND_NSET:
		if (ta->value & tb->value)
			return false;
		for (int side = 0; side < 2; side++) {
			struct bpfx_tnum *tk = side ? ta : tb, *tv = side ? tb : ta;
			if (bpfx_tnum_is_const(*tk)) {
				tv->value &= ~tk->value;
				tv->mask &= ~tk->value;
			}
		}
		break;
	default:
		return false;
	}
	return !range_empty(ra) && !range_empty(rb);
}

bool bpfx_scalar_branch(enum bpfx_cond c, int bits, bool taken, struct bpfx_scalar *a,
			struct bpfx_scalar *b)
{
	if (!taken)
		c = bpfx_cond_negate(c);
	if (bits == 32) {
		struct bpfx_tnum ta = bpfx_tnum_subreg(a->t), tb = bpfx_tnum_subreg(b->t);
		if (!refine_width(c, 32, &ta, &a->r32, &tb, &b->r32))
			return false;
		a->t = bpfx_tnum_with_subreg(a->t, ta);
		b->t = bpfx_tnum_with_subreg(b->t, tb);
	} else {
		if (!refine_width(c, 64, &a->t, &a->r64, &b->t, &b->r64))
			return false;
		if (c == BPFX_COND_EQ) { /* equal values have equal low halves */
			struct bpfx_range m = {umax64(a->r32.umin, b->r32.umin), umin64(a->r32.umax, b->r32.umax),
					       smax64(a->r32.smin, b->r32.smin),
					       smin64(a->r32.smax, b->r32.smax)};
			a->r32 = b->r32 = m;
			if (range_empty(&m))
				return false;
		}
	}
	return bpfx_scalar_sync(a) && bpfx_scalar_sync(b);
}

char *bpfx_scalar_str(const struct bpfx_scalar *s, char *buf, unsigned long len)
{
	char tb[48];
	if (bpfx_scalar_is_const(s)) {
		snprintf(buf, len, "%lld", (long long)s->t.value);
		return buf;
	}
	snprintf(buf, len, "u64=[%llu,%llu] s64=[%lld,%lld] u32=[%llu,%llu] s32=[%lld,%lld] bits=%s",
		 (unsigned long long)s->r64.umin, (unsigned long long)s->r64.umax, (long long)s->r64.smin,
		 (long long)s->r64.smax, (unsigned long long)s->r32.umin, (unsigned long long)s->r32.umax,
		 (long long)s->r32.smin, (long long)s->r32.smax, bpfx_tnum_str(s->t, tb, sizeof(tb)));
	return buf;
}
