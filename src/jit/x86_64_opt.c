/* SPDX-License-Identifier: MIT */
/*
 * x86_64_opt.c - the x86-64 backend's multi-instruction patterns (cmov,
 * fused compare-and-branch, lea, flag reuse, address folding) and the
 * register liveness analysis that address folding relies on. None of them
 * applies across a jump target.
 */
#include "x86_64.h"

/* ---- two-instruction patterns ------------------------------------------ */

int bpfx_x86_jcc_of(enum bpfx_op op, bool *test)
{
	*test = false;
	switch (op) {
	CASE_JCC(JEQ): return CC_E;
	CASE_JCC(JNE): return CC_NE;
	CASE_JCC(JGT): return CC_A;
	CASE_JCC(JGE): return CC_AE;
	CASE_JCC(JLT): return CC_B;
	CASE_JCC(JLE): return CC_BE;
	CASE_JCC(JSGT): return CC_G;
	CASE_JCC(JSGE): return CC_GE;
	CASE_JCC(JSLT): return CC_L;
	CASE_JCC(JSLE): return CC_LE;
	CASE_JCC(JSET): *test = true; return CC_NE;
	default: return -1;
	}
}

static bool is_mov(enum bpfx_op op)
{
	return op == BPFX_OP_MOV32_K || op == BPFX_OP_MOV64_K || op == BPFX_OP_MOV32_X || op == BPFX_OP_MOV64_X;
}

/*
 * Emits insns i, i+1 (and i+2) together when they form a pattern with a
 * shorter x86 form, and returns how many it consumed (0: none applies);
 * the instructions after i must not be jump targets.
 *   if <cond> goto +1; mov dst, v   ->  mov r11, v; cmp; cmov!cond dst, r11
 *   if <cond> goto L; mov dst, v; goto L  ->  cmp; cmov!cond dst, v; jmp L
 *   mov dst, a; add dst, b|imm      ->  lea dst, [a + b|imm]
 *   if <cond> goto +1; goto L       ->  cmp; j!cond L
 *   dst op= v; if dst ==/!= 0 goto L  ->  op dst, v; je/jne L (flags of the op)
 *   dst <<= n; dst s>>= n (n = 32, 48, 56)  ->  movsx dst, dst32|16|8
 *   dst <<= n; dst >>= n                    ->  mov/movzx dst, dst32|16|8
 *   dst = *(u8|u16|u32 *)m; dst <<= n; dst s>>= n  ->  movsx dst, [m]
 *   two byte loads, hi <<= 8, hi |= lo              ->  movzx hi, word [m]; rol hi16, 8
 */

static bool be16_at(const struct jit *j, size_t s, int p, int *hi, int32_t *off);
static void emit_be16(struct jit *j, int hi, int base, int32_t off);

/* `if <cond> goto ...; mov dst, v` at slots i, i + 1 as `cmp; cmov!cond dst,
 * v` (v in r11 first if it is an immediate or a 32-bit source); the flags
 * are the cmp's after it. Returns the x86 condition of the jump. */
int bpfx_x86_emit_select(struct jit *j, size_t i)
{
	const struct bpfx_insn *x = &j->insns[i], *y = &j->insns[i + 1];
	enum bpfx_op op2 = (enum bpfx_op)j->ops[i + 1];
	bool test;
	int cc = bpfx_x86_jcc_of((enum bpfx_op)j->ops[i], &test);
	int dst = reg_map[y->dst], v = AUX;
	switch (op2) {
	case BPFX_OP_MOV32_K:
	case BPFX_OP_MOV64_K: /* (before the cmp: may be a flag-clobbering xor) */
		if (blinded(j, y->imm))
			emit_blind_ri(j, op2 == BPFX_OP_MOV64_K, AUX, y->imm); /* r11 = imm */
		else
			emit_mov_ri(j, op2 == BPFX_OP_MOV64_K, AUX, y->imm); /* mov r11, imm */
		break;
	case BPFX_OP_MOV32_X:
		emit_mov_rr(j, false, AUX, reg_map[y->src]);  /* mov r11d, src32 */
		break;
	default:
		v = reg_map[y->src];
		break;
	}
	emit_cmp(j, x, test);
	emit_op(j, EF_W, 0x0f40 | (cc ^ 1), dst, v, 0);       /* cmov!cc dst, v */
	return cc;
}

size_t bpfx_x86_pair(struct jit *j, size_t i)
{
	if (i + 1 >= j->group_end || !j->is_target || j->is_target[i + 1] || j->ops[i + 1] < 0)
		return 0;
	enum bpfx_op op = (enum bpfx_op)j->ops[i], op2 = (enum bpfx_op)j->ops[i + 1];
	const struct bpfx_insn *x = &j->insns[i], *y = &j->insns[i + 1];
	int hi;
	int32_t hoff;
	if (op == BPFX_OP_LDX_b && be16_at(j, i, x->src, &hi, &hoff)) {
		emit_be16(j, hi, reg_map[x->src], hoff);
		return 4;
	}
	bool test;
	int cc = bpfx_x86_jcc_of(op, &test);
	/* if <cond> goto L; mov dst, v; goto L  ->  cmp; cmov!cond dst, v; jmp L
	 * (when polling, L must be before i or after i + 2: then both ways are
	 * back edges or neither is) */
	int64_t l3 = (int64_t)i + 1 + x->off;
	bool three = cc >= 0 && (!j->poll || l3 <= (int64_t)i || l3 > (int64_t)i + 2) &&
		     i + 2 < j->group_end && !j->is_target[i + 2] &&
		     (j->ops[i + 2] == BPFX_OP_JA || j->ops[i + 2] == BPFX_OP_JA32) && is_mov(op2) &&
		     i + 1 + (int64_t)x->off ==
			     i + 3 + (int64_t)(j->ops[i + 2] == BPFX_OP_JA ? j->insns[i + 2].off : j->insns[i + 2].imm);
	if (cc >= 0 && (x->off == 1 || three) && is_mov(op2)) {
		bpfx_x86_emit_select(j, i);
		if (x->off == 1)
			return 2;
		size_t l = (size_t)l3;
		if (j->poll && l <= i) {
			/* One poll either way; it belongs to insn i if the
			 * condition held, else to the goto at i + 2. */
			emit_op(j, EF_BRM, 0x0f90 | cc, 0, AUX2, 0);      /* setcc r10b */
			emit_alu_ri(j, true, 5, AUX3, 1);                 /* sub r9, 1 */
			emit_jcc(j, CC_AE, j->addrs[l]);                  /* jae L */
			emit_op(j, EF_BRM, 0x84, AUX2, AUX2, 0);          /* test r10b, r10b */
			emit_exit_jcc(j, CC_NE, i, EX_POLL);              /* jnz poll_stub(i) */
			if (j->nstubs)
				j->stubs[j->nstubs - 1].back = j->addrs[l];
			emit_exit_jcc(j, -1, i + 2, EX_POLL);             /* jmp poll_stub(i + 2) */
			if (j->nstubs)
				j->stubs[j->nstubs - 1].back = j->addrs[l];
			return 3;
		}
		emit_jmp(j, j->addrs[l]);                             /* jmp L */
		return 3;
	}
	if (cc >= 0 && x->off == 1 && (op2 == BPFX_OP_JA || op2 == BPFX_OP_JA32)) {
		size_t t = i + 2 + (int64_t)(op2 == BPFX_OP_JA ? y->off : y->imm);
		if (t == i + 2) {
			emit_cmp(j, x, test);
			return 2; /* both ways lead to the next instruction */
		}
		/* the jump is the goto's: a backward one polls as insn i + 1 */
		emit_cmp_branch(j, i + 1, x, test, cc ^ 1, t);
		return 2;
	}
	/* sign/zero extension spelled as a shift pair (cpu v3 code has many) */
	if (op == BPFX_OP_LSH64_K && (op2 == BPFX_OP_ARSH64_K || op2 == BPFX_OP_RSH64_K) && y->dst == x->dst &&
	    y->imm == x->imm && (x->imm == 32 || x->imm == 48 || x->imm == 56)) {
		int dst = reg_map[x->dst];
		bool sx = op2 == BPFX_OP_ARSH64_K;
		if (x->imm == 32 && !sx && (j->zx >> x->dst & 1))
			; /* already zero-extended */
		else if (x->imm == 32)
			emit_op(j, sx ? EF_W : 0, sx ? 0x63 : 0x89, dst, dst, 0); /* movsxd dst, dst32 / mov dst32, dst32 */
		else if (x->imm == 48)
			emit_op(j, sx ? EF_W : 0, sx ? 0x0fbf : 0x0fb7, dst, dst, 0); /* movsx/movzx dst, dst16 */
		else
			emit_op(j, (sx ? EF_W : 0) | EF_BRM, sx ? 0x0fbe : 0x0fb6, dst, dst, 0); /* movsx/movzx dst, dst8 */
		return 2;
	}
	if ((op == BPFX_OP_LDX_b || op == BPFX_OP_LDX_h || op == BPFX_OP_LDX_w) && op2 == BPFX_OP_LSH64_K &&
	    y->dst == x->dst && y->imm == 64 - 8 * bpfx_code_size(x->code) && i + 2 < j->group_end &&
	    !j->is_target[i + 2] && j->ops[i + 2] == BPFX_OP_ARSH64_K && j->insns[i + 2].dst == x->dst &&
	    j->insns[i + 2].imm == y->imm) {
		bpfx_x86_load(j, bpfx_code_size(x->code), true, reg_map[x->dst], reg_map[x->src], x->off); /* movsx dst, [m] */
		return 3;
	}
	if ((op2 == BPFX_OP_JEQ_K || op2 == BPFX_OP_JNE_K || op2 == BPFX_OP_JEQ32_K ||
	     op2 == BPFX_OP_JNE32_K) && y->imm == 0 && y->dst == x->dst &&
	    bpfx_code_is64(x->code) == bpfx_code_is64(y->code)) {
		switch (op) {
		CASE4(ADD): CASE4(SUB): CASE4(AND): CASE4(OR): CASE4(XOR):
			bpfx_x86_insn(j, i, op); /* a plain x86 add/sub/and/or/xor: sets ZF */
			emit_branch(j, i + 1, op2 == BPFX_OP_JEQ_K || op2 == BPFX_OP_JEQ32_K ? CC_E : CC_NE,
				    i + 2 + (int64_t)y->off);
			return 2;
		default:
			break;
		}
	}
	if (op == BPFX_OP_MOV64_X && x->dst != x->src && y->dst == x->dst &&
	    (op2 == BPFX_OP_ADD64_X || (op2 == BPFX_OP_ADD64_K && !blinded(j, y->imm)))) {
		int dst = reg_map[x->dst], a = reg_map[x->src];
		if (op2 == BPFX_OP_ADD64_K) {
			emit_mem(j, EF_W, 0x8d, dst, a, y->imm);              /* lea dst, [a+imm] */
			return 2;
		}
		int b = y->src == x->dst ? a : reg_map[y->src];
		if ((a & 7) == 5) { /* rbp/r13 as base need a disp8; as index they do not */
			int t = a;
			a = b;
			b = t;
		}
		if ((a & 7) == 5) {
			EMIT4(0x48 | ((dst & 8) ? 4 : 0) | ((b & 8) ? 2 : 0) | ((a & 8) ? 1 : 0), 0x8d,
			      0x44 | ((dst & 7) << 3), ((b & 7) << 3) | (a & 7)); /* lea dst, [a+b+0] */
			EMIT1(0);
		} else {
			EMIT4(0x48 | ((dst & 8) ? 4 : 0) | ((b & 8) ? 2 : 0) | ((a & 8) ? 1 : 0), 0x8d,
			      0x04 | ((dst & 7) << 3), ((b & 7) << 3) | (a & 7)); /* lea dst, [a+b] */
		}
		return 2;
	}
	return 0;
}

/*
 * A big-endian 16-bit load spelled with bytes (checksums, packet fields):
 *   a = *(u8 *)(p + o|o+1); b = *(u8 *)(p + o+1|o); hi <<= 8; hi |= lo
 * where hi is the register loaded from p + o, lo the one from p + o + 1 and
 * lo is dead afterwards. Checks slots s..s+3 (loads through BPF register p);
 * on success *hi and *off say what to emit: movzx hi, word [m + o]; rol hi16, 8.
 */
static bool be16_at(const struct jit *j, size_t s, int p, int *hi, int32_t *off)
{
	if (!j->live_out || s + 3 >= j->group_end)
		return false;
	for (size_t k = 1; k < 4; k++)
		if (j->ops[s + k] < 0 || j->is_target[s + k])
			return false;
	const struct bpfx_insn *a = &j->insns[s], *b = &j->insns[s + 1], *sh = &j->insns[s + 2],
			       *o = &j->insns[s + 3];
	if (j->ops[s] != BPFX_OP_LDX_b || j->ops[s + 1] != BPFX_OP_LDX_b || a->src != p || b->src != p ||
	    a->dst == p || a->dst == b->dst)
		return false;
	const struct bpfx_insn *h = a->off < b->off ? a : b, *l = a->off < b->off ? b : a;
	if ((int32_t)l->off != (int32_t)h->off + 1)
		return false;
	if ((j->ops[s + 2] != BPFX_OP_LSH64_K && j->ops[s + 2] != BPFX_OP_LSH32_K) || sh->dst != h->dst ||
	    sh->imm != 8)
		return false;
	if ((j->ops[s + 3] != BPFX_OP_OR64_X && j->ops[s + 3] != BPFX_OP_OR32_X) || o->dst != h->dst ||
	    o->src != l->dst)
		return false;
	if ((j->live_out[s + 3] >> l->dst) & 1)
		return false;
	*hi = h->dst;
	*off = h->off;
	return true;
}

static void emit_be16(struct jit *j, int hi, int base, int32_t off)
{
	bpfx_x86_load(j, 2, false, reg_map[hi], base, off);         /* movzx hi32, word [m] */
	emit_op(j, EF_66, 0xc1, 0, reg_map[hi], 0);                /* rol hi16, 8 */
	EMIT1(8);
}

/* ---- register liveness and address folding ------------------------------- */

#define R_ARGS 0x3eu  /* r1..r5 */

/* Registers instruction i reads (*use) and writes (*def). */
static void use_def(const struct jit *j, size_t i, uint16_t *use, uint16_t *def)
{
	const struct bpfx_insn *x = &j->insns[i];
	const struct bpfx_op_desc *o = &bpfx_op_table[j->ops[i]];
	uint16_t u = 0, d = 0;
	if (o->dst == BPFX_USE_READ || o->dst == BPFX_USE_RW)
		u |= 1u << x->dst;
	if (o->dst == BPFX_USE_WRITE || o->dst == BPFX_USE_RW)
		d |= 1u << x->dst;
	if (o->src == BPFX_USE_READ || o->src == BPFX_USE_RW)
		u |= 1u << x->src;
	if (o->src == BPFX_USE_RW)
		d |= 1u << x->src;
	switch (j->ops[i]) {
	case BPFX_OP_ATOMIC32_CMPXCHG: case BPFX_OP_ATOMIC64_CMPXCHG:
		u |= 1, d |= 1;
		break;
	case BPFX_OP_EXIT:
		u |= 1;
		break;
	case BPFX_OP_CALL_HELPER: case BPFX_OP_CALL_KFUNC: case BPFX_OP_CALLX:
		u |= R_ARGS, d |= 1;
		break;
	case BPFX_OP_CALL_LOCAL: /* the callee may read anything (trusted code) */
		u |= 0x7ff, d |= 1;
		break;
	case BPFX_OP_LDABS_W: case BPFX_OP_LDABS_H: case BPFX_OP_LDABS_B:
	case BPFX_OP_LDIND_W: case BPFX_OP_LDIND_H: case BPFX_OP_LDIND_B:
		d |= 1;
		break;
	default:
		break;
	}
	*use = u;
	*def = d;
}

/* Does instruction i leave the upper 32 bits of its dst zero? A property of
 * the instruction's semantics (ALU32 results and narrow loads are
 * zero-extended), so it holds for any input. */
static bool zero_upper_result(const struct jit *j, size_t i)
{
	const struct bpfx_insn *x = &j->insns[i];
	switch (j->ops[i]) {
	case BPFX_OP_LE16: case BPFX_OP_LE32: case BPFX_OP_BE16: case BPFX_OP_BE32:
	case BPFX_OP_BSWAP16: case BPFX_OP_BSWAP32:
	case BPFX_OP_LDX_b: case BPFX_OP_LDX_h: case BPFX_OP_LDX_w:
	case BPFX_OP_LOAD_ACQ_b: case BPFX_OP_LOAD_ACQ_h: case BPFX_OP_LOAD_ACQ_w:
	case BPFX_OP_LDABS_W: case BPFX_OP_LDABS_H: case BPFX_OP_LDABS_B:
	case BPFX_OP_LDIND_W: case BPFX_OP_LDIND_H: case BPFX_OP_LDIND_B:
		return true;
	case BPFX_OP_LE64: case BPFX_OP_BE64: case BPFX_OP_BSWAP64:
		return false;
	case BPFX_OP_MOV64_K: case BPFX_OP_AND64_K:
		return x->imm >= 0;
	case BPFX_OP_RSH64_K:
		return (x->imm & 63) >= 32;
	case BPFX_OP_LDDW:
		return j->insns[i + 1].imm == 0;
	default:
		return BPFX_CLASS(x->code) == BPFX_CLS_ALU; /* every other ALU32 row */
	}
}

/*
 * Updates j->zx (BPF registers whose upper 32 bits are known zero) after
 * instruction i. `cond`: i was emitted inside a pattern that starts with a
 * conditional jump (cmov), so its write may not happen and can only lose
 * knowledge.
 */
void bpfx_x86_zext_update(struct jit *j, size_t i, bool cond)
{
	uint16_t use, def;
	if (j->ops[i] < 0)
		return;
	switch (j->ops[i]) {
	case BPFX_OP_CALL_HELPER: case BPFX_OP_CALL_KFUNC: case BPFX_OP_CALLX:
		j->zx &= (uint16_t)~0x3fu; /* r0 = result, r1..r5 clobbered */
		return;
	case BPFX_OP_CALL_LOCAL:
		j->zx = 0;
		return;
	default:
		break;
	}
	use_def(j, i, &use, &def);
	(void)use;
	if (!def)
		return;
	uint16_t keep = (uint16_t)(j->zx & def); /* (conditional writes) */
	j->zx &= (uint16_t)~def;
	if (zero_upper_result(j, i) && !(def & (def - 1)))
		j->zx |= def; /* a single dst, zero-extended */
	if (cond)
		j->zx &= (uint16_t)(~def | keep);
}

/* Backward dataflow to a fixed point. Leaves live_out NULL (no folding) if
 * the program has gotox or does not settle quickly. */
void bpfx_x86_liveness(struct jit *j)
{
	size_t n = j->count;
	uint16_t *in = calloc(n + 1, sizeof(uint16_t));
	uint16_t *out = calloc(n, sizeof(uint16_t));
	if (!in || !out || !j->is_target)
		goto fail;
	for (int iter = 0; iter < 64; iter++) {
		bool changed = false;
		for (size_t i = n; i-- > 0;) {
			if (j->ops[i] < 0)
				continue;
			const struct bpfx_op_desc *o = &bpfx_op_table[j->ops[i]];
			size_t next = i + (o->fmt == BPFX_FMT_LDDW ? 2 : 1);
			uint16_t lo = 0, use, def;
			int64_t t = bpfx_insn_target(j->insns, j->ops, i, false);
			if (t >= 0)
				lo |= in[t];
			if (j->ops[i] != BPFX_OP_EXIT && j->ops[i] != BPFX_OP_JA && j->ops[i] != BPFX_OP_JA32 &&
			    next < n)
				lo |= in[next];
			use_def(j, i, &use, &def);
			uint16_t li = (uint16_t)(use | (lo & ~def));
			if (li != in[i] || lo != out[i])
				changed = true;
			in[i] = li;
			out[i] = lo;
		}
		if (!changed) {
			free(in);
			j->live_out = out;
			return;
		}
	}
fail:
	free(in);
	free(out);
}

static bool is_mem_op(enum bpfx_op op)
{
	switch (op) {
	case BPFX_OP_LDX_b: case BPFX_OP_LDX_h: case BPFX_OP_LDX_w: case BPFX_OP_LDX_dw:
	case BPFX_OP_LDXS_b: case BPFX_OP_LDXS_h: case BPFX_OP_LDXS_w:
	case BPFX_OP_ST_b: case BPFX_OP_ST_h: case BPFX_OP_ST_w: case BPFX_OP_ST_dw:
	case BPFX_OP_STX_b: case BPFX_OP_STX_h: case BPFX_OP_STX_w: case BPFX_OP_STX_dw:
		return true;
	default:
		return false;
	}
}

/*
 * Folds an address computation into the memory operand of the load/store
 * that uses it, when the temporaries it writes are dead afterwards:
 *   c = b; c += a;               mem [c + off]  -> mem [b + a + off]
 *   a = x; a <<= k; c = b; c += a; mem [c + off]  -> mem [b + x*2^k + off]
 *   a = x; a <<= k; a += b;        mem [a + off]  -> mem [b + x*2^k + off]
 *   a <<= k; c = b; c += a;        mem [c + off]  -> mem [b + a*2^k + off]
 * (k = 1..3). Returns the number of instructions consumed, or 0.
 */
size_t bpfx_x86_folded_mem(struct jit *j, size_t i)
{
	if (!j->live_out)
		return 0;
	size_t n = j->group_end;
#define OPAT(k) (i + (k) < n && j->ops[i + (k)] >= 0 && ((k) == 0 || !j->is_target[i + (k)]))
#define OP(k) ((enum bpfx_op)j->ops[i + (k)])
#define X(k) (&j->insns[i + (k)])
	int base, index, scale = 0, addr;
	uint16_t temps;
	size_t len;
	if (OPAT(0) && OPAT(1) && OPAT(2) && OP(0) == BPFX_OP_MOV64_X && OP(1) == BPFX_OP_ADD64_X &&
	    is_mem_op(OP(2))) {
		int c = X(0)->dst, b = X(0)->src, a = X(1)->src;
		if (c == b || X(1)->dst != c || a == c)
			return 0;
		base = b, index = a, addr = c, temps = (uint16_t)(1u << c), len = 3;
	} else if (OPAT(0) && OPAT(1) && OPAT(2) && OPAT(3) && OPAT(4) && OP(0) == BPFX_OP_MOV64_X &&
		   OP(1) == BPFX_OP_LSH64_K && OP(2) == BPFX_OP_MOV64_X && OP(3) == BPFX_OP_ADD64_X &&
		   is_mem_op(OP(4))) {
		int a = X(0)->dst, x = X(0)->src, c = X(2)->dst, b = X(2)->src;
		if (a == x || x == c || X(1)->dst != a || X(1)->imm < 1 || X(1)->imm > 3 || c == b || c == a ||
		    b == a || X(3)->dst != c || X(3)->src != a)
			return 0;
		base = b, index = x, scale = X(1)->imm, addr = c;
		temps = (uint16_t)(1u << a | 1u << c), len = 5;
	} else if (OPAT(0) && OPAT(1) && OPAT(2) && OPAT(3) && OP(0) == BPFX_OP_MOV64_X &&
		   OP(1) == BPFX_OP_LSH64_K && OP(2) == BPFX_OP_ADD64_X && is_mem_op(OP(3))) {
		int a = X(0)->dst, x = X(0)->src, b = X(2)->src;
		if (a == x || X(1)->dst != a || X(1)->imm < 1 || X(1)->imm > 3 || X(2)->dst != a || b == a)
			return 0;
		base = b, index = x, scale = X(1)->imm, addr = a, temps = (uint16_t)(1u << a), len = 4;
	} else if (OPAT(0) && OPAT(1) && OPAT(2) && OPAT(3) && OP(0) == BPFX_OP_LSH64_K &&
		   OP(1) == BPFX_OP_MOV64_X && OP(2) == BPFX_OP_ADD64_X && is_mem_op(OP(3))) {
		int a = X(0)->dst, c = X(1)->dst, b = X(1)->src;
		if (X(0)->imm < 1 || X(0)->imm > 3 || c == b || c == a || b == a || X(2)->dst != c ||
		    X(2)->src != a)
			return 0;
		base = b, index = a, scale = X(0)->imm, addr = c;
		temps = (uint16_t)(1u << a | 1u << c), len = 4;
	} else {
		return 0;
	}
	/* Then one or more loads/stores through the computed address. Each must
	 * leave the address and its inputs unchanged, except the last. */
	size_t first = len - 1, last;
	for (last = first;; last++) {
		const struct bpfx_insn *m = X(last);
		uint8_t fmt = bpfx_op_table[OP(last)].fmt;
		bool load = fmt == BPFX_FMT_LDX || fmt == BPFX_FMT_LDXSX;
		if ((load ? m->src : m->dst) != addr || (fmt == BPFX_FMT_STX && ((temps >> m->src) & 1))) {
			if (last == first)
				return 0; /* does not use the address, or stores a temporary */
			last--;
			break;
		}
		if (load && (((temps >> m->dst) & 1) || m->dst == base || m->dst == index))
			break; /* changes what later ones would use: the last one */
		if (last - first >= 7 || !(OPAT(last + 1) && is_mem_op(OP(last + 1))))
			break; /* (at most 8, to bound the code of one group) */
	}
	/* The last two loads may start a byte-pair big-endian load. */
	size_t be16 = 0;
	int hi = 0;
	int32_t hoff = 0;
	if (last > first && OPAT(last + 1) && OPAT(last + 2) && be16_at(j, i + last - 1, addr, &hi, &hoff)) {
		be16 = last - 1;
		last += 2;
	}
	const struct bpfx_insn *lm = X(last);
	uint8_t lfmt = bpfx_op_table[OP(last)].fmt;
	uint16_t after = j->live_out[i + last];
	if (be16)
		after &= (uint16_t)~(1u << hi); /* the pattern redefines hi */
	else if (lfmt == BPFX_FMT_LDX || lfmt == BPFX_FMT_LDXSX)
		after &= (uint16_t)~(1u << lm->dst); /* the last load redefines its dst */
	if (after & temps)
		return 0;
	j->mem_index = reg_map[index];
	j->mem_scale = scale;
	for (size_t q = first; q <= last; q++) {
		if (be16 && q == be16) {
			emit_be16(j, hi, reg_map[base], hoff);
			break;
		}
		const struct bpfx_insn *m = X(q);
		uint8_t fmt = bpfx_op_table[OP(q)].fmt;
		int size = bpfx_code_size(m->code);
		if (fmt == BPFX_FMT_LDX || fmt == BPFX_FMT_LDXSX)
			bpfx_x86_load(j, size, fmt == BPFX_FMT_LDXSX, reg_map[m->dst], reg_map[base], m->off);
		else if (fmt == BPFX_FMT_ST)
			bpfx_x86_store_imm(j, size, reg_map[base], m->off, m->imm);
		else
			bpfx_x86_store_reg(j, size, reg_map[base], m->off, reg_map[m->src]);
	}
	j->mem_index = -1;
	return last + 1;
#undef OPAT
#undef OP
#undef X
}

/* ---- budget-clamped loops ------------------------------------------------- */

/*
 * With BPFX_JIT_POLL, every taken back edge costs `sub r9, 1` and a branch.
 * For a simple counted loop the JIT instead bounds the counter: the loop
 * continues while i < bound, bound = min(n, i0 + (r9 + 1) * c) computed at
 * entry (i0: i at the head, r9: the events left in the budget chunk), so a
 * run of the loop that would take more back edges than the chunk holds
 * leaves it exactly at the first event the chunk cannot pay for. The exit
 * path charges the (i - i0) / c - 1 back edges taken, then does the normal
 * poll for the current one if the loop's own condition still holds. The
 * loop (slots t..b) qualifies when:
 *   - only its back edge jumps to t, t is reached by falling through from
 *     t - 1, and nothing jumps into the body;
 *   - the body t..bstart-1 is straight-line ALU, memory and lddw (no jumps,
 *     calls, exits, LD_ABS/LD_IND), so each iteration runs all of it;
 *   - the body writes i only once, `i += c` (64-bit, c a power of two), and
 *     never writes n;
 *   - the back edge is `if i < n goto t` / `if i >= n goto +1; goto t`
 *     (unsigned, 64-bit; n register or immediate) or `if i != K goto t` /
 *     `if i == K goto +1; goto t` (the entry code checks that i reaches K
 *     exactly, else bounds the loop to one iteration: the slow path).
 */
static bool clamp_body_ok(const struct jit *j, size_t k)
{
	if (j->ops[k] < 0)
		return true;
	switch (j->ops[k]) {
	case BPFX_OP_LDABS_W: case BPFX_OP_LDABS_H: case BPFX_OP_LDABS_B:
	case BPFX_OP_LDIND_W: case BPFX_OP_LDIND_H: case BPFX_OP_LDIND_B:
		return false;
	default:
		break;
	}
	uint8_t cls = BPFX_CLASS(j->insns[k].code);
	return cls != BPFX_CLS_JMP && cls != BPFX_CLS_JMP32;
}

/*
 * The number of back edges a clamped loop takes when it is entered with a
 * counter known at compile time: the last write to i before the head, with
 * nothing jumping in between, is a mov of an immediate, the loop compares i
 * itself (no offset, no copy) with an immediate, and i reaches the end
 * without wrapping around (for `!=`: lands on n exactly). Sets c->fast and
 * c->trips, or leaves them clear.
 */
static void clamp_trips(const struct jit *j, struct clamp *c)
{
	if (!c->n_k || c->q != c->i || c->x != c->i || c->d || c->t == 0)
		return;
	uint64_t i0 = 0;
	bool found = false;
	for (size_t k = c->t; k-- > 0;) {
		if (j->ops[k] < 0)
			return; /* (an lddw: keep it simple) */
		enum bpfx_op op = (enum bpfx_op)j->ops[k];
		uint8_t cls = BPFX_CLASS(j->insns[k].code);
		if (cls == BPFX_CLS_JMP || cls == BPFX_CLS_JMP32)
			return; /* (a call, a jump or an exit) */
		uint16_t use, def;
		use_def(j, k, &use, &def);
		if ((def >> c->i) & 1) {
			if (op == BPFX_OP_MOV64_K)
				i0 = (uint64_t)(int64_t)j->insns[k].imm;
			else if (op == BPFX_OP_MOV32_K)
				i0 = (uint32_t)j->insns[k].imm;
			else
				return;
			found = true;
			break;
		}
		if (j->is_target[k])
			return; /* (another way in) */
	}
	if (!found)
		return;
	uint64_t n = (uint64_t)(int64_t)c->n_imm, step = UINT64_C(1) << c->shift, trips;
	if (c->ne) {
		if (n <= i0 || (n - i0) % step)
			return;
		trips = (n - i0) / step - 1;
	} else {
		if (i0 > UINT64_MAX - step || n > UINT64_MAX - step)
			return; /* (could wrap around) */
		trips = i0 + step >= n ? 0 : (n - i0 + step - 1) / step - 1;
	}
	if (trips > INT32_MAX)
		return;
	c->fast = true;
	c->trips = (uint32_t)trips;
}

int bpfx_x86_plan_clamps(struct jit *j)
{
	size_t n = j->count;
	if (!j->poll || j->blind || !j->is_target)
		return 0;
	uint32_t *into = calloc(n + 1, sizeof(uint32_t)); /* jumps into each slot */
	if (!into)
		return BPFX_E_NOMEM;
	for (size_t k = 0; k < n; k++) {
		if (j->ops[k] < 0)
			continue;
		int64_t t = bpfx_insn_target(j->insns, j->ops, k, true);
		if (t >= 0 && t <= (int64_t)n)
			into[t]++;
	}
	size_t nc = 0, cap = 0;
	for (size_t t = 1; t < n; t++) {
		if (!j->loop_end[t] || into[t] != 1 || j->is_entry[t] || j->ops[t - 1] < 0)
			continue;
		enum bpfx_op prev = (enum bpfx_op)j->ops[t - 1];
		if (BPFX_CLASS(j->insns[t - 1].code) == BPFX_CLS_JMP || BPFX_CLASS(j->insns[t - 1].code) == BPFX_CLS_JMP32 ||
		    prev == BPFX_OP_EXIT)
			continue; /* (entered only by falling through a non-jump) */
		size_t b = j->loop_end[t] - 1, bstart = b;
		const struct bpfx_insn *x = &j->insns[b];
		struct clamp c = {0};
		enum bpfx_op ob = (enum bpfx_op)j->ops[b];
		if (ob == BPFX_OP_JLT_X || ob == BPFX_OP_JLT_K || ob == BPFX_OP_JNE_K) {
			c.ne = ob == BPFX_OP_JNE_K;
			c.n_k = ob != BPFX_OP_JLT_X;
		} else if (ob == BPFX_OP_JA && b > t + 1 && j->ops[b - 1] >= 0 && j->insns[b - 1].off == 1) {
			enum bpfx_op oc = (enum bpfx_op)j->ops[b - 1];
			if (oc != BPFX_OP_JGE_X && oc != BPFX_OP_JGE_K && oc != BPFX_OP_JEQ_K)
				continue;
			bstart = b - 1;
			x = &j->insns[bstart];
			c.ne = oc == BPFX_OP_JEQ_K;
			c.n_k = oc != BPFX_OP_JGE_X;
		} else {
			continue;
		}
		c.t = (uint32_t)t, c.bstart = (uint32_t)bstart, c.b = (uint32_t)b;
		c.n = x->src, c.n_imm = x->imm;
		if (!c.n_k && c.n == x->dst)
			continue;
		/* Run the body symbolically: each register is "register r at the
		 * head + offset" (base >= 0) or unknown (base < 0). */
		struct { int8_t base; int64_t off; } sym[11];
		for (int r = 0; r < 11; r++)
			sym[r].base = (int8_t)r, sym[r].off = 0;
		bool ok = bstart > t;
		for (size_t k = t; k < bstart && ok; k++) {
			if (!clamp_body_ok(j, k) || (k > t && j->is_target[k])) {
				ok = false;
				break;
			}
			if (j->ops[k] < 0)
				continue;
			uint16_t use, def;
			use_def(j, k, &use, &def);
			(void)use;
			if (!c.n_k && ((def >> c.n) & 1))
				ok = false;
			const struct bpfx_insn *y = &j->insns[k];
			enum bpfx_op yop = (enum bpfx_op)j->ops[k];
			if (yop == BPFX_OP_MOV64_X) {
				sym[y->dst] = sym[y->src];
				continue;
			}
			if ((yop == BPFX_OP_ADD64_K || yop == BPFX_OP_SUB64_K) && sym[y->dst].base >= 0) {
				int64_t v = yop == BPFX_OP_ADD64_K ? (int64_t)y->imm : -(int64_t)y->imm;
				sym[y->dst].off += v;
				if (sym[y->dst].off > INT32_MAX / 2 || sym[y->dst].off < -(INT32_MAX / 2))
					sym[y->dst].base = -1; /* (keep every offset an imm32) */
				continue;
			}
			for (int r = 0; r < 11; r++)
				if ((def >> r) & 1)
					sym[r].base = -1;
		}
		if (!ok)
			continue;
		/* The bound stays in r10 unless the body has an instruction whose
		 * code uses r10: division and modulo, atomics. */
		c.reg_bound = true;
		for (size_t k = t; k < bstart; k++) {
			uint8_t code = j->insns[k].code, cls = BPFX_CLASS(code);
			if (j->ops[k] < 0)
				continue;
			if (((cls == BPFX_CLS_ALU || cls == BPFX_CLS_ALU64) && ((code & 0xf0) == 0x30 || (code & 0xf0) == 0x90)) ||
			    (cls == BPFX_CLS_STX && (code & 0xe0) == BPFX_MODE_ATOMIC))
				c.reg_bound = false;
		}
		/* At the back edge the compared register q is "x at the head + d1";
		 * the counter i is x itself or the register x is a copy of at the
		 * end of the body (x = i at the head then holds from the second
		 * iteration on; the entry code checks it for the first), and steps
		 * by c = 1 << shift. */
		c.q = x->dst;
		if (sym[c.q].base < 0)
			continue;
		c.x = (uint8_t)sym[c.q].base;
		int64_t d1 = sym[c.q].off, d2 = 0;
		if (sym[c.x].base < 0)
			continue;
		c.i = (uint8_t)sym[c.x].base;
		if (c.i != c.x) {
			if (sym[c.i].base != c.i)
				continue;
			d2 = sym[c.x].off - sym[c.i].off; /* x = i + d2 at every head */
		}
		int64_t step = sym[c.i].off;
		if (sym[c.i].base != c.i || step <= 0 || (step & (step - 1)))
			continue;
		c.shift = (uint8_t)__builtin_ctzll((uint64_t)step);
		int64_t d = d1 + d2 - step; /* q = i + d at the back edge */
		if (d < -(INT32_MAX / 2) || d > INT32_MAX / 2 || d2 < -(INT32_MAX / 2) || d2 > INT32_MAX / 2)
			continue;
		c.d = (int32_t)d;
		c.d2 = (int32_t)d2;
		if ((c.d || c.i != c.q) && c.ne)
			continue; /* (!= only on the counter itself) */
		if (c.i == c.q && c.d)
			continue;
		if (c.i == c.n || c.x == c.n)
			continue;
		if (j->is_target[bstart] || (bstart != b && j->is_target[b]))
			continue;
		clamp_trips(j, &c);
		if (nc == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct clamp *q = realloc(j->clamps, ncap * sizeof(*q));
			if (!q) {
				free(into);
				return BPFX_E_NOMEM;
			}
			j->clamps = q;
			cap = ncap;
		}
		j->clamps[nc++] = c;
	}
	free(into);
	if (!nc)
		return 0;
	j->clamp_id = calloc(n, sizeof(uint32_t));
	if (!j->clamp_id)
		return BPFX_E_NOMEM;
	for (size_t q = 0; q < nc; q++) {
		j->clamp_id[j->clamps[q].t] = (uint32_t)q + 1;
		j->clamp_id[j->clamps[q].bstart] = (uint32_t)q + 1;
		/* patterns stop before the back edge, which is emitted as a whole */
		j->is_target[j->clamps[q].bstart] = 1;
	}
	return 0;
}
