/* SPDX-License-Identifier: MIT */
/*
 * arm64.h - A64 instruction encoders for the arm64 backend of the JIT.
 *
 * Each encoder returns the 32-bit instruction word; arm64.c writes it with
 * emit(). Register numbers are A64 register numbers (31 is xzr or sp,
 * depending on the instruction, as in the architecture manual).
 */
#ifndef BPFX_JIT_ARM64_H
#define BPFX_JIT_ARM64_H

#include <stdbool.h>
#include <stdint.h>

/* A64 condition codes. */
enum a64_cond {
	A64_EQ = 0, A64_NE = 1, A64_HS = 2, A64_LO = 3, A64_MI = 4, A64_PL = 5,
	A64_HI = 8, A64_LS = 9, A64_GE = 10, A64_LT = 11, A64_GT = 12, A64_LE = 13,
};

#define A64_ZR 31
#define A64_SP 31

static inline uint32_t a64_sf(int w) { return w ? 0x80000000u : 0; }

/* <op> Rd, Rn, Rm (shifted register, no shift): add, sub, and, orr, eor */
#define A64_ADD_RR 0x0b000000u
#define A64_SUB_RR 0x4b000000u
#define A64_AND_RR 0x0a000000u
#define A64_ORR_RR 0x2a000000u
#define A64_EOR_RR 0x4a000000u
#define A64_SUBS_RR 0x6b000000u
#define A64_ANDS_RR 0x6a000000u
#define A64_ORN_RR 0x2a200000u
static inline uint32_t a64_rrr(uint32_t op, int w, int rd, int rn, int rm)
{
	return op | a64_sf(w) | (uint32_t)rm << 16 | (uint32_t)rn << 5 | (uint32_t)rd;
}

/* Data-processing (2 source): udiv, sdiv, lslv, lsrv, asrv */
#define A64_UDIV 0x1ac00800u
#define A64_SDIV 0x1ac00c00u
#define A64_LSLV 0x1ac02000u
#define A64_LSRV 0x1ac02400u
#define A64_ASRV 0x1ac02800u

/* madd Rd, Rn, Rm, Ra / msub Rd, Rn, Rm, Ra */
static inline uint32_t a64_madd(int w, bool sub, int rd, int rn, int rm, int ra)
{
	return 0x1b000000u | a64_sf(w) | (sub ? 0x8000u : 0) | (uint32_t)rm << 16 |
	       (uint32_t)ra << 10 | (uint32_t)rn << 5 | (uint32_t)rd;
}

/* add/sub/adds/subs Rd, Rn, #imm12 (Rn and Rd may be sp for add/sub) */
#define A64_ADD_I 0x11000000u
#define A64_SUB_I 0x51000000u
#define A64_SUBS_I 0x71000000u
static inline uint32_t a64_addi(uint32_t op, int w, int rd, int rn, uint32_t imm12)
{
	return op | a64_sf(w) | (imm12 & 0xfff) << 10 | (uint32_t)rn << 5 | (uint32_t)rd;
}

/* movz/movk/movn Rd, #imm16, lsl #16*hw */
#define A64_MOVN 0x12800000u
#define A64_MOVZ 0x52800000u
#define A64_MOVK 0x72800000u
static inline uint32_t a64_mov16(uint32_t op, int w, int rd, uint32_t imm16, int hw)
{
	return op | a64_sf(w) | (uint32_t)hw << 21 | (imm16 & 0xffff) << 5 | (uint32_t)rd;
}

/* sbfm/ubfm Rd, Rn, #immr, #imms */
static inline uint32_t a64_bfm(bool sgn, int w, int rd, int rn, int immr, int imms)
{
	return (sgn ? 0x13000000u : 0x53000000u) | (w ? 0x80400000u : 0) | (uint32_t)immr << 16 |
	       (uint32_t)imms << 10 | (uint32_t)rn << 5 | (uint32_t)rd;
}

/* extr Rd, Rn, Rm, #lsb (ror when Rn == Rm) */
static inline uint32_t a64_extr(int rd, int rn, int rm, int lsb)
{
	return 0x93c00000u | (uint32_t)rm << 16 | (uint32_t)lsb << 10 | (uint32_t)rn << 5 | (uint32_t)rd;
}

/* rev16 Wd, Wn / rev Wd, Wn / rev Xd, Xn */
#define A64_REV16_W 0x5ac00400u
#define A64_REV_W 0x5ac00800u
#define A64_REV_X 0xdac00c00u
static inline uint32_t a64_rr1(uint32_t op, int rd, int rn)
{
	return op | (uint32_t)rn << 5 | (uint32_t)rd;
}

/* Loads and stores by size (1, 2, 4, 8): size field in bits 31:30. */
static inline uint32_t a64_size(int bytes)
{
	return bytes == 1 ? 0 : bytes == 2 ? 1u << 30 : bytes == 4 ? 2u << 30 : 3u << 30;
}
/* ldr/ldrs/str Rt, [Rn, Xm] (register offset); kind: 0 store, 1 load, 2 load sign-extended to 64 */
static inline uint32_t a64_ldst_rr(int bytes, int kind, int rt, int rn, int rm)
{
	uint32_t opc = kind == 0 ? 0 : kind == 1 ? 0x400000u : 0x800000u;
	return 0x38206800u | a64_size(bytes) | opc | (uint32_t)rm << 16 | (uint32_t)rn << 5 |
	       (uint32_t)rt;
}
/* ldur/ldurs/stur Rt, [Rn, #simm9] */
static inline uint32_t a64_ldst_u(int bytes, int kind, int rt, int rn, int32_t off)
{
	uint32_t opc = kind == 0 ? 0 : kind == 1 ? 0x400000u : 0x800000u;
	return 0x38000000u | a64_size(bytes) | opc | ((uint32_t)off & 0x1ff) << 12 |
	       (uint32_t)rn << 5 | (uint32_t)rt;
}
/* ldr/str Rt, [Rn, #off] with off a multiple of bytes (unsigned scaled imm12) */
static inline uint32_t a64_ldst_i(int bytes, bool load, int rt, int rn, uint32_t off)
{
	return 0x39000000u | a64_size(bytes) | (load ? 0x400000u : 0) |
	       ((off / (uint32_t)bytes) & 0xfff) << 10 | (uint32_t)rn << 5 | (uint32_t)rt;
}
/* ldr Xt, [Xn, Xm, lsl #3] */
static inline uint32_t a64_ldr_lsl3(int rt, int rn, int rm)
{
	return 0xf8607800u | (uint32_t)rm << 16 | (uint32_t)rn << 5 | (uint32_t)rt;
}

/* stp/ldp Xt1, Xt2, [Xn, #off] (mode: 0x010 offset, 0x011 pre-index, 0x001 post-index) */
#define A64_PAIR_POST 0x00800000u
#define A64_PAIR_OFF 0x01000000u
#define A64_PAIR_PRE 0x01800000u
static inline uint32_t a64_pair(bool load, uint32_t mode, int rt, int rt2, int rn, int32_t off)
{
	return 0xa8000000u | mode | (load ? 0x400000u : 0) | ((uint32_t)(off / 8) & 0x7f) << 15 |
	       (uint32_t)rt2 << 10 | (uint32_t)rn << 5 | (uint32_t)rt;
}

/* ldar/stlr Rt, [Xn] */
static inline uint32_t a64_ldar(int bytes, bool load, int rt, int rn)
{
	return (load ? 0x08dffc00u : 0x089ffc00u) | a64_size(bytes) | (uint32_t)rn << 5 | (uint32_t)rt;
}

/* LSE, acquire+release: ld<op>al Rs, Rt, [Xn] (op 0 add, 1 clr, 2 eor, 3 set), swpal, casal */
static inline uint32_t a64_ldopal(int bytes, int op, int rs, int rt, int rn)
{
	return 0x38e00000u | a64_size(bytes) | (uint32_t)op << 12 | (uint32_t)rs << 16 |
	       (uint32_t)rn << 5 | (uint32_t)rt;
}
static inline uint32_t a64_swpal(int bytes, int rs, int rt, int rn)
{
	return 0x38e08000u | a64_size(bytes) | (uint32_t)rs << 16 | (uint32_t)rn << 5 | (uint32_t)rt;
}
static inline uint32_t a64_casal(int bytes, int rs, int rt, int rn)
{
	return 0x08e0fc00u | a64_size(bytes) | (uint32_t)rs << 16 | (uint32_t)rn << 5 | (uint32_t)rt;
}

/* Branches; offsets in bytes from the branch itself. */
static inline uint32_t a64_b(int64_t off) { return 0x14000000u | ((uint32_t)(off >> 2) & 0x3ffffff); }
static inline uint32_t a64_bl(int64_t off) { return 0x94000000u | ((uint32_t)(off >> 2) & 0x3ffffff); }
static inline uint32_t a64_bcond(int cond, int64_t off)
{
	return 0x54000000u | ((uint32_t)(off >> 2) & 0x7ffff) << 5 | (uint32_t)cond;
}
#define A64_BLR(rn) (0xd63f0000u | (uint32_t)(rn) << 5)
#define A64_BR(rn) (0xd61f0000u | (uint32_t)(rn) << 5)
#define A64_RET 0xd65f03c0u
#define A64_BRK 0xd4200000u

#endif /* BPFX_JIT_ARM64_H */
