/* SPDX-License-Identifier: MIT */
/*
 * bounds.h - the scalar domain of the verifier: a tnum plus unsigned and
 * signed intervals of the full 64-bit value and of its low 32 bits.
 *
 * A struct bpfx_scalar stands for the set of 64-bit values x with
 *     x in t,  umin <= x <= umax,  smin <= (s64)x <= smax,
 *     u32min <= (u32)x <= u32max,  s32min <= (s32)x <= s32max,
 * i.e. the intersection of the five components. Each component may know
 * something the others do not; bpfx_scalar_sync() carries facts between them
 * (and detects an empty set, which is how a branch is found infeasible).
 *
 * Interval arithmetic is written once for a width of 32 or 64 bits: a
 * struct bpfx_range holds the interval of one width, with 32-bit values in
 * [0, 2^32) unsigned and [-2^31, 2^31) signed.
 *
 * Every transfer function is sound: any concrete result of the operation on
 * members of the operands is a member of the result. All functions are pure.
 */
#ifndef BPFX_VERIFIER_BOUNDS_H
#define BPFX_VERIFIER_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>

#include "tnum.h"

struct bpfx_range {
	uint64_t umin, umax;
	int64_t smin, smax;
};

struct bpfx_scalar {
	struct bpfx_tnum t;
	struct bpfx_range r64; /* the whole value */
	struct bpfx_range r32; /* its low 32 bits */
};

/* ALU operations of the ISA (both widths). */
enum bpfx_aop {
	BPFX_AOP_ADD, BPFX_AOP_SUB, BPFX_AOP_MUL, BPFX_AOP_DIV, BPFX_AOP_SDIV, BPFX_AOP_MOD,
	BPFX_AOP_SMOD, BPFX_AOP_OR, BPFX_AOP_AND, BPFX_AOP_XOR, BPFX_AOP_LSH, BPFX_AOP_RSH,
	BPFX_AOP_ARSH, BPFX_AOP_NEG, BPFX_AOP_MOV,
	BPFX_AOP__COUNT
};

/* Conditions of conditional jumps: "a COND b". NSET is "(a & b) == 0", the
 * fall-through of JSET. */
enum bpfx_cond {
	BPFX_COND_EQ, BPFX_COND_NE, BPFX_COND_GT, BPFX_COND_GE, BPFX_COND_LT, BPFX_COND_LE,
	BPFX_COND_SGT, BPFX_COND_SGE, BPFX_COND_SLT, BPFX_COND_SLE, BPFX_COND_SET, BPFX_COND_NSET,
	BPFX_COND__COUNT
};

/* The condition that holds when `c` does not. */
enum bpfx_cond bpfx_cond_negate(enum bpfx_cond c);
/* The condition with its operands swapped: a c b <=> b swap(c) a. */
enum bpfx_cond bpfx_cond_swap(enum bpfx_cond c);
const char *bpfx_cond_name(enum bpfx_cond c); /* "==", "s<", ... */
const char *bpfx_aop_name(enum bpfx_aop op);  /* "+=", ... */

/* Concrete semantics (as the ISA defines them, including division by zero
 * and shift amounts masked to the width). `bits` is 32 or 64; a 32-bit result
 * is zero-extended. */
uint64_t bpfx_alu_eval(enum bpfx_aop op, int bits, uint64_t a, uint64_t b);
bool bpfx_cond_eval(enum bpfx_cond c, int bits, uint64_t a, uint64_t b);

struct bpfx_scalar bpfx_scalar_unknown(void);
struct bpfx_scalar bpfx_scalar_const(uint64_t v);
/* Every value in [umin, umax] (unsigned). */
struct bpfx_scalar bpfx_scalar_urange(uint64_t umin, uint64_t umax);
static inline bool bpfx_scalar_is_const(const struct bpfx_scalar *s)
{
	return bpfx_tnum_is_const(s->t);
}

bool bpfx_scalar_contains(const struct bpfx_scalar *s, uint64_t v);
/* Is every member of a a member of b? (component-wise, so may say no for
 * sets that are in fact included; never says yes wrongly) */
bool bpfx_scalar_in(const struct bpfx_scalar *a, const struct bpfx_scalar *b);
bool bpfx_scalar_equal(const struct bpfx_scalar *a, const struct bpfx_scalar *b);
/* Smallest cover of both (component-wise join). */
struct bpfx_scalar bpfx_scalar_union(const struct bpfx_scalar *a, const struct bpfx_scalar *b);

/* Carries facts between the components until they agree (a bounded number
 * of rounds). Returns false if the set is empty. */
bool bpfx_scalar_sync(struct bpfx_scalar *s);

/* dst = dst OP src at width `bits` (32: the result is zero-extended, as the
 * ISA's 32-bit ALU does). NEG ignores src; MOV copies (32: zero-extends).
 * Shift amounts are masked to the width like the ISA does. */
void bpfx_scalar_alu(enum bpfx_aop op, int bits, struct bpfx_scalar *dst, const struct bpfx_scalar *src);

/* Keeps the low `bytes` bytes (1, 2, 4, 8), zero-extended (narrow loads,
 * le16/le32, mov32). */
void bpfx_scalar_trunc(struct bpfx_scalar *s, unsigned bytes);
/* Sign-extends the low `from` bits (8, 16, 32) into `to` bits (32 or 64; a
 * 32-bit result is zero-extended to 64): movsx and sign-extending loads. */
void bpfx_scalar_sext(struct bpfx_scalar *s, unsigned from, int to);
/* Byte swap of the low `bits` bits (16, 32, 64), zero-extended. */
void bpfx_scalar_bswap(struct bpfx_scalar *s, unsigned bits);

/*
 * Branch refinement: assumes "a COND b" at width `bits` holds if `taken`,
 * and its negation otherwise, and narrows a and b to the members for which
 * it does. Returns false if no members of a and b satisfy it (the outcome is
 * impossible). Never removes a pair of values that satisfies it.
 */
bool bpfx_scalar_branch(enum bpfx_cond c, int bits, bool taken, struct bpfx_scalar *a,
			struct bpfx_scalar *b);

/* "u64=[..] s64=[..] u32=[..] s32=[..] tnum" or the constant; returns buf. */
char *bpfx_scalar_str(const struct bpfx_scalar *s, char *buf, unsigned long len);

#endif
