/* SPDX-License-Identifier: MIT */
/*
 * x86_64.c - the x86-64 backend of the JIT.
 *
 * One BPF instruction becomes a short fixed sequence of x86 instructions; the
 * BPF registers live in machine registers (see reg_map). Code is produced in
 * passes: each pass writes the whole image into a bounds-checked buffer and
 * records where every BPF instruction starts (addrs[]). Jumps use the
 * 2-byte form when the target from the previous pass is near enough, so the
 * image shrinks from pass to pass until nothing moves; the pass in which no
 * offset changed is the final one and its bytes are used. If the passes do
 * not settle, all jumps become rel32 and two more passes settle for sure.
 *
 * Image layout:
 *   [int3 padding][trampoline][common exit handlers][body: one run of code per
 *   BPF instruction, each function's prologue just before its first
 *   instruction][per-instruction exit stubs]
 *
 * Native frame of one BPF function (main program included), from high to
 * low addresses: return address, saved rbp (= the caller's r10), 512 bytes of
 * BPF stack (r10 = rbp points at its top), then four slots where the
 * function saves the caller's r6..r9 that it writes. Always 560 bytes, so a
 * frame's depth follows from rsp. Multi-instruction patterns and the
 * liveness analysis are in x86_64_opt.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "x86_64.h"

/* ---- ALU ---------------------------------------------------------------------- */

static void emit_divmod(struct jit *j, const struct bpfx_insn *x, bool w, bool mod, bool sgn)
{
	int dst = reg_map[x->dst];
	bool k = !(x->code & BPFX_SRC_X);
	size_t to_done[3];
	int ndone = 0;

	if (k) {
		int64_t imm = w ? (int64_t)x->imm : sgn ? (int64_t)x->imm : (int64_t)(uint32_t)x->imm;
		if (imm == 0) {
			if (!mod)
				emit_rr(j, false, 0x31, dst, dst); /* xor dst32, dst32 */
			else if (!w)
				emit_mov_rr(j, false, dst, dst);   /* mov dst32, dst32 */
			return;
		}
		if (sgn && imm == -1) {
			if (!mod)
				emit_op(j, w ? EF_W : 0, 0xf7, 3, dst, 0); /* neg dst */
			else
				emit_rr(j, false, 0x31, dst, dst);       /* xor dst32, dst32 */
			return;
		}
		if (blinded(j, x->imm))
			emit_blind_ri(j, w, AUX, x->imm); /* r11 = imm */
		else
			emit_mov_ri(j, w, AUX, x->imm);   /* mov r11, imm */
	} else {
		int src = reg_map[x->src];
		emit_mov_rr(j, w, AUX, src);           /* mov r11, src */
		emit_rr(j, w, 0x85, AUX, AUX);         /* test r11, r11 */
		size_t nz = emit_jcc8_fwd(j, CC_NE);   /* jne nonzero */
		if (!mod)
			emit_rr(j, false, 0x31, dst, dst); /* xor dst32, dst32 */
		else if (!w)
			emit_mov_rr(j, false, dst, dst);   /* mov dst32, dst32 */
		to_done[ndone++] = emit_jcc8_fwd(j, -1); /* jmp done */
		patch8(j, nz);
		if (sgn) {
			emit_alu_ri(j, w, 7, AUX, -1);       /* cmp r11, -1 */
			size_t normal = emit_jcc8_fwd(j, CC_NE); /* jne normal */
			if (!mod)
				emit_op(j, w ? EF_W : 0, 0xf7, 3, dst, 0); /* neg dst */
			else
				emit_rr(j, false, 0x31, dst, dst);       /* xor dst32, dst32 */
			to_done[ndone++] = emit_jcc8_fwd(j, -1); /* jmp done */
			patch8(j, normal);
		}
	}
	if (dst != RAX)
		emit_mov_rr(j, true, AUX2, RAX);  /* mov r10, rax */
	if (dst != RDX && j->poll)
		EMIT1(0x52);                      /* push rdx (r9 is the budget) */
	else if (dst != RDX)
		emit_mov_rr(j, true, AUX3, RDX);  /* mov r9, rdx */
	if (dst != RAX)
		emit_mov_rr(j, w, RAX, dst);      /* mov rax, dst */
	if (sgn) {
		if (w)
			EMIT2(0x48, 0x99);        /* cqo */
		else
			EMIT1(0x99);              /* cdq */
		emit_op(j, w ? EF_W : 0, 0xf7, 7, AUX, 0); /* idiv r11 */
	} else {
		emit_rr(j, false, 0x31, RDX, RDX);        /* xor edx, edx */
		emit_op(j, w ? EF_W : 0, 0xf7, 6, AUX, 0); /* div r11 */
	}
	emit_mov_rr(j, w, dst, mod ? RDX : RAX);  /* mov dst, rax|rdx */
	if (dst != RDX && j->poll)
		EMIT1(0x5a);                      /* pop rdx */
	else if (dst != RDX)
		emit_mov_rr(j, true, RDX, AUX3);  /* mov rdx, r9 */
	if (dst != RAX)
		emit_mov_rr(j, true, RAX, AUX2);  /* mov rax, r10 */
	for (int i = 0; i < ndone; i++)
		patch8(j, to_done[i]);
}

/* shl/shr/sar dst, src with the count in a register (ext 4, 5, 7) */
static void emit_shift_x(struct jit *j, bool w, int ext, int dst, int src)
{
	if (j->bmi2) {
		/* shlx/shrx/sarx dst, dst, src: VEX.LZ.{66,F2,F3}.0F38.W F7 /r */
		uint8_t pp = ext == 4 ? 1 : ext == 5 ? 3 : 2;
		EMIT1(0xc4);
		EMIT1((uint8_t)(((dst & 8) ? 0 : 0x80) | 0x40 | ((dst & 8) ? 0 : 0x20) | 0x02));
		EMIT1((uint8_t)((w ? 0x80 : 0) | ((~src & 15) << 3) | pp));
		EMIT2(0xf7, 0xc0 | ((dst & 7) << 3) | (dst & 7));
		return;
	}
	if (src == RCX) {
		emit_op(j, w ? EF_W : 0, 0xd3, ext, dst, 0); /* shl dst, cl */
	} else if (dst == RCX) {
		emit_mov_rr(j, true, AUX, RCX);             /* mov r11, rcx */
		emit_mov_rr(j, true, RCX, src);             /* mov rcx, src */
		emit_op(j, w ? EF_W : 0, 0xd3, ext, AUX, 0); /* shl r11, cl */
		emit_mov_rr(j, true, RCX, AUX);             /* mov rcx, r11 */
	} else {
		emit_mov_rr(j, true, AUX, RCX);             /* mov r11, rcx */
		emit_mov_rr(j, true, RCX, src);             /* mov rcx, src */
		emit_op(j, w ? EF_W : 0, 0xd3, ext, dst, 0); /* shl dst, cl */
		emit_mov_rr(j, true, RCX, AUX);             /* mov rcx, r11 */
	}
}

static void emit_shift(struct jit *j, const struct bpfx_insn *x, bool w, int ext)
{
	int dst = reg_map[x->dst];
	if (x->code & BPFX_SRC_X) {
		emit_shift_x(j, w, ext, dst, reg_map[x->src]);
		return;
	}
	int n = x->imm & (w ? 63 : 31);
	if (n == 0) {
		if (!w)
			emit_mov_rr(j, false, dst, dst); /* mov dst32, dst32 */
		return;
	}
	emit_op(j, w ? EF_W : 0, 0xc1, ext, dst, 0); /* shl dst, imm8 */
	EMIT1((uint8_t)n);
}

/* add/sub/or/and/xor: rr opcode and group-1 extension */
static void emit_alu(struct jit *j, const struct bpfx_insn *x, bool w, unsigned opc, int ext)
{
	int dst = reg_map[x->dst];
	if (x->code & BPFX_SRC_X) {
		emit_rr(j, w, opc, dst, reg_map[x->src]); /* <op> dst, src */
	} else if (blinded(j, x->imm)) {
		emit_blind_ri(j, true, AUX, x->imm);      /* r11 = imm */
		emit_rr(j, w, opc, dst, AUX);             /* <op> dst, r11 */
	} else {
		emit_alu_ri(j, w, ext, dst, x->imm);      /* <op> dst, imm */
	}
}

static void emit_mul(struct jit *j, const struct bpfx_insn *x, bool w)
{
	int dst = reg_map[x->dst];
	int fl = w ? EF_W : 0;
	if (x->code & BPFX_SRC_X) {
		emit_op(j, fl, 0x0faf, dst, reg_map[x->src], 0); /* imul dst, src */
	} else if (blinded(j, x->imm)) {
		emit_blind_ri(j, true, AUX, x->imm);             /* r11 = imm */
		emit_op(j, fl, 0x0faf, dst, AUX, 0);             /* imul dst, r11 */
	} else if (is_imm8(x->imm)) {
		emit_op(j, fl, 0x6b, dst, dst, 0);               /* imul dst, dst, imm8 */
		EMIT1((uint8_t)x->imm);
	} else {
		emit_op(j, fl, 0x69, dst, dst, 0);               /* imul dst, dst, imm32 */
		emit4(j, (uint32_t)x->imm);
	}
}

static void emit_bswap(struct jit *j, bool w, int r)
{
	if (w || (r & 8))
		EMIT1(0x40 | (w ? 8 : 0) | ((r & 8) ? 1 : 0)); /* REX */
	EMIT2(0x0f, 0xc8 + (r & 7));                           /* bswap r */
}

static void emit_endian(struct jit *j, int dst, int bits, bool swap)
{
	switch (bits) {
	case 16:
		if (swap) {
			emit_op(j, EF_66, 0xc1, 1, dst, 0); /* ror dst16, 8 */
			EMIT1(8);
		}
		emit_op(j, 0, 0x0fb7, dst, dst, 0);  /* movzx dst32, dst16 */
		break;
	case 32:
		if (swap)
			emit_bswap(j, false, dst);       /* bswap dst32 */
		else
			emit_mov_rr(j, false, dst, dst); /* mov dst32, dst32 */
		break;
	default:
		if (swap)
			emit_bswap(j, true, dst); /* bswap dst */
		break;
	}
}

/* ---- memory --------------------------------------------------------------- */

/* loads: zero-extending (sx = false) or sign-extending to 64 bits */
void bpfx_x86_load(struct jit *j, int size, bool sx, int dst, int base, int32_t off)
{
	switch (size) {
	case 1:
		emit_mem(j, sx ? EF_W : 0, sx ? 0x0fbe : 0x0fb6, dst, base, off); /* movzx/movsx dst, byte [m] */
		break;
	case 2:
		emit_mem(j, sx ? EF_W : 0, sx ? 0x0fbf : 0x0fb7, dst, base, off); /* movzx/movsx dst, word [m] */
		break;
	case 4:
		emit_mem(j, sx ? EF_W : 0, sx ? 0x63 : 0x8b, dst, base, off);     /* mov dst32 / movsxd dst, [m] */
		break;
	default:
		emit_mem(j, EF_W, 0x8b, dst, base, off);                          /* mov dst, qword [m] */
		break;
	}
}

void bpfx_x86_store_reg(struct jit *j, int size, int base, int32_t off, int src)
{
	switch (size) {
	case 1: emit_mem(j, EF_BREG, 0x88, src, base, off); break; /* mov byte [m], src8 */
	case 2: emit_mem(j, EF_66, 0x89, src, base, off); break;   /* mov word [m], src16 */
	case 4: emit_mem(j, 0, 0x89, src, base, off); break;      /* mov dword [m], src32 */
	default: emit_mem(j, EF_W, 0x89, src, base, off); break;   /* mov qword [m], src */
	}
}

void bpfx_x86_store_imm(struct jit *j, int size, int base, int32_t off, int32_t imm)
{
	if (blinded(j, imm)) {
		emit_blind_ri(j, true, AUX, imm);              /* r11 = imm */
		bpfx_x86_store_reg(j, size, base, off, AUX); /* mov [m], r11 */
		return;
	}
	switch (size) {
	case 1:
		emit_mem(j, 0, 0xc6, 0, base, off); /* mov byte [m], imm8 */
		EMIT1((uint8_t)imm);
		break;
	case 2:
		emit_mem(j, EF_66, 0xc7, 0, base, off); /* mov word [m], imm16 */
		emit2(j, (uint16_t)imm);
		break;
	default:
		emit_mem(j, size == 8 ? EF_W : 0, 0xc7, 0, base, off); /* mov [m], imm32 */
		emit4(j, (uint32_t)imm);
		break;
	}
}

/* fetch-and-{or,and,xor}: a cmpxchg loop */
static void emit_atomic_fetch_loop(struct jit *j, bool w, unsigned opc, int base, int32_t off, int src)
{
	int fl = w ? EF_W : 0;
	if (j->poll)
		EMIT2(0x41, 0x51);                     /* push r9 (the budget) */
	emit_mem(j, EF_W, 0x8d, AUX3, base, off);      /* lea r9, [base+off] */
	emit_mov_rr(j, true, AUX2, RAX);              /* mov r10, rax (save r0) */
	int val = src == RAX ? AUX2 : src;
	emit_mem(j, fl, 0x8b, RAX, AUX3, 0);          /* mov rax, [r9] */
	size_t loop = j->len;
	emit_mov_rr(j, w, AUX, RAX);                  /* mov r11, rax */
	emit_rr(j, w, opc, AUX, val);                 /* <op> r11, src */
	emit_mem(j, fl | EF_LOCK, 0x0fb1, AUX, AUX3, 0); /* lock cmpxchg [r9], r11 */
	int64_t rel = (int64_t)loop - (int64_t)(j->len + 2);
	EMIT2(0x70 | CC_NE, (uint8_t)rel);           /* jne loop */
	if (src == RAX) {
		if (!w)
			emit_mov_rr(j, false, RAX, RAX); /* mov eax, eax */
	} else {
		emit_mov_rr(j, w, src, RAX);      /* mov src, rax */
		emit_mov_rr(j, true, RAX, AUX2);  /* mov rax, r10 */
	}
	if (j->poll)
		EMIT2(0x41, 0x59);                /* pop r9 */
}

static void emit_atomic(struct jit *j, const struct bpfx_insn *x, enum bpfx_op op)
{
	bool w = x->code == 0xdb;
	int fl = w ? EF_W : 0;
	int base = reg_map[x->dst], src = reg_map[x->src];
	int32_t off = x->off;
	switch (x->imm) {
	case 0x00: emit_mem(j, fl | EF_LOCK, 0x01, src, base, off); break; /* lock add [m], src */
	case 0x40: emit_mem(j, fl | EF_LOCK, 0x09, src, base, off); break; /* lock or [m], src */
	case 0x50: emit_mem(j, fl | EF_LOCK, 0x21, src, base, off); break; /* lock and [m], src */
	case 0xa0: emit_mem(j, fl | EF_LOCK, 0x31, src, base, off); break; /* lock xor [m], src */
	case 0x01: emit_mem(j, fl | EF_LOCK, 0x0fc1, src, base, off); break; /* lock xadd [m], src */
	case 0x41: emit_atomic_fetch_loop(j, w, 0x09, base, off, src); break;
	case 0x51: emit_atomic_fetch_loop(j, w, 0x21, base, off, src); break;
	case 0xa1: emit_atomic_fetch_loop(j, w, 0x31, base, off, src); break;
	case 0xe1: emit_mem(j, fl, 0x87, src, base, off); break;           /* xchg [m], src */
	case 0xf1:
		emit_mem(j, fl | EF_LOCK, 0x0fb1, src, base, off);          /* lock cmpxchg [m], src */
		if (!w)
			emit_mov_rr(j, false, RAX, RAX);                   /* mov eax, eax */
		break;
	default:
		(void)op;
		j->range_err = true; /* cannot happen: the table has no other rows */
		break;
	}
}

/* LD_ABS / LD_IND: r0 = big-endian load from the run's packet */
static void emit_ld_packet(struct jit *j, size_t insn, const struct bpfx_insn *x, bool ind)
{
	int size = bpfx_code_size(x->code);
	if (ind) {
		emit_mov_rr(j, true, AUX, reg_map[x->src]); /* mov r11, src */
		if (blinded(j, x->imm)) {
			emit_blind_ri(j, true, AUX2, x->imm); /* r10 = imm */
			emit_rr(j, true, 0x01, AUX, AUX2);    /* add r11, r10 */
		} else if (x->imm) {
			emit_alu_ri(j, true, 0, AUX, x->imm); /* add r11, imm */
		}
	} else if (blinded(j, x->imm)) {
		emit_blind_ri(j, true, AUX, x->imm);        /* r11 = imm */
	} else {
		emit_mov_ri(j, true, AUX, x->imm);          /* mov r11, imm */
	}
	emit_mem(j, EF_W, 0x8b, AUX2, RUNR, RUN_OFF(pkt_len)); /* mov r10, [r12+pkt_len] */
	emit_alu_ri(j, true, 5, AUX2, size);                 /* sub r10, size */
	emit_exit_jcc(j, CC_B, insn, EX_PKT);                 /* jb pkt_stub */
	emit_rr(j, true, 0x39, AUX, AUX2);                    /* cmp r11, r10 */
	emit_exit_jcc(j, CC_A, insn, EX_PKT);                 /* ja pkt_stub */
	emit_mem(j, EF_W, 0x03, AUX, RUNR, RUN_OFF(pkt));      /* add r11, [r12+pkt] */
	bpfx_x86_load(j, size, false, RAX, AUX, 0);               /* movzx eax, [r11] */
	if (size == 2) {
		emit_op(j, EF_66, 0xc1, 1, RAX, 0);            /* ror ax, 8 */
		EMIT1(8);
	} else if (size == 4) {
		EMIT2(0x0f, 0xc8);                            /* bswap eax */
	}
}

/* ---- calls ---------------------------------------------------------------- */

static void emit_after_helper(struct jit *j, size_t insn)
{
	emit_mem(j, 0, 0x83, 7, RUNR, RUN_OFF(stop)); /* cmp dword [r12+stop], 0 */
	EMIT1(0);
	emit_exit_jcc(j, CC_NE, insn, EX_STOP);       /* jne stop_stub */
}

/* With polling, r9 holds the budget during the run; the run state holds it
 * while a helper runs (callbacks count on it). */
static void emit_budget_out(struct jit *j) /* run->budget = budget_rest + r9 */
{
	if (!j->poll)
		return;
	emit_mem(j, EF_W, 0x8b, AUX, RUNR, RUN_OFF(budget_rest)); /* mov r11, [r12+budget_rest] */
	emit_rr(j, true, 0x01, AUX, AUX3);                       /* add r11, r9 */
	emit_mem(j, EF_W, 0x89, AUX, RUNR, RUN_OFF(budget));      /* mov [r12+budget], r11 */
}

static void emit_budget_in(struct jit *j) /* empty chunk: the next poll refills */
{
	if (!j->poll)
		return;
	emit_mem(j, EF_W, 0x8b, AUX3, RUNR, RUN_OFF(budget));      /* mov r9, [r12+budget] */
	emit_mem(j, EF_W, 0x89, AUX3, RUNR, RUN_OFF(budget_rest)); /* mov [r12+budget_rest], r9 */
	emit_rr(j, false, 0x31, AUX3, AUX3);                      /* xor r9d, r9d */
}

static void emit_helper_call(struct jit *j, size_t insn, uint64_t fn)
{
	emit_budget_out(j);
	emit_mem(j, EF_W, 0x89, RSP, RUNR, RUN_OFF(helper_rsp));    /* mov [r12+helper_rsp], rsp */
	emit_mem(j, EF_W, 0x8b, AUX3, RUNR, RUN_OFF(helper_run));   /* mov r9, [r12+helper_run] */
	emit_call_abs(j, fn);                                      /* call fn */
	emit_budget_in(j);
	emit_after_helper(j, insn);
}

static const uint8_t arg_regs[5] = {RDI, RSI, RDX, RCX, R8};

static void emit_callx(struct jit *j, size_t insn, const struct bpfx_insn *x)
{
	int id = reg_map[x->dst];
	emit_budget_out(j);
	for (int k = 0; k < 5; k++) /* mov [r12+save+8k], r(k+1) */
		emit_mem(j, EF_W, 0x89, arg_regs[k], RUNR, RUN_OFF(save) + 8 * k);
	emit_mov_rr(j, true, RSI, id);                                   /* mov rsi, id */
	emit_mem(j, EF_W, 0x89, RSI, RUNR, RUN_OFF(value));              /* mov [r12+value], rsi */
	emit_mov_imm64(j, RDI, (uint64_t)(uintptr_t)j->env->callx_vm);   /* mov rdi, vm */
	uint64_t lookup;
	memcpy(&lookup, &j->env->callx_lookup, sizeof(lookup));
	emit_call_abs(j, lookup);                                        /* call lookup */
	emit_rr(j, true, 0x85, RAX, RAX);                                /* test rax, rax */
	emit_exit_jcc(j, CC_E, insn, EX_NOHELPER);                       /* jz nohelper_stub */
	emit_mov_rr(j, true, AUX, RAX);                                  /* mov r11, rax */
	for (int k = 0; k < 5; k++) /* mov r(k+1), [r12+save+8k] */
		emit_mem(j, EF_W, 0x8b, arg_regs[k], RUNR, RUN_OFF(save) + 8 * k);
	emit_mem(j, EF_W, 0x89, RSP, RUNR, RUN_OFF(helper_rsp));          /* mov [r12+helper_rsp], rsp */
	emit_mem(j, EF_W, 0x8b, AUX3, RUNR, RUN_OFF(helper_run));         /* mov r9, [r12+helper_run] */
	EMIT3(0x41, 0xff, 0xd3);                                         /* call r11 */
	emit_budget_in(j);
	emit_after_helper(j, insn);
}

static void emit_gotox(struct jit *j, size_t insn, const struct bpfx_insn *x)
{
	emit_mov_rr(j, true, AUX, reg_map[x->dst]);                      /* mov r11, dst */
	emit_mem(j, EF_W, 0x89, AUX, RUNR, RUN_OFF(value));              /* mov [r12+value], r11 */
	emit_mov_imm64(j, AUX2, (uint64_t)(uintptr_t)j->insns);          /* mov r10, insns */
	emit_rr(j, true, 0x29, AUX, AUX2);                               /* sub r11, r10 */
	emit_op(j, EF_W, 0xc1, 1, AUX, 0);                                /* ror r11, 3 */
	EMIT1(3);
	emit_alu_ri(j, true, 7, AUX, (int32_t)j->count);                 /* cmp r11, count */
	emit_exit_jcc(j, CC_AE, insn, EX_BADJUMP);                       /* jae badjump_stub */
	emit_mov_imm64(j, AUX2, j->gotox_table);                         /* mov r10, table */
	EMIT4(0x4f, 0x8b, 0x1c, 0xda);                                   /* mov r11, [r10+r11*8] */
	emit_rr(j, true, 0x85, AUX, AUX);                                /* test r11, r11 */
	emit_exit_jcc(j, CC_E, insn, EX_BADJUMP);                        /* jz badjump_stub */
	if (j->poll) {
		/* a jump to this instruction or before it is a back edge */
		emit_mov_rr(j, true, AUX2, AUX);                         /* mov r10, r11 */
		int64_t rel = (int64_t)j->addrs[insn] - (int64_t)(j->len + 7);
		EMIT3(0x4c, 0x8d, 0x1d);                                 /* lea r11, [rip+rel32] */
		emit4(j, (uint32_t)(int32_t)rel);
		emit_rr(j, true, 0x39, AUX2, AUX);                       /* cmp r10, r11 */
		size_t fwd = emit_jcc8_fwd(j, CC_A);                     /* ja forward */
		emit_poll(j, insn);                                      /* (clobbers r11) */
		patch8(j, fwd);
		EMIT3(0x41, 0xff, 0xe2);                                 /* jmp r10 */
		return;
	}
	EMIT3(0x41, 0xff, 0xe3);                                         /* jmp r11 */
}

/* ---- one instruction ---------------------------------------------------- */

/* Callee-saved slots of a frame, [rsp + 8k] in the body: r9, r8, r7, r6. */
static const uint8_t saved_regs[4] = {RBX, R13, R14, R15}; /* r6..r9 */
static int32_t save_slot(int k)
{
	return 8 * (3 - k);
}


static void emit_exit_insn(struct jit *j, size_t i)
{
	for (int k = 0; k < 4; k++)
		if (j->saves[i] & (1u << k)) /* mov r(6+k), [rsp+slot] */
			emit_mem(j, EF_W, 0x8b, saved_regs[k], RSP, save_slot(k));
	if (j->saves[i] & FN_R10) {
		EMIT1(0xc9); /* leave */
	} else {
		EMIT3(0x48, 0x81, 0xc4); /* add rsp, 552 (rbp untouched) */
		emit4(j, 8 + BPFX_STACK_SIZE + 32);
	}
	EMIT1(0xc3); /* ret */
}

static void emit_cmp_jump(struct jit *j, size_t i, const struct bpfx_insn *x, int cc, bool test)
{
	emit_cmp_branch(j, i, x, test, cc, i + 1 + (int64_t)x->off);
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

void bpfx_x86_insn(struct jit *j, size_t i, enum bpfx_op op)
{
	const struct bpfx_insn *x = &j->insns[i];
	bool w = bpfx_code_is64(x->code);
	int dst = reg_map[x->dst], src = reg_map[x->src];

	switch (op) {
	CASE4(ADD): emit_alu(j, x, w, 0x01, 0); break;
	CASE4(SUB): emit_alu(j, x, w, 0x29, 5); break;
	CASE4(OR): emit_alu(j, x, w, 0x09, 1); break;
	CASE4(AND): emit_alu(j, x, w, 0x21, 4); break;
	CASE4(XOR): emit_alu(j, x, w, 0x31, 6); break;
	CASE4(MUL): emit_mul(j, x, w); break;
	CASE4(DIV): emit_divmod(j, x, w, false, false); break;
	CASE4(SDIV): emit_divmod(j, x, w, false, true); break;
	CASE4(MOD): emit_divmod(j, x, w, true, false); break;
	CASE4(SMOD): emit_divmod(j, x, w, true, true); break;
	CASE4(LSH): emit_shift(j, x, w, 4); break;
	CASE4(RSH): emit_shift(j, x, w, 5); break;
	CASE4(ARSH): emit_shift(j, x, w, 7); break;
	case BPFX_OP_NEG32:
	case BPFX_OP_NEG64:
		emit_op(j, w ? EF_W : 0, 0xf7, 3, dst, 0); /* neg dst */
		break;
	case BPFX_OP_MOV32_K:
	case BPFX_OP_MOV64_K:
		if (blinded(j, x->imm))
			emit_blind_ri(j, w, dst, x->imm); /* dst = imm */
		else
			emit_mov_ri(j, w, dst, x->imm);   /* mov dst, imm */
		break;
	case BPFX_OP_MOV32_X:
		if (dst != src || !(j->zx >> x->dst & 1)) /* (w1 = w1 of a zero-extended r1: nothing) */
			emit_mov_rr(j, false, dst, src); /* mov dst32, src32 */
		break;
	case BPFX_OP_MOV64_X:
	case BPFX_OP_ADDR_SPACE_CAST: /* one address space: a plain move */
		emit_mov_rr(j, true, dst, src); /* mov dst, src */
		break;
	case BPFX_OP_MOVSX32_8: emit_op(j, EF_BRM, 0x0fbe, dst, src, 0); break;      /* movsx dst32, src8 */
	case BPFX_OP_MOVSX32_16: emit_op(j, 0, 0x0fbf, dst, src, 0); break;         /* movsx dst32, src16 */
	case BPFX_OP_MOVSX64_8: emit_op(j, EF_W | EF_BRM, 0x0fbe, dst, src, 0); break; /* movsx dst, src8 */
	case BPFX_OP_MOVSX64_16: emit_op(j, EF_W, 0x0fbf, dst, src, 0); break;       /* movsx dst, src16 */
	case BPFX_OP_MOVSX64_32: emit_op(j, EF_W, 0x63, dst, src, 0); break;         /* movsxd dst, src32 */
	case BPFX_OP_LE16: emit_endian(j, dst, 16, false); break;
	case BPFX_OP_LE32:
		if (!(j->zx >> x->dst & 1))
			emit_endian(j, dst, 32, false);
		break;
	case BPFX_OP_LE64: emit_endian(j, dst, 64, false); break;
	case BPFX_OP_BE16: case BPFX_OP_BSWAP16: emit_endian(j, dst, 16, true); break;
	case BPFX_OP_BE32: case BPFX_OP_BSWAP32: emit_endian(j, dst, 32, true); break;
	case BPFX_OP_BE64: case BPFX_OP_BSWAP64: emit_endian(j, dst, 64, true); break;

	case BPFX_OP_LDDW: case BPFX_OP_LDDW_MAP_FD: case BPFX_OP_LDDW_MAP_VALUE_FD:
	case BPFX_OP_LDDW_VAR_ADDR: case BPFX_OP_LDDW_CODE_ADDR: case BPFX_OP_LDDW_MAP_IDX:
	case BPFX_OP_LDDW_MAP_VALUE_IDX:
		if (op == BPFX_OP_LDDW) /* (resolved addresses are not the program's numbers) */
			emit_user_imm64(j, dst, lddw_value(j, i)); /* mov dst, imm64 */
		else
			emit_mov_imm64(j, dst, lddw_value(j, i));  /* mov dst, imm64 */
		break;
	case BPFX_OP_LDABS_W: case BPFX_OP_LDABS_H: case BPFX_OP_LDABS_B:
		emit_ld_packet(j, i, x, false);
		break;
	case BPFX_OP_LDIND_W: case BPFX_OP_LDIND_H: case BPFX_OP_LDIND_B:
		emit_ld_packet(j, i, x, true);
		break;

	case BPFX_OP_LDX_b: case BPFX_OP_LDX_h: case BPFX_OP_LDX_w: case BPFX_OP_LDX_dw:
	case BPFX_OP_LOAD_ACQ_b: case BPFX_OP_LOAD_ACQ_h: case BPFX_OP_LOAD_ACQ_w:
	case BPFX_OP_LOAD_ACQ_dw: /* x86 loads already have acquire semantics */
		bpfx_x86_load(j, bpfx_code_size(x->code), false, dst, src, x->off);
		break;
	case BPFX_OP_LDXS_b: case BPFX_OP_LDXS_h: case BPFX_OP_LDXS_w:
		bpfx_x86_load(j, bpfx_code_size(x->code), true, dst, src, x->off);
		break;
	case BPFX_OP_ST_b: case BPFX_OP_ST_h: case BPFX_OP_ST_w: case BPFX_OP_ST_dw:
		bpfx_x86_store_imm(j, bpfx_code_size(x->code), dst, x->off, x->imm);
		break;
	case BPFX_OP_STX_b: case BPFX_OP_STX_h: case BPFX_OP_STX_w: case BPFX_OP_STX_dw:
	case BPFX_OP_STORE_REL_b: case BPFX_OP_STORE_REL_h: case BPFX_OP_STORE_REL_w:
	case BPFX_OP_STORE_REL_dw: /* x86 stores already have release semantics */
		bpfx_x86_store_reg(j, bpfx_code_size(x->code), dst, x->off, src);
		break;
	case BPFX_OP_ATOMIC32_ADD: case BPFX_OP_ATOMIC32_OR: case BPFX_OP_ATOMIC32_AND:
	case BPFX_OP_ATOMIC32_XOR: case BPFX_OP_ATOMIC32_FETCH_ADD: case BPFX_OP_ATOMIC32_FETCH_OR:
	case BPFX_OP_ATOMIC32_FETCH_AND: case BPFX_OP_ATOMIC32_FETCH_XOR: case BPFX_OP_ATOMIC32_XCHG:
	case BPFX_OP_ATOMIC32_CMPXCHG:
	case BPFX_OP_ATOMIC64_ADD: case BPFX_OP_ATOMIC64_OR: case BPFX_OP_ATOMIC64_AND:
	case BPFX_OP_ATOMIC64_XOR: case BPFX_OP_ATOMIC64_FETCH_ADD: case BPFX_OP_ATOMIC64_FETCH_OR:
	case BPFX_OP_ATOMIC64_FETCH_AND: case BPFX_OP_ATOMIC64_FETCH_XOR: case BPFX_OP_ATOMIC64_XCHG:
	case BPFX_OP_ATOMIC64_CMPXCHG:
		emit_atomic(j, x, op);
		break;

	case BPFX_OP_JA:
	case BPFX_OP_JA32: {
		size_t t = i + 1 + (int64_t)(op == BPFX_OP_JA ? x->off : x->imm);
		if (j->fused_goto == i) { /* charged by the branch before it (fusable_goto) */
			j->fused_goto = 0;
			emit_jmp(j, unroll_entry(j, i, t) ? unroll_last_head(&j->unrolls[j->unroll_of[t] - 1])
							  : j->addrs[t]); /* jmp target */
		} else if (j->uctx && t == j->uctx->h)
			bpfx_x86_unroll_back(j, i, -1); /* (a back edge of an unrolled loop) */
		else if (unroll_entry(j, i, t))
			bpfx_x86_unroll_enter(j, i, t, -1); /* (to the head of one, from after it) */
		else if (t <= i && j->poll)
			emit_poll_jump(j, i, t);
		else if (t != i + 1)
			emit_jmp(j, j->addrs[t]); /* jmp target */
		break;
	}
	case BPFX_OP_GOTOX:
		emit_gotox(j, i, x);
		break;
	CASE_JCC(JEQ): emit_cmp_jump(j, i, x, CC_E, false); break;
	CASE_JCC(JNE): emit_cmp_jump(j, i, x, CC_NE, false); break;
	CASE_JCC(JGT): emit_cmp_jump(j, i, x, CC_A, false); break;
	CASE_JCC(JGE): emit_cmp_jump(j, i, x, CC_AE, false); break;
	CASE_JCC(JLT): emit_cmp_jump(j, i, x, CC_B, false); break;
	CASE_JCC(JLE): emit_cmp_jump(j, i, x, CC_BE, false); break;
	CASE_JCC(JSGT): emit_cmp_jump(j, i, x, CC_G, false); break;
	CASE_JCC(JSGE): emit_cmp_jump(j, i, x, CC_GE, false); break;
	CASE_JCC(JSLT): emit_cmp_jump(j, i, x, CC_L, false); break;
	CASE_JCC(JSLE): emit_cmp_jump(j, i, x, CC_LE, false); break;
	CASE_JCC(JSET): emit_cmp_jump(j, i, x, CC_NE, true); break;
	case BPFX_OP_MAY_GOTO:
		emit_mem(j, EF_W, 0x83, 7, RUNR, RUN_OFF(may_goto)); /* cmp qword [r12+may_goto], 0 */
		EMIT1(0);
		emit_branch(j, i, CC_E, i + 1 + (int64_t)x->off);   /* je target */
		emit_mem(j, EF_W, 0xff, 1, RUNR, RUN_OFF(may_goto)); /* dec qword [r12+may_goto] */
		break;

	case BPFX_OP_CALL_HELPER:
	case BPFX_OP_CALL_KFUNC: {
		uint64_t fn;
		memcpy(&fn, &j->env->call_fns[i], sizeof(fn));
		emit_poll(j, i);
		emit_helper_call(j, i, fn);
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
		emit_mem(j, EF_W, 0x3b, RSP, RUNR, RUN_OFF(stack_limit)); /* cmp rsp, [r12+stack_limit] */
		emit_exit_jcc(j, CC_BE, i, EX_DEPTH);                    /* jbe depth_stub */
		int64_t rel = (int64_t)j->entry[t] - (int64_t)(j->len + 5);
		EMIT1(0xe8);                                             /* call entry(t) */
		emit4(j, (uint32_t)(int32_t)rel);
		break;
	}
	case BPFX_OP_EXIT:
		emit_exit_insn(j, i);
		break;
	case BPFX_OP__COUNT:
	case BPFX_OP__INVALID:
		j->range_err = true; /* cannot happen: ops come from the validator */
		break;
	}
}

/* ---- the whole image ---------------------------------------------------- */

/* Trampoline: uint64_t tramp(const uint64_t args[5], struct bpfx_jit_run *run,
 * const void *entry). Saves the SysV callee-saved registers, loads r1..r5,
 * zeroes r0 and r6..r9, records the stack pointer for unwinding and the
 * depth limit, and calls the function prologue `entry`. */
static void emit_trampoline(struct jit *j)
{
	EMIT1(0x55);                 /* push rbp */
	EMIT1(0x53);                 /* push rbx */
	EMIT2(0x41, 0x54);           /* push r12 */
	EMIT2(0x41, 0x55);           /* push r13 */
	EMIT2(0x41, 0x56);           /* push r14 */
	EMIT2(0x41, 0x57);           /* push r15 */
	EMIT4(0x48, 0x83, 0xec, 8);  /* sub rsp, 8 (align to 16) */
	emit_mem(j, EF_W, 0x8d, RUNR, RSI, RUN_BIAS); /* lea r12, [rsi+RUN_BIAS] */
	emit_mov_rr(j, true, AUX, RDX);  /* mov r11, rdx */
	emit_mov_rr(j, true, RAX, RDI);  /* mov rax, rdi */
	emit_mem(j, EF_W, 0x8b, RDI, RAX, 0);  /* mov rdi, [rax] */
	emit_mem(j, EF_W, 0x8b, RSI, RAX, 8);  /* mov rsi, [rax+8] */
	emit_mem(j, EF_W, 0x8b, RDX, RAX, 16); /* mov rdx, [rax+16] */
	emit_mem(j, EF_W, 0x8b, RCX, RAX, 24); /* mov rcx, [rax+24] */
	emit_mem(j, EF_W, 0x8b, R8, RAX, 32);  /* mov r8, [rax+32] */
	emit_rr(j, false, 0x31, RAX, RAX);    /* xor eax, eax */
	emit_rr(j, false, 0x31, RBX, RBX);    /* xor ebx, ebx */
	emit_rr(j, false, 0x31, R13, R13);    /* xor r13d, r13d */
	emit_rr(j, false, 0x31, R14, R14);    /* xor r14d, r14d */
	emit_rr(j, false, 0x31, R15, R15);    /* xor r15d, r15d */
	emit_mem(j, EF_W, 0x89, RSP, RUNR, RUN_OFF(saved_rsp));     /* mov [r12+saved_rsp], rsp */
	emit_mem(j, EF_W, 0x89, RSP, RUNR, RUN_OFF(frame_low));     /* mov [r12+frame_low], rsp */
	emit_mov_rr(j, true, AUX2, RSP);                           /* mov r10, rsp */
	emit_mem(j, EF_W, 0x2b, AUX2, RUNR, RUN_OFF(depth_bytes));  /* sub r10, [r12+depth_bytes] */
	emit_mem(j, EF_W, 0x89, AUX2, RUNR, RUN_OFF(stack_limit));  /* mov [r12+stack_limit], r10 */
	emit_budget_in(j);           /* mov r9, [r12+budget] (polling) */
	EMIT3(0x41, 0xff, 0xd3);     /* call r11 */
	j->tramp_ret = (uint32_t)j->len;
	emit_budget_out(j);          /* mov [r12+budget], r9 (polling) */
	EMIT4(0x48, 0x83, 0xc4, 8);  /* add rsp, 8 */
	EMIT2(0x41, 0x5f);           /* pop r15 */
	EMIT2(0x41, 0x5e);           /* pop r14 */
	EMIT2(0x41, 0x5d);           /* pop r13 */
	EMIT2(0x41, 0x5c);           /* pop r12 */
	EMIT1(0x5b);                 /* pop rbx */
	EMIT1(0x5d);                 /* pop rbp */
	EMIT1(0xc3);                 /* ret */
}

static void emit_commons(struct jit *j)
{
	static const int32_t status[EX__COUNT] = {
		[EX_BUDGET] = BPFX_E_BUDGET, [EX_CANCEL] = BPFX_E_CANCELLED,
		[EX_DEPTH] = BPFX_E_CALL_DEPTH, [EX_NOHELPER] = BPFX_E_NO_HELPER,
		[EX_BADJUMP] = BPFX_E_BAD_INSN,
	};
	/* zero_frame: clears the BPF stack [rbp-512, rbp) of a frame deeper than
	 * any this entry used before, and records its depth. Only xmm0 and
	 * r11 change. */
	j->zero_frame = (uint32_t)j->len;
	emit_mem(j, EF_W, 0x8d, AUX, RSP, 8);                  /* lea r11, [rsp+8] */
	emit_mem(j, EF_W, 0x89, AUX, RUNR, RUN_OFF(frame_low)); /* mov [r12+frame_low], r11 */
	EMIT4(0x66, 0x0f, 0xef, 0xc0);                         /* pxor xmm0, xmm0 */
	for (int k = 0; k < BPFX_STACK_SIZE / 16; k++)
		emit_mem(j, 0, 0x0f11, 0, RBP, -BPFX_STACK_SIZE + 16 * k); /* movups [rbp-512+16k], xmm0 */
	EMIT1(0xc3);                                           /* ret */
	j->unwind = (uint32_t)j->len;
	emit_mem(j, EF_W, 0x8b, RSP, RUNR, RUN_OFF(saved_rsp)); /* mov rsp, [r12+saved_rsp] */
	emit_jmp32(j, j->tramp_ret);                           /* jmp tramp_ret */
	for (int k = 0; k < EX__COUNT; k++) {
		j->common[k] = (uint32_t)j->len;
		if (k == EX_STOP) {
			emit_mem(j, 0, 0x8b, RAX, RUNR, RUN_OFF(stop_status)); /* mov eax, [r12+stop_status] */
			emit_mem(j, 0, 0x89, RAX, RUNR, RUN_OFF(status));      /* mov [r12+status], eax */
			emit_mem(j, EF_W, 0x8b, RAX, RUNR, RUN_OFF(stop_r0));   /* mov rax, [r12+stop_r0] */
		} else {
			emit_run_store_imm(j, false, RUN_OFF(status), status[k]); /* mov dword [r12+status], st */
			if (k == EX_BUDGET)
				emit_rr(j, false, 0x31, AUX3, AUX3);    /* xor r9d, r9d (stored as the budget) */
			emit_rr(j, false, 0x31, RAX, RAX);                       /* xor eax, eax */
		}
		emit_jmp32(j, j->unwind); /* jmp unwind */
	}
	if (j->poll) {
		/* poll_slow (called from a poll point's stub when r9, the
		 * chunk, ran out): takes up to BPFX_CANCEL_POLL_INTERVAL from
		 * budget_rest (none left: budget exit), counts this poll, checks
		 * cancel. Changes r9, r11 and the flags only. */
		j->poll_slow = (uint32_t)j->len;
		emit_mem(j, EF_W, 0x8b, AUX, RUNR, RUN_OFF(budget_rest)); /* mov r11, [r12+budget_rest] */
		emit_rr(j, true, 0x85, AUX, AUX);                         /* test r11, r11 */
		EMIT2(0x75, 5);                                           /* jnz +5 */
		emit_jmp32(j, j->common[EX_BUDGET]);                      /* jmp budget_exit */
		emit_mem(j, EF_W, 0x8b, AUX3, RUNR, RUN_OFF(chunk_max));  /* mov r9, [r12+chunk_max] */
		emit_rr(j, true, 0x85, AUX3, AUX3);                       /* test r9, r9 */
		EMIT2(0x75, 6);                                           /* jnz +6 */
		emit_mov_ri(j, false, AUX3, BPFX_CANCEL_POLL_INTERVAL);   /* mov r9d, interval (6 bytes) */
		emit_rr(j, true, 0x39, AUX, AUX3);                        /* cmp r11, r9 */
		emit_op(j, EF_W, 0x0f40 | CC_B, AUX3, AUX, 0);            /* cmovb r9, r11 */
		emit_rr(j, true, 0x29, AUX, AUX3);                        /* sub r11, r9 */
		emit_mem(j, EF_W, 0x89, AUX, RUNR, RUN_OFF(budget_rest)); /* mov [r12+budget_rest], r11 */
		emit_alu_ri(j, true, 5, AUX3, 1);                         /* sub r9, 1 */
		emit_mem(j, EF_W, 0x8b, AUX, RUNR, RUN_OFF(cancel));      /* mov r11, [r12+cancel] */
		emit_mem(j, 0, 0x83, 7, AUX, 0);                          /* cmp dword [r11], 0 */
		EMIT1(0);
		EMIT2(0x75, 1);                                           /* jne +1 */
		EMIT1(0xc3);                                              /* ret */
		emit_jmp32(j, j->common[EX_CANCEL]);                      /* jmp cancel_exit */
	}
}

/* One pass over the program. Returns true if no offset moved. */
/*
 * Which of r6..r9 each function must save: the ones it writes. A function
 * is the run of instructions from one entry to the next. If any jump leaves
 * its function, or a function runs into the next, or gotox is used, every
 * function saves all four (exits then restore the same everywhere).
 */
static void plan_saves(struct jit *j, bool gotox)
{
	size_t n = j->count, start = 0, end = 0;
	bool all = gotox;
	uint8_t mask = 0;
	for (size_t i = 0; i <= n && !all; i++) {
		if (i == n || (i > start && j->is_entry[i])) {
			if (i < n && bpfx_jit_falls_through(j->ops, i - 1))
				all = true;
			for (size_t k = start; k < i; k++)
				j->saves[k] = mask;
			start = i;
			mask = 0;
			if (i == n)
				break;
		}
		if (i == start) /* the function spans [start, end) */
			for (end = start + 1; end < n && !j->is_entry[end]; end++)
				;
		if (j->ops[i] < 0)
			continue;
		const struct bpfx_insn *x = &j->insns[i];
		const struct bpfx_op_desc *o = &bpfx_op_table[j->ops[i]];
		if ((o->dst == BPFX_USE_WRITE || o->dst == BPFX_USE_RW) && x->dst >= 6 && x->dst <= 9)
			mask |= 1u << (x->dst - 6);
		if ((o->dst != BPFX_USE_ZERO && o->dst != BPFX_USE_SEL && x->dst == 10) ||
		    (o->src != BPFX_USE_ZERO && o->src != BPFX_USE_SEL && x->src == 10))
			mask |= FN_R10;
		if (o->src == BPFX_USE_RW && x->src >= 6 && x->src <= 9)
			mask |= 1u << (x->src - 6);
		int64_t t = bpfx_insn_target(j->insns, j->ops, i, false);
		if (t >= 0 && (t < (int64_t)start || t >= (int64_t)end))
			all = true; /* leaves its function */
	}
	if (all)
		memset(j->saves, 0xf | FN_R10, n);
}

/* Emits the instruction or pattern at i; returns how many slots it took. */
static size_t emit_group(struct jit *j, size_t i)
{
	size_t n = bpfx_x86_folded_mem(j, i);
	if (!n)
		n = bpfx_x86_pair(j, i);
	if (!n) {
		bpfx_x86_insn(j, i, (enum bpfx_op)j->ops[i]);
		n = 1;
	}
	return n;
}

/* One nop of n = 1..8 bytes */
static void emit_nop(struct jit *j, size_t n)
{
	static const uint8_t nops[8][8] = {
		{0x90},
		{0x66, 0x90},
		{0x0f, 0x1f, 0x00},
		{0x0f, 0x1f, 0x40, 0x00},
		{0x0f, 0x1f, 0x44, 0x00, 0x00},
		{0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
		{0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
		{0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
	};
	for (size_t k = 0; k < n; k++)
		EMIT1(nops[n - 1][k]);
}

/*
 * Loop placement. On the cores measured (Sapphire Rapids), a small loop runs
 * about 1.3x to 1.8x slower when its body crosses a 64-byte boundary, when
 * code executed before it starts in the same 64-byte block as its head, or
 * when a nop is executed inside it (matmul: 1.45x to 2.5x native for the
 * same instructions). So the head of a loop of at most 64 bytes (slot t,
 * the target of backward jumps; the last of them is loop_end[t] - 1) starts
 * a 64-byte block: the padding goes before it, outside the loop (nops, or a
 * jump over int3 bytes when longer than 16). The loop's size comes from the
 * previous pass (a pass that changes it is not the last); from PAD_FREEZE
 * passes on the paddings stay as they were, so the layout settles as
 * without padding.
 */
static void pad_loop_head(struct jit *j, size_t t)
{
	size_t p = 0;
	if (j->pad_frozen) {
		p = j->pad[t];
	} else {
		int64_t size = (int64_t)j->gend[j->loop_end[t] - 1] - (int64_t)j->addrs[t];
		if (size > 0 && size <= 64)
			p = (64 - (j->len & 63)) & 63;
		j->pad[t] = (uint8_t)p;
	}
	if (p > 16) {
		EMIT2(0xeb, (uint8_t)(p - 2));        /* jmp over the padding */
		for (size_t k = 2; k < p; k++)
			EMIT1(0xcc);                  /* int3 */
	} else {
		while (p) {
			size_t n = p > 8 ? 8 : p;
			emit_nop(j, n);               /* nop */
			p -= n;
		}
	}
}

/*
 * Function placement: each bpf-to-bpf function but the first (whose entry is
 * reached once, from the trampoline) starts a 64-byte block, as compilers
 * align functions. Unaligned entries cost the call-heavy bench program 1.2x to
 * 1.6x, depending on where the previous code happened to end, and strsearch
 * (whose hot loop is in a function) 1.3x against 0.75x aligned. The padding
 * is int3 bytes: nothing runs into it (the code before is a ret, a jmp, or
 * the jump over the prologue). It freezes like the loop paddings (j->pad of
 * an entry is not a loop padding: entries get none).
 */
static void pad_function(struct jit *j, size_t i)
{
	size_t p;
	if (j->pad_frozen) {
		p = j->pad[i];
	} else {
		p = (64 - (j->len & 63)) & 63;
		j->pad[i] = (uint8_t)p;
	}
	while (p--)
		EMIT1(0xcc); /* int3 */
}

/* Entry code of a clamped loop (see bpfx_x86_plan_clamps): loop_i0 = i,
 * loop_bound = min(n, i + d + ((r9 + 1) << shift)), or 0 (every back edge
 * then takes the exit path) if that wraps around, if the copy x is not
 * i + d2 or, for `!=`, i does not reach n exactly. Changes r10, r11 and
 * the flags. */
static void emit_clamp_setup(struct jit *j, const struct clamp *c)
{
	int i = reg_map[c->i], n = c->n_k ? AUX2 : reg_map[c->n];
	size_t to_slow[6];
	int nslow = 0;
	if (c->copies) { /* few iterations left (or i past n): into the copies */
		struct unroll *u = &j->unrolls[c->copies - 1];
		u->centry = (uint32_t)j->len;
		if (c->n_k)
			emit_mov_ri(j, true, AUX, c->n_imm);               /* mov r11, n */
		else
			emit_mov_rr(j, true, AUX, n);                      /* mov r11, n */
		emit_rr(j, true, 0x29, AUX, i);                            /* sub r11, i */
		emit_alu_ri(j, true, 7, AUX, CLAMP_COPIES_BELOW << c->shift); /* cmp r11, below << shift */
		emit_jcc(j, CC_B, unroll_last_head(u));                    /* jb last copy (no event) */
	}
	if (c->fast) { /* entered from above: the counter is known, so are the back edges */
		emit_alu_ri(j, true, 7, AUX3, (int32_t)c->trips);          /* cmp r9, trips */
		size_t general = emit_jcc8_fwd(j, CC_B);                   /* jb general */
		emit_mem(j, EF_W, 0x89, i, RUNR, RUN_OFF(loop_i0));        /* mov [r12+loop_i0], i */
		if (c->reg_bound) {
			emit_mov_ri(j, true, AUX2, c->n_imm);              /* mov r10, n */
		} else {
			emit_mov_ri(j, true, AUX, c->n_imm);               /* mov r11, n */
			emit_mem(j, EF_W, 0x89, AUX, RUNR, RUN_OFF(loop_bound)); /* mov [r12+loop_bound], r11 */
		}
		emit_jmp(j, j->addrs[c->t]);                               /* jmp head */
		patch8(j, general);
	}
	j->clamp_setup = (uint32_t)j->len; /* (general: also re-entered from the exit path) */
	emit_mem(j, EF_W, 0x89, i, RUNR, RUN_OFF(loop_i0));      /* mov [r12+loop_i0], i */
	if (c->x != c->i) {
		emit_mov_rr(j, true, AUX, reg_map[c->x]);         /* mov r11, x */
		emit_rr(j, true, 0x29, AUX, i);                   /* sub r11, i */
		emit_alu_ri(j, true, 7, AUX, c->d2);              /* cmp r11, d2 */
		to_slow[nslow++] = emit_jcc8_fwd(j, CC_NE);       /* jne slow (x is not i + d2) */
	}
	if (c->d < 0) {
		emit_alu_ri(j, true, 7, i, -c->d);                /* cmp i, -d */
		to_slow[nslow++] = emit_jcc8_fwd(j, CC_B);        /* jb slow (i + d wraps) */
	}
	emit_mem(j, EF_W, 0x8d, AUX, AUX3, 1);                    /* lea r11, [r9+1] */
	if (c->shift) {
		emit_op(j, EF_W, 0xc1, 4, AUX, 0);                /* shl r11, shift */
		EMIT1(c->shift);
	}
	emit_rr(j, true, 0x01, AUX, i);                           /* add r11, i */
	to_slow[nslow++] = emit_jcc8_fwd(j, CC_B);                /* jc slow (overflow) */
	if (c->d > 0) {
		emit_alu_ri(j, true, 0, AUX, c->d);               /* add r11, d */
		to_slow[nslow++] = emit_jcc8_fwd(j, CC_B);        /* jc slow (overflow) */
	} else if (c->d < 0) {
		emit_alu_ri(j, true, 5, AUX, -c->d);              /* sub r11, -d (no borrow: i >= -d) */
	}
	if (c->n_k)
		emit_mov_ri(j, true, AUX2, c->n_imm);             /* mov r10, imm (sign-extended) */
	if (c->ne) {
		emit_rr(j, true, 0x39, i, n);                     /* cmp i, n */
		to_slow[nslow++] = emit_jcc8_fwd(j, CC_AE);       /* jae slow (i >= n: never equal) */
		if (c->shift) {
			emit_mov_rr(j, true, AUX2, n);            /* (r10 = n already) */
			emit_rr(j, true, 0x29, AUX2, i);          /* sub r10, i */
			emit_op(j, EF_W, 0xf7, 0, AUX2, 0);       /* test r10, c - 1 */
			emit4(j, (1u << c->shift) - 1);
			to_slow[nslow++] = emit_jcc8_fwd(j, CC_NE); /* jnz slow (steps over n) */
			emit_mov_ri(j, true, AUX2, c->n_imm);     /* mov r10, n */
		}
	}
	emit_rr(j, true, 0x39, AUX, n);                           /* cmp r11, n */
	emit_op(j, EF_W, 0x0f40 | CC_A, AUX, n, 0);               /* cmova r11, n */
	size_t store = emit_jcc8_fwd(j, -1);                      /* jmp store */
	for (int k = 0; k < nslow; k++)
		patch8(j, to_slow[k]);
	emit_rr(j, false, 0x31, AUX, AUX);                        /* slow: xor r11d, r11d */
	patch8(j, store);
	if (c->reg_bound)
		emit_mov_rr(j, true, AUX2, AUX);                  /* store: mov r10, r11 */
	else
		emit_mem(j, EF_W, 0x89, AUX, RUNR, RUN_OFF(loop_bound)); /* store: mov [r12+loop_bound], r11 */
}

/* Back edge of a clamped loop: continue while q < loop_bound; on the way
 * out charge the back edges taken, then poll for this one if the loop's
 * own condition holds (and go through the entry code again). Returns the
 * offset after the hot part (for loop placement). */
static uint32_t emit_clamp_back(struct jit *j, const struct clamp *c)
{
	int i = reg_map[c->i], q = reg_map[c->q], n = c->n_k ? AUX2 : reg_map[c->n];
	if (c->reg_bound)
		emit_rr(j, true, 0x39, q, AUX2);                  /* cmp q, r10 */
	else
		emit_mem(j, EF_W, 0x3b, q, RUNR, RUN_OFF(loop_bound)); /* cmp q, [r12+loop_bound] */
	emit_jcc(j, CC_B, j->addrs[c->t]);                        /* jb head */
	uint32_t hot = (uint32_t)j->len;
	emit_mov_rr(j, true, AUX, i);                             /* mov r11, i */
	emit_mem(j, EF_W, 0x2b, AUX, RUNR, RUN_OFF(loop_i0));     /* sub r11, [r12+loop_i0] */
	if (c->shift) {
		emit_op(j, EF_W, 0xc1, 5, AUX, 0);                /* shr r11, shift */
		EMIT1(c->shift);
	}
	emit_alu_ri(j, true, 5, AUX, 1);                          /* sub r11, 1 */
	emit_rr(j, true, 0x29, AUX3, AUX);                        /* sub r9, r11 (the back edges taken) */
	if (c->n_k)
		emit_mov_ri(j, true, AUX2, c->n_imm);             /* mov r10, imm */
	emit_rr(j, true, 0x39, q, n);                             /* cmp q, n */
	size_t done = emit_jcc8_fwd(j, c->ne ? CC_E : CC_AE);     /* je/jae done (the loop ends) */
	emit_alu_ri(j, true, 5, AUX3, 1);                         /* sub r9, 1 (this back edge) */
	emit_jcc(j, CC_AE, j->clamp_setup);                       /* jae setup */
	emit_exit_jcc(j, -1, c->b, EX_POLL);                      /* jmp poll_stub (then setup) */
	if (j->nstubs)
		j->stubs[j->nstubs - 1].back = j->clamp_setup;
	patch8(j, done);
	return hot;
}

size_t bpfx_x86_emit_slots(struct jit *j, size_t i, bool *same)
{
	set_slot_addr(j, i, same);
	if (j->ops[i] < 0)
		return 1; /* second slot of an lddw: no code */
	size_t folded = emit_group(j, i);
	uint8_t fmt = bpfx_op_table[j->ops[i]].fmt;
	bool cond = fmt == BPFX_FMT_JCC_K || fmt == BPFX_FMT_JCC_X; /* (a group's writes may not happen) */
	for (size_t k = 1; k < folded; k++)
		set_slot_addr(j, i + k, same); /* (not jump targets) */
	for (size_t k = 0; k < folded; k++)
		bpfx_x86_zext_update(j, i + k, folded > 1 && cond);
	return folded;
}

/* call poll_slow (rel32; it is emitted before the code) */
static void emit_call_poll_slow(struct jit *j)
{
	EMIT1(0xe8);
	emit4(j, (uint32_t)(int32_t)((int64_t)j->poll_slow - (int64_t)(j->len + 4)));
}

static bool jit_pass(struct jit *j)
{
	j->len = 0;
	j->overflow = j->range_err = false;
	j->nstubs = j->ncstubs = 0;
	j->fused_goto = 0;
	for (int k = 0; k < 16; k++)
		EMIT1(0xcc); /* int3 padding: nothing jumps or reads before the trampoline */
	emit_trampoline(j);
	emit_commons(j);
	bool same = true;
	for (size_t i = 0; i < j->count; i++) {
		if (j->fused_goto && i > j->fused_goto)
			j->range_err = true; /* (a fused goto was not emitted as one: cannot happen) */
		if (j->is_entry[i]) {
			/* Function prologue, placed before the body; code that
			 * falls into the body from above jumps over it. */
			if (i > 0 && bpfx_jit_falls_through(j->ops, i - 1))
				emit_jmp(j, j->addrs[i]);                       /* jmp body */
			if (i > 0)
				pad_function(j, i);
			if (j->entry[i] != (uint32_t)j->len)
				same = false;
			j->entry[i] = (uint32_t)j->len;
			bool r10 = j->saves[i] & FN_R10;
			if (r10) {
				EMIT1(0x55);                                    /* push rbp */
				EMIT3(0x48, 0x89, 0xe5);                        /* mov rbp, rsp */
				EMIT3(0x48, 0x81, 0xec);                        /* sub rsp, 544 */
				emit4(j, BPFX_STACK_SIZE + 32);
			} else { /* same frame size, but rbp (r10) is never read */
				EMIT3(0x48, 0x81, 0xec);                        /* sub rsp, 552 */
				emit4(j, 8 + BPFX_STACK_SIZE + 32);
			}
			for (int k = 0; k < 4; k++)
				if (j->saves[i] & (1u << k)) /* mov [rsp+slot], r(6+k) */
					emit_mem(j, EF_W, 0x89, saved_regs[k], RSP, save_slot(k));
			if (r10) {
				emit_mem(j, EF_W, 0x3b, RSP, RUNR, RUN_OFF(frame_low)); /* cmp rsp, [r12+frame_low] */
				EMIT2(0x73, 5);                 /* jae +5 (a frame used before) */
				EMIT1(0xe8);                    /* call zero_frame */
				emit4(j, (uint32_t)(int32_t)((int64_t)j->zero_frame - (int64_t)(j->len + 4)));
			}
		}
		if (j->is_entry[i] || !j->is_target || j->is_target[i])
			j->zx = 0; /* reached from elsewhere: nothing known */
		if (j->poll && j->xpad_want && j->xpad_want[i])
			bpfx_x86_emit_exit_pad(j, i, &same);
		const struct clamp *cl = j->clamp_id && j->clamp_id[i] ? &j->clamps[j->clamp_id[i] - 1] : NULL;
		struct unroll *u = j->unroll_of && j->unroll_of[i] ? &j->unrolls[j->unroll_of[i] - 1] : NULL;
		if (cl && cl->t == i)
			emit_clamp_setup(j, cl);
		if (j->loop_end[i] && !j->is_entry[i] && !(u && u->h == i && !(cl && cl->copies)) &&
		    !bpfx_x86_reaches_exit(j, i))
			pad_loop_head(j, i); /* (an unrolled loop runs its copies, placed below; an
					      * epilogue jumped back to is no loop) */
		if (u && u->eb == i && !(cl && cl->copies)) {
			/* the single copy's back edge, then the copies */
			bpfx_x86_emit_unrolled(j, u, &same);
			for (size_t k = i; k <= u->e; k++)
				j->gend[k] = j->addrs[u->e + 1]; /* (previous pass: big, so never padded) */
			i = u->e;
			j->zx = 0; /* the next slot is also reached from the copies */
			continue;
		}
		if (!cl || cl->bstart != i) {
			j->group_end = u ? u->eb : j->count; /* (no pattern across an unrolled back edge) */
			j->uctx = u; /* (its back edges before eb go to the copies) */
			j->umode = UM_SINGLE;
			j->unext = u ? u->caddr[0] : 0;
			size_t start = j->len;
			size_t folded = bpfx_x86_emit_slots(j, i, &same);
			for (size_t k = 0; k < folded; k++)
				j->gend[i + k] = (uint32_t)j->len; /* (for the next pass's loop placement) */
			i += folded - 1;
			j->group_end = j->count;
			j->uctx = NULL;
			if (j->len - start > MAX_INSN_BYTES)
				j->range_err = true;
			continue;
		}
		set_slot_addr(j, i, &same); /* a clamped loop's back edge */
		uint32_t gend = emit_clamp_back(j, cl);
		for (size_t k = i; k <= cl->b; k++) {
			j->gend[k] = gend;
			if (k > i)
				set_slot_addr(j, k, &same); /* (not jump targets) */
			bpfx_x86_zext_update(j, k, true);
		}
		i = cl->b;
		if (cl->copies) { /* then the copies, before the next slot */
			emit_jmp(j, j->addrs[cl->b + 1]);                  /* jmp next slot */
			bpfx_x86_emit_unrolled(j, &j->unrolls[cl->copies - 1], &same);
			j->zx = 0;
		}
	}
	if (j->addrs[j->count] != (uint32_t)j->len)
		same = false;
	j->addrs[j->count] = (uint32_t)j->len;
	if (j->stub_start != (uint32_t)j->len)
		same = false;
	j->stub_start = (uint32_t)j->len;
	for (size_t k = 0; k < j->nstubs; k++) {
		emit_run_store_imm(j, false, RUN_OFF(insn), (int32_t)j->stubs[k].insn); /* mov [r12+insn], i */
		if (j->stubs[k].kind == EX_POLL) {
			emit_call_poll_slow(j);                       /* call poll_slow */
			emit_jmp32(j, j->stubs[k].back);              /* jmp back */
		} else {
			emit_jmp32(j, j->common[j->stubs[k].kind]);   /* jmp common */
			EMIT4(0x0f, 0x1f, 0x44, 0x00);                /* nop (5 bytes: stubs are equal-sized) */
			EMIT1(0x00);
		}
	}
	for (size_t k = 0; k < j->ncstubs; k++) {
		const struct cstub *c = &j->cstubs[k];
		if (k >= j->cstub_prev || j->cstub_off[k] != (uint32_t)j->len)
			same = false;
		j->cstub_off[k] = (uint32_t)j->len;
		size_t start = j->len;
		size_t not_taken = 0;
		if (c->kind == CS_PRE) {
			emit_cmp(j, c->cmp, c->test);                  /* cmp/test again (registers kept) */
			not_taken = emit_jcc8_fwd(j, c->cc ^ 1);       /* j!cc not_taken */
		} else {
			EMIT4(0x49, 0x83, 0xe9, c->k);                 /* sub r9, k */
			emit_jcc32(j, CC_AE, c->first);                /* jae first */
		}
		if (c->k > 1) {
			EMIT4(0x49, 0x83, 0xc1, c->k - 1);             /* add r9, k - 1 (carry: r9 >= 1 before) */
			emit_jcc32(j, CC_B, c->single);                /* jc single (r9 - 1 left) */
		}
		emit_run_store_imm(j, false, RUN_OFF(insn), (int32_t)c->insn); /* mov [r12+insn], i (r9 = -1) */
		emit_call_poll_slow(j);                                /* call poll_slow */
		emit_jmp32(j, c->single);                              /* jmp single */
		if (c->kind == CS_PRE) {
			patch8(j, not_taken);
			if (c->fused) { /* not taken: the goto's event, polled here (r9 = -1) */
				emit_run_store_imm(j, false, RUN_OFF(insn), (int32_t)c->fused); /* mov [r12+insn], g */
				emit_call_poll_slow(j);                /* call poll_slow */
			} else {
				EMIT4(0x49, 0x83, 0xc1, c->k);         /* not_taken: add r9, k (as before) */
			}
			emit_jmp32(j, c->fall);                        /* jmp fall */
		}
		if (j->len - start > CSTUB_MAX_BYTES)
			j->range_err = true;
	}
	j->cstub_prev = j->ncstubs;
	return same;
}

/* ---- compile / free / enter ------------------------------------------- */

/* The next slot from i not yet filled (next[k] == k), compressing the way. */
static uint32_t next_unfilled(uint32_t *next, uint32_t i)
{
	uint32_t r = i;
	while (next[r] != r)
		r = next[r];
	while (next[i] != r) {
		uint32_t up = next[i];
		next[i] = r;
		i = up;
	}
	return r;
}

/* Does the code at h run straight (no jump) into an exit? A backward jump
 * there (to a shared epilogue) closes no loop; a way out of a loop there
 * is taken once per call. */
bool bpfx_x86_reaches_exit(const struct jit *j, size_t h)
{
	for (size_t i = h; i < j->count && i < h + 16; i++) {
		int op = j->ops[i];
		if (op < 0)
			continue; /* (an lddw's second slot) */
		if (op == BPFX_OP_EXIT)
			return true;
		uint8_t cls = BPFX_CLASS(j->insns[i].code);
		if (cls == BPFX_CLS_JMP || cls == BPFX_CLS_JMP32)
			return false; /* (jumps, calls) */
	}
	return false;
}

/* inner_head[i]: the largest loop head h with h <= i < loop_end[h] (0 if
 * none; jumps back into an epilogue do not count). Heads are taken from the
 * last down, each filling the slots of its loop that no later head filled. */
static void plan_inner_heads(struct jit *j)
{
	size_t n = j->count;
	uint32_t *next = malloc((n + 1) * sizeof(uint32_t));
	if (!next) {
		free(j->inner_head);
		j->inner_head = NULL; /* (every back edge then keeps the inline charge) */
		return;
	}
	for (size_t i = 0; i <= n; i++)
		next[i] = (uint32_t)i;
	for (size_t h = n; h-- > 0;) {
		if (!j->loop_end[h] || bpfx_x86_reaches_exit(j, h))
			continue;
		for (uint32_t i = next_unfilled(next, (uint32_t)h); i < j->loop_end[h]; i = next_unfilled(next, i)) {
			j->inner_head[i] = (uint32_t)h;
			next[i] = i + 1;
		}
	}
	free(next);
}

static void jit_cleanup(struct jit *j)
{
	free(j->is_target);
	free(j->live_out);
	free(j->saves);
	free(j->stubs);
	free(j->cstubs);
	free(j->cstub_off);
	free(j->inner_head);
	free(j->loop_end);
	free(j->gend);
	free(j->pad);
	free(j->clamps);
	free(j->clamp_id);
	bpfx_x86_unroll_free(j);
}

/* One layout pass, for bpfx_jit_build_settle. */
static enum bpfx_jit_pass_result x86_pass(void *backend, int pass, bool long_branches)
{
	struct jit *j = backend;
	j->pad_frozen = pass >= PAD_FREEZE;
	if (long_branches)
		j->force_near = true; /* oscillating: stop shrinking, settle in two passes */
	bool settled = jit_pass(j);
	if (j->overflow)
		return j->len <= j->cap ? BPFX_JIT_PASS_OVERFLOW : BPFX_JIT_PASS_RANGE;
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

	if ((err = bpfx_jit_build_begin(&b, d, insns, count, ops, env, FRAME_BYTES, 16, false, out)))
		return err;
	env = b.env;
	j->d = d;
	j->insns = insns;
	j->count = count;
	j->ops = ops;
	j->env = env;
	j->poll = env->flags & BPFX_JIT_POLL;
	j->bmi2 = !(env->flags & BPFX_JIT_NO_BMI2) && __builtin_cpu_supports("bmi2");
	j->force_near = env->flags & BPFX_JIT_FORCE_NEAR;
	j->blind = env->flags & BPFX_JIT_BLIND;
	j->key = b.key;
	j->max_depth = b.depth;
	j->addrs = b.prog->addrs;
	j->entry = b.prog->entry;
	j->is_entry = b.is_entry;
	j->leaf = b.leaf;
	bool gotox = b.gotox;
	size_t nentries = b.nentries;

	j->saves = calloc(count, 1);
	if (!j->saves) {
		err = bpfx_fail(d, BPFX_E_NOMEM, "jit: out of memory for a %zu-instruction program", count);
		goto fail;
	}
	plan_saves(j, gotox);
	/* Loop heads: targets of backward jumps (for pad_loop_head). */
	j->loop_end = calloc(count, sizeof(uint32_t));
	j->gend = calloc(count, sizeof(uint32_t));
	j->pad = calloc(count, 1);
	if (!j->loop_end || !j->gend || !j->pad) {
		err = bpfx_fail(d, BPFX_E_NOMEM, "jit: out of memory for a %zu-instruction program", count);
		goto fail;
	}
	for (size_t i = 0; i < count; i++) {
		int64_t t = bpfx_insn_target(insns, ops, i, false);
		if (t >= 0 && t <= (int64_t)i && ops[i] != BPFX_OP_GOTOX)
			j->loop_end[t] = (uint32_t)i + 1;
	}
	if (env->flags & BPFX_JIT_POLL) {
		j->inner_head = calloc(count, sizeof(uint32_t));
		if (!j->inner_head) {
			err = bpfx_fail(d, BPFX_E_NOMEM, "jit: out of memory for a %zu-instruction program", count);
			goto fail;
		}
		plan_inner_heads(j);
	}
	/* Jump targets (for the two-instruction patterns); gotox may go anywhere. */
	if (!gotox) {
		j->is_target = calloc(count, 1);
		if (!j->is_target) {
			err = bpfx_fail(d, BPFX_E_NOMEM, "jit: out of memory for a %zu-instruction program", count);
			goto fail;
		}
		for (size_t i = 0; i < count; i++) {
			int64_t t = bpfx_insn_target(insns, ops, i, true);
			if (t >= 0)
				j->is_target[t] = 1;
		}
	}

	j->group_end = count;
	size_t unrolled;
	if ((err = bpfx_x86_plan_unroll(j, &unrolled))) {
		err = bpfx_fail(d, err, "jit: out of memory for a %zu-instruction program", count);
		goto fail;
	}
	if ((err = bpfx_jit_build_reserve(&b, 1024 + count * (MAX_INSN_BYTES + 64 + 4 * STUB_BYTES + CSTUB_MAX_BYTES) +
						      nentries * ENTRY_BYTES + unrolled)))
		goto fail;
	j->buf = b.buf;
	j->cap = b.cap;
	j->base = b.base;
	j->gotox_table = b.gotox_table;

	/* Pessimistic first layout: every instruction far from every other. */
	for (size_t i = 0; i <= count; i++)
		j->addrs[i] = (uint32_t)(1024 + i * 64);
	j->stub_start = (uint32_t)(1024 + count * 64 + nentries * ENTRY_BYTES);
	j->mem_index = -1;
	bpfx_x86_liveness(j);
	if ((err = bpfx_x86_plan_clamps(j))) {
		err = bpfx_fail(d, err, "jit: out of memory for a %zu-instruction program", count);
		goto fail;
	}
	for (size_t k = 0; k < j->nunrolls && j->clamp_id; k++) {
		/* A clamped loop stays as it is, but for one that is the whole
		 * unrolled loop: its short runs go to the copies (clamp->copies) */
		const struct unroll *u = &j->unrolls[k];
		bool clamped = false;
		for (size_t i = u->h; i <= u->e; i++)
			clamped = clamped || j->clamp_id[i];
		struct clamp *cl = clamped && j->clamp_id[u->h] ? &j->clamps[j->clamp_id[u->h] - 1] : NULL;
		if (cl && cl->t == u->h && cl->b == u->e && cl->bstart == u->eb && u->kind == UK_CMP &&
		    cl->shift <= 24 && j->unroll_of[u->h] == k + 1) {
			cl->copies = (uint32_t)k + 1;
			continue;
		}
		for (size_t i = u->h; i <= u->e && clamped; i++)
			j->unroll_of[i] = 0;
	}
	if (j->nunrolls && (err = bpfx_x86_plan_exit_pads(j))) {
		err = bpfx_fail(d, err, "jit: out of memory for a %zu-instruction program", count);
		goto fail;
	}
	if ((err = bpfx_jit_build_settle(&b, x86_pass, j)) ||
	    (err = bpfx_jit_build_finish(&b, j->len, out)))
		goto fail;
	jit_cleanup(j);
	return 0;
fail:
	jit_cleanup(j);
	bpfx_jit_build_abort(&b);
	return err;
}
