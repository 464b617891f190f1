/* SPDX-License-Identifier: MIT */
/*
 * arm64.c - the arm64 (A64) backend of the JIT. Same API and run contract as
 * the x86-64 backend (jit.h); see docs/jit-arm64.md.
 *
 * Registers: BPF r0 = x7, r1..r5 = x0..x4 (so helper arguments are already
 * in place; x5 gets the bpfx_run *), r6..r9 = x19..x22, r10 = x25. x23 holds
 * the struct bpfx_jit_run * for the whole run and x24 the poll budget (poll
 * variant only; written back to run->budget around helper calls and at the
 * end). Scratch: x9, x10, x16, x17.
 *
 * Code is produced in passes into a bounds-checked buffer, recording where
 * each BPF instruction starts (addrs[]). A conditional branch is one b.cond
 * (+-1 MiB) when the target from the previous pass is in reach, else
 * b.!cond over a b (+-128 MiB). Passes repeat until no offset moves; if they
 * do not settle, every conditional branch takes the long form.
 *
 * Image: [trampoline][common exit handlers][body, each function's prologue
 * just before its first instruction][per-instruction exit stubs].
 *
 * Native frame of a BPF function (560 bytes, a multiple of 16): the caller's
 * x25 and the return address x30, the 512-byte BPF stack (r10 = x25 is its
 * top), then the caller's r6..r9 (x19..x22). Atomics use the LSE
 * instructions (ARMv8.1); the compile fails cleanly on a CPU without them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/auxv.h>
#endif

#include "../isa/isa_internal.h"
#include "arm64.h"
#include "driver.h"
#include "jit.h"
#include "runtime.h"

#define R0 7
#define RUN 23
#define BUDGET 24
#define FP 25
#define T0 9
#define T1 10
#define IP0 16
#define IP1 17
#define LR 30

static const uint8_t reg_map[11] = {7, 0, 1, 2, 3, 4, 19, 20, 21, 22, 25};

#define FRAME_BYTES (16 + BPFX_STACK_SIZE + 32)
#define MAX_INSN_BYTES 320 /* upper bound of the code of one BPF instruction */
#define ENTRY_BYTES 96     /* upper bound of a function prologue */
#define STUB_BYTES 16      /* movz; movk; str w9, [x23, insn]; b common */
#define ATOMIC_FETCH 0x01 /* imm bit of the fetching atomics */
#define RUN_OFF(f) ((uint32_t)offsetof(struct bpfx_jit_run, f))

enum { EX_BUDGET, EX_CANCEL, EX_DEPTH, EX_NOHELPER, EX_BADJUMP, EX_STOP, EX_PKT, EX__COUNT };

/* struct bpfx_jit_prog: runtime.h */

struct jit {
	const struct bpfx_diag *d;
	const struct bpfx_insn *insns;
	size_t count;
	const int16_t *ops;
	const struct bpfx_jit_env *env;
	uint8_t *buf;
	size_t len, cap;
	bool overflow, range_err, poll, force_far;
	uint64_t base;        /* address of the final mapping */
	uint32_t *addrs;      /* count + 1 */
	uint32_t *entry;      /* per slot */
	uint8_t *is_entry;
	const uint8_t *leaf; /* per slot: a leaf function starts here */
	uint32_t common[EX__COUNT];
	uint32_t tramp_ret, unwind;
	uint32_t stub_start, nstubs;
	uint32_t *stub_insn;  /* per stub: instruction */
	uint8_t *stub_kind;
	size_t max_stubs;
	uint64_t gotox_table;
	bool blind;           /* BPFX_JIT_BLIND */
	uint64_t key;         /* blinding key */
};

/* ---- buffer ------------------------------------------------------------- */

static void emit(struct jit *j, uint32_t word)
{
	if (j->len + 4 > j->cap) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, &word, 4);
	j->len += 4;
}

static void patch(struct jit *j, size_t at, uint32_t word)
{
	if (at + 4 <= j->cap && !j->overflow)
		memcpy(j->buf + at, &word, 4);
}

static bool fits_signed(int64_t v, int bits)
{
	return v >= -((int64_t)1 << (bits - 1)) && v < ((int64_t)1 << (bits - 1));
}

/* mov Rd, #v: movz/movn then movk for the other non-trivial halfwords */
static void emit_mov_imm(struct jit *j, bool w, int rd, uint64_t v)
{
	int n = w ? 4 : 2;
	if (!w)
		v &= 0xffffffffu;
	int zeros = 0, ones = 0;
	for (int k = 0; k < n; k++) {
		uint16_t h = (uint16_t)(v >> (16 * k));
		zeros += h == 0;
		ones += h == 0xffff;
	}
	bool inv = ones > zeros;
	uint16_t fill = inv ? 0xffff : 0;
	bool first = true;
	for (int k = 0; k < n; k++) {
		uint16_t h = (uint16_t)(v >> (16 * k));
		if (h == fill)
			continue;
		if (first)
			emit(j, a64_mov16(inv ? A64_MOVN : A64_MOVZ, w, rd, inv ? (uint16_t)~h : h, k)); /* movz/movn rd, #h, lsl #16k */
		else
			emit(j, a64_mov16(A64_MOVK, w, rd, h, k)); /* movk rd, #h, lsl #16k */
		first = false;
	}
	if (first) /* all halfwords equal the fill */
		emit(j, a64_mov16(inv ? A64_MOVN : A64_MOVZ, w, rd, 0, 0)); /* movz rd, #0 / movn rd, #0 */
}

/* rd = an immediate of the program; with blinding, (v ^ key) ^ key through x17 */
static void emit_user_imm(struct jit *j, bool w, int rd, uint64_t v)
{
	if (!j->blind || v == 0) {
		emit_mov_imm(j, w, rd, v); /* mov rd, #v */
		return;
	}
	emit_mov_imm(j, w, rd, v ^ j->key);                      /* mov rd, #(v ^ key) */
	emit_mov_imm(j, w, IP1, j->key);                         /* mov x17, #key */
	emit(j, 0x4a000000u | a64_sf(w) | (uint32_t)IP1 << 16 | (uint32_t)rd << 5 | (uint32_t)rd); /* eor rd, rd, x17 */
}

static void emit_mov_rr(struct jit *j, bool w, int rd, int rm)
{
	emit(j, a64_rrr(A64_ORR_RR, w, rd, A64_ZR, rm)); /* mov rd, rm */
}

static void emit_run_ldr(struct jit *j, int bytes, int rt, uint32_t off)
{
	emit(j, a64_ldst_i(bytes, true, rt, RUN, off)); /* ldr rt, [x23, #off] */
}

static void emit_run_str(struct jit *j, int bytes, int rt, uint32_t off)
{
	emit(j, a64_ldst_i(bytes, false, rt, RUN, off)); /* str rt, [x23, #off] */
}

/* ---- branches ----------------------------------------------------------- */

static void emit_b_to(struct jit *j, uint64_t target)
{
	int64_t off = (int64_t)target - (int64_t)j->len;
	if (!fits_signed(off, 28))
		j->range_err = true;
	emit(j, a64_b(off)); /* b target */
}

/* b.cond to an image offset (as of the previous pass for forward targets) */
static void emit_bcond_to(struct jit *j, int cond, uint64_t target)
{
	int64_t off = (int64_t)target - (int64_t)j->len;
	if (!j->force_far && fits_signed(off, 21)) {
		emit(j, a64_bcond(cond, off)); /* b.cond target */
		return;
	}
	emit(j, a64_bcond(cond ^ 1, 8)); /* b.!cond +8 */
	emit_b_to(j, target);             /* b target */
}

/* forward b.cond over code emitted next; patched with patch_fwd */
static size_t emit_bcond_fwd(struct jit *j, int cond)
{
	size_t at = j->len;
	emit(j, a64_bcond(cond, 0)); /* b.cond <later> */
	return at;
}

static void patch_fwd(struct jit *j, size_t at, int cond)
{
	patch(j, at, a64_bcond(cond, (int64_t)j->len - (int64_t)at));
}

/* b.cond to a per-instruction exit stub */
static void emit_exit_bcond(struct jit *j, int cond, size_t insn, int kind)
{
	if (j->nstubs >= j->max_stubs) {
		j->range_err = true;
		return;
	}
	uint32_t k = j->nstubs++;
	j->stub_insn[k] = (uint32_t)insn;
	j->stub_kind[k] = (uint8_t)kind;
	emit_bcond_to(j, cond, (uint64_t)j->stub_start + (uint64_t)k * STUB_BYTES);
}

static void emit_poll(struct jit *j, size_t insn)
{
	if (!j->poll)
		return;
	emit(j, a64_addi(A64_SUBS_I, true, A64_ZR, BUDGET, 0));     /* cmp x24, #0 */
	emit_exit_bcond(j, A64_EQ, insn, EX_BUDGET);                /* b.eq budget_stub */
	emit(j, a64_addi(A64_SUB_I, true, BUDGET, BUDGET, 1));      /* sub x24, x24, #1 */
	emit_run_ldr(j, 8, T0, RUN_OFF(cancel));                    /* ldr x9, [x23, cancel] */
	emit(j, a64_ldst_i(4, true, T0, T0, 0));                    /* ldr w9, [x9] */
	emit(j, a64_addi(A64_SUBS_I, false, A64_ZR, T0, 0));        /* cmp w9, #0 */
	emit_exit_bcond(j, A64_NE, insn, EX_CANCEL);                /* b.ne cancel_stub */
}

/* conditional branch to BPF instruction `target`; a taken backward branch polls */
static void emit_branch(struct jit *j, size_t insn, int cond, size_t target)
{
	if (j->poll && target <= insn) {
		size_t skip = emit_bcond_fwd(j, cond ^ 1); /* b.!cond skip */
		emit_poll(j, insn);
		emit_b_to(j, j->addrs[target]);            /* b target */
		patch_fwd(j, skip, cond ^ 1);
		return;
	}
	emit_bcond_to(j, cond, j->addrs[target]);
}

/* ---- ALU ---------------------------------------------------------------- */

/* The second operand of an ALU op: src, or the immediate in x16. */
static int alu_operand(struct jit *j, const struct bpfx_insn *x, bool w)
{
	if (x->code & BPFX_SRC_X)
		return reg_map[x->src];
	emit_user_imm(j, w, IP0, (uint64_t)(int64_t)x->imm); /* mov x16, #imm */
	return IP0;
}

static void emit_alu(struct jit *j, const struct bpfx_insn *x, bool w, uint32_t op)
{
	int dst = reg_map[x->dst];
	int s = alu_operand(j, x, w);
	emit(j, a64_rrr(op, w, dst, dst, s)); /* <op> dst, dst, s */
}

static void emit_divmod(struct jit *j, const struct bpfx_insn *x, bool w, bool mod, bool sgn)
{
	/* udiv/sdiv give 0 for a zero divisor and INT_MIN for INT_MIN / -1,
	 * as RFC 9669 wants; dst - (dst / 0) * 0 leaves dst unchanged. */
	int dst = reg_map[x->dst];
	int s = alu_operand(j, x, w);
	uint32_t op = sgn ? A64_SDIV : A64_UDIV;
	if (!mod) {
		emit(j, a64_rrr(op, w, dst, dst, s)); /* udiv/sdiv dst, dst, s */
		return;
	}
	emit(j, a64_rrr(op, w, IP1, dst, s));         /* udiv/sdiv x17, dst, s */
	emit(j, a64_madd(w, true, dst, IP1, s, dst)); /* msub dst, x17, s, dst */
}

static void emit_mul(struct jit *j, const struct bpfx_insn *x, bool w)
{
	int dst = reg_map[x->dst];
	int s = alu_operand(j, x, w);
	emit(j, a64_madd(w, false, dst, dst, s, A64_ZR)); /* mul dst, dst, s */
}

static void emit_shift(struct jit *j, const struct bpfx_insn *x, bool w, uint32_t op)
{
	int dst = reg_map[x->dst];
	if (x->code & BPFX_SRC_X) {
		/* lslv/lsrv/asrv take the count modulo the width, like BPF */
		emit(j, a64_rrr(op, w, dst, dst, reg_map[x->src])); /* lslv dst, dst, src */
		return;
	}
	int size = w ? 64 : 32, n = x->imm & (size - 1);
	if (op == A64_LSLV) /* lsl dst, dst, #n */
		emit(j, a64_bfm(false, w, dst, dst, (size - n) & (size - 1), size - 1 - n));
	else                /* lsr/asr dst, dst, #n */
		emit(j, a64_bfm(op == A64_ASRV, w, dst, dst, n, size - 1));
}

static void emit_endian(struct jit *j, int dst, int bits, bool swap)
{
	switch (bits) {
	case 16:
		if (swap)
			emit(j, a64_rr1(A64_REV16_W, dst, dst)); /* rev16 wdst, wdst */
		emit(j, a64_bfm(false, false, dst, dst, 0, 15)); /* uxth wdst, wdst */
		break;
	case 32:
		if (swap)
			emit(j, a64_rr1(A64_REV_W, dst, dst)); /* rev wdst, wdst */
		else
			emit_mov_rr(j, false, dst, dst);       /* mov wdst, wdst */
		break;
	default:
		if (swap)
			emit(j, a64_rr1(A64_REV_X, dst, dst)); /* rev xdst, xdst */
		break;
	}
}

/* ---- memory ------------------------------------------------------------- */

/* ldr/ldrs/str rt, [base + off]; kind: 0 store, 1 load, 2 sign-extending load */
static void emit_ldst(struct jit *j, int bytes, int kind, int rt, int base, int32_t off)
{
	if (off >= -256 && off <= 255) {
		emit(j, a64_ldst_u(bytes, kind, rt, base, off)); /* ldur/stur rt, [base, #off] */
		return;
	}
	emit_mov_imm(j, true, IP1, (uint64_t)(int64_t)off); /* mov x17, #off */
	emit(j, a64_ldst_rr(bytes, kind, rt, base, IP1));    /* ldr/str rt, [base, x17] */
}

/* x16 = base + off */
static void emit_addr(struct jit *j, int base, int32_t off)
{
	if (off == 0) {
		emit_mov_rr(j, true, IP0, base); /* mov x16, base */
		return;
	}
	emit_mov_imm(j, true, IP0, (uint64_t)(int64_t)off); /* mov x16, #off */
	emit(j, a64_rrr(A64_ADD_RR, true, IP0, IP0, base));  /* add x16, x16, base */
}

static void emit_atomic(struct jit *j, const struct bpfx_insn *x)
{
	int bytes = x->code == 0xdb ? 8 : 4;
	bool w = bytes == 8;
	int src = reg_map[x->src];
	bool fetch = x->imm & ATOMIC_FETCH;
	emit_addr(j, reg_map[x->dst], x->off);
	switch (x->imm & ~ATOMIC_FETCH) {
	case 0x00: /* ldaddal src, xzr|x17, [x16] */
		emit(j, a64_ldopal(bytes, 0, src, fetch ? IP1 : A64_ZR, IP0));
		break;
	case 0x40: /* ldsetal src, xzr|x17, [x16] */
		emit(j, a64_ldopal(bytes, 3, src, fetch ? IP1 : A64_ZR, IP0));
		break;
	case 0xa0: /* ldeoral src, xzr|x17, [x16] */
		emit(j, a64_ldopal(bytes, 2, src, fetch ? IP1 : A64_ZR, IP0));
		break;
	case 0x50:
		emit(j, a64_rrr(A64_ORN_RR, w, T0, A64_ZR, src));                /* mvn x9, src */
		emit(j, a64_ldopal(bytes, 1, T0, fetch ? IP1 : A64_ZR, IP0));     /* ldclral x9, xzr|x17, [x16] */
		break;
	case 0xe0:
		emit(j, a64_swpal(bytes, src, IP1, IP0)); /* swpal src, x17, [x16] */
		break;
	case 0xf0:
		emit(j, a64_casal(bytes, R0, src, IP0));  /* casal r0, src, [x16] */
		return;
	default:
		j->range_err = true; /* cannot happen: the table has no other rows */
		return;
	}
	if (fetch)
		emit_mov_rr(j, w, src, IP1); /* mov src, x17 */
}

/* LD_ABS / LD_IND: r0 = big-endian load from the run's packet */
static void emit_ld_packet(struct jit *j, size_t insn, const struct bpfx_insn *x, bool ind)
{
	int size = bpfx_code_size(x->code);
	emit_user_imm(j, true, T0, (uint64_t)(int64_t)x->imm);               /* mov x9, #imm */
	if (ind)
		emit(j, a64_rrr(A64_ADD_RR, true, T0, T0, reg_map[x->src]));  /* add x9, x9, src */
	emit_run_ldr(j, 8, T1, RUN_OFF(pkt_len));                        /* ldr x10, [x23, pkt_len] */
	emit(j, a64_addi(A64_SUBS_I, true, T1, T1, (uint32_t)size));     /* subs x10, x10, #size */
	emit_exit_bcond(j, A64_LO, insn, EX_PKT);                        /* b.lo pkt_stub */
	emit(j, a64_rrr(A64_SUBS_RR, true, A64_ZR, T0, T1));             /* cmp x9, x10 */
	emit_exit_bcond(j, A64_HI, insn, EX_PKT);                        /* b.hi pkt_stub */
	emit_run_ldr(j, 8, T1, RUN_OFF(pkt));                            /* ldr x10, [x23, pkt] */
	emit(j, a64_ldst_rr(size, 1, R0, T1, T0));                       /* ldr(b/h) w7, [x10, x9] */
	if (size == 2) {
		emit(j, a64_rr1(A64_REV16_W, R0, R0));                   /* rev16 w7, w7 */
	} else if (size == 4) {
		emit(j, a64_rr1(A64_REV_W, R0, R0));                     /* rev w7, w7 */
	}
}

/* ---- calls -------------------------------------------------------------- */

/* blr x16 to a helper with r1..r5 in x0..x4; r0 = result; then the stop check */
static void emit_helper_blr(struct jit *j, size_t insn)
{
	if (j->poll)
		emit_run_str(j, 8, BUDGET, RUN_OFF(budget));   /* str x24, [x23, budget] */
	emit(j, a64_addi(A64_ADD_I, true, T0, A64_SP, 0));  /* mov x9, sp */
	emit_run_str(j, 8, T0, RUN_OFF(helper_rsp));        /* str x9, [x23, helper_rsp] */
	emit_run_ldr(j, 8, 5, RUN_OFF(helper_run));         /* ldr x5, [x23, helper_run] */
	emit(j, A64_BLR(IP0));                              /* blr x16 */
	emit_mov_rr(j, true, R0, 0);                        /* mov x7, x0 */
	if (j->poll)
		emit_run_ldr(j, 8, BUDGET, RUN_OFF(budget));   /* ldr x24, [x23, budget] */
	emit_run_ldr(j, 4, T0, RUN_OFF(stop));              /* ldr w9, [x23, stop] */
	emit(j, a64_addi(A64_SUBS_I, false, A64_ZR, T0, 0)); /* cmp w9, #0 */
	emit_exit_bcond(j, A64_NE, insn, EX_STOP);          /* b.ne stop_stub */
}

static void emit_callx(struct jit *j, size_t insn, const struct bpfx_insn *x)
{
	int id = reg_map[x->dst];
	uint32_t save = RUN_OFF(save);
	emit_mov_rr(j, true, T1, id);                              /* mov x10, id */
	emit(j, a64_ldst_i(8, false, 0, RUN, save));               /* str x0, [x23, save] */
	emit(j, a64_ldst_i(8, false, 1, RUN, save + 8));           /* str x1, [x23, save+8] */
	emit(j, a64_ldst_i(8, false, 2, RUN, save + 16));          /* str x2, [x23, save+16] */
	emit(j, a64_ldst_i(8, false, 3, RUN, save + 24));          /* str x3, [x23, save+24] */
	emit(j, a64_ldst_i(8, false, 4, RUN, save + 32));          /* str x4, [x23, save+32] */
	emit_mov_rr(j, true, 1, T1);                               /* mov x1, x10 */
	emit_run_str(j, 8, 1, RUN_OFF(value));                     /* str x1, [x23, value] */
	emit_mov_imm(j, true, 0, (uint64_t)(uintptr_t)j->env->callx_vm); /* mov x0, #vm */
	uint64_t lookup;
	memcpy(&lookup, &j->env->callx_lookup, sizeof(lookup));
	emit_mov_imm(j, true, IP0, lookup);                         /* mov x16, #lookup */
	emit(j, A64_BLR(IP0));                                      /* blr x16 */
	emit(j, a64_addi(A64_SUBS_I, true, A64_ZR, 0, 0));         /* cmp x0, #0 */
	emit_exit_bcond(j, A64_EQ, insn, EX_NOHELPER);              /* b.eq nohelper_stub */
	emit_mov_rr(j, true, IP0, 0);                               /* mov x16, x0 */
	emit(j, a64_ldst_i(8, true, 0, RUN, save));                /* ldr x0, [x23, save] */
	emit(j, a64_ldst_i(8, true, 1, RUN, save + 8));            /* ldr x1, [x23, save+8] */
	emit(j, a64_ldst_i(8, true, 2, RUN, save + 16));           /* ldr x2, [x23, save+16] */
	emit(j, a64_ldst_i(8, true, 3, RUN, save + 24));           /* ldr x3, [x23, save+24] */
	emit(j, a64_ldst_i(8, true, 4, RUN, save + 32));           /* ldr x4, [x23, save+32] */
	emit_helper_blr(j, insn);
}

static void emit_gotox(struct jit *j, size_t insn, const struct bpfx_insn *x)
{
	emit_mov_rr(j, true, T0, reg_map[x->dst]);                         /* mov x9, dst */
	emit_run_str(j, 8, T0, RUN_OFF(value));                            /* str x9, [x23, value] */
	emit_mov_imm(j, true, T1, (uint64_t)(uintptr_t)j->insns);          /* mov x10, #insns */
	emit(j, a64_rrr(A64_SUB_RR, true, T0, T0, T1));                    /* sub x9, x9, x10 */
	emit(j, a64_extr(T0, T0, T0, 3));                                  /* ror x9, x9, #3 */
	emit_mov_imm(j, true, T1, j->count);                               /* mov x10, #count */
	emit(j, a64_rrr(A64_SUBS_RR, true, A64_ZR, T0, T1));               /* cmp x9, x10 */
	emit_exit_bcond(j, A64_HS, insn, EX_BADJUMP);                      /* b.hs badjump_stub */
	emit_mov_imm(j, true, T1, j->gotox_table);                         /* mov x10, #table */
	emit(j, a64_ldr_lsl3(IP1, T1, T0));                                /* ldr x17, [x10, x9, lsl #3] */
	emit(j, a64_addi(A64_SUBS_I, true, A64_ZR, IP1, 0));              /* cmp x17, #0 */
	emit_exit_bcond(j, A64_EQ, insn, EX_BADJUMP);                      /* b.eq badjump_stub */
	if (j->poll) {
		/* a jump to this instruction or before it is a back edge */
		emit_mov_imm(j, true, T1, j->base + j->addrs[insn]);       /* mov x10, #here */
		emit(j, a64_rrr(A64_SUBS_RR, true, A64_ZR, IP1, T1));      /* cmp x17, x10 */
		size_t fwd = emit_bcond_fwd(j, A64_HI);                    /* b.hi forward */
		emit_poll(j, insn);                                        /* (keeps x17) */
		patch_fwd(j, fwd, A64_HI);
	}
	emit(j, A64_BR(IP1)); /* br x17 */
}

/* ---- one instruction ---------------------------------------------------- */

#define CASE4(ID)                                                                      \
	case BPFX_OP_##ID##32_K: case BPFX_OP_##ID##32_X: case BPFX_OP_##ID##64_K:     \
	case BPFX_OP_##ID##64_X
#define CASE_JCC(ID)                                                                   \
	case BPFX_OP_##ID##_K: case BPFX_OP_##ID##_X: case BPFX_OP_##ID##32_K:         \
	case BPFX_OP_##ID##32_X

static void emit_cmp_jump(struct jit *j, size_t i, const struct bpfx_insn *x, int cond, bool test)
{
	bool w = BPFX_CLASS(x->code) == BPFX_CLS_JMP;
	int dst = reg_map[x->dst];
	int s = alu_operand(j, x, w);
	emit(j, a64_rrr(test ? A64_ANDS_RR : A64_SUBS_RR, w, A64_ZR, dst, s)); /* cmp/tst dst, s */
	emit_branch(j, i, cond, i + 1 + (int64_t)x->off);
}

static uint64_t lddw_value(const struct jit *j, size_t i)
{
	const struct bpfx_insn *x = &j->insns[i];
	switch (x->src) {
	case BPFX_LDDW_IMM64:
		return (uint64_t)(uint32_t)x->imm | ((uint64_t)(uint32_t)j->insns[i + 1].imm << 32);
	case BPFX_LDDW_CODE_ADDR:
		return (uint64_t)(uintptr_t)&j->insns[i + 1 + (int64_t)x->imm];
	default:
		return j->env->lddw_values[i];
	}
}

static void emit_exit_insn(struct jit *j)
{
	emit(j, a64_pair(true, A64_PAIR_OFF, 19, 20, A64_SP, 0));    /* ldp x19, x20, [sp] */
	emit(j, a64_pair(true, A64_PAIR_OFF, 21, 22, A64_SP, 16));   /* ldp x21, x22, [sp, #16] */
	emit(j, a64_addi(A64_ADD_I, true, A64_SP, FP, 0));            /* mov sp, x25 */
	emit(j, a64_pair(true, A64_PAIR_POST, FP, LR, A64_SP, 16));   /* ldp x25, x30, [sp], #16 */
	emit(j, A64_RET);                                             /* ret */
}

static void emit_insn(struct jit *j, size_t i, enum bpfx_op op)
{
	const struct bpfx_insn *x = &j->insns[i];
	bool w = bpfx_code_is64(x->code);
	int dst = reg_map[x->dst], src = reg_map[x->src];

	switch (op) {
	CASE4(ADD): emit_alu(j, x, w, A64_ADD_RR); break;
	CASE4(SUB): emit_alu(j, x, w, A64_SUB_RR); break;
	CASE4(OR): emit_alu(j, x, w, A64_ORR_RR); break;
	CASE4(AND): emit_alu(j, x, w, A64_AND_RR); break;
	CASE4(XOR): emit_alu(j, x, w, A64_EOR_RR); break;
	CASE4(MUL): emit_mul(j, x, w); break;
	CASE4(DIV): emit_divmod(j, x, w, false, false); break;
	CASE4(SDIV): emit_divmod(j, x, w, false, true); break;
	CASE4(MOD): emit_divmod(j, x, w, true, false); break;
	CASE4(SMOD): emit_divmod(j, x, w, true, true); break;
	CASE4(LSH): emit_shift(j, x, w, A64_LSLV); break;
	CASE4(RSH): emit_shift(j, x, w, A64_LSRV); break;
	CASE4(ARSH): emit_shift(j, x, w, A64_ASRV); break;
	case BPFX_OP_NEG32:
	case BPFX_OP_NEG64:
		emit(j, a64_rrr(A64_SUB_RR, w, dst, A64_ZR, dst)); /* neg dst, dst */
		break;
	case BPFX_OP_MOV32_K:
	case BPFX_OP_MOV64_K:
		emit_user_imm(j, w, dst, (uint64_t)(int64_t)x->imm); /* mov dst, #imm */
		break;
	case BPFX_OP_MOV32_X:
		emit_mov_rr(j, false, dst, src); /* mov wdst, wsrc */
		break;
	case BPFX_OP_MOV64_X:
	case BPFX_OP_ADDR_SPACE_CAST: /* one address space: a plain move */
		emit_mov_rr(j, true, dst, src); /* mov dst, src */
		break;
	case BPFX_OP_MOVSX32_8: emit(j, a64_bfm(true, false, dst, src, 0, 7)); break;  /* sxtb wdst, wsrc */
	case BPFX_OP_MOVSX32_16: emit(j, a64_bfm(true, false, dst, src, 0, 15)); break; /* sxth wdst, wsrc */
	case BPFX_OP_MOVSX64_8: emit(j, a64_bfm(true, true, dst, src, 0, 7)); break;   /* sxtb dst, wsrc */
	case BPFX_OP_MOVSX64_16: emit(j, a64_bfm(true, true, dst, src, 0, 15)); break; /* sxth dst, wsrc */
	case BPFX_OP_MOVSX64_32: emit(j, a64_bfm(true, true, dst, src, 0, 31)); break; /* sxtw dst, wsrc */
	case BPFX_OP_LE16: emit_endian(j, dst, 16, false); break;
	case BPFX_OP_LE32: emit_endian(j, dst, 32, false); break;
	case BPFX_OP_LE64: emit_endian(j, dst, 64, false); break;
	case BPFX_OP_BE16: case BPFX_OP_BSWAP16: emit_endian(j, dst, 16, true); break;
	case BPFX_OP_BE32: case BPFX_OP_BSWAP32: emit_endian(j, dst, 32, true); break;
	case BPFX_OP_BE64: case BPFX_OP_BSWAP64: emit_endian(j, dst, 64, true); break;

	case BPFX_OP_LDDW: case BPFX_OP_LDDW_MAP_FD: case BPFX_OP_LDDW_MAP_VALUE_FD:
	case BPFX_OP_LDDW_VAR_ADDR: case BPFX_OP_LDDW_CODE_ADDR: case BPFX_OP_LDDW_MAP_IDX:
	case BPFX_OP_LDDW_MAP_VALUE_IDX:
		emit_user_imm(j, true, dst, lddw_value(j, i)); /* mov dst, #imm64 */
		break;
	case BPFX_OP_LDABS_W: case BPFX_OP_LDABS_H: case BPFX_OP_LDABS_B:
		emit_ld_packet(j, i, x, false);
		break;
	case BPFX_OP_LDIND_W: case BPFX_OP_LDIND_H: case BPFX_OP_LDIND_B:
		emit_ld_packet(j, i, x, true);
		break;

	case BPFX_OP_LDX_b: case BPFX_OP_LDX_h: case BPFX_OP_LDX_w: case BPFX_OP_LDX_dw:
		emit_ldst(j, bpfx_code_size(x->code), 1, dst, src, x->off);
		break;
	case BPFX_OP_LDXS_b: case BPFX_OP_LDXS_h: case BPFX_OP_LDXS_w:
		emit_ldst(j, bpfx_code_size(x->code), 2, dst, src, x->off);
		break;
	case BPFX_OP_ST_b: case BPFX_OP_ST_h: case BPFX_OP_ST_w: case BPFX_OP_ST_dw:
		emit_user_imm(j, true, IP0, (uint64_t)(int64_t)x->imm); /* mov x16, #imm */
		emit_ldst(j, bpfx_code_size(x->code), 0, IP0, dst, x->off);
		break;
	case BPFX_OP_STX_b: case BPFX_OP_STX_h: case BPFX_OP_STX_w: case BPFX_OP_STX_dw:
		emit_ldst(j, bpfx_code_size(x->code), 0, src, dst, x->off);
		break;
	case BPFX_OP_LOAD_ACQ_b: case BPFX_OP_LOAD_ACQ_h: case BPFX_OP_LOAD_ACQ_w:
	case BPFX_OP_LOAD_ACQ_dw:
		emit_addr(j, src, x->off);
		emit(j, a64_ldar(bpfx_code_size(x->code), true, dst, IP0)); /* ldar dst, [x16] */
		break;
	case BPFX_OP_STORE_REL_b: case BPFX_OP_STORE_REL_h: case BPFX_OP_STORE_REL_w:
	case BPFX_OP_STORE_REL_dw:
		emit_addr(j, dst, x->off);
		emit(j, a64_ldar(bpfx_code_size(x->code), false, src, IP0)); /* stlr src, [x16] */
		break;
	case BPFX_OP_ATOMIC32_ADD: case BPFX_OP_ATOMIC32_OR: case BPFX_OP_ATOMIC32_AND:
	case BPFX_OP_ATOMIC32_XOR: case BPFX_OP_ATOMIC32_FETCH_ADD: case BPFX_OP_ATOMIC32_FETCH_OR:
	case BPFX_OP_ATOMIC32_FETCH_AND: case BPFX_OP_ATOMIC32_FETCH_XOR: case BPFX_OP_ATOMIC32_XCHG:
	case BPFX_OP_ATOMIC32_CMPXCHG:
	case BPFX_OP_ATOMIC64_ADD: case BPFX_OP_ATOMIC64_OR: case BPFX_OP_ATOMIC64_AND:
	case BPFX_OP_ATOMIC64_XOR: case BPFX_OP_ATOMIC64_FETCH_ADD: case BPFX_OP_ATOMIC64_FETCH_OR:
	case BPFX_OP_ATOMIC64_FETCH_AND: case BPFX_OP_ATOMIC64_FETCH_XOR: case BPFX_OP_ATOMIC64_XCHG:
	case BPFX_OP_ATOMIC64_CMPXCHG:
		emit_atomic(j, x);
		break;

	case BPFX_OP_JA:
	case BPFX_OP_JA32: {
		size_t t = i + 1 + (int64_t)(op == BPFX_OP_JA ? x->off : x->imm);
		if (t <= i)
			emit_poll(j, i);
		if (t != i + 1)
			emit_b_to(j, j->addrs[t]); /* b target */
		break;
	}
	case BPFX_OP_GOTOX:
		emit_gotox(j, i, x);
		break;
	CASE_JCC(JEQ): emit_cmp_jump(j, i, x, A64_EQ, false); break;
	CASE_JCC(JNE): emit_cmp_jump(j, i, x, A64_NE, false); break;
	CASE_JCC(JGT): emit_cmp_jump(j, i, x, A64_HI, false); break;
	CASE_JCC(JGE): emit_cmp_jump(j, i, x, A64_HS, false); break;
	CASE_JCC(JLT): emit_cmp_jump(j, i, x, A64_LO, false); break;
	CASE_JCC(JLE): emit_cmp_jump(j, i, x, A64_LS, false); break;
	CASE_JCC(JSGT): emit_cmp_jump(j, i, x, A64_GT, false); break;
	CASE_JCC(JSGE): emit_cmp_jump(j, i, x, A64_GE, false); break;
	CASE_JCC(JSLT): emit_cmp_jump(j, i, x, A64_LT, false); break;
	CASE_JCC(JSLE): emit_cmp_jump(j, i, x, A64_LE, false); break;
	CASE_JCC(JSET): emit_cmp_jump(j, i, x, A64_NE, true); break;
	case BPFX_OP_MAY_GOTO:
		emit_run_ldr(j, 8, T0, RUN_OFF(may_goto));                 /* ldr x9, [x23, may_goto] */
		emit(j, a64_addi(A64_SUBS_I, true, A64_ZR, T0, 0));       /* cmp x9, #0 */
		emit_branch(j, i, A64_EQ, i + 1 + (int64_t)x->off);        /* b.eq target */
		emit(j, a64_addi(A64_SUB_I, true, T0, T0, 1));             /* sub x9, x9, #1 */
		emit_run_str(j, 8, T0, RUN_OFF(may_goto));                 /* str x9, [x23, may_goto] */
		break;

	case BPFX_OP_CALL_HELPER:
	case BPFX_OP_CALL_KFUNC: {
		uint64_t fn;
		memcpy(&fn, &j->env->call_fns[i], sizeof(fn));
		emit_poll(j, i);
		emit_mov_imm(j, true, IP0, fn); /* mov x16, #fn */
		emit_helper_blr(j, i);
		break;
	}
	case BPFX_OP_CALLX:
		emit_poll(j, i);
		emit_callx(j, i, x);
		break;
	case BPFX_OP_CALL_LOCAL: {
		size_t t = i + 1 + (int64_t)x->imm;
		if (!j->leaf[t])
			emit_poll(j, i); /* (a call to a leaf is no budget event) */
		emit(j, a64_addi(A64_ADD_I, true, T0, A64_SP, 0));   /* mov x9, sp */
		emit_run_ldr(j, 8, T1, RUN_OFF(stack_limit));       /* ldr x10, [x23, stack_limit] */
		emit(j, a64_rrr(A64_SUBS_RR, true, A64_ZR, T0, T1)); /* cmp x9, x10 */
		emit_exit_bcond(j, A64_LS, i, EX_DEPTH);            /* b.ls depth_stub */
		int64_t off = (int64_t)j->entry[t] - (int64_t)j->len;
		if (!fits_signed(off, 28))
			j->range_err = true;
		emit(j, a64_bl(off));                               /* bl entry(t) */
		break;
	}
	case BPFX_OP_EXIT:
		emit_exit_insn(j);
		break;
	case BPFX_OP__COUNT:
	case BPFX_OP__INVALID:
		j->range_err = true; /* cannot happen: ops come from the validator */
		break;
	}
}

/* ---- the whole image ---------------------------------------------------- */

/* Trampoline: uint64_t tramp(const uint64_t args[5], struct bpfx_jit_run *run,
 * const void *entry). Saves the AAPCS64 callee-saved registers it uses,
 * loads r1..r5, zeroes r0 and r6..r9, records the stack pointer for
 * unwinding and the depth limit, and calls the function prologue `entry`. */
static void emit_trampoline(struct jit *j)
{
	emit(j, a64_pair(false, A64_PAIR_PRE, 29, LR, A64_SP, -80)); /* stp x29, x30, [sp, #-80]! */
	emit(j, a64_addi(A64_ADD_I, true, 29, A64_SP, 0));          /* mov x29, sp */
	emit(j, a64_pair(false, A64_PAIR_OFF, 19, 20, A64_SP, 16));  /* stp x19, x20, [sp, #16] */
	emit(j, a64_pair(false, A64_PAIR_OFF, 21, 22, A64_SP, 32));  /* stp x21, x22, [sp, #32] */
	emit(j, a64_pair(false, A64_PAIR_OFF, 23, 24, A64_SP, 48));  /* stp x23, x24, [sp, #48] */
	emit(j, a64_pair(false, A64_PAIR_OFF, 25, 26, A64_SP, 64));  /* stp x25, x26, [sp, #64] */
	emit_mov_rr(j, true, RUN, 1);                                /* mov x23, x1 */
	emit_mov_rr(j, true, IP0, 2);                                /* mov x16, x2 */
	emit_mov_rr(j, true, T0, 0);                                 /* mov x9, x0 */
	emit(j, a64_pair(true, A64_PAIR_OFF, 0, 1, T0, 0));          /* ldp x0, x1, [x9] */
	emit(j, a64_pair(true, A64_PAIR_OFF, 2, 3, T0, 16));         /* ldp x2, x3, [x9, #16] */
	emit(j, a64_ldst_i(8, true, 4, T0, 32));                     /* ldr x4, [x9, #32] */
	emit_mov_imm(j, true, R0, 0);                                /* mov x7, #0 */
	for (int r = 19; r <= 22; r++)
		emit_mov_imm(j, true, r, 0);                         /* mov x19..x22, #0 */
	if (j->poll)
		emit_run_ldr(j, 8, BUDGET, RUN_OFF(budget));          /* ldr x24, [x23, budget] */
	emit(j, a64_addi(A64_ADD_I, true, T0, A64_SP, 0));          /* mov x9, sp */
	emit_run_str(j, 8, T0, RUN_OFF(saved_rsp));                 /* str x9, [x23, saved_rsp] */
	emit_run_str(j, 8, T0, RUN_OFF(frame_low));                 /* str x9, [x23, frame_low] */
	emit_run_ldr(j, 8, T1, RUN_OFF(depth_bytes));               /* ldr x10, [x23, depth_bytes] */
	emit(j, a64_rrr(A64_SUB_RR, true, T1, T0, T1));             /* sub x10, x9, x10 */
	emit_run_str(j, 8, T1, RUN_OFF(stack_limit));               /* str x10, [x23, stack_limit] */
	emit(j, A64_BLR(IP0));                                      /* blr x16 */
	j->tramp_ret = (uint32_t)j->len;
	if (j->poll)
		emit_run_str(j, 8, BUDGET, RUN_OFF(budget));          /* str x24, [x23, budget] */
	emit_mov_rr(j, true, 0, R0);                                 /* mov x0, x7 */
	emit(j, a64_pair(true, A64_PAIR_OFF, 19, 20, A64_SP, 16));   /* ldp x19, x20, [sp, #16] */
	emit(j, a64_pair(true, A64_PAIR_OFF, 21, 22, A64_SP, 32));   /* ldp x21, x22, [sp, #32] */
	emit(j, a64_pair(true, A64_PAIR_OFF, 23, 24, A64_SP, 48));   /* ldp x23, x24, [sp, #48] */
	emit(j, a64_pair(true, A64_PAIR_OFF, 25, 26, A64_SP, 64));   /* ldp x25, x26, [sp, #64] */
	emit(j, a64_pair(true, A64_PAIR_POST, 29, LR, A64_SP, 80));  /* ldp x29, x30, [sp], #80 */
	emit(j, A64_RET);                                            /* ret */
}

static void emit_commons(struct jit *j)
{
	static const int32_t status[EX__COUNT] = {
		[EX_BUDGET] = BPFX_E_BUDGET, [EX_CANCEL] = BPFX_E_CANCELLED,
		[EX_DEPTH] = BPFX_E_CALL_DEPTH, [EX_NOHELPER] = BPFX_E_NO_HELPER,
		[EX_BADJUMP] = BPFX_E_BAD_INSN,
	};
	j->unwind = (uint32_t)j->len;
	emit_run_ldr(j, 8, T0, RUN_OFF(saved_rsp));        /* ldr x9, [x23, saved_rsp] */
	emit(j, a64_addi(A64_ADD_I, true, A64_SP, T0, 0)); /* mov sp, x9 */
	emit_b_to(j, j->tramp_ret);                         /* b tramp_ret */
	for (int k = 0; k < EX__COUNT; k++) {
		j->common[k] = (uint32_t)j->len;
		if (k == EX_STOP) {
			emit_run_ldr(j, 4, T0, RUN_OFF(stop_status)); /* ldr w9, [x23, stop_status] */
			emit_run_str(j, 4, T0, RUN_OFF(status));      /* str w9, [x23, status] */
			emit_run_ldr(j, 8, R0, RUN_OFF(stop_r0));     /* ldr x7, [x23, stop_r0] */
		} else {
			emit_mov_imm(j, false, T0, (uint32_t)status[k]); /* mov w9, #status */
			emit_run_str(j, 4, T0, RUN_OFF(status));         /* str w9, [x23, status] */
			emit_mov_imm(j, true, R0, 0);                    /* mov x7, #0 */
		}
		emit_b_to(j, j->unwind); /* b unwind */
	}
}

/* Function prologue: push x25 (the caller's r10) and x30, set r10, make room
 * for the BPF stack and the caller's r6..r9, and clear the BPF stack the
 * first time this run reaches this depth. */
static void emit_prologue(struct jit *j)
{
	emit(j, a64_pair(false, A64_PAIR_PRE, FP, LR, A64_SP, -16));   /* stp x25, x30, [sp, #-16]! */
	emit(j, a64_addi(A64_ADD_I, true, FP, A64_SP, 0));            /* mov x25, sp */
	emit(j, a64_addi(A64_SUB_I, true, A64_SP, A64_SP, BPFX_STACK_SIZE + 32)); /* sub sp, sp, #544 */
	emit(j, a64_pair(false, A64_PAIR_OFF, 19, 20, A64_SP, 0));     /* stp x19, x20, [sp] */
	emit(j, a64_pair(false, A64_PAIR_OFF, 21, 22, A64_SP, 16));    /* stp x21, x22, [sp, #16] */
	emit_run_ldr(j, 8, T0, RUN_OFF(frame_low));                    /* ldr x9, [x23, frame_low] */
	emit(j, a64_rrr(A64_SUBS_RR, true, A64_ZR, FP, T0));           /* cmp x25, x9 */
	size_t skip = emit_bcond_fwd(j, A64_HS);                       /* b.hs done */
	emit(j, a64_addi(A64_SUB_I, true, T0, FP, BPFX_STACK_SIZE));   /* sub x9, x25, #512 */
	size_t loop = j->len;
	emit(j, a64_pair(false, A64_PAIR_POST, A64_ZR, A64_ZR, T0, 16)); /* stp xzr, xzr, [x9], #16 */
	emit(j, a64_rrr(A64_SUBS_RR, true, A64_ZR, T0, FP));           /* cmp x9, x25 */
	emit(j, a64_bcond(A64_LO, (int64_t)loop - (int64_t)j->len));   /* b.lo loop */
	emit_run_str(j, 8, FP, RUN_OFF(frame_low));                    /* str x25, [x23, frame_low] */
	patch_fwd(j, skip, A64_HS);
}

/* One pass over the program. Returns true if no offset moved. */
static bool jit_pass(struct jit *j)
{
	j->len = 0;
	j->overflow = j->range_err = false;
	j->nstubs = 0;
	emit_trampoline(j);
	emit_commons(j);
	bool same = true;
	for (size_t i = 0; i < j->count; i++) {
		if (j->is_entry[i]) {
			if (i > 0 && bpfx_jit_falls_through(j->ops, i - 1))
				emit_b_to(j, j->addrs[i]); /* b body */
			if (j->entry[i] != (uint32_t)j->len)
				same = false;
			j->entry[i] = (uint32_t)j->len;
			size_t start = j->len;
			emit_prologue(j);
			if (j->len - start > ENTRY_BYTES)
				j->range_err = true;
		}
		if (j->addrs[i] != (uint32_t)j->len)
			same = false;
		j->addrs[i] = (uint32_t)j->len;
		if (j->ops[i] < 0)
			continue; /* second slot of an lddw: no code */
		size_t start = j->len;
		emit_insn(j, i, (enum bpfx_op)j->ops[i]);
		if (j->len - start > MAX_INSN_BYTES)
			j->range_err = true;
	}
	if (j->addrs[j->count] != (uint32_t)j->len)
		same = false;
	j->addrs[j->count] = (uint32_t)j->len;
	if (j->stub_start != (uint32_t)j->len)
		same = false;
	j->stub_start = (uint32_t)j->len;
	for (size_t k = 0; k < j->nstubs; k++) {
		uint32_t insn = j->stub_insn[k];
		emit(j, a64_mov16(A64_MOVZ, false, T0, insn & 0xffff, 0)); /* movz w9, #lo */
		emit(j, a64_mov16(A64_MOVK, false, T0, insn >> 16, 1));    /* movk w9, #hi, lsl #16 */
		emit_run_str(j, 4, T0, RUN_OFF(insn));                     /* str w9, [x23, insn] */
		emit_b_to(j, j->common[j->stub_kind[k]]);                  /* b common */
	}
	return same;
}

/* ---- compile / free / enter --------------------------------------------- */

static bool cpu_has_lse(void)
{
#if defined(__linux__) && defined(AT_HWCAP)
	return (getauxval(AT_HWCAP) & (1ul << 8)) != 0; /* HWCAP_ATOMICS */
#else
	return false;
#endif
}

static void jit_cleanup(struct jit *j)
{
	free(j->stub_insn);
	free(j->stub_kind);
}

/* One layout pass, for bpfx_jit_build_settle. */
static enum bpfx_jit_pass_result a64_pass(void *backend, int pass, bool long_branches)
{
	struct jit *j = backend;
	(void)pass;
	if (long_branches)
		j->force_far = true; /* oscillating: long branches everywhere, settles in two passes */
	bool settled = jit_pass(j);
	if (j->overflow)
		return BPFX_JIT_PASS_OVERFLOW;
	if (j->range_err)
		return BPFX_JIT_PASS_RANGE;
	return settled ? BPFX_JIT_PASS_SETTLED : BPFX_JIT_PASS_MOVED;
}

int bpfx_jit_compile(const struct bpfx_diag *d, const struct bpfx_insn *insns, size_t count,
		     const int16_t *ops, const struct bpfx_jit_env *env, struct bpfx_jit_prog **out)
{
	struct bpfx_jit_build b;
	struct jit jj = {0}, *j = &jj;
	int err;

	if ((err = bpfx_jit_build_begin(&b, d, insns, count, ops, env, FRAME_BYTES, 0, true, out)))
		return err;
	if (!cpu_has_lse()) {
		bpfx_jit_build_abort(&b);
		return bpfx_fail(d, BPFX_E_UNSUPPORTED,
				 "jit: this arm64 CPU lacks the LSE atomics (ARMv8.1) the JIT uses");
	}
	env = b.env;
	j->d = d;
	j->insns = insns;
	j->count = count;
	j->ops = ops;
	j->env = env;
	j->poll = env->flags & BPFX_JIT_POLL;
	j->force_far = env->flags & BPFX_JIT_FORCE_NEAR; /* (the long branch form on arm64) */
	j->blind = env->flags & BPFX_JIT_BLIND;
	j->key = b.key;
	j->addrs = b.prog->addrs;
	j->entry = b.prog->entry;
	j->is_entry = b.is_entry;
	j->leaf = b.leaf;
	j->max_stubs = 4 * count + 16;
	j->stub_insn = calloc(j->max_stubs, sizeof(uint32_t));
	j->stub_kind = calloc(j->max_stubs, 1);
	if (!j->stub_insn || !j->stub_kind) {
		err = bpfx_fail(d, BPFX_E_NOMEM, "jit: out of memory for a %zu-instruction program", count);
		goto fail;
	}
	if ((err = bpfx_jit_build_reserve(&b, 1024 + count * (MAX_INSN_BYTES + 4 * STUB_BYTES) +
						      b.nentries * (ENTRY_BYTES + 4))))
		goto fail;
	j->buf = b.buf;
	j->cap = b.cap;
	j->base = b.base;
	j->gotox_table = b.gotox_table;

	/* Pessimistic first layout: every instruction far from every other. */
	for (size_t i = 0; i <= count; i++)
		j->addrs[i] = (uint32_t)(1024 + i * 64);
	j->stub_start = (uint32_t)(1024 + count * 64 + b.nentries * ENTRY_BYTES);
	if ((err = bpfx_jit_build_settle(&b, a64_pass, j)) ||
	    (err = bpfx_jit_build_finish(&b, j->len, out)))
		goto fail;
	jit_cleanup(j);
	return 0;
fail:
	jit_cleanup(j);
	bpfx_jit_build_abort(&b);
	return err;
}
