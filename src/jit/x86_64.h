/* SPDX-License-Identifier: MIT */
/*
 * x86_64.h - what the two halves of the x86-64 backend share: the register
 * map, the translation state (struct jit), the bounds-checked buffer, the
 * instruction encoders and jumps. x86_64.c translates instructions and
 * builds the image; x86_64_opt.c holds the liveness analysis and the
 * multi-instruction patterns; x86_64_unroll.c the unrolled copies of small
 * loops.
 */
#ifndef BPFX_JIT_X86_64_H
#define BPFX_JIT_X86_64_H

#include <stdlib.h>
#include <string.h>

#include "../isa/isa_internal.h"
#include "jit.h"
#include "driver.h"
#include "runtime.h"

#if !defined(__x86_64__)
#error "the bpfx JIT currently only has an x86-64 backend"
#endif

/* ---- machine registers ------------------------------------------------ */

enum {
	RAX = 0, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	R8, R9, R10, R11, R12, R13, R14, R15,
};

/* BPF r0..r10 -> x86. r1..r5 sit in the SysV argument registers, r6..r9 and
 * r10 in callee-saved ones, so helper calls need no shuffling. */
static const uint8_t reg_map[BPFX_NREGS] = {
	RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP,
};

#define AUX R11  /* scratch; never holds a BPF register */
#define AUX2 R10 /* scratch */
#define AUX3 R9  /* scratch (also the 6th argument of helper calls); with
		  * BPFX_JIT_POLL, the remaining budget between helper calls */
#define RUNR R12 /* (char *)run + RUN_BIAS for the whole run */

#define FRAME_BYTES (8 + 8 + BPFX_STACK_SIZE + 32) /* see the file comment */
#define MAX_INSN_BYTES 256 /* upper bound of the code of one BPF instruction (group) */
#define STUB_BYTES 19      /* mov dword [r12+insn], imm32; jmp rel32 (+ nop5), or
			    * mov; call poll_slow; jmp back */
#define ENTRY_BYTES 64     /* upper bound of a function prologue */
#define PAD_FREEZE 10 /* passes after which loop paddings stop changing */

/* x86 condition codes (the low nibble of Jcc). */
enum {
	CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_BE = 0x6, CC_A = 0x7,
	CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf,
};

/* Run-time failures; each has a common handler, reached through a
 * per-instruction stub that first records the instruction index. */
enum exit_kind {
	EX_BUDGET, EX_CANCEL, EX_DEPTH, EX_NOHELPER, EX_BADJUMP, EX_STOP, EX_PKT, EX__COUNT,
	EX_POLL = EX__COUNT /* not an exit: the budget chunk ran out (returns to `back`) */
};

/* r12 points RUN_BIAS bytes into the run state, so that every field is
 * within a signed 8-bit displacement. */
#define RUN_BIAS 96
#define RUN_OFF(f) ((int32_t)offsetof(struct bpfx_jit_run, f) - RUN_BIAS)
_Static_assert(sizeof(struct bpfx_jit_run) <= RUN_BIAS + 128, "run state beyond disp8 reach");

/* struct bpfx_jit_prog: runtime.h */

struct stub {
	uint32_t insn;
	uint8_t kind;
	uint32_t back; /* EX_POLL: where to continue */
};

/* Out-of-line charges (polling), for taken back edges whose inline charge
 * would change the plain code's branch shape:
 * - CS_CHARGE: a seldom taken conditional back edge jumps to the stub, so
 *   its not-taken path is one untaken jcc as in the plain code. The stub
 *   is `sub r9, k; jae first; add r9, k - 1; jc single;` then the poll as
 *   `insn` and on at `single`.
 * - CS_PRE: a compare-and-branch back edge charges before its compare,
 *   `sub r9, k; jb stub; cmp; jcc first; add r9, k` (the last gives the
 *   charge back when the jump is not taken), so both ways keep the plain
 *   code's shape. The stub (the chunk was short) compares again: not taken,
 *   it restores r9 and goes on at `fall`; taken, it continues like CS_CHARGE
 *   after its `sub`.
 * k > 1: into the copies of an unrolled loop, keeping its reserve (see
 * x86_64_unroll.c); `single` is then the loop's single copy. Stubs differ in
 * size: cstub_off[] holds each one's offset in the previous pass. The upper
 * bound of one, for the buffer: */
#define CSTUB_MAX_BYTES 96
enum { CS_CHARGE, CS_PRE };
struct cstub {
	uint32_t insn;
	uint8_t kind, k;
	int8_t cc;                   /* CS_PRE: the jump's condition */
	bool test;                   /* CS_PRE: JSET (test instead of cmp) */
	const struct bpfx_insn *cmp; /* CS_PRE: the compare's instruction */
	uint32_t first, single, fall;
	uint32_t fused;              /* CS_PRE: the backward goto its give-back was folded
				      * into (fusable_goto), or 0 */
};

/*
 * A loop whose taken back edges can be counted from its counter (see
 * bpfx_x86_plan_clamps): slots t..b, straight-line body t..bstart-1 that
 * adds c = 1 << shift to BPF register i, continuing while q < n (ne: while
 * q != n), n a BPF register or (n_k) the immediate n_imm. q = i + d at the
 * back edge (q == i, d == 0 for the plain form); when q is computed from a
 * copy x of i (x != i), x = i + d2 must hold at the loop's entry.
 */
struct clamp {
	uint32_t t, bstart, b;
	uint8_t i, q, x, n, shift;
	bool ne, n_k;
	bool reg_bound; /* the bound lives in r10 (nothing in the body uses r10) */
	int32_t n_imm, d, d2;
	/* The counter's value on entry is a constant (set by a mov just before
	 * the loop) and n an immediate: the loop takes `trips` back edges, so
	 * an entry with at least that many events in the chunk skips the
	 * general entry code (bpfx_x86_plan_clamps). */
	bool fast;
	uint32_t trips;
	/* The same loop also runs unrolled (x86_64_unroll.c): 1 + its index in
	 * unrolls, or 0. The entry code sends a run with fewer than
	 * CLAMP_COPIES_BELOW iterations left to the copies: the entry and exit
	 * code of the clamp (some 20 instructions) is not worth it for a short
	 * loop (packet's header sums: 10 iterations). */
	uint32_t copies;
};
#define CLAMP_COPIES_BELOW 64

/*
 * A small innermost loop emitted a second time as k consecutive
 * copies (see x86_64_unroll.c): slots h..e, e the only backward jump in it
 * (to h), eb the first slot of the back edge's group (e, or e - 1 for
 * `if c goto +1; goto h` and `dst op= v; if dst ==/!= 0 goto h`, or e - 2
 * for `if c goto h; mov dst, v; goto h`, a cmov and an unconditional back
 * edge).
 */
#define UNROLL_KMAX 4 /* copies: 4, or 2 for loops with more than one way out */
#define UNROLL_MAX_SLOTS 64
enum unroll_kind { UK_CMP, UK_FOLD, UK_ALWAYS, UK_SELECT };
enum unroll_mode { UM_SINGLE, UM_MID, UM_LAST }; /* the single copy, copies 0..K-2, the last */
struct unroll {
	uint32_t h, e, eb;
	uint8_t kind;       /* enum unroll_kind */
	int8_t cc;          /* x86 condition under which the loop goes on (UK_CMP, UK_FOLD);
			     * UK_SELECT: the jump's (then the poll is eb's, else e's) */
	bool test;          /* UK_CMP: a JSET (test instead of cmp) */
	bool recmp;         /* UK_SELECT: the mov does not write the compared registers */
	uint8_t pad;        /* int3 bytes before the first copy (last pass) */
	uint32_t nout;      /* exit targets: slots after e that the loop jumps to */
	uint32_t *out;
	uint8_t k;          /* copies (2 or UNROLL_KMAX; bpfx_x86_plan_unroll) */
	uint32_t *caddr;    /* k * (e - h + 1): the copies' slot offsets (last pass) */
	uint32_t *save;     /* e - h + 1 + nout: the single copy's offsets while copies are emitted */
	uint32_t *xpad_at;  /* (k - 1) * nout: where copy c leaves to target m: into
			     * the target's pad (see bpfx_x86_plan_exit_pads) */
	uint32_t shead;     /* the single copy's head (this pass, once its back edge is out) */
	uint32_t cblk;      /* polling: the charge block before the first copy (last pass) */
	uint32_t centry;    /* also clamped (struct clamp, copies): its entry code (this pass),
			     * where the charge block's slow path goes on instead of h */
};

struct jit {
	const struct bpfx_diag *d;
	const struct bpfx_insn *insns;
	size_t count;
	const int16_t *ops;
	const struct bpfx_jit_env *env;

	/* output of the current pass */
	uint8_t *buf;
	size_t cap, len;
	bool overflow;       /* sticky: something did not fit in buf */
	bool range_err;      /* sticky: an in-instruction short jump did not fit */
	uint64_t base;       /* address the image will run at */

	/* layout: current pass writes, previous pass is read for forward refs */
	uint32_t *addrs;     /* count + 1 */
	uint32_t *entry;     /* per slot: prologue offset (0 = not an entry) */
	uint8_t *is_entry;
	const uint8_t *leaf; /* per slot: a leaf function starts here (bpfx_leaf_functions) */
	uint8_t *saves;     /* per slot: r6..r9 (bits 0..3) its function saves, FN_R10 */
	uint8_t *is_target; /* jumped or called to; NULL: anything may be (gotox) */
	uint16_t *live_out; /* per slot: BPF registers live after it; NULL: unknown */
	/* loop placement (pad_loop_head) */
	uint32_t *loop_end;  /* per slot: 1 + the last slot jumping back to it, or 0 */
	uint32_t *gend;      /* per slot: end of the code of its group (last pass) */
	uint8_t *pad;        /* per loop head: bytes of padding placed before it (last pass) */
	bool pad_frozen;     /* late passes: keep the paddings of the previous pass */
	/* budget-clamped loops (BPFX_JIT_POLL; bpfx_x86_plan_clamps) */
	struct clamp *clamps;
	uint32_t *clamp_id;  /* per slot: 1 + index in clamps at its head and at its back edge */
	uint32_t clamp_setup; /* this pass: offset of the open clamped loop's setup */
	/* unrolled loops (x86_64_unroll.c) */
	struct unroll *unrolls;
	size_t nunrolls;
	uint32_t *unroll_of; /* per slot: 1 + index in unrolls of the loop it is in, or 0 */
	uint8_t *xpad_want;  /* per slot: copies leave to it through an exit pad (polling) */
	uint32_t *xpad;      /* per slot: offset of its exit pad (xpad_len `inc r9` before it) */
	uint8_t *xpad_len;   /* per slot: the largest K - 1 of the loops leaving to it */
	size_t group_end;    /* patterns never take slots from here on (count: none) */
	struct unroll *uctx; /* while emitting slots h..eb-1 of an unrolled loop: its back
			      * edges to h go through bpfx_x86_unroll_back */
	uint8_t umode;       /* enum unroll_mode */
	uint32_t unext;      /* where a back edge goes on: the next copy's head (UM_MID),
			      * else the first copy's */
	int mem_index;      /* >= 0: emit_mem addresses [base + mem_index << mem_scale + disp] */
	int mem_scale;
	uint32_t common[EX__COUNT];
	uint32_t tramp_ret, unwind, zero_frame, poll_slow;
	uint32_t stub_start; /* previous pass */
	struct stub *stubs;
	size_t nstubs, stub_cap;
	struct cstub *cstubs;
	uint32_t *cstub_off; /* previous pass (cstub_cap entries) */
	size_t ncstubs, cstub_cap, cstub_prev;
	uint32_t *inner_head; /* per slot: the largest head of a loop (h..last backward jump
			       * to h) holding it, or 0 (polling: which back edges are seldom taken) */
	uint32_t fused_goto;  /* a backward goto whose charge a precharged branch before it
			       * made (fusable_goto), until it is emitted; 0: none */

	bool poll, bmi2, force_near;
	bool blind;          /* BPFX_JIT_BLIND */
	uint64_t key;        /* blinding key (low 32 bits for imm32, all 64 for imm64) */
	uint16_t zx;         /* BPF registers whose upper 32 bits are known zero here */
	uint32_t max_depth;
	uint64_t gotox_table; /* address of the gotox table (0 if none) */
};

/* ---- the buffer ----------------------------------------------------------- */

static inline void emit1(struct jit *j, uint8_t b)
{
	if (j->len < j->cap)
		j->buf[j->len] = b;
	else
		j->overflow = true;
	j->len++;
}

static inline void emit2(struct jit *j, uint16_t v)
{
	emit1(j, (uint8_t)v);
	emit1(j, (uint8_t)(v >> 8));
}

static inline void emit4(struct jit *j, uint32_t v)
{
	emit2(j, (uint16_t)v);
	emit2(j, (uint16_t)(v >> 16));
}

static inline void emit8(struct jit *j, uint64_t v)
{
	emit4(j, (uint32_t)v);
	emit4(j, (uint32_t)(v >> 32));
}

#define EMIT1(a) emit1(j, (a))
#define EMIT2(a, b) (emit1(j, (a)), emit1(j, (b)))
#define EMIT3(a, b, c) (EMIT2(a, b), emit1(j, (c)))
#define EMIT4(a, b, c, d) (EMIT2(a, b), EMIT2(c, d))

static inline bool is_imm8(int64_t v)
{
	return v >= -128 && v <= 127;
}

static inline bool is_simm32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

/* ---- instruction encoders -------------------------------------------------- */

/* Flags of emit_op. */
#define EF_W 0x01     /* REX.W: 64-bit operand */
#define EF_66 0x02    /* operand-size prefix: 16-bit operand */
#define EF_LOCK 0x04  /* lock prefix */
#define EF_BRM 0x08   /* the r/m operand is a byte register */
#define EF_BREG 0x10  /* the reg operand is a byte register */
#define EF_MEM 0x20   /* r/m is [base + disp] rather than a register */

/*
 * One instruction of the shape [lock][66][REX] opcode ModRM [SIB] [disp]:
 * `opc` is one byte, or 0x0fXX for a two-byte opcode; `reg` is the ModRM reg
 * field (a register or an opcode extension); `rm` a register or, with EF_MEM,
 * the base register of [rm + disp].
 */
static inline void emit_op(struct jit *j, int fl, unsigned opc, int reg, int rm, int32_t disp)
{
	if (fl & EF_LOCK)
		EMIT1(0xf0);
	if (fl & EF_66)
		EMIT1(0x66);
	int idx = (fl & EF_MEM) ? j->mem_index : -1;
	uint8_t rex = 0x40 | ((fl & EF_W) ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0) |
		      (idx >= 8 ? 2 : 0);
	/* Without REX, byte registers 4..7 are ah..bh instead of spl..dil. */
	bool force = ((fl & EF_BRM) && !(fl & EF_MEM) && rm >= 4 && rm < 8) ||
		     ((fl & EF_BREG) && reg >= 4 && reg < 8);
	if (rex != 0x40 || force)
		EMIT1(rex);
	if (opc > 0xff)
		EMIT1((uint8_t)(opc >> 8));
	EMIT1((uint8_t)opc);
	if (!(fl & EF_MEM)) {
		EMIT1(0xc0 | ((reg & 7) << 3) | (rm & 7));
		return;
	}
	/* [rbp]/[r13] have no disp-less form; [rsp]/[r12] need a SIB byte. */
	int mod = (disp == 0 && (rm & 7) != 5) ? 0 : is_imm8(disp) ? 1 : 2;
	if (idx >= 0) { /* [rm + idx << scale + disp] */
		EMIT1((uint8_t)((mod << 6) | ((reg & 7) << 3) | 4));
		EMIT1((uint8_t)((j->mem_scale << 6) | ((idx & 7) << 3) | (rm & 7)));
	} else {
		EMIT1((uint8_t)((mod << 6) | ((reg & 7) << 3) | (rm & 7)));
		if ((rm & 7) == 4)
			EMIT1(0x24);
	}
	if (mod == 1)
		EMIT1((uint8_t)disp);
	else if (mod == 2)
		emit4(j, (uint32_t)disp);
}

/* op r/m, reg (mov/add/sub/and/or/xor/cmp/test with the 0x01-style opcode) */
static inline void emit_rr(struct jit *j, bool w, unsigned opc, int dst, int src)
{
	emit_op(j, w ? EF_W : 0, opc, src, dst, 0);
}

/* mov dst, src (64- or 32-bit; the 32-bit form zero-extends) */
static inline void emit_mov_rr(struct jit *j, bool w, int dst, int src)
{
	if (w && dst == src)
		return;
	emit_rr(j, w, 0x89, dst, src); /* mov r/m, r */
}

/* <alu> dst, imm with the group-1 extension `ext` (add 0, or 1, and 4, sub 5,
 * xor 6, cmp 7); imm8 form when it fits. */
static inline void emit_alu_ri(struct jit *j, bool w, int ext, int dst, int32_t imm)
{
	if (is_imm8(imm)) {
		emit_op(j, w ? EF_W : 0, 0x83, ext, dst, 0); /* <alu> r/m, imm8 */
		EMIT1((uint8_t)imm);
	} else {
		emit_op(j, w ? EF_W : 0, 0x81, ext, dst, 0); /* <alu> r/m, imm32 */
		emit4(j, (uint32_t)imm);
	}
}

/* mov dst, imm32 (w: sign-extended to 64 bits) */
static inline void emit_mov_ri(struct jit *j, bool w, int dst, int32_t imm)
{
	if (imm == 0) {
		emit_rr(j, false, 0x31, dst, dst); /* xor dst32, dst32 */
	} else if (!w || imm > 0) {
		if (dst & 8)
			EMIT1(0x41);
		EMIT1(0xb8 + (dst & 7)); /* mov r32, imm32 */
		emit4(j, (uint32_t)imm);
	} else {
		emit_op(j, EF_W, 0xc7, 0, dst, 0); /* mov r/m64, simm32 */
		emit4(j, (uint32_t)imm);
	}
}

/* mov dst, imm64 in the shortest form */
static inline void emit_mov_imm64(struct jit *j, int dst, uint64_t v)
{
	if (v <= UINT32_MAX) {
		emit_mov_ri(j, false, dst, (int32_t)(uint32_t)v);
	} else if (is_simm32((int64_t)v)) {
		emit_mov_ri(j, true, dst, (int32_t)v);
	} else {
		EMIT2(0x48 | ((dst & 8) ? 1 : 0), 0xb8 + (dst & 7)); /* movabs r64, imm64 */
		emit8(j, v);
	}
}

/* With blinding on: does this user immediate have to be hidden? */
static inline bool blinded(const struct jit *j, int64_t imm)
{
	return j->blind && imm != 0;
}

/* reg = imm without writing imm into the code: mov reg, imm ^ key; xor reg,
 * key (w: sign-extended to 64 bits; else zero-extended from 32). Flags change. */
static inline void emit_blind_ri(struct jit *j, bool w, int reg, int32_t imm)
{
	int32_t k = (int32_t)(uint32_t)j->key;
	emit_mov_ri(j, w, reg, imm ^ k);   /* mov reg, imm ^ key */
	emit_alu_ri(j, w, 6, reg, k);      /* xor reg, key */
}

/* mov dst, imm64 (blinded when asked) */
static inline void emit_user_imm64(struct jit *j, int dst, uint64_t v)
{
	if (!blinded(j, (int64_t)v)) {
		emit_mov_imm64(j, dst, v);
		return;
	}
	int scratch = dst == AUX ? AUX2 : AUX;
	EMIT2(0x48 | ((dst & 8) ? 1 : 0), 0xb8 + (dst & 7)); /* movabs dst, v ^ key */
	emit8(j, v ^ j->key);
	EMIT2(0x48 | ((scratch & 8) ? 1 : 0), 0xb8 + (scratch & 7)); /* movabs scratch, key */
	emit8(j, j->key);
	emit_rr(j, true, 0x31, dst, scratch);                 /* xor dst, scratch */
}

/* opc reg, [base + disp] or opc [base + disp], reg (loads and stores) */
static inline void emit_mem(struct jit *j, int fl, unsigned opc, int reg, int base, int32_t disp)
{
	emit_op(j, fl | EF_MEM, opc, reg, base, disp);
}

/* mov dword/qword [r12 + off], imm32 — run-state writes */
static inline void emit_run_store_imm(struct jit *j, bool w, int32_t off, int32_t imm)
{
	emit_mem(j, w ? EF_W : 0, 0xc7, 0, RUNR, off); /* mov [r12+off], imm32 */
	emit4(j, (uint32_t)imm);
}

/* ---- jumps ----------------------------------------------------------------- */

/* jcc to an image offset; short form if it fits (and is allowed) */
static inline void emit_jcc(struct jit *j, int cc, uint32_t target)
{
	int64_t rel8 = (int64_t)target - (int64_t)(j->len + 2);
	if (!j->force_near && is_imm8(rel8)) {
		EMIT2(0x70 | cc, (uint8_t)rel8); /* jcc rel8 */
		return;
	}
	int64_t rel32 = (int64_t)target - (int64_t)(j->len + 6);
	EMIT2(0x0f, 0x80 | cc); /* jcc rel32 */
	emit4(j, (uint32_t)(int32_t)rel32);
}

/* jcc rel32 always (to out-of-line code, so the size never depends on it) */
static inline void emit_jcc32(struct jit *j, int cc, uint32_t target)
{
	int64_t rel32 = (int64_t)target - (int64_t)(j->len + 6);
	EMIT2(0x0f, 0x80 | cc); /* jcc rel32 */
	emit4(j, (uint32_t)(int32_t)rel32);
}

static inline void emit_jmp(struct jit *j, uint32_t target)
{
	int64_t rel8 = (int64_t)target - (int64_t)(j->len + 2);
	if (!j->force_near && is_imm8(rel8)) {
		EMIT2(0xeb, (uint8_t)rel8); /* jmp rel8 */
		return;
	}
	int64_t rel32 = (int64_t)target - (int64_t)(j->len + 5);
	EMIT1(0xe9); /* jmp rel32 */
	emit4(j, (uint32_t)(int32_t)rel32);
}

static inline void emit_jmp32(struct jit *j, uint32_t target)
{
	int64_t rel32 = (int64_t)target - (int64_t)(j->len + 5);
	EMIT1(0xe9); /* jmp rel32 */
	emit4(j, (uint32_t)(int32_t)rel32);
}

/* Forward short jump inside one instruction's code: emit now, patch later. */
static inline size_t emit_jcc8_fwd(struct jit *j, int cc)
{
	EMIT2(cc < 0 ? 0xeb : 0x70 | cc, 0); /* jcc/jmp rel8 (patched) */
	return j->len;
}

static inline void patch8(struct jit *j, size_t after)
{
	int64_t rel = (int64_t)j->len - (int64_t)after;
	if (!is_imm8(rel))
		j->range_err = true;
	else if (after - 1 < j->cap)
		j->buf[after - 1] = (uint8_t)rel;
}

/* call to an absolute address: call rel32 if in range, else via r11 */
static inline void emit_call_abs(struct jit *j, uint64_t fn)
{
	int64_t rel = (int64_t)(fn - (j->base + j->len + 5));
	if (is_simm32(rel)) {
		EMIT1(0xe8); /* call rel32 */
		emit4(j, (uint32_t)(int32_t)rel);
	} else {
		emit_mov_imm64(j, AUX, fn); /* movabs r11, fn */
		EMIT3(0x41, 0xff, 0xd3);    /* call r11 */
	}
}

/* Jumps (rel32) to a per-instruction exit stub recording `insn`. */
static inline void emit_exit_jcc(struct jit *j, int cc, size_t insn, enum exit_kind kind)
{
	if (j->nstubs == j->stub_cap) {
		size_t n = j->stub_cap ? j->stub_cap * 2 : 64;
		struct stub *s = realloc(j->stubs, n * sizeof(*s));
		if (!s) {
			j->overflow = true; /* reported as out of memory below */
			return;
		}
		j->stubs = s;
		j->stub_cap = n;
	}
	uint32_t target = j->stub_start + (uint32_t)(j->nstubs * STUB_BYTES);
	j->stubs[j->nstubs] = (struct stub){(uint32_t)insn, (uint8_t)kind, 0};
	if (cc < 0)
		emit_jmp32(j, target);
	else
		emit_jcc32(j, cc, target);
	j->stubs[j->nstubs++].back = (uint32_t)j->len;
}

/* A new out-of-line charge (struct cstub); NULL when out of memory. */
static inline struct cstub *new_cstub(struct jit *j)
{
	if (j->ncstubs == j->cstub_cap) {
		size_t n = j->cstub_cap ? j->cstub_cap * 2 : 16;
		struct cstub *s = realloc(j->cstubs, n * sizeof(*s));
		if (s)
			j->cstubs = s;
		uint32_t *o = s ? realloc(j->cstub_off, n * sizeof(*o)) : NULL;
		if (!o) {
			j->overflow = true; /* reported as out of memory below */
			return NULL;
		}
		j->cstub_off = o;
		j->cstub_cap = n;
	}
	return &j->cstubs[j->ncstubs++];
}

/* Conditional jump (rel32) to the stub just made: where it was in the
 * previous pass (the first pass: anywhere; rel32 either way). */
static inline void emit_jcc_cstub(struct jit *j, int cc)
{
	size_t k = j->ncstubs - 1;
	emit_jcc32(j, cc, k < j->cstub_prev ? j->cstub_off[k] : (uint32_t)j->len);
}

/* jcc to a CS_CHARGE stub of k events for the back edge at `insn`. */
static inline void emit_charge_jcc(struct jit *j, int cc, size_t insn, int k, uint32_t first, uint32_t single)
{
	struct cstub *c = new_cstub(j);
	if (!c)
		return;
	*c = (struct cstub){.insn = (uint32_t)insn, .kind = CS_CHARGE, .k = (uint8_t)k, .first = first, .single = single};
	emit_jcc_cstub(j, cc);
}

/* cmp/test (emit_cmp) */
static inline void emit_cmp(struct jit *j, const struct bpfx_insn *x, bool test);

/* After a precharged back edge whose not-taken path goes on at slot f: the
 * backward goto g that the code from f runs straight into, if nothing else
 * comes in on the way (no jump target), nothing on it writes memory or can
 * stop the run (ALU, loads, lddw), and g charges one event itself (a plain
 * back edge, or into an unrolled loop's last copy); else 0. The charge of
 * the branch is then kept for g instead of given back: one `inc r9` and one
 * `sub r9, 1` less (sort's insertion loop, hashtable's lookup). When the
 * chunk is short the stub polls for g instead, before that code: nothing
 * it does can be seen if the run stops there. */
static inline size_t fusable_goto(const struct jit *j, size_t f)
{
	if (!j->is_target)
		return 0;
	for (size_t g = f; g < j->count && g < f + 16; g++) {
		if (j->is_target[g] || (j->unroll_of && j->unroll_of[g]) || (j->clamp_id && j->clamp_id[g]) ||
		    j->is_entry[g])
			return 0;
		int op = j->ops[g];
		if (op < 0)
			continue; /* (an lddw's second slot) */
		uint8_t cls = BPFX_CLASS(j->insns[g].code);
		if (op == BPFX_OP_JA || op == BPFX_OP_JA32) {
			int64_t t = (int64_t)g + 1 + (op == BPFX_OP_JA ? j->insns[g].off : j->insns[g].imm);
			return t <= (int64_t)g ? g : 0;
		}
		if (cls != BPFX_CLS_ALU && cls != BPFX_CLS_ALU64 && cls != BPFX_CLS_LD && cls != BPFX_CLS_LDX)
			return 0; /* (LDX: loads only) */
		if (cls == BPFX_CLS_LD && bpfx_op_table[op].fmt != BPFX_FMT_LDDW)
			return 0; /* (LD_ABS/IND can end the run) */
	}
	return 0;
}

/* A compare-and-branch back edge at `insn`, charged before its compare
 * (CS_PRE): k events, on to `first` (see struct cstub). */
static inline void emit_precharged(struct jit *j, size_t insn, const struct bpfx_insn *x, bool test, int cc, int k,
				   uint32_t first, uint32_t single)
{
	struct cstub *c = new_cstub(j);
	if (!c)
		return;
	size_t g = k == 1 ? fusable_goto(j, insn + 1) : 0;
	*c = (struct cstub){.insn = (uint32_t)insn, .kind = CS_PRE, .k = (uint8_t)k, .cc = (int8_t)cc, .test = test,
			    .cmp = x, .first = first, .single = single, .fused = (uint32_t)g};
	emit_alu_ri(j, true, 5, AUX3, k);          /* sub r9, k */
	emit_jcc_cstub(j, CC_B);                   /* jb stub (the chunk is short) */
	emit_cmp(j, x, test);                      /* cmp/test */
	emit_jcc(j, cc, first);                    /* jcc first */
	if (g)
		j->fused_goto = (uint32_t)g;       /* (not taken: the event of the goto at g) */
	else if (k == 1)
		EMIT3(0x49, 0xff, 0xc1);           /* inc r9 (not taken: no event) */
	else
		emit_alu_ri(j, true, 0, AUX3, k);  /* add r9, k */
	c->fall = (uint32_t)j->len; /* (c stays valid: no stub was made since) */
}

/* A taken jump from `insn` back to `target` that leaves an inner loop (one
 * whose head lies after target and which holds insn): taken once per run of
 * that loop, so seldom compared with its fall-through. */
static inline bool back_edge_cold(const struct jit *j, size_t insn, size_t target)
{
	return j->inner_head && j->inner_head[insn] > target;
}

/* x86_64_unroll.c: a back edge of an unrolled loop (j->uctx); a backward
 * jump to the head of one from after it */
void bpfx_x86_unroll_back(struct jit *j, size_t insn, int cc);
void bpfx_x86_unroll_enter(struct jit *j, size_t insn, size_t h, int cc);

/* Poll point: budget, then cancel. */
static inline void emit_poll(struct jit *j, size_t insn)
{
	if (!j->poll)
		return;
	emit_alu_ri(j, true, 5, AUX3, 1);                  /* sub r9, 1 (r9: the chunk) */
	emit_exit_jcc(j, CC_B, insn, EX_POLL);            /* jb poll_stub (calls poll_slow) */
}

/* The head of an unrolled loop's last copy (this pass's estimate). */
static inline uint32_t unroll_last_head(const struct unroll *u)
{
	return u->caddr[(size_t)(u->k - 1) * (u->e - u->h + 1)];
}

/* A backward jump from after an unrolled loop to its head: into its copies
 * (bpfx_x86_unroll_enter) rather than its single copy. */
static inline bool unroll_entry(const struct jit *j, size_t insn, size_t target)
{
	if (!j->unroll_of || j->uctx || target >= insn || !j->unroll_of[target])
		return false;
	const struct unroll *u = &j->unrolls[j->unroll_of[target] - 1];
	return u->h == target && insn > u->e;
}

/* Polling jump to BPF instruction `target` (a back edge): the chunk's
 * decrement, then straight to the target unless it ran out. */
static inline void emit_poll_jump(struct jit *j, size_t insn, size_t target)
{
	if (j->uctx && target == j->uctx->h) {
		bpfx_x86_unroll_back(j, insn, -1);  /* (a back edge of an unrolled loop) */
		return;
	}
	if (unroll_entry(j, insn, target)) {
		bpfx_x86_unroll_enter(j, insn, target, -1);
		return;
	}
	emit_alu_ri(j, true, 5, AUX3, 1);          /* sub r9, 1 */
	emit_jcc(j, CC_AE, j->addrs[target]);      /* jae target */
	emit_exit_jcc(j, -1, insn, EX_POLL);       /* jmp poll_stub (then to target) */
	if (j->nstubs)
		j->stubs[j->nstubs - 1].back = j->addrs[target];
}

/* Conditional jump to BPF instruction `target`; a taken backward jump polls. */
static inline void emit_branch(struct jit *j, size_t insn, int cc, size_t target)
{
	if (j->uctx && target == j->uctx->h) {
		bpfx_x86_unroll_back(j, insn, cc);  /* (a back edge of an unrolled loop) */
		return;
	}
	if (unroll_entry(j, insn, target)) {
		bpfx_x86_unroll_enter(j, insn, target, cc);
		return;
	}
	if (j->poll && target <= insn && back_edge_cold(j, insn, target)) {
		emit_charge_jcc(j, cc, insn, 1, j->addrs[target], j->addrs[target]); /* jcc charge */
		return;
	}
	if (j->poll && target <= insn) {
		size_t skip = emit_jcc8_fwd(j, cc ^ 1); /* j!cc skip */
		emit_poll_jump(j, insn, target);
		patch8(j, skip);
		return;
	}
	emit_jcc(j, cc, j->addrs[target]);
}

#define CASE4(ID)                                                                      \
	case BPFX_OP_##ID##32_K: case BPFX_OP_##ID##32_X: case BPFX_OP_##ID##64_K:     \
	case BPFX_OP_##ID##64_X
#define CASE_JCC(ID)                                                                   \
	case BPFX_OP_##ID##_K: case BPFX_OP_##ID##_X: case BPFX_OP_##ID##32_K:         \
	case BPFX_OP_##ID##32_X

#define FN_R10 0x10 /* the function uses r10: set rbp, clear the stack on first use */

/* cmp/test of a conditional jump (flags only) */
static inline void emit_cmp(struct jit *j, const struct bpfx_insn *x, bool test)
{
	bool w = BPFX_CLASS(x->code) == BPFX_CLS_JMP;
	int dst = reg_map[x->dst];
	if (x->code & BPFX_SRC_X) {
		emit_rr(j, w, test ? 0x85 : 0x39, dst, reg_map[x->src]); /* cmp/test dst, src */
	} else if (blinded(j, x->imm)) { /* (r11 may hold a cmov operand) */
		emit_blind_ri(j, true, AUX2, x->imm);                    /* r10 = imm */
		emit_rr(j, w, test ? 0x85 : 0x39, dst, AUX2);            /* cmp/test dst, r10 */
	} else if (x->imm == 0 && !test) {
		emit_rr(j, w, 0x85, dst, dst);                           /* test dst, dst */
	} else if (test) {
		emit_op(j, w ? EF_W : 0, 0xf7, 0, dst, 0);               /* test dst, imm32 */
		emit4(j, (uint32_t)x->imm);
	} else {
		emit_alu_ri(j, w, 7, dst, x->imm);                       /* cmp dst, imm */
	}
}

/* cmp/test of x, then the jump to BPF instruction `target` under cc as
 * instruction `insn`. Polling, a back edge is charged before the compare
 * (emit_precharged): the jump keeps the plain code's shape whichever way it
 * mostly goes. A seldom taken one (back_edge_cold) is charged out of line
 * instead (nothing to pay when not taken), and one inside copies 0..K-2 of
 * an unrolled loop goes on to the next copy for free (its reserve). */
static inline void emit_cmp_branch(struct jit *j, size_t insn, const struct bpfx_insn *x, bool test, int cc,
				   size_t target)
{
	if (j->poll && target <= insn && !back_edge_cold(j, insn, target) &&
	    !(j->uctx && target == j->uctx->h && j->umode == UM_MID)) {
		if (j->uctx && target == j->uctx->h) {
			/* a back edge of an unrolled loop's single or last copy,
			 * before its last: into copy 0, this event and the reserve
			 * (see emit_charge in x86_64_unroll.c) */
			const struct unroll *u = j->uctx;
			emit_precharged(j, insn, x, test, cc, u->k, j->unext,
					j->umode == UM_SINGLE ? j->addrs[u->h] : u->shead);
		} else if (unroll_entry(j, insn, target)) {
			const struct unroll *u = &j->unrolls[j->unroll_of[target] - 1];
			emit_precharged(j, insn, x, test, cc, 1, unroll_last_head(u), j->addrs[target]);
		} else {
			emit_precharged(j, insn, x, test, cc, 1, j->addrs[target], j->addrs[target]);
		}
		return;
	}
	emit_cmp(j, x, test);
	emit_branch(j, insn, cc, target);
}

/* x86_64.c: one instruction, and the loads/stores the patterns reuse */
void bpfx_x86_insn(struct jit *j, size_t i, enum bpfx_op op);
void bpfx_x86_load(struct jit *j, int size, bool sx, int dst, int base, int32_t off);
void bpfx_x86_store_reg(struct jit *j, int size, int base, int32_t off, int src);
void bpfx_x86_store_imm(struct jit *j, int size, int base, int32_t off, int32_t imm);

/* x86_64_opt.c */
/* Computes j->live_out (left NULL when unknown: gotox, or no fixed point). */
void bpfx_x86_liveness(struct jit *j);
/* Emits the instructions starting at i as one pattern; returns how many it
 * consumed (0: no pattern applies). */
size_t bpfx_x86_pair(struct jit *j, size_t i);
size_t bpfx_x86_folded_mem(struct jit *j, size_t i);
/* Finds the loops whose budget polling can be clamped (fills j->clamps and
 * j->clamp_id; leaves them NULL when there are none). Returns 0 or
 * BPFX_E_NOMEM. */
int bpfx_x86_plan_clamps(struct jit *j);
int bpfx_x86_jcc_of(enum bpfx_op op, bool *test);
int bpfx_x86_emit_select(struct jit *j, size_t i);
/* This pass's offset of slot i is here (same = false if it moved). */
static inline void set_slot_addr(struct jit *j, size_t i, bool *same)
{
	if (j->addrs[i] != (uint32_t)j->len)
		*same = false;
	j->addrs[i] = (uint32_t)j->len;
}

/* x86_64.c: the code of the group at slot i, recording the offsets of its
 * slots in j->addrs (same = false if one moved); returns the slots taken */
size_t bpfx_x86_emit_slots(struct jit *j, size_t i, bool *same);
/* x86_64_unroll.c */
int bpfx_x86_plan_unroll(struct jit *j, size_t *extra_bytes);
int bpfx_x86_plan_exit_pads(struct jit *j);
void bpfx_x86_unroll_free(struct jit *j);
void bpfx_x86_emit_unrolled(struct jit *j, struct unroll *u, bool *same);
bool bpfx_x86_reaches_exit(const struct jit *j, size_t h); /* (x86_64.c) */
void bpfx_x86_emit_exit_pad(struct jit *j, size_t t, bool *same);
/* Updates j->zx after instruction i (cond: inside a pattern that starts with
 * a conditional jump). */
void bpfx_x86_zext_update(struct jit *j, size_t i, bool cond);

#endif /* BPFX_JIT_X86_64_H */
