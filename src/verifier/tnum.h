/* SPDX-License-Identifier: MIT */
/*
 * tnum.h - "tristate numbers": 64-bit values in which every bit is known 0,
 * known 1, or unknown. A tnum {value, mask} stands for the set of every x
 * with (x & ~mask) == value; a bit set in `mask` is unknown, and the value
 * bit under a mask bit is always 0 (the canonical form every function here
 * returns and expects).
 *
 * Caveats:
 *   - A tnum cannot be empty. bpfx_tnum_intersect() of disjoint sets returns
 *     a meaningless value; call bpfx_tnum_overlap() first when it matters.
 *   - Results are sound (every concrete result of the operation on members of
 *     the operands is a member of the result) but not always the best tnum:
 *     add/sub are exact per carry chain, mul is a sum of partial products and
 *     loses precision quickly, shifts by unknown amounts are not modelled here
 *     (the scalar domain gives up on them).
 *   - Shift amounts must be < 64 (callers mask them as the ISA does).
 *   - 32-bit views: bpfx_tnum_subreg() is the low half zero-extended;
 *     bpfx_tnum_with_subreg() replaces the low half of a value.
 * Every function is pure and thread-safe.
 */
#ifndef BPFX_VERIFIER_TNUM_H
#define BPFX_VERIFIER_TNUM_H

#include <stdbool.h>
#include <stdint.h>

struct bpfx_tnum {
	uint64_t value;
	uint64_t mask;
};

static inline struct bpfx_tnum bpfx_tnum_const(uint64_t v)
{
	return (struct bpfx_tnum){v, 0};
}
static inline struct bpfx_tnum bpfx_tnum_unknown(void)
{
	return (struct bpfx_tnum){0, ~0ull};
}
static inline bool bpfx_tnum_is_const(struct bpfx_tnum t)
{
	return t.mask == 0;
}
/* Smallest and largest members (unsigned). */
static inline uint64_t bpfx_tnum_umin(struct bpfx_tnum t)
{
	return t.value;
}
static inline uint64_t bpfx_tnum_umax(struct bpfx_tnum t)
{
	return t.value | t.mask;
}
/* Is the concrete value v a member of t? */
static inline bool bpfx_tnum_contains(struct bpfx_tnum t, uint64_t v)
{
	return (v & ~t.mask) == t.value;
}
/* Is every member of a a member of b (a is a subset of b)? */
static inline bool bpfx_tnum_in(struct bpfx_tnum a, struct bpfx_tnum b)
{
	return (a.mask & ~b.mask) == 0 && (a.value & ~b.mask) == b.value;
}
static inline bool bpfx_tnum_equal(struct bpfx_tnum a, struct bpfx_tnum b)
{
	return a.value == b.value && a.mask == b.mask;
}
/* Do a and b have a member in common? */
static inline bool bpfx_tnum_overlap(struct bpfx_tnum a, struct bpfx_tnum b)
{
	return ((a.value ^ b.value) & ~a.mask & ~b.mask) == 0;
}

/* Smallest tnum containing every value in [min, max] (unsigned). */
struct bpfx_tnum bpfx_tnum_range(uint64_t min, uint64_t max);

struct bpfx_tnum bpfx_tnum_add(struct bpfx_tnum a, struct bpfx_tnum b);
struct bpfx_tnum bpfx_tnum_sub(struct bpfx_tnum a, struct bpfx_tnum b);
struct bpfx_tnum bpfx_tnum_neg(struct bpfx_tnum a);
struct bpfx_tnum bpfx_tnum_mul(struct bpfx_tnum a, struct bpfx_tnum b);
struct bpfx_tnum bpfx_tnum_and(struct bpfx_tnum a, struct bpfx_tnum b);
struct bpfx_tnum bpfx_tnum_or(struct bpfx_tnum a, struct bpfx_tnum b);
struct bpfx_tnum bpfx_tnum_xor(struct bpfx_tnum a, struct bpfx_tnum b);
/* Shifts by a known amount k < 64. */
struct bpfx_tnum bpfx_tnum_lshift(struct bpfx_tnum a, unsigned k);
struct bpfx_tnum bpfx_tnum_rshift(struct bpfx_tnum a, unsigned k);
/* Arithmetic right shift of the low `bits` bits (32 or 64) by k < bits; the
 * result is truncated to `bits` bits (zero-extended for 32). */
struct bpfx_tnum bpfx_tnum_arshift(struct bpfx_tnum a, unsigned k, int bits);

/* Members of both (meaningless if they do not overlap). */
struct bpfx_tnum bpfx_tnum_intersect(struct bpfx_tnum a, struct bpfx_tnum b);
/* Smallest tnum containing every member of a and of b. */
struct bpfx_tnum bpfx_tnum_union(struct bpfx_tnum a, struct bpfx_tnum b);

/* Truncation to the low `bytes` bytes (1, 2, 4, 8), zero-extended. */
struct bpfx_tnum bpfx_tnum_cast(struct bpfx_tnum a, unsigned bytes);
/* Sign extension of the low `bits` bits (8, 16, 32) to 64 bits. */
struct bpfx_tnum bpfx_tnum_sext(struct bpfx_tnum a, unsigned bits);
/* Byte swap of the low `bits` bits (16, 32, 64), result zero-extended. */
struct bpfx_tnum bpfx_tnum_bswap(struct bpfx_tnum a, unsigned bits);

static inline struct bpfx_tnum bpfx_tnum_subreg(struct bpfx_tnum a)
{
	return bpfx_tnum_cast(a, 4);
}
/* a with its low 32 bits replaced by the low 32 bits of lo. */
static inline struct bpfx_tnum bpfx_tnum_with_subreg(struct bpfx_tnum a, struct bpfx_tnum lo)
{
	const uint64_t hi = 0xffffffff00000000ull;
	return (struct bpfx_tnum){(a.value & hi) | (lo.value & ~hi), (a.mask & hi) | (lo.mask & ~hi)};
}

/* "0x1?0?" style text: known bits, '?' for unknown ones (buf >= 20 bytes
 * gives "(value; mask)" for wide unknowns). Returns buf. */
char *bpfx_tnum_str(struct bpfx_tnum t, char *buf, unsigned long len);

#endif
