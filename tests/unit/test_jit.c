/* SPDX-License-Identifier: MIT */
/*
 * test_jit.c - the x86-64 JIT against a plain reference interpreter written
 * here (straight from RFC 9669, no tricks), plus hard-coded expected values
 * for the edge cases, and the run-time contract of src/jit/jit.h: budget,
 * cancellation, helper stop/fail, call depth, callx, gotox, may_goto,
 * LD_ABS/LD_IND, callbacks, threads.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "isa/isa_internal.h"
#include "isa/validate.h"
#include "jit/jit.h"

/* ---- instruction builders ---------------------------------------------- */

#define INSN(c, d, s, o, i) ((struct bpfx_insn){.code = (c), .dst = (d), .src = (s), .off = (o), .imm = (i)})
#define MOV64_IMM(d, i) INSN(0xb7, d, 0, 0, i)
#define MOV64_REG(d, s) INSN(0xbf, d, s, 0, 0)
#define ALU64_IMM(op, d, i) INSN(0x07 | (op), d, 0, 0, i)
#define ALU64_REG(op, d, s) INSN(0x0f | (op), d, s, 0, 0)
#define ALU32_IMM(op, d, i) INSN(0x04 | (op), d, 0, 0, i)
#define ALU32_REG(op, d, s) INSN(0x0c | (op), d, s, 0, 0)
#define EXIT() INSN(0x95, 0, 0, 0, 0)
#define JA(o) INSN(0x05, 0, 0, o, 0)
#define JMP_IMM(op, d, i, o) INSN(0x05 | (op), d, 0, o, i)
#define CALL(i) INSN(0x85, 0, 0, 0, i)
#define CALL_LOCAL(o) INSN(0x85, 0, 1, 0, o)
#define LDX(sz, d, s, o) INSN(0x61 | (sz), d, s, o, 0)
#define STX(sz, d, s, o) INSN(0x63 | (sz), d, s, o, 0)
#define ST(sz, d, o, i) INSN(0x62 | (sz), d, 0, o, i)
#define LDDW1(d, v) INSN(0x18, d, 0, 0, (int32_t)(uint32_t)(v))
#define LDDW2(v) INSN(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))

/* Every op id any test compiled: at the end all rows must have been seen. */
static uint8_t seen[BPFX_OP__COUNT];

/* ---- the reference interpreter -------------------------------------------- */

struct ref_frame {
	uint64_t saved[4];
	size_t ret;
	uint8_t *fp;
};

/* Is the function at slot t a leaf (a local call to it is no budget event)?
 * Its slots run up to the next function entry (a local call or code address
 * target); it has no call or gotox, no jump out of them, and does not fall
 * off their end. */
static bool ref_leaf(const struct bpfx_insn *ins, size_t count, const int16_t *ops, size_t t)
{
	size_t end = count;
	for (size_t i = 0; i < count; i++) {
		if (ops[i] != BPFX_OP_CALL_LOCAL && ops[i] != BPFX_OP_LDDW_CODE_ADDR)
			continue;
		size_t e = (size_t)((int64_t)i + 1 + ins[i].imm);
		if (e > t && e < end)
			end = e;
	}
	if (ops[end - 1] != BPFX_OP_EXIT && ops[end - 1] != BPFX_OP_JA && ops[end - 1] != BPFX_OP_JA32)
		return false;
	for (size_t i = t; i < end; i++) {
		uint8_t cls = BPFX_CLASS(ins[i].code);
		if (ops[i] < 0 || (cls != BPFX_CLS_JMP && cls != BPFX_CLS_JMP32) || ops[i] == BPFX_OP_EXIT)
			continue;
		if (ops[i] == BPFX_OP_JA32) {
			if ((int64_t)i + 1 + ins[i].imm < (int64_t)t || (int64_t)i + 1 + ins[i].imm >= (int64_t)end)
				return false;
			continue;
		}
		const char *id = bpfx_op_table[ops[i]].id;
		if (!strncmp(id, "CALL", 4) || !strcmp(id, "GOTOX"))
			return false;
		if ((int64_t)i + 1 + ins[i].off < (int64_t)t || (int64_t)i + 1 + ins[i].off >= (int64_t)end)
			return false;
	}
	return true;
}

/* Same contract as the JIT (see jit.h). Stack: depth frames of 512 bytes. */
static uint64_t ref_run(const struct bpfx_insn *ins, size_t count, const int16_t *ops,
			const struct bpfx_jit_env *env, size_t start, const uint64_t args[5],
			struct bpfx_jit_run *run)
{
	uint32_t maxd = env->max_call_depth ? env->max_call_depth : BPFX_MAX_CALL_DEPTH;
	uint8_t *stack = calloc(maxd, BPFX_STACK_SIZE);
	struct ref_frame fr[BPFX_JIT_MAX_DEPTH];
	int depth = 0;
	uint64_t r[11] = {0};
	size_t pc = start;
	r[1] = args[0], r[2] = args[1], r[3] = args[2], r[4] = args[3], r[5] = args[4];
	r[10] = (uint64_t)(uintptr_t)(stack + BPFX_STACK_SIZE);
	run->status = 0;
	run->insn = 0;
	bool poll = env->flags & BPFX_JIT_POLL;
#define FAIL(st)                                                                                   \
	do {                                                                                       \
		run->status = (st);                                                                \
		run->insn = (uint32_t)pc;                                                          \
		r[0] = 0;                                                                          \
		goto out;                                                                          \
	} while (0)
#define POLL()                                                                                     \
	do {                                                                                       \
		if (poll) {                                                                        \
			if (run->budget == 0)                                                      \
				FAIL(BPFX_E_BUDGET);                                               \
			run->budget--;                                                             \
			if (*run->cancel)                                                          \
				FAIL(BPFX_E_CANCELLED);                                            \
		}                                                                                  \
	} while (0)
#define AFTER_HELPER()                                                                             \
	do {                                                                                       \
		if (run->stop) {                                                                   \
			run->status = run->stop_status;                                            \
			run->insn = (uint32_t)pc;                                                  \
			r[0] = run->stop_r0;                                                       \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)
	for (;;) {
		const struct bpfx_insn *x = &ins[pc];
		enum bpfx_op op = (enum bpfx_op)ops[pc];
		const struct bpfx_op_desc *o = &bpfx_op_table[op];
		bool w = bpfx_code_is64(x->code);
		uint64_t a = r[x->dst];
		uint64_t b = (x->code & BPFX_SRC_X) ? r[x->src] : (uint64_t)(int64_t)x->imm;
		if (!w) {
			a = (uint32_t)a;
			b = (uint32_t)b;
		}
		uint64_t res = 0;
		bool alu = true;
		int sz = bpfx_code_size(x->code);
		uint8_t *m = (uint8_t *)(uintptr_t)(r[x->dst] + (int64_t)x->off); /* store/atomic address */
		uint8_t *lm = (uint8_t *)(uintptr_t)(r[x->src] + (int64_t)x->off); /* load address */
		switch (o->fmt) {
		case BPFX_FMT_ALU_K:
		case BPFX_FMT_ALU_X:
		case BPFX_FMT_NEG:
		case BPFX_FMT_MOVSX:
		case BPFX_FMT_END:
		case BPFX_FMT_ASCAST:
			break;
		default:
			alu = false;
		}
		if (alu) {
			unsigned bits = w ? 64 : 32;
			int64_t sa = w ? (int64_t)a : (int32_t)a, sb = w ? (int64_t)b : (int32_t)b;
			switch (x->code & 0xf0) {
			case 0x00: res = a + b; break;
			case 0x10: res = a - b; break;
			case 0x20: res = a * b; break;
			case 0x30:
				if (x->off == 0)
					res = b ? a / b : 0;
				else
					res = sb == 0 ? 0 : sb == -1 ? (uint64_t)0 - (uint64_t)sa : (uint64_t)(sa / sb);
				break;
			case 0x40: res = a | b; break;
			case 0x50: res = a & b; break;
			case 0x60: res = a << (b & (bits - 1)); break;
			case 0x70: res = a >> (b & (bits - 1)); break;
			case 0x80: res = (uint64_t)0 - a; break;
			case 0x90:
				if (x->off == 0)
					res = b ? a % b : a;
				else
					res = sb == 0 ? (uint64_t)sa : sb == -1 ? 0 : (uint64_t)(sa % sb);
				break;
			case 0xa0: res = a ^ b; break;
			case 0xb0:
				if (op == BPFX_OP_MOVSX32_8 || op == BPFX_OP_MOVSX64_8)
					res = (uint64_t)(int64_t)(int8_t)r[x->src];
				else if (op == BPFX_OP_MOVSX32_16 || op == BPFX_OP_MOVSX64_16)
					res = (uint64_t)(int64_t)(int16_t)r[x->src];
				else if (op == BPFX_OP_MOVSX64_32)
					res = (uint64_t)(int64_t)(int32_t)r[x->src];
				else
					res = b;
				break;
			case 0xc0:
				res = w ? (uint64_t)(sa >> (b & 63)) : (uint64_t)(uint32_t)((int32_t)sa >> (b & 31));
				break;
			case 0xd0: {
				uint64_t v = r[x->dst];
				bool swap = x->code != 0xd4;
				if (x->imm == 16)
					res = swap ? __builtin_bswap16((uint16_t)v) : (uint16_t)v;
				else if (x->imm == 32)
					res = swap ? __builtin_bswap32((uint32_t)v) : (uint32_t)v;
				else
					res = swap ? __builtin_bswap64(v) : v;
				break;
			}
			}
			r[x->dst] = (w || o->fmt == BPFX_FMT_END) ? res : (uint32_t)res;
			pc++;
			continue;
		}
		switch (op) {
		case BPFX_OP_LDDW: case BPFX_OP_LDDW_MAP_FD: case BPFX_OP_LDDW_MAP_VALUE_FD:
		case BPFX_OP_LDDW_VAR_ADDR: case BPFX_OP_LDDW_MAP_IDX: case BPFX_OP_LDDW_MAP_VALUE_IDX:
			r[x->dst] = x->src == 0 ? (uint32_t)x->imm | (uint64_t)(uint32_t)ins[pc + 1].imm << 32
						: env->lddw_values[pc];
			pc += 2;
			continue;
		case BPFX_OP_LDDW_CODE_ADDR:
			r[x->dst] = (uint64_t)(uintptr_t)&ins[pc + 1 + (int64_t)x->imm];
			pc += 2;
			continue;
		case BPFX_OP_LDABS_W: case BPFX_OP_LDABS_H: case BPFX_OP_LDABS_B:
		case BPFX_OP_LDIND_W: case BPFX_OP_LDIND_H: case BPFX_OP_LDIND_B: {
			uint64_t off = (uint64_t)(int64_t)x->imm;
			if (o->fmt == BPFX_FMT_LDIND)
				off += r[x->src];
			if (run->pkt_len < (uint64_t)sz || off > run->pkt_len - sz) {
				r[0] = 0;
				goto out;
			}
			const uint8_t *p = run->pkt + off;
			r[0] = sz == 1 ? p[0] : sz == 2 ? (uint64_t)p[0] << 8 | p[1]
					   : (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
			pc++;
			continue;
		}
		case BPFX_OP_LDX_b: case BPFX_OP_LDX_h: case BPFX_OP_LDX_w: case BPFX_OP_LDX_dw:
		case BPFX_OP_LOAD_ACQ_b: case BPFX_OP_LOAD_ACQ_h: case BPFX_OP_LOAD_ACQ_w:
		case BPFX_OP_LOAD_ACQ_dw: {
			uint64_t v = 0;
			memcpy(&v, lm, sz);
			r[x->dst] = v;
			pc++;
			continue;
		}
		case BPFX_OP_LDXS_b: case BPFX_OP_LDXS_h: case BPFX_OP_LDXS_w: {
			uint64_t v = 0;
			memcpy(&v, lm, sz);
			r[x->dst] = sz == 1 ? (uint64_t)(int64_t)(int8_t)v
				  : sz == 2 ? (uint64_t)(int64_t)(int16_t)v : (uint64_t)(int64_t)(int32_t)v;
			pc++;
			continue;
		}
		case BPFX_OP_ST_b: case BPFX_OP_ST_h: case BPFX_OP_ST_w: case BPFX_OP_ST_dw: {
			uint64_t v = (uint64_t)(int64_t)x->imm;
			memcpy(m, &v, sz);
			pc++;
			continue;
		}
		case BPFX_OP_STX_b: case BPFX_OP_STX_h: case BPFX_OP_STX_w: case BPFX_OP_STX_dw:
		case BPFX_OP_STORE_REL_b: case BPFX_OP_STORE_REL_h: case BPFX_OP_STORE_REL_w:
		case BPFX_OP_STORE_REL_dw:
			memcpy(m, &r[x->src], sz);
			pc++;
			continue;
		default:
			break;
		}
		if (o->fmt == BPFX_FMT_ATOMIC || o->fmt == BPFX_FMT_ATOMIC_FETCH || o->fmt == BPFX_FMT_XCHG ||
		    o->fmt == BPFX_FMT_CMPXCHG) {
			uint64_t old = 0, v = r[x->src], nv;
			memcpy(&old, m, sz);
			switch (x->imm & 0xf0) {
			case 0x00: nv = old + v; break;
			case 0x40: nv = old | v; break;
			case 0x50: nv = old & v; break;
			case 0xa0: nv = old ^ v; break;
			case 0xe0: nv = v; break;
			default: /* cmpxchg */
				nv = (sz == 4 ? (uint32_t)r[0] == (uint32_t)old : r[0] == old) ? v : old;
				break;
			}
			memcpy(m, &nv, sz);
			if (x->imm == 0xf1)
				r[0] = old;
			else if (x->imm & 1)
				r[x->src] = old;
			pc++;
			continue;
		}
		/* jumps and calls */
		bool w64 = BPFX_CLASS(x->code) == BPFX_CLS_JMP;
		uint64_t ja = w64 ? r[x->dst] : (uint32_t)r[x->dst];
		uint64_t jb = (x->code & BPFX_SRC_X) ? r[x->src] : (uint64_t)(int64_t)x->imm;
		if (!w64)
			jb = (uint32_t)jb;
		int64_t sja = w64 ? (int64_t)ja : (int32_t)ja, sjb = w64 ? (int64_t)jb : (int32_t)jb;
		bool taken;
		size_t target = pc + 1 + (int64_t)x->off;
		switch (x->code & 0xf0) {
		case 0x10: taken = ja == jb; break;
		case 0x20: taken = ja > jb; break;
		case 0x30: taken = ja >= jb; break;
		case 0x40: taken = (ja & jb) != 0; break;
		case 0x50: taken = ja != jb; break;
		case 0x60: taken = sja > sjb; break;
		case 0x70: taken = sja >= sjb; break;
		case 0xa0: taken = ja < jb; break;
		case 0xb0: taken = ja <= jb; break;
		case 0xc0: taken = sja < sjb; break;
		case 0xd0: taken = sja <= sjb; break;
		default: taken = false; break;
		}
		switch (op) {
		case BPFX_OP_JA:
		case BPFX_OP_JA32:
			if (op == BPFX_OP_JA32)
				target = pc + 1 + (int64_t)x->imm;
			taken = true;
			break;
		case BPFX_OP_MAY_GOTO:
			taken = run->may_goto == 0;
			if (!taken)
				run->may_goto--;
			break;
		case BPFX_OP_GOTOX: {
			uint64_t rel = r[x->dst] - (uint64_t)(uintptr_t)ins;
			if (rel % 8 || rel / 8 >= count || ops[rel / 8] < 0)
				FAIL(BPFX_E_BAD_INSN);
			target = rel / 8;
			taken = true;
			break;
		}
		case BPFX_OP_CALL_HELPER:
		case BPFX_OP_CALL_KFUNC:
		case BPFX_OP_CALLX: {
			POLL();
			bpfx_helper_fn fn = op == BPFX_OP_CALLX ? env->callx_lookup(env->callx_vm, r[x->dst])
								 : env->call_fns[pc];
			if (!fn)
				FAIL(BPFX_E_NO_HELPER);
			r[0] = fn(r[1], r[2], r[3], r[4], r[5], run->helper_run);
			AFTER_HELPER();
			pc++;
			continue;
		}
		case BPFX_OP_CALL_LOCAL:
			if (!ref_leaf(ins, count, ops, pc + 1 + (int64_t)x->imm))
				POLL();
			if (depth + 1 >= (int)maxd)
				FAIL(BPFX_E_CALL_DEPTH);
			memcpy(fr[depth].saved, &r[6], sizeof(fr[depth].saved));
			fr[depth].ret = pc + 1;
			fr[depth].fp = (uint8_t *)(uintptr_t)r[10];
			depth++;
			r[10] = (uint64_t)(uintptr_t)(stack + (size_t)(depth + 1) * BPFX_STACK_SIZE);
			pc = pc + 1 + (int64_t)x->imm;
			continue;
		case BPFX_OP_EXIT:
			if (depth == 0)
				goto out;
			depth--;
			memcpy(&r[6], fr[depth].saved, sizeof(fr[depth].saved));
			r[10] = (uint64_t)(uintptr_t)fr[depth].fp;
			pc = fr[depth].ret;
			continue;
		default:
			break;
		}
		if (taken) {
			if (target <= pc)
				POLL();
			pc = target;
		} else {
			pc++;
		}
	}
out:
	free(stack);
	return r[0];
#undef FAIL
#undef POLL
#undef AFTER_HELPER
}

/* ---- harness ---------------------------------------------------------------- */

struct prog {
	const struct bpfx_insn *insns;
	size_t count;
	int16_t *ops;
	struct bpfx_jit_prog *jit;
	struct bpfx_jit_env env;
};

static char last_log[512];
static void log_cb(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	(void)lvl;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}
static const struct bpfx_diag diag = {log_cb, NULL};

static int prog_load(struct prog *p, const struct bpfx_insn *insns, size_t count,
		     const struct bpfx_jit_env *env)
{
	memset(p, 0, sizeof(*p));
	p->insns = insns;
	p->count = count;
	if (env)
		p->env = *env;
	p->ops = calloc(count, sizeof(int16_t));
	int err = bpfx_validate_program(&diag, insns, count, BPFX_GROUPS_ALL, p->ops);
	if (err) {
		fprintf(stderr, "validate: %s\n", last_log);
		return err;
	}
	for (size_t i = 0; i < count; i++)
		if (p->ops[i] >= 0)
			seen[p->ops[i]] = 1;
	err = bpfx_jit_compile(&diag, insns, count, p->ops, &p->env, &p->jit);
	if (err)
		fprintf(stderr, "jit: %s\n", last_log);
	return err;
}

static void prog_free(struct prog *p)
{
	bpfx_jit_free(p->jit);
	free(p->ops);
	p->jit = NULL;
	p->ops = NULL;
}

static const int no_cancel;

static void run_init(struct bpfx_jit_run *run, uint64_t budget)
{
	memset(run, 0, sizeof(*run));
	run->budget = budget;
	run->cancel = &no_cancel;
	run->may_goto = 3000;
}

/* Runs both engines on copies of `mem`; checks r0, status and memory agree. */
/* The ctx of every differential run (and of the finiteness probe): one
 * address, since programs may compute with the pointer's value. */
static uint8_t run_ctx[1024];

static bool diff_run(struct prog *p, const uint8_t *mem, size_t len, uint64_t budget,
		     uint64_t *r0_out)
{
	uint8_t *ctx = run_ctx;
	static uint8_t ref_mem[1024];
	struct bpfx_jit_run rj, rr;
	uint64_t args[5] = {(uint64_t)(uintptr_t)ctx, len, 0, 0, 0};

	memcpy(ctx, mem, len);
	run_init(&rr, budget);
	rr.pkt = ctx;
	rr.pkt_len = len;
	uint64_t r0_ref = ref_run(p->insns, p->count, p->ops, &p->env, 0, args, &rr);
	memcpy(ref_mem, ctx, len);

	memcpy(ctx, mem, len);
	run_init(&rj, budget);
	/* Every other run hands out long chunks, as the VM does for runs
	 * without a cancel flag: the budget must stay exact either way. */
	static unsigned flip;
	rj.chunk_max = (flip++ & 1) ? UINT64_C(1) << 32 : 0;
	rj.pkt = ctx;
	rj.pkt_len = len;
	uint64_t r0_jit = bpfx_jit_enter(p->jit, ctx, len, &rj);
	bool ok = r0_ref == r0_jit && rr.status == rj.status && memcmp(ref_mem, ctx, len) == 0 &&
		  (rr.status == 0 || rr.insn == rj.insn) && rr.budget == rj.budget &&
		  rr.may_goto == rj.may_goto;
	if (!ok)
		fprintf(stderr,
			"mismatch: r0 ref 0x%" PRIx64 " jit 0x%" PRIx64 ", status %d/%d insn %u/%u, mem %s, "
			"budget %" PRIu64 "/%" PRIu64 "\n",
			r0_ref, r0_jit, rr.status, rj.status, rr.insn, rj.insn,
			memcmp(ref_mem, ctx, len) ? "differs" : "same", rr.budget, rj.budget);
	if (r0_out)
		*r0_out = r0_jit;
	return ok;
}

/* ---- random differential test ------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_value(void)
{
	static const uint64_t edge[] = {
		0, 1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 0xff, 0x80, 0x7f, 0xffff, 0x8000,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
		0x8000000000000000ull, 0xffffffffffffffffull, 0xfffffffffffffffeull,
		0xffffffff80000000ull, 0x00000000ffffffffull, 0x123456789abcdef0ull,
	};
	switch (rnd() % 4) {
	case 0: return edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
	case 1: return rnd() % 100;
	case 2: return (uint64_t)-(int64_t)(rnd() % 100);
	default: return rnd();
	}
}

static int32_t rnd_imm(void)
{
	return (int32_t)(uint32_t)rnd_value();
}

/* ALU op rows the generator draws from (filled from the table). */
static int alu_ops[BPFX_OP__COUNT], nalu;
static int mem_ops[BPFX_OP__COUNT], nmem;
static int jcc_ops[BPFX_OP__COUNT], njcc;

static void classify_ops(void)
{
	for (int k = 0; k < BPFX_OP__COUNT; k++) {
		const struct bpfx_op_desc *o = &bpfx_op_table[k];
		switch (o->fmt) {
		case BPFX_FMT_ALU_K: case BPFX_FMT_ALU_X: case BPFX_FMT_NEG: case BPFX_FMT_END:
		case BPFX_FMT_MOVSX: case BPFX_FMT_ASCAST:
			alu_ops[nalu++] = k;
			break;
		case BPFX_FMT_LDX: case BPFX_FMT_LDXSX: case BPFX_FMT_ST: case BPFX_FMT_STX:
		case BPFX_FMT_ATOMIC: case BPFX_FMT_ATOMIC_FETCH: case BPFX_FMT_XCHG: case BPFX_FMT_CMPXCHG:
		case BPFX_FMT_LOAD_ACQ: case BPFX_FMT_STORE_REL:
			mem_ops[nmem++] = k;
			break;
		case BPFX_FMT_JCC_K: case BPFX_FMT_JCC_X:
			jcc_ops[njcc++] = k;
			break;
		default:
			break;
		}
	}
}

static int op_id(const char *id)
{
	for (int k = 0; k < BPFX_OP__COUNT; k++)
		if (!strcmp(bpfx_op_table[k].id, id))
			return k;
	fprintf(stderr, "no op %s\n", id);
	exit(1);
}

/* An instruction from a table row with the given fields (selector filled in). */
static struct bpfx_insn from_row(int k, int dst, int src, int16_t off, int32_t imm)
{
	const struct bpfx_op_desc *o = &bpfx_op_table[k];
	struct bpfx_insn x = INSN(o->code, dst, src, off, imm);
	if (o->src == BPFX_USE_ZERO) x.src = 0;
	if (o->dst == BPFX_USE_ZERO) x.dst = 0;
	if (o->off == BPFX_USE_ZERO) x.off = 0;
	if (o->imm == BPFX_USE_ZERO) x.imm = 0;
	if (o->off == BPFX_USE_SEL) x.off = (int16_t)o->selv;
	if (o->imm == BPFX_USE_SEL) x.imm = o->selv;
	if (o->imm == BPFX_USE_ASCAST) x.imm = 1;
	return x;
}

#define MAXP 800

/*
 * A random program: r9 = ctx; r0..r8 = random values; 8 stack slots
 * initialised; `n` random items (ALU, memory on the stack, forward jumps,
 * lddw); then r0..r8 and the 64 stack bytes are written to ctx.
 */
static size_t gen_program(struct bpfx_insn *p, int n)
{
	size_t len = 0;
	size_t item_start[160];
	p[len++] = MOV64_REG(9, 1);
	for (int r = 0; r <= 8; r++) {
		uint64_t v = rnd_value();
		p[len++] = LDDW1(r, v);
		p[len++] = LDDW2(v);
	}
	for (int k = 1; k <= 8; k++)
		p[len++] = ST(BPFX_SZ_DW, 10, (int16_t)(-8 * k), rnd_imm());
	/* Items; jumps are patched once item positions are known. */
	int jumps[320], njumps = 0, jump_skip[320];
	for (int it = 0; it < n; it++) {
		item_start[it] = len;
		int kind = (int)(rnd() % 16);
		int dst = (int)(rnd() % 9), src = (int)(rnd() % 10);
		if (kind < 6) {
			int k = alu_ops[rnd() % nalu];
			p[len++] = from_row(k, dst, src, 0, rnd_imm());
			if (bpfx_op_table[k].fmt == BPFX_FMT_ALU_K && (rnd() % 3) == 0)
				p[len - 1].imm = (int32_t)(rnd() % 70) - 3; /* small: shifts, div */
		} else if (kind < 8) {
			int k = mem_ops[rnd() % nmem];
			const struct bpfx_op_desc *o = &bpfx_op_table[k];
			int sz = bpfx_code_size(o->code);
			int16_t off = (int16_t)(-64 + sz * (int)(rnd() % (64 / sz)));
			if (o->fmt == BPFX_FMT_LDX || o->fmt == BPFX_FMT_LDXSX || o->fmt == BPFX_FMT_LOAD_ACQ)
				p[len++] = from_row(k, dst, 10, off, 0);
			else
				p[len++] = from_row(k, 10, (o->fmt == BPFX_FMT_ST) ? 0 : (int)(rnd() % 9), off, rnd_imm());
		} else if (kind < 9) {
			int k = jcc_ops[rnd() % njcc];
			p[len++] = from_row(k, (int)(rnd() % 10), src, 0, (rnd() % 2) ? rnd_imm() : (int32_t)(rnd() % 4));
			jumps[njumps] = (int)(len - 1);
			jump_skip[njumps++] = it + 1 + (int)(rnd() % 4);
		} else if (kind == 9) {
			uint64_t v = rnd_value();
			p[len++] = LDDW1(dst, v);
			p[len++] = LDDW2(v);
		} else if (kind == 10) {
			/* if <cond> goto +1; mov (the JIT makes it a cmov) */
			static const uint8_t movs[4] = {0xb4, 0xb7, 0xbc, 0xbf};
			int k = jcc_ops[rnd() % njcc];
			p[len++] = from_row(k, (int)(rnd() % 10), (int)(rnd() % 10), 1,
					    (rnd() % 2) ? rnd_imm() : (int32_t)(rnd() % 4));
			uint8_t mc = movs[rnd() % 4];
			p[len++] = INSN(mc, dst, (mc & 8) ? src : 0, 0, (mc & 8) ? 0 : rnd_imm());
			if (rnd() % 2) {
				/* if <cond> goto L; mov; goto L (a cmov and one jmp) */
				int skip = it + 1 + (int)(rnd() % 4);
				p[len++] = JA(0);
				jumps[njumps] = (int)(len - 3);
				jump_skip[njumps++] = skip;
				jumps[njumps] = (int)(len - 1);
				jump_skip[njumps++] = skip;
			}
		} else if (kind == 15 && rnd() % 3 == 0) {
			/* a big-endian u16 from two byte loads (either order), the
			 * low byte's register usually dead afterwards (the JIT then
			 * loads a word and swaps its bytes) */
			int hi = dst, lo = (dst + 1 + (int)(rnd() % 8)) % 9;
			int16_t o = (int16_t)(-64 + (int)(rnd() % 63));
			if (rnd() % 2) {
				p[len++] = LDX(BPFX_SZ_B, hi, 10, o);
				p[len++] = LDX(BPFX_SZ_B, lo, 10, (int16_t)(o + 1));
			} else {
				p[len++] = LDX(BPFX_SZ_B, lo, 10, (int16_t)(o + 1));
				p[len++] = LDX(BPFX_SZ_B, hi, 10, o);
			}
			p[len++] = (rnd() % 2) ? ALU64_IMM(0x60, hi, 8) : ALU32_IMM(0x60, hi, 8);
			p[len++] = (rnd() % 2) ? ALU64_REG(0x40, hi, lo) : ALU32_REG(0x40, hi, lo);
			if (rnd() % 4)
				p[len++] = MOV64_IMM(lo, rnd_imm());
		} else if (kind == 15) {
			/* extension as a shift pair, after a load or alone */
			static const int shifts[3] = {32, 48, 56};
			int sh = shifts[rnd() % 3], bytes = (64 - sh) / 8;
			if (rnd() % 2) {
				int16_t off = (int16_t)(-64 + bytes * (int)(rnd() % (uint64_t)(64 / bytes)));
				p[len++] = INSN(0x61 | (sh == 32 ? BPFX_SZ_W : sh == 48 ? BPFX_SZ_H : BPFX_SZ_B), dst, 10, off, 0);
			}
			p[len++] = ALU64_IMM(0x60, dst, sh);
			p[len++] = ALU64_IMM((rnd() % 2) ? 0xc0 : 0x70, dst, (rnd() % 8) ? sh : (int32_t)(rnd() % 64));
		} else if (kind >= 13) {
			/* an address computed into temporaries, then a load or store
			 * through it, then the temporaries overwritten (the JIT folds
			 * it into one x86 memory operand) */
			int rr[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
			for (int q = 8; q > 0; q--) {
				int w = (int)(rnd() % (uint64_t)(q + 1)), tmp = rr[q];
				rr[q] = rr[w], rr[w] = tmp;
			}
			int a = rr[0], c = rr[1], x = rr[2], form = (int)(rnd() % 4), k = form ? 1 + (int)(rnd() % 3) : 0;
			static const char *const mems[] = {"LDX_b", "LDX_h", "LDX_w", "LDX_dw", "LDXS_b", "LDXS_h",
							   "LDXS_w", "ST_b", "ST_h", "ST_w", "ST_dw", "STX_b",
							   "STX_h", "STX_w", "STX_dw"};
			int mk = op_id(mems[rnd() % 15]);
			const struct bpfx_op_desc *o = &bpfx_op_table[mk];
			int sz = bpfx_code_size(o->code);
			int64_t nn = 1 + (int64_t)(rnd() % (uint64_t)(56 >> k));
			int64_t target = -(int64_t)sz * (1 + (int64_t)(rnd() % (uint64_t)(64 / sz)));
			int16_t off = (int16_t)(target + (nn << k));
			int addr;
			switch (form) {
			case 0: /* c = r10; c += a */
				p[len++] = MOV64_IMM(a, (int32_t)-nn);
				p[len++] = MOV64_REG(c, 10);
				p[len++] = ALU64_REG(0x00, c, a);
				addr = c;
				break;
			case 1: /* a = x; a <<= k; c = r10; c += a */
				p[len++] = MOV64_IMM(x, (int32_t)-nn);
				p[len++] = MOV64_REG(a, x);
				p[len++] = ALU64_IMM(0x60, a, k);
				p[len++] = MOV64_REG(c, 10);
				p[len++] = ALU64_REG(0x00, c, a);
				addr = c;
				break;
			case 2: /* a = x; a <<= k; a += r10 */
				p[len++] = MOV64_IMM(x, (int32_t)-nn);
				p[len++] = MOV64_REG(a, x);
				p[len++] = ALU64_IMM(0x60, a, k);
				p[len++] = ALU64_REG(0x00, a, 10);
				addr = a;
				break;
			default: /* a <<= k; c = r10; c += a */
				p[len++] = MOV64_IMM(a, (int32_t)-nn);
				p[len++] = ALU64_IMM(0x60, a, k);
				p[len++] = MOV64_REG(c, 10);
				p[len++] = ALU64_REG(0x00, c, a);
				addr = c;
				break;
			}
			int extra = (rnd() % 2) ? (int)(rnd() % 4) : 0; /* more accesses through it */
			if (rnd() % 4 == 0) {
				/* a big-endian u16 from two byte loads through it */
				int i1 = (int)(rnd() % 6), i2 = (i1 + 1 + (int)(rnd() % 5)) % 6;
				int hi = rr[3 + i1], lo = rr[3 + i2];
				target = -2 - (int64_t)(rnd() % 63);
				off = (int16_t)(target + (nn << k));
				bool first_hi = rnd() % 2;
				p[len++] = LDX(BPFX_SZ_B, first_hi ? hi : lo, addr, (int16_t)(first_hi ? off : off + 1));
				p[len++] = LDX(BPFX_SZ_B, first_hi ? lo : hi, addr, (int16_t)(first_hi ? off + 1 : off));
				p[len++] = ALU64_IMM(0x60, hi, 8);
				p[len++] = ALU64_REG(0x40, hi, lo);
				if (rnd() % 4)
					p[len++] = MOV64_IMM(lo, rnd_imm());
				extra = -1;
			}
			for (int e = 0; e <= extra; e++) {
				if (e) {
					mk = op_id(mems[rnd() % 15]);
					o = &bpfx_op_table[mk];
					sz = bpfx_code_size(o->code);
					target = -(int64_t)sz * (1 + (int64_t)(rnd() % (uint64_t)(64 / sz)));
					off = (int16_t)(target + (nn << k));
				}
				/* only the last load may overwrite the address */
				int ldst = e < extra ? rr[3 + (int)(rnd() % 6)] : (int)(rnd() % 9);
				if (o->fmt == BPFX_FMT_LDX || o->fmt == BPFX_FMT_LDXSX)
					p[len++] = from_row(mk, ldst, addr, off, 0);
				else
					p[len++] = from_row(mk, addr, o->fmt == BPFX_FMT_ST ? 0 : rr[3 + (int)(rnd() % 6)], off,
							    rnd_imm());
			}
			/* the address register holds a stack address (which differs
			 * between the engines): it always dies; the others usually */
			if (rnd() % 8 || addr == a)
				p[len++] = MOV64_IMM(a, rnd_imm());
			if (addr == c)
				p[len++] = MOV64_IMM(c, rnd_imm());
		} else if (kind == 11) {
			/* if <cond> goto +1; goto L (the JIT makes it one inverted jcc) */
			int k = jcc_ops[rnd() % njcc];
			p[len++] = from_row(k, (int)(rnd() % 10), (int)(rnd() % 10), 1,
					    (rnd() % 2) ? rnd_imm() : (int32_t)(rnd() % 4));
			p[len++] = JA(0);
			jumps[njumps] = (int)(len - 1);
			jump_skip[njumps++] = it + 1 + (int)(rnd() % 4);
			if (rnd() % 2) {
				/* dst op= v; if dst ==/!= 0 goto L (the JIT reuses the flags) */
				static const char *const ops2[] = {"ADD", "SUB", "AND", "OR", "XOR"};
				char id[16];
				bool w64 = rnd() % 2;
				snprintf(id, sizeof(id), "%s%s_%c", ops2[rnd() % 5], w64 ? "64" : "32", (rnd() % 2) ? 'K' : 'X');
				p[len - 2] = from_row(op_id(id), dst, src, 0, (rnd() % 2) ? rnd_imm() : (int32_t)(rnd() % 3) - 1);
				p[len - 1] = INSN((w64 ? 0x05 : 0x06) | ((rnd() % 2) ? 0x10 : 0x50), dst, 0, 0, 0);
				jumps[njumps - 1] = (int)(len - 1);
			}
		} else {
			/* mov dst, a; add dst, b|imm (the JIT makes it a lea) */
			p[len++] = MOV64_REG(dst, src);
			if (rnd() % 2)
				p[len++] = ALU64_REG(0x00, dst, (int)(rnd() % 10));
			else
				p[len++] = ALU64_IMM(0x00, dst, rnd_imm());
		}
	}
	item_start[n] = len;
	for (int r = 0; r <= 8; r++)
		p[len++] = STX(BPFX_SZ_DW, 9, r, (int16_t)(8 * r));
	for (int k = 1; k <= 8; k++) {
		p[len++] = LDX(BPFX_SZ_DW, 0, 10, (int16_t)(-8 * k));
		p[len++] = STX(BPFX_SZ_DW, 9, 0, (int16_t)(64 + 8 * k));
	}
	p[len++] = EXIT();
	for (int q = 0; q < njumps; q++) {
		int t = jump_skip[q] > n ? n : jump_skip[q];
		p[jumps[q]].off = (int16_t)(item_start[t] - (size_t)jumps[q] - 1);
	}
	return len;
}

static void test_random(int programs, uint32_t flags)
{
	static struct bpfx_insn p[MAXP];
	int bad = 0;
	for (int t = 0; t < programs && bad < 5; t++) {
		size_t n = gen_program(p, 20 + (int)(rnd() % 60));
		struct prog pr;
		struct bpfx_jit_env env = {.flags = flags};
		if (prog_load(&pr, p, n, &env) != 0) {
			CHECK(!"random program loads");
			bad++;
			continue;
		}
		uint8_t mem[160] = {0};
		bool ok = diff_run(&pr, mem, sizeof(mem), ~0ull, NULL);
		if (!ok) {
			bad++;
			fprintf(stderr, "random program %d (flags 0x%x) differs; dump:\n", t, flags);
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, "  %3zu: %02x %u %u %d %d  %s\n", i, p[i].code, p[i].dst, p[i].src,
					p[i].off, p[i].imm, pr.ops[i] >= 0 ? bpfx_op_table[pr.ops[i]].id : "");
		}
		CHECK(ok);
		prog_free(&pr);
	}
}

/*
 * Random counted loops (two deep, bodies of random ALU rows of random
 * length, after a prefix of random length, so that loop heads land
 * everywhere and need every amount of padding), on every polling mode and
 * with budgets that run out inside them. On x86-64 a loop of at most 64
 * bytes must start a 64-byte block.
 */
/* One loop's counter and back edge: a down-counter (`i -= 1; if i != 0`)
 * or an up-counter `i += c` with one of the back-edge forms the JIT can
 * clamp under polling (`if i < n`, `if i >= n goto +1; goto`, `if i != K`,
 * `if i == K goto +1; goto`), n in r8 or an immediate, starting anywhere
 * (near 2^64: wraps; K not a multiple of c away: i steps over it), or
 * compares another register q: a copy of i plus an offset (`q = i; q += d;
 * if q < n`), or, as clang compiles checksum's loop, a loop-carried copy x
 * of i plus an offset (`q = x; q += d; x = i; if q < n`; x starts as i or
 * not). Sets *finite to false when the loop may run (nearly) forever. */
static size_t loop_open(struct bpfx_insn *p, size_t len, int i, int *form, int32_t *c, int32_t *k, bool *finite)
{
	static const int32_t steps[5] = {1, 2, 4, 8, 3};
	*form = (int)(rnd() % 8);
	if (*form == 0) {
		p[len++] = MOV64_IMM(i, 1 + (int)(rnd() % 6));
		return len;
	}
	*c = steps[rnd() % 5];
	int trips = 1 + (int)(rnd() % 7);
	bool high = rnd() % 4 == 0, skew = rnd() % 4 == 0;
	int32_t i0 = high ? -16 - (int32_t)(rnd() % 8) : (int32_t)(rnd() % 100);
	*k = i0 + *c * trips + (skew ? 1 : 0);
	if (high && !skew && *k >= 0)
		*k = -1; /* (signed imm: keep it below 2^64 unsigned, beyond i0) */
	p[len++] = MOV64_IMM(i, i0);
	p[len++] = MOV64_IMM(8, *k);
	if (*form == 6)
		p[len++] = MOV64_IMM(i == 6 ? 5 : 3, i0 + (rnd() % 4 == 0 ? (int32_t)(rnd() % 5) - 2 : 0));
	/* may run away: i wraps past 2^64, or steps over K */
	*finite = *finite && !high && !(skew && (*form == 4 || *form == 5));
	if (high && (*form == 4 || *form == 5) && (int64_t)*k - i0 < 0)
		*finite = false;
	return len;
}

static size_t loop_close(struct bpfx_insn *p, size_t len, int i, size_t head, int form, int32_t c, int32_t k)
{
	if (form == 0) {
		p[len++] = ALU64_IMM(0x10, i, 1);                          /* i -= 1 */
		p[len] = JMP_IMM(0x50, i, 0, (int16_t)(head - len - 1));   /* if i != 0 goto head */
		return len + 1;
	}
	p[len++] = ALU64_IMM(0x00, i, c);                                  /* i += c */
	if (form >= 6) {
		int q = i == 6 ? 4 : 2, x = i == 6 ? 5 : 3;
		p[len++] = MOV64_REG(q, form == 6 ? x : i);                /* q = x (or i) */
		p[len++] = ALU64_IMM(0x00, q, (int32_t)(rnd() % 17) - 8); /* q += d */
		if (form == 6)
			p[len++] = MOV64_REG(x, i);                        /* x = i */
		if (rnd() % 2)
			p[len] = INSN(0xad, q, 8, (int16_t)(head - len - 1), 0); /* if q < r8 goto head */
		else
			p[len] = JMP_IMM(0xa0, q, k, (int16_t)(head - len - 1)); /* if q < K goto head */
		return len + 1;
	}
	switch (form) {
	case 1: /* if i < r8 goto head */
		p[len] = INSN(0xad, i, 8, (int16_t)(head - len - 1), 0);
		return len + 1;
	case 2: /* if i < K goto head */
		p[len] = JMP_IMM(0xa0, i, k, (int16_t)(head - len - 1));
		return len + 1;
	case 3: /* if i >= r8 goto +1; goto head */
		p[len++] = INSN(0x3d, i, 8, 1, 0);
		break;
	case 4: /* if i != K goto head */
		p[len] = JMP_IMM(0x50, i, k, (int16_t)(head - len - 1));
		return len + 1;
	default: /* if i == K goto +1; goto head */
		p[len++] = JMP_IMM(0x10, i, k, 1);
		break;
	}
	p[len] = JA((int16_t)(head - len - 1));
	return len + 1;
}

static size_t gen_loops(struct bpfx_insn *p, size_t *heads, size_t *ends, int *nloops, bool *finite)
{
	size_t len = 0;
	*nloops = 0;
	*finite = true;
	p[len++] = MOV64_REG(9, 1);
	for (int r = 0; r <= 5; r++)
		p[len++] = MOV64_IMM(r, (int32_t)rnd());
	for (int k = (int)(rnd() % 24); k > 0; k--)
		p[len++] = ALU64_IMM(0x00, 0, (rnd() % 2) ? 1 : 1000); /* 4 or 7 bytes of x86 */
	/* bodies: random ALU rows on r0..r5 (sometimes on r8, the bound) */
#define BODY(nmax)                                                                              \
	for (int k = 1 + (int)(rnd() % (nmax)); k > 0; k--) {                                   \
		int op = alu_ops[rnd() % nalu];                                                \
		p[len++] = from_row(op, rnd() % 16 ? (int)(rnd() % 6) : 8, (int)(rnd() % 10), 0, rnd_imm()); \
		if (bpfx_op_table[op].fmt == BPFX_FMT_ALU_K && rnd() % 2)                      \
			p[len - 1].imm = (int32_t)(rnd() % 64);                                \
	}
	int fo, fi = 0;
	int32_t co = 0, ko = 0, ci = 0, ki = 0;
	len = loop_open(p, len, 6, &fo, &co, &ko, finite);
	size_t outer = len;
	BODY(6)
	bool inner = rnd() % 3;
	if (inner) {
		len = loop_open(p, len, 7, &fi, &ci, &ki, finite);
		size_t h = len;
		BODY(12)
		/* sometimes a way out of the inner loop straight back to the
		 * outer head (a seldom taken back edge, charged out of line) */
		static const uint8_t jccs[11] = {0x10, 0x50, 0x20, 0x30, 0xa0, 0xb0,
						 0x60, 0x70, 0xc0, 0xd0, 0x40};
		switch (rnd() % 5) {
		case 1: /* if a <cc> b goto outer */
			p[len] = INSN(0x0d | jccs[rnd() % 11], rnd() % 6, rnd() % 6, 0, 0);
			p[len].off = (int16_t)(outer - len - 1);
			len++;
			break;
		case 2: /* if a <cc> K goto +1; goto outer */
			p[len++] = JMP_IMM(jccs[rnd() % 11], rnd() % 6, rnd_imm(), 1);
			p[len] = JA((int16_t)(outer - len - 1));
			len++;
			break;
		case 3: { /* a op= v; if a ==/!= 0 goto outer */
			static const uint8_t ops[5] = {0x00, 0x10, 0x40, 0x50, 0xa0}; /* add sub or and xor */
			int a = (int)(rnd() % 6);
			p[len++] = ALU64_IMM(ops[rnd() % 5], a, rnd_imm());
			p[len] = JMP_IMM(rnd() % 2 ? 0x10 : 0x50, a, 0, 0);
			p[len].off = (int16_t)(outer - len - 1);
			len++;
			break;
		}
		default:
			break;
		}
		len = loop_close(p, len, 7, h, fi, ci, ki);
		heads[*nloops] = h;
		ends[(*nloops)++] = len;
		if (fi)
			p[len++] = MOV64_IMM(8, ko); /* (the outer loop's bound again) */
	}
	BODY(4)
	len = loop_close(p, len, 6, outer, fo, co, ko);
	heads[*nloops] = outer;
	ends[(*nloops)++] = len;
#undef BODY
	/* a body writing r8 may make an up-counted loop run away */
	for (size_t q = outer; q < len; q++)
		if (p[q].dst == 8 && (BPFX_CLASS(p[q].code) == BPFX_CLS_ALU64 || BPFX_CLASS(p[q].code) == BPFX_CLS_ALU) &&
		    (fo != 0 || (inner && fi != 0)) && !(q + 1 < len && p[q].code == 0xb7 && p[q].imm == ko))
			*finite = false;
	/* nor one writing x, the loop-carried copy of form 6 (q = x + d may
	 * then stay below n for ever) */
	for (size_t q = outer; q < len; q++) {
		uint8_t cls = BPFX_CLASS(p[q].code);
		bool alu = cls == BPFX_CLS_ALU64 || cls == BPFX_CLS_ALU;
		bool copy = p[q].code == 0xbf && (p[q].src == 6 || p[q].src == 7); /* x = i */
		if (alu && !copy && ((fo == 6 && p[q].dst == 5) || (inner && fi == 6 && p[q].dst == 3)))
			*finite = false;
	}
	for (int r = 0; r <= 8; r++)
		p[len++] = STX(BPFX_SZ_DW, 9, r, (int16_t)(8 * r));
	p[len++] = EXIT();
	return len;
}

/* Does the program end? A polled reference run on a copy of `mem` with a
 * budget of `budget` events decides (random generators can guess wrong). */
static bool ends_within(const struct prog *pr, const uint8_t *mem, size_t len, uint64_t budget)
{
	uint8_t *probe = run_ctx; /* (the address the runs use: see run_ctx) */
	memcpy(probe, mem, len);
	uint64_t args[5] = {(uint64_t)(uintptr_t)probe, len, 0, 0, 0};
	struct bpfx_jit_env penv = pr->env;
	struct bpfx_jit_run rr;
	penv.flags |= BPFX_JIT_POLL;
	run_init(&rr, budget);
	rr.pkt = probe;
	rr.pkt_len = len;
	ref_run(pr->insns, pr->count, pr->ops, &penv, 0, args, &rr);
	return rr.status != BPFX_E_BUDGET;
}

/* The budgeted runs that run out inside (after one unlimited run when the
 * program ends); on a difference, the program is dumped. */
static bool diff_budgets(struct prog *pr, const uint8_t *mem, size_t len, bool ends, int runs,
			 uint64_t big_from, uint64_t big_span, const char *what, int t)
{
	bool ok = !ends || diff_run(pr, mem, len, ~0ull, NULL);
	for (int b = 0; ok && (pr->env.flags & BPFX_JIT_POLL) && b < runs; b++)
		ok = diff_run(pr, mem, len, b == runs - 1 ? big_from + rnd() % big_span : rnd() % 40, NULL);
	if (!ok) {
		fprintf(stderr, "%s program %d (flags 0x%x) differs; dump:\n", what, t, pr->env.flags);
		for (size_t q = 0; q < pr->count; q++)
			fprintf(stderr, "  %3zu: %02x %u %u %d %d  %s\n", q, pr->insns[q].code, pr->insns[q].dst,
				pr->insns[q].src, pr->insns[q].off, pr->insns[q].imm,
				pr->ops[q] >= 0 ? bpfx_op_table[pr->ops[q]].id : "");
	}
	return ok;
}

static void test_loops(int programs)
{
	static struct bpfx_insn p[240];
	static const uint32_t modes[5] = {0, BPFX_JIT_POLL, BPFX_JIT_POLL | BPFX_JIT_FORCE_NEAR,
					  BPFX_JIT_NO_UNROLL, BPFX_JIT_POLL | BPFX_JIT_NO_UNROLL};
	int bad = 0;
#if defined(__x86_64__)
	int aligned = 0;
#endif
	for (int t = 0; t < programs && bad < 5; t++) {
		size_t heads[2], ends[2];
		int nl;
		bool finite;
		size_t n = gen_loops(p, heads, ends, &nl, &finite);
		uint32_t flags = modes[t % 5];
		if (!finite && !(flags & BPFX_JIT_POLL))
			flags |= BPFX_JIT_POLL; /* (only budget-limited runs) */
		struct prog pr;
		struct bpfx_jit_env env = {.flags = flags};
		if (prog_load(&pr, p, n, &env) != 0) {
			CHECK(!"loop program loads");
			bad++;
			continue;
		}
		uint8_t mem[80] = {0};
		/* The generator's guess can be wrong (a body may keep a counter
		 * from its bound): the reference decides. */
		if (finite)
			finite = ends_within(&pr, mem, sizeof(mem), UINT64_C(1) << 20);
		bool ok = diff_budgets(&pr, mem, sizeof(mem), finite, 3, 300, 5000, "loop", t);
		CHECK(ok);
		bad += !ok;
#if defined(__x86_64__)
		for (int l = 0; l < nl && (flags & BPFX_JIT_NO_UNROLL); l++) { /* (unrolled: the copies are) */
			size_t h = bpfx_jit_insn_offset(pr.jit, heads[l]), e = bpfx_jit_insn_offset(pr.jit, ends[l]);
			if (e - h <= 64) { /* (a clamped loop's exit path counts here, not there) */
				CHECK_EQ_U64(h % 64, 0);
				aligned++;
			}
		}
#endif
		prog_free(&pr);
	}
#if defined(__x86_64__)
	/* The check above did run. (How often depends on the generator's
	 * draws, which differ between compilers: 3 of 30 quick-mode programs
	 * under clang-19.) */
	CHECK(aligned > 0);
#endif
}

/*
 * Random loops the x86 JIT unrolls (x86_64_unroll.c): one innermost loop
 * whose body mixes ALU rows, loads and stores through ctx, forward jumps
 * inside it and out of it (to just after the loop or to the end), exits,
 * further back edges to its head inside it, with a last back edge of every
 * shape (`if c goto h`, `if c goto +1; goto h`, `dst op= v; if dst ==/!= 0
 * goto h`, `goto h`, `if c goto h; mov; goto h`); sometimes entered in the middle
 * through a forward jump, sometimes re-entered through a backward jump from
 * after it. A guard counter (r6) usually bounds it; without one it may run
 * for ever and only budgeted runs are made. Budgets run out everywhere, on
 * every engine variant, against the reference interpreter.
 */
static size_t gen_unroll(struct bpfx_insn *p, size_t *head, size_t *back)
{
	static const int fold_ops[5] = {0x00, 0x10, 0x50, 0x40, 0xa0}; /* add sub and or xor */
	size_t len = 0, fix[24], nfix = 0, skips[24], nskips = 0;
	p[len++] = MOV64_REG(9, 1);
	for (int r = 0; r <= 5; r++)
		p[len++] = MOV64_IMM(r, rnd() % 2 ? (int32_t)(rnd() % 16) : rnd_imm());
	p[len++] = MOV64_IMM(6, 0);
	p[len++] = MOV64_IMM(7, 1 + (int32_t)(rnd() % 9));
	p[len++] = MOV64_IMM(8, rnd_imm());
	size_t entry = SIZE_MAX;
	if (rnd() % 3 == 0) {
		entry = len;
		p[len++] = JMP_IMM(0x50, (int)(rnd() % 6), 0, 0); /* if rX != 0 goto mid (patched) */
	}
	size_t h = len;
	if (rnd() % 8) {
		p[len++] = ALU64_IMM(0x00, 6, 1);                                 /* r6 += 1 */
		fix[nfix++] = len;
		p[len++] = JMP_IMM(0x20, 6, 1 + (int32_t)(rnd() % 40), 0);        /* if r6 > L goto end */
	}
	size_t mid = SIZE_MAX;
	for (int k = 1 + (int)(rnd() % 10); k > 0; k--) {
		if (mid == SIZE_MAX && rnd() % 3 == 0)
			mid = len;
		int dst = (int)(rnd() % 6), src = (int)(rnd() % 9);
		switch (rnd() % 10) {
		case 8: /* another back edge: if c goto h */
			p[len] = from_row(jcc_ops[rnd() % njcc], dst, src, 0, (int32_t)(rnd() % 16));
			p[len].off = (int16_t)(h - len - 1);
			len++;
			break;
		case 9: /* another: if c goto +1; goto h */
			p[len] = from_row(jcc_ops[rnd() % njcc], dst, src, 0, (int32_t)(rnd() % 16));
			p[len++].off = 1;
			p[len] = JA((int16_t)(h - len - 1));
			len++;
			break;
		case 7: /* the end of the program, from inside the loop, sometimes
			 * (such a loop is not unrolled: now and then) */
			if (rnd() % 3 == 0) {
				p[len] = from_row(jcc_ops[rnd() % njcc], dst, src, 0, (int32_t)(rnd() % 16));
				p[len++].off = 1;
				p[len++] = EXIT();
				break;
			}
			p[len++] = from_row(alu_ops[rnd() % nalu], dst, src, 0, rnd_imm());
			break;
		case 0: case 1: {
			int op = alu_ops[rnd() % nalu];
			p[len++] = from_row(op, dst, src, 0, rnd_imm());
			if (bpfx_op_table[op].fmt == BPFX_FMT_ALU_K && rnd() % 2)
				p[len - 1].imm = (int32_t)(rnd() % 64);
			break;
		}
		case 2:
			p[len++] = STX(BPFX_SZ_DW, 9, src, (int16_t)(8 * (rnd() % 10)));
			break;
		case 3:
			p[len++] = LDX(BPFX_SZ_DW, dst, 9, (int16_t)(8 * (rnd() % 10)));
			break;
		case 4: /* out of the loop: just after it (patched later) or to the end */
			p[len] = from_row(jcc_ops[rnd() % njcc], dst, src, 0, rnd() % 2 ? (int32_t)(rnd() % 16) : rnd_imm());
			fix[nfix++] = len++;
			break;
		default: /* forward inside the loop (patched later) */
			p[len] = from_row(jcc_ops[rnd() % njcc], dst, src, 0, rnd() % 2 ? (int32_t)(rnd() % 16) : rnd_imm());
			skips[nskips++] = len++;
			break;
		}
	}
	if (mid == SIZE_MAX)
		mid = h;
	int form = (int)(rnd() % 6), a = (int)(rnd() % 6);
	size_t eb = len;
	switch (form) {
	case 0: /* if c goto h */
		p[len] = from_row(jcc_ops[rnd() % njcc], a, (int)(rnd() % 9), 0,
				  rnd() % 2 ? (int32_t)(rnd() % 16) : rnd_imm());
		p[len].off = (int16_t)(h - len - 1);
		len++;
		break;
	case 1: /* if c goto +1; goto h */
		p[len] = from_row(jcc_ops[rnd() % njcc], a, (int)(rnd() % 9), 0,
				  rnd() % 2 ? (int32_t)(rnd() % 16) : rnd_imm());
		p[len++].off = 1;
		p[len] = JA((int16_t)(h - len - 1));
		len++;
		break;
	case 2: { /* dst op= v; if dst ==/!= 0 goto h (32 or 64 bits) */
		bool w64 = rnd() % 2;
		int op = fold_ops[rnd() % 5];
		if (rnd() % 2)
			p[len++] = w64 ? ALU64_IMM(op, a, (int32_t)(rnd() % 8)) : ALU32_IMM(op, a, (int32_t)(rnd() % 8));
		else
			p[len++] = w64 ? ALU64_REG(op, a, (int)(rnd() % 9)) : ALU32_REG(op, a, (int)(rnd() % 9));
		p[len] = INSN((w64 ? 0x05 : 0x06) | (rnd() % 2 ? 0x10 : 0x50), a, 0, (int16_t)(h - len - 1), 0);
		len++;
		break;
	}
	case 3: /* goto h */
		p[len] = JA((int16_t)(h - len - 1));
		len++;
		break;
	case 5: /* if c goto h; mov dst, v; goto h (a cmov, then on) */
		p[len] = from_row(jcc_ops[rnd() % njcc], a, (int)(rnd() % 9), 0, (int32_t)(rnd() % 16));
		p[len].off = (int16_t)(h - len - 1);
		len++;
		p[len++] = rnd() % 2 ? MOV64_REG((int)(rnd() % 6), (int)(rnd() % 9))
				     : MOV64_IMM((int)(rnd() % 6), (int32_t)(rnd() % 100));
		p[len] = JA((int16_t)(h - len - 1));
		len++;
		break;
	default: /* r7 -= 1; if r7 != 0 goto h */
		p[len++] = ALU64_IMM(0x10, 7, 1);
		p[len] = JMP_IMM(0x50, 7, 0, (int16_t)(h - len - 1));
		len++;
		break;
	}
	size_t e = len - 1, after = len;
	/* forward jumps inside: to a later slot of the loop, the back edge included */
	for (size_t k = 0; k < nskips; k++)
		p[skips[k]].off = (int16_t)(skips[k] + 1 + rnd() % (e - skips[k]) - skips[k] - 1);
	if (entry != SIZE_MAX)
		p[entry].off = (int16_t)(mid - entry - 1);
	(void)eb;
	p[len++] = ALU64_IMM(0x00, 0, 1);                                         /* r0 += 1 */
	if (rnd() % 3 == 0) {                                                     /* if r6 < M goto h */
		p[len] = JMP_IMM(0xa0, 6, 1 + (int32_t)(rnd() % 60), 0);
		p[len].off = (int16_t)(h - len - 1);
		len++;
	}
	size_t end = len;
	for (int r = 0; r <= 8; r++)
		p[len++] = STX(BPFX_SZ_DW, 9, r, (int16_t)(8 * r));
	p[len++] = EXIT();
	for (size_t k = 0; k < nfix; k++) /* out: after the loop, or the end */
		p[fix[k]].off = (int16_t)((k == 0 || rnd() % 2 ? end : after) - fix[k] - 1);
	*head = h;
	*back = e;
	return len;
}

/*
 * Random programs of the shape that folds a branch's charge into a goto
 * (fusable_goto in x86_64.h): an inner loop whose back edge `if a <cc> b
 * goto inner` compares data (so it is charged before its compare), then
 * straight-line ALU rows and loads, then `goto outer` or `goto inner`.
 * Around them a guard counter (r6) that every way round decrements ends the
 * run. Sometimes a store or a jump target sits in the straight-line part,
 * which must keep the two charges apart. Budgets run out everywhere, with
 * and without unrolling, against the reference interpreter.
 */
static size_t gen_fuse(struct bpfx_insn *p)
{
	static const uint8_t jccs[10] = {0x10, 0x50, 0x20, 0x30, 0xa0, 0xb0, 0x60, 0x70, 0xc0, 0xd0};
	size_t len = 0;
	p[len++] = MOV64_REG(9, 1);
	for (int r = 0; r <= 5; r++)
		p[len++] = MOV64_IMM(r, (int32_t)(rnd() % 64));
	p[len++] = MOV64_IMM(6, 20 + (int32_t)(rnd() % 200));
	size_t outer = len, exits[4];
	int nexit = 0;
	for (int k = (int)(rnd() % 3); k > 0; k--)
		p[len++] = ALU64_IMM(rnd() % 2 ? 0x00 : 0xa0, (int)(rnd() % 6), (int32_t)(rnd() % 7)); /* add/xor */
	p[len++] = ALU64_IMM(0x10, 6, 1);                 /* r6 -= 1 */
	exits[nexit++] = len;
	p[len++] = JMP_IMM(0x10, 6, 0, 0);                /* if r6 == 0 goto end */
	size_t inner = len;
	for (int k = 1 + (int)(rnd() % 3); k > 0; k--)
		p[len++] = ALU64_IMM(rnd() % 2 ? 0x00 : 0xa0, (int)(rnd() % 6), (int32_t)(rnd() % 9)); /* add/xor */
	p[len++] = ALU64_IMM(0x10, 6, 1);                 /* r6 -= 1 */
	exits[nexit++] = len;
	p[len++] = JMP_IMM(0x10, 6, 0, 0);                /* if r6 == 0 goto end */
	int a = (int)(rnd() % 6), b = (int)(rnd() % 6);
	if (rnd() % 3)
		p[len] = INSN(0x0d | jccs[rnd() % 10], a, b, 0, 0);      /* if a <cc> b goto inner */
	else
		p[len] = JMP_IMM(jccs[rnd() % 10], a, (int32_t)(rnd() % 64), 0); /* if a <cc> K goto inner */
	p[len].off = (int16_t)(inner - len - 1);
	len++;
	size_t mid = 0;
	for (int k = (int)(rnd() % 5); k > 0; k--) {
		switch (rnd() % 6) {
		case 0:
			p[len++] = LDX(BPFX_SZ_W, (int)(rnd() % 6), 9, (int16_t)(4 * (rnd() % 8)));
			break;
		case 1:
			if (rnd() % 3 == 0) { /* (a store: the charges stay apart) */
				p[len++] = STX(BPFX_SZ_DW, 9, (int)(rnd() % 6), (int16_t)(8 * (rnd() % 4)));
				break;
			}
			/* fall through */
		default:
			p[len++] = ALU64_REG(rnd() % 2 ? 0x00 : 0xa0, (int)(rnd() % 6), (int)(rnd() % 6));
			break;
		}
	}
	if (rnd() % 5 == 0) { /* (a jump target in it: the charges stay apart) */
		p[len++] = JA(1);
		mid = len;
		p[len++] = ALU64_IMM(0x00, 0, 1);
	}
	(void)mid;
	p[len] = JA(0);
	p[len].off = (int16_t)((rnd() % 4 ? outer : inner) - len - 1); /* goto outer / inner */
	len++;
	for (int k = 0; k < nexit; k++)
		p[exits[k]].off = (int16_t)(len - exits[k] - 1);
	for (int r = 0; r <= 6; r++)
		p[len++] = STX(BPFX_SZ_DW, 9, r, (int16_t)(8 * r));
	p[len++] = EXIT();
	return len;
}

static void test_fuse(int programs)
{
	static struct bpfx_insn p[64];
	static const uint32_t modes[3] = {BPFX_JIT_POLL, BPFX_JIT_POLL | BPFX_JIT_NO_UNROLL,
					  BPFX_JIT_POLL | BPFX_JIT_FORCE_NEAR};
	int bad = 0;
	for (int t = 0; t < programs && bad < 5; t++) {
		size_t n = gen_fuse(p);
		struct prog pr;
		struct bpfx_jit_env env = {.flags = modes[t % 3]};
		if (prog_load(&pr, p, n, &env) != 0) {
			CHECK(!"fuse program loads");
			bad++;
			continue;
		}
		uint8_t mem[80];
		for (size_t k = 0; k < sizeof(mem); k++)
			mem[k] = (uint8_t)rnd();
		bool ok = diff_budgets(&pr, mem, sizeof(mem), true, 6, 100, 600, "fuse", t);
		CHECK(ok);
		bad += !ok;
		prog_free(&pr);
	}
}

static void test_unroll(int programs)
{
	static struct bpfx_insn p[80];
	static const uint32_t modes[4] = {0, BPFX_JIT_POLL, BPFX_JIT_POLL | BPFX_JIT_FORCE_NEAR, BPFX_JIT_POLL};
	int bad = 0;
#if defined(__x86_64__)
	int unrolled = 0;
#endif
	for (int t = 0; t < programs && bad < 5; t++) {
		size_t h, e;
		size_t n = gen_unroll(p, &h, &e);
		uint32_t flags = modes[t % 4];
		struct prog pr;
		struct bpfx_jit_env env = {.flags = flags};
		if (prog_load(&pr, p, n, &env) != 0) {
			CHECK(!"unroll program loads");
			bad++;
			continue;
		}
		uint8_t mem[80];
		for (size_t k = 0; k < sizeof(mem); k++)
			mem[k] = (uint8_t)rnd();
		bool finite = ends_within(&pr, mem, sizeof(mem), UINT64_C(1) << 16);
		if (!finite && !(flags & BPFX_JIT_POLL)) {
			prog_free(&pr);
			env.flags |= BPFX_JIT_POLL;
			if (prog_load(&pr, p, n, &env) != 0) {
				CHECK(!"unroll program loads");
				bad++;
				continue;
			}
		}
		bool ok = diff_budgets(&pr, mem, sizeof(mem), finite, 4, 40, 400, "unroll", t);
		if (!ok)
			fprintf(stderr, "(its loop: slots %zu..%zu)\n", h, e);
		CHECK(ok);
		bad += !ok;
#if defined(__x86_64__)
		/* Was it unrolled? Then the code between the back edge and the
		 * next slot holds the copies: twice the loop itself, and more. */
		size_t loop = bpfx_jit_insn_offset(pr.jit, e) - bpfx_jit_insn_offset(pr.jit, h);
		size_t tail = bpfx_jit_insn_offset(pr.jit, e + 1) - bpfx_jit_insn_offset(pr.jit, e);
		unrolled += tail > 2 * loop + 16;
#endif
		prog_free(&pr);
	}
#if defined(__x86_64__)
	printf("test_unroll: %d of %d programs unrolled\n", unrolled, programs);
	CHECK(unrolled * 10 >= programs); /* (the generator aims at unrollable loops) */
#endif
}

/* ---- directed tests ---------------------------------------------------- */

/* dst = a; tmp = b; <op> dst, tmp|imm; exit with dst in r0 (via stx to ctx too) */
static uint64_t binop(int k, int dst, int src, uint64_t a, uint64_t b, uint32_t flags, bool *ok)
{
	struct bpfx_insn p[12];
	size_t n = 0;
	p[n++] = MOV64_REG(9, 1);
	p[n++] = LDDW1(src, b);
	p[n++] = LDDW2(b);
	p[n++] = LDDW1(dst, a);
	p[n++] = LDDW2(a);
	p[n++] = from_row(k, dst, src, 0, (int32_t)b);
	p[n++] = STX(BPFX_SZ_DW, 9, dst, 0);
	p[n++] = STX(BPFX_SZ_DW, 9, src, 8);
	p[n++] = MOV64_REG(0, dst);
	p[n++] = EXIT();
	struct prog pr;
	struct bpfx_jit_env env = {.flags = flags};
	uint64_t r0 = 0;
	*ok = prog_load(&pr, p, n, &env) == 0;
	uint8_t mem[16] = {0};
	if (*ok)
		*ok = diff_run(&pr, mem, sizeof(mem), 0, &r0);
	prog_free(&pr);
	return r0;
}


static void test_edges(void)
{
	static const uint64_t vals[] = {
		0, 1, 2, 5, 31, 32, 63, 64, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
		0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull,
		0xffffffff80000000ull, 0xfffffffffffffff9ull, 0x123456789abcdef0ull,
	};
	static const int pairs[][2] = {{1, 2}, {0, 3}, {3, 0}, {4, 1}, {1, 4}, {4, 4}, {0, 0}, {3, 3}, {6, 5}};
	static const uint32_t fl[] = {0, BPFX_JIT_NO_BMI2, BPFX_JIT_FORCE_NEAR, BPFX_JIT_BLIND};
	int fails = 0;
	const size_t nv = sizeof(vals) / sizeof(vals[0]);
	static struct bpfx_insn p[1200];
	for (int k = 0; k < BPFX_OP__COUNT; k++) {
		const struct bpfx_op_desc *o = &bpfx_op_table[k];
		if (o->fmt != BPFX_FMT_ALU_K && o->fmt != BPFX_FMT_ALU_X && o->fmt != BPFX_FMT_NEG &&
		    o->fmt != BPFX_FMT_MOVSX && o->fmt != BPFX_FMT_END && o->fmt != BPFX_FMT_ASCAST)
			continue;
		for (size_t q = 0; q < sizeof(pairs) / sizeof(pairs[0]); q++) {
			int dst = pairs[q][0], src = pairs[q][1];
			/* all (a, b) combinations, 120 results per program */
			for (size_t first = 0; first < nv * nv; first += 120) {
				size_t n = 0;
				p[n++] = MOV64_REG(9, 1);
				for (size_t c = first; c < nv * nv && c < first + 120; c++) {
					uint64_t a = vals[c / nv], b = vals[c % nv];
					p[n++] = LDDW1(src, b);
					p[n++] = LDDW2(b);
					p[n++] = LDDW1(dst, a);
					p[n++] = LDDW2(a);
					p[n++] = from_row(k, dst, src, 0, (int32_t)b);
					p[n++] = STX(BPFX_SZ_DW, 9, dst, (int16_t)(8 * (c - first)));
				}
				p[n++] = EXIT();
				struct prog pr;
				struct bpfx_jit_env env = {.flags = fl[q % 4]};
				bool ok = prog_load(&pr, p, n, &env) == 0;
				uint8_t mem[1024] = {0};
				if (ok)
					ok = diff_run(&pr, mem, sizeof(mem), 0, NULL);
				prog_free(&pr);
				if (!ok && fails++ < 10)
					fprintf(stderr, "edge: %s r%d, r%d, batch %zu\n", o->id, dst, src, first);
				CHECK(ok);
			}
		}
	}

	/* Hard-coded expectations, independent of the reference interpreter. */
	struct {
		const char *id;
		uint64_t a, b, want;
	} cases[] = {
		{"DIV64_X", 7, 0, 0},
		{"DIV32_X", 0xffffffff00000007ull, 0, 0},
		{"MOD64_X", 7, 0, 7},
		{"MOD32_X", 0xffffffff00000007ull, 0, 7},
		{"MOD32_K", 0xffffffff00000007ull, 0, 7},
		{"SDIV64_X", 0x8000000000000000ull, 0xffffffffffffffffull, 0x8000000000000000ull},
		{"SMOD64_X", 0x8000000000000000ull, 0xffffffffffffffffull, 0},
		{"SDIV32_X", 0x80000000, 0xffffffff, 0x80000000},
		{"SMOD32_X", 0x80000000, 0xffffffff, 0},
		{"SDIV64_K", 0x8000000000000000ull, 0xffffffffffffffffull, 0x8000000000000000ull},
		{"SDIV64_X", (uint64_t)-7, 2, (uint64_t)-3},
		{"SMOD64_X", (uint64_t)-7, 2, (uint64_t)-1},
		{"SMOD32_X", 0xfffffff9, 2, 0xffffffff},
		{"SMOD64_X", 7, (uint64_t)-2, 1},
		{"DIV32_K", 0xffffffff, 0xffffffff, 1},
		{"DIV64_K", 0xffffffffffffffffull, 0xffffffff, 1}, /* imm -1 sign-extends */
		{"LSH64_X", 1, 64, 1},
		{"LSH32_X", 0xffffffff00000001ull, 32, 1},
		{"RSH32_X", 0xffffffff80000000ull, 31, 1},
		{"ARSH32_X", 0x80000000, 4, 0xf8000000},
		{"ARSH64_K", 0x8000000000000000ull, 63, 0xffffffffffffffffull},
		{"LSH32_K", 0xffffffff00000003ull, 0, 3},
		{"NEG32", 1, 0, 0xffffffff},
		{"MOV32_X", 0xffffffffffffffffull, 0x1ffffffffull, 0xffffffff},
		{"MOVSX64_8", 0, 0x80, 0xffffffffffffff80ull},
		{"MOVSX32_8", 0, 0x80, 0xffffff80},
		{"MOVSX32_16", 0, 0x18000, 0xffff8000},
		{"MOVSX64_32", 0, 0x80000000, 0xffffffff80000000ull},
		{"BE16", 0x1234567890abcdefull, 0, 0xefcd},
		{"BE32", 0x1234567890abcdefull, 0, 0xefcdab90},
		{"BE64", 0x1234567890abcdefull, 0, 0xefcdab9078563412ull},
		{"LE16", 0x1234567890abcdefull, 0, 0xcdef},
		{"LE32", 0x1234567890abcdefull, 0, 0x90abcdef},
		{"ADD32_K", 0xffffffff, 1, 0},
		{"MUL32_X", 0x100000001ull, 0xffffffff, 0xffffffff},
		{"MUL64_K", 3, 0xfffffffe, (uint64_t)-6},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int k = op_id(cases[c].id);
		for (size_t f = 0; f < 2; f++) {
			bool ok;
			uint64_t got = binop(k, 3, 4, cases[c].a, cases[c].b, f ? BPFX_JIT_NO_BMI2 : 0, &ok);
			CHECK(ok);
			if (got != cases[c].want)
				fprintf(stderr, "case %s(0x%" PRIx64 ", 0x%" PRIx64 ")\n", cases[c].id, cases[c].a,
					cases[c].b);
			CHECK_EQ_U64(got, cases[c].want);
		}
	}
}

/* Every conditional jump, each width and form, taken and not, against known values. */
static void test_jumps(void)
{
	static const uint64_t vals[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
					0x8000000000000000ull, 0xffffffffffffffffull, 0xffffffff00000001ull};
	for (int j = 0; j < njcc; j++)
		for (size_t a = 0; a < 9; a++)
			for (size_t b = 0; b < 9; b++) {
				struct bpfx_insn p[10];
				size_t n = 0;
				p[n++] = LDDW1(1, vals[a]);
				p[n++] = LDDW2(vals[a]);
				p[n++] = LDDW1(2, vals[b]);
				p[n++] = LDDW2(vals[b]);
				p[n++] = MOV64_IMM(0, 1);
				p[n++] = from_row(jcc_ops[j], 1, 2, 1, (int32_t)vals[b]);
				p[n++] = MOV64_IMM(0, 2);
				p[n++] = EXIT();
				struct prog pr;
				CHECK(prog_load(&pr, p, n, NULL) == 0);
				uint8_t mem[8] = {0};
				CHECK(diff_run(&pr, mem, sizeof(mem), 0, NULL));
				prog_free(&pr);
			}
}

/* ---- helpers for the call tests ---- */

struct trun {
	struct bpfx_jit_run jr; /* first: helpers get a pointer to this struct */
	struct prog *prog;
	int calls;
};

static uint64_t h_sum(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfx_run *run)
{
	struct trun *t = (struct trun *)(void *)run;
	t->calls++;
	return a + 2 * b + 3 * c + 4 * d + 5 * e;
}

static uint64_t h_stop(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfx_run *run)
{
	struct trun *t = (struct trun *)(void *)run;
	(void)b, (void)c, (void)d, (void)e;
	t->jr.stop = 1;
	t->jr.stop_status = a == 1 ? 0 : BPFX_E_HELPER_FAIL;
	t->jr.stop_r0 = 0x5757;
	return 1;
}

/* Calls the function at the code address in r1 with r2 as argument, twice. */
static uint64_t h_callback(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfx_run *run)
{
	struct trun *t = (struct trun *)(void *)run;
	(void)c, (void)d, (void)e;
	size_t insn = (size_t)((a - (uint64_t)(uintptr_t)t->prog->insns) / 8);
	uint64_t args[5] = {b, 0, 0, 0, 0}, r0 = 0, r1 = 0;
	if (bpfx_jit_call(t->prog->jit, insn, args, &t->jr, &r0))
		return 0;
	args[0] = b + 1;
	if (bpfx_jit_call(t->prog->jit, insn, args, &t->jr, &r1))
		return 0;
	return r0 * 1000 + r1;
}

static uint64_t h_nop(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfx_run *run)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
	return 0;
}

static bpfx_helper_fn lookup(const void *vm, uint64_t id)
{
	(void)vm;
	return id == 1 ? h_sum : id == 2 ? h_stop : NULL;
}

static uint64_t run_t(struct prog *pr, struct trun *t, void *ctx, size_t len)
{
	memset(t, 0, sizeof(*t));
	run_init(&t->jr, 0);
	t->jr.helper_run = t;
	t->prog = pr;
	return bpfx_jit_enter(pr->jit, ctx, len, &t->jr);
}

static void test_calls(void)
{
	struct trun t;
	struct prog pr;

	/* helper with five arguments; r6-r9 survive it */
	{
		struct bpfx_insn p[] = {
			MOV64_IMM(6, 60), MOV64_IMM(7, 70), MOV64_IMM(8, 80), MOV64_IMM(9, 90),
			MOV64_IMM(1, 1), MOV64_IMM(2, 10), MOV64_IMM(3, 100), MOV64_IMM(4, 1000),
			MOV64_IMM(5, 10000), CALL(7), ALU64_REG(0x00, 0, 6), ALU64_REG(0x00, 0, 7),
			ALU64_REG(0x00, 0, 8), ALU64_REG(0x00, 0, 9), EXIT(),
		};
		bpfx_helper_fn fns[15] = {[9] = h_sum};
		struct bpfx_jit_env env = {.call_fns = fns};
		CHECK(prog_load(&pr, p, 15, &env) == 0);
		uint64_t r0 = run_t(&pr, &t, NULL, 0);
		CHECK_EQ_U64(r0, 1 + 20 + 300 + 4000 + 50000 + 300);
		CHECK_EQ_U64(t.calls, 1);
		CHECK_EQ_U64(t.jr.status, 0);
		prog_free(&pr);
	}
	/* helper stop (status 0, r0 from the helper) and fail */
	for (int f = 0; f < 2; f++) {
		struct bpfx_insn p[] = {MOV64_IMM(1, f ? 2 : 1), CALL(9), MOV64_IMM(0, 3), EXIT()};
		bpfx_helper_fn fns[4] = {[1] = h_stop};
		struct bpfx_jit_env env = {.call_fns = fns};
		CHECK(prog_load(&pr, p, 4, &env) == 0);
		uint64_t r0 = run_t(&pr, &t, NULL, 0);
		CHECK_EQ_U64(t.jr.status, f ? BPFX_E_HELPER_FAIL : 0);
		CHECK_EQ_U64(t.jr.insn, 1);
		if (!f)
			CHECK_EQ_U64(r0, 0x5757);
		prog_free(&pr);
	}
	/* stop inside a nested local call unwinds everything */
	{
		struct bpfx_insn p[] = {
			CALL_LOCAL(2), MOV64_IMM(0, 1), EXIT(),
			CALL_LOCAL(1), EXIT(),
			MOV64_IMM(1, 1), CALL(9), MOV64_IMM(0, 2), EXIT(),
		};
		bpfx_helper_fn fns[9] = {[6] = h_stop};
		struct bpfx_jit_env env = {.call_fns = fns};
		CHECK(prog_load(&pr, p, 9, &env) == 0);
		uint64_t r0 = run_t(&pr, &t, NULL, 0);
		CHECK_EQ_U64(t.jr.status, 0);
		CHECK_EQ_U64(r0, 0x5757);
		CHECK_EQ_U64(t.jr.insn, 6);
		prog_free(&pr);
	}
	/* callx: known ids, unknown id, and r1..r5 intact across the lookup */
	{
		struct bpfx_insn p[] = {
			MOV64_IMM(1, 1), MOV64_IMM(2, 2), MOV64_IMM(3, 3), MOV64_IMM(4, 4), MOV64_IMM(5, 5),
			LDX(BPFX_SZ_DW, 7, 1 - 1 + 0, 0), /* placeholder replaced below */
			INSN(0x8d, 7, 0, 0, 0), EXIT(),
		};
		p[5] = MOV64_IMM(7, 1);
		struct bpfx_jit_env env = {.callx_lookup = lookup};
		CHECK(prog_load(&pr, p, 8, &env) == 0);
		uint64_t r0 = run_t(&pr, &t, NULL, 0);
		CHECK_EQ_U64(t.jr.status, 0);
		CHECK_EQ_U64(r0, 1 + 4 + 9 + 16 + 25);
		prog_free(&pr);
		p[5] = MOV64_IMM(7, 99);
		CHECK(prog_load(&pr, p, 8, &env) == 0);
		run_t(&pr, &t, NULL, 0);
		CHECK_EQ_U64(t.jr.status, BPFX_E_NO_HELPER);
		CHECK_EQ_U64(t.jr.insn, 6);
		CHECK_EQ_U64(t.jr.value, 99);
		prog_free(&pr);
		/* with budget polling too (the longest instruction) */
		p[5] = MOV64_IMM(7, 1);
		struct bpfx_jit_env penv = {.callx_lookup = lookup, .flags = BPFX_JIT_POLL};
		CHECK(prog_load(&pr, p, 8, &penv) == 0);
		memset(&t, 0, sizeof(t));
		run_init(&t.jr, 10);
		t.jr.helper_run = &t;
		CHECK_EQ_U64(bpfx_jit_enter(pr.jit, NULL, 0, &t.jr), 1 + 4 + 9 + 16 + 25);
		CHECK_EQ_U64(t.jr.status, 0);
		CHECK_EQ_U64(t.jr.budget, 9);
		prog_free(&pr);
		p[5] = MOV64_IMM(7, 2); /* h_stop via callx, r1 = 1: stop */
		CHECK(prog_load(&pr, p, 8, &env) == 0);
		r0 = run_t(&pr, &t, NULL, 0);
		CHECK_EQ_U64(t.jr.status, 0);
		CHECK_EQ_U64(r0, 0x5757);
		prog_free(&pr);
	}
	/* local calls: r6-r9 preserved, separate stack frames, r1-r5 passed, r0 returned */
	{
		struct bpfx_insn p[] = {
			MOV64_IMM(6, 6), MOV64_IMM(7, 7), MOV64_IMM(8, 8), MOV64_IMM(9, 9),
			ST(BPFX_SZ_DW, 10, -8, 111), MOV64_IMM(1, 5), CALL_LOCAL(8),
			LDX(BPFX_SZ_DW, 1, 10, -8), ALU64_REG(0x00, 0, 1), ALU64_REG(0x00, 0, 6),
			ALU64_REG(0x00, 0, 7), ALU64_REG(0x00, 0, 8), ALU64_REG(0x00, 0, 9),
			ALU64_IMM(0x00, 0, 0), EXIT(),
			/* f(r1): clobber r6-r9 and its own stack slot; return r1 * 100 */
			MOV64_IMM(6, 0), MOV64_IMM(7, 0), MOV64_IMM(8, 0), MOV64_IMM(9, 0),
			ST(BPFX_SZ_DW, 10, -8, 999), MOV64_REG(0, 1), ALU64_IMM(0x20, 0, 100), EXIT(),
		};
		CHECK(prog_load(&pr, p, sizeof(p) / sizeof(p[0]), NULL) == 0);
		uint64_t r0 = run_t(&pr, &t, NULL, 0);
		CHECK_EQ_U64(t.jr.status, 0);
		CHECK_EQ_U64(r0, 500 + 111 + 6 + 7 + 8 + 9);
		uint8_t mem[8] = {0};
		CHECK(diff_run(&pr, mem, 8, 0, NULL));
		prog_free(&pr);
	}
	/* a callee that writes only r8 (as an atomic fetch operand), and one
	 * that jumps into another function's code (all registers saved) */
	for (int esc = 0; esc < 2; esc++) {
		struct bpfx_insn p[] = {
			MOV64_IMM(6, 6), MOV64_IMM(7, 7), MOV64_IMM(8, 8), MOV64_IMM(9, 9),
			CALL_LOCAL(7), ALU64_REG(0x00, 0, 6), ALU64_REG(0x00, 0, 7), ALU64_REG(0x00, 0, 8),
			ALU64_REG(0x00, 0, 9), EXIT(), EXIT(), EXIT(),
			/* f: */ ST(BPFX_SZ_DW, 10, -8, 1000), MOV64_IMM(8, 100),
			INSN(0xdb, 10, 8, -8, 0x01) /* r8 = fetch_add */, MOV64_REG(0, 8),
			esc ? CALL_LOCAL(2) : JA(0), MOV64_IMM(9, 0), EXIT(),
			/* g: */ MOV64_IMM(6, 0), MOV64_IMM(7, 0), JA(-5) /* into f */,
		};
		CHECK(prog_load(&pr, p, sizeof(p) / sizeof(p[0]), NULL) == 0);
		uint64_t r0 = run_t(&pr, &t, NULL, 0);
		CHECK_EQ_U64(t.jr.status, 0);
		CHECK_EQ_U64(r0, 1000 + 6 + 7 + 8 + 9);
		uint8_t mem[8] = {0};
		CHECK(diff_run(&pr, mem, 8, 0, NULL));
		prog_free(&pr);
	}
	/* a function without r10 between two with stacks keeps the caller's r10 */
	{
		struct bpfx_insn p[] = {
			ST(BPFX_SZ_DW, 10, -8, 5), CALL_LOCAL(3), LDX(BPFX_SZ_DW, 1, 10, -8),
			ALU64_REG(0x00, 0, 1), EXIT(),
			/* f: */ CALL_LOCAL(2), ALU64_IMM(0x00, 0, 1), EXIT(),
			/* g: */ ST(BPFX_SZ_DW, 10, -8, 100), LDX(BPFX_SZ_DW, 0, 10, -8), EXIT(),
		};
		CHECK(prog_load(&pr, p, sizeof(p) / sizeof(p[0]), NULL) == 0);
		CHECK_EQ_U64(run_t(&pr, &t, NULL, 0), 106);
		uint8_t mem[8] = {0};
		CHECK(diff_run(&pr, mem, 8, 0, NULL));
		prog_free(&pr);
	}
	/* recursion: depth n is fine up to the limit; one more fails */
	for (uint32_t maxd = 1; maxd <= 10; maxd += 3) {
		for (int extra = 0; extra < 2; extra++) {
			/* f(r1): if r1 == 0 return 0; return f(r1 - 1) + 1 */
			struct bpfx_insn p[] = {
				CALL_LOCAL(1), EXIT(),
				JMP_IMM(0x50, 1, 0, 2), MOV64_IMM(0, 0), EXIT(),
				ALU64_IMM(0x10, 1, 1), CALL_LOCAL(-5), ALU64_IMM(0x00, 0, 1), EXIT(),
			};
			struct bpfx_jit_env env = {.max_call_depth = maxd};
			CHECK(prog_load(&pr, p, 9, &env) == 0);
			/* main + f(n) ... f(0) = n + 2 frames */
			int64_t n = (int64_t)maxd - 2 + extra;
			if (n < 0) {
				prog_free(&pr);
				continue;
			}
			uint64_t r0 = run_t(&pr, &t, (void *)(uintptr_t)n, 0);
			CHECK_EQ_U64(t.jr.status, extra ? BPFX_E_CALL_DEPTH : 0);
			if (!extra)
				CHECK_EQ_U64(r0, (uint64_t)n);
			uint8_t mem[8];
			(void)mem;
			prog_free(&pr);
		}
	}
	/* max depth 1: no local call at all */
	{
		struct bpfx_insn p[] = {CALL_LOCAL(1), EXIT(), MOV64_IMM(0, 1), EXIT()};
		struct bpfx_jit_env env = {.max_call_depth = 1};
		CHECK(prog_load(&pr, p, 4, &env) == 0);
		run_t(&pr, &t, NULL, 0);
		CHECK_EQ_U64(t.jr.status, BPFX_E_CALL_DEPTH);
		CHECK_EQ_U64(t.jr.insn, 0);
		prog_free(&pr);
	}
	/* callbacks from a helper through bpfx_jit_call (lddw code address) */
	{
		struct bpfx_insn p[] = {
			INSN(0x18, 1, 4, 0, 6), INSN(0, 0, 0, 0, 0), /* r1 = code_addr(cb) */
			MOV64_IMM(2, 7), MOV64_IMM(6, 66), CALL(9), ALU64_REG(0x00, 0, 6), EXIT(),
			/* cb(r1) = r1 * 3 */
			MOV64_REG(0, 1), ALU64_IMM(0x20, 0, 3), MOV64_IMM(6, 0), EXIT(),
		};
		bpfx_helper_fn fns[11] = {[4] = h_callback};
		struct bpfx_jit_env env = {.call_fns = fns};
		CHECK(prog_load(&pr, p, 11, &env) == 0);
		uint64_t r0 = run_t(&pr, &t, NULL, 0);
		CHECK_EQ_U64(t.jr.status, 0);
		CHECK_EQ_U64(r0, 21 * 1000 + 24 + 66);
		prog_free(&pr);
	}
	/* kfunc calls use the same path */
	{
		struct bpfx_insn p[] = {MOV64_IMM(1, 3), INSN(0x85, 0, 2, 0, 1234), EXIT()};
		bpfx_helper_fn fns[3] = {[1] = h_sum};
		struct bpfx_jit_env env = {.call_fns = fns};
		CHECK(prog_load(&pr, p, 3, &env) == 0);
		CHECK_EQ_U64(run_t(&pr, &t, NULL, 0), 3);
		prog_free(&pr);
	}
	/* a helper call without a function is a compile error */
	{
		struct bpfx_insn p[] = {CALL(1), EXIT()};
		int16_t ops[2];
		struct bpfx_jit_prog *jp = NULL;
		CHECK(bpfx_validate_program(&diag, p, 2, 0, ops) == 0);
		CHECK(bpfx_jit_compile(&diag, p, 2, ops, NULL, &jp) == BPFX_E_NO_HELPER);
		CHECK_STR_CONTAINS(last_log, "insn 0");
		CHECK(jp == NULL);
	}
	(void)h_nop;
}

/* ---- budget, cancel, may_goto, gotox, packet ------------------------------ */

static void test_budget(void)
{
	struct prog pr;
	struct bpfx_jit_env env = {.flags = BPFX_JIT_POLL};
	/* 10 iterations = 9 back edges */
	struct bpfx_insn p[] = {MOV64_IMM(0, 0), ALU64_IMM(0x00, 0, 1), JMP_IMM(0xa0, 0, 10, -2), EXIT()};
	CHECK(prog_load(&pr, p, 4, &env) == 0);
	for (uint64_t b = 7; b <= 11; b++) {
		struct bpfx_jit_run run;
		run_init(&run, b);
		uint64_t r0 = bpfx_jit_enter(pr.jit, NULL, 0, &run);
		CHECK_EQ_U64(run.status, b >= 9 ? 0 : BPFX_E_BUDGET);
		if (b >= 9) {
			CHECK_EQ_U64(r0, 10);
			CHECK_EQ_U64(run.budget, b - 9);
		} else {
			CHECK_EQ_U64(run.insn, 2);
		}
		uint8_t mem[8] = {0};
		CHECK(diff_run(&pr, mem, 8, b, NULL));
	}
	prog_free(&pr);
	/* the same loop as 'if r0 == 10 goto +1; goto back' (one fused jcc) */
	struct bpfx_insn p2[] = {MOV64_IMM(0, 0), ALU64_IMM(0x00, 0, 1), JMP_IMM(0x10, 0, 10, 1), JA(-3), EXIT()};
	CHECK(prog_load(&pr, p2, 5, &env) == 0);
	for (uint64_t b = 7; b <= 11; b++) {
		struct bpfx_jit_run run;
		run_init(&run, b);
		uint64_t r0 = bpfx_jit_enter(pr.jit, NULL, 0, &run);
		CHECK_EQ_U64(run.status, b >= 9 ? 0 : BPFX_E_BUDGET);
		if (b >= 9)
			CHECK_EQ_U64(r0, 10);
		else
			CHECK_EQ_U64(run.insn, 3);
		uint8_t mem[8] = {0};
		CHECK(diff_run(&pr, mem, 8, b, NULL));
	}
	prog_free(&pr);
	/* an endless loop (ja -1) stops */
	struct bpfx_insn q[] = {MOV64_IMM(0, 0), JA(-1), EXIT()};
	CHECK(prog_load(&pr, q, 3, &env) == 0);
	struct bpfx_jit_run run;
	run_init(&run, 100000);
	bpfx_jit_enter(pr.jit, NULL, 0, &run);
	CHECK_EQ_U64(run.status, BPFX_E_BUDGET);
	CHECK_EQ_U64(run.insn, 1);
	prog_free(&pr);
	/* calls count: helper calls, and local calls but those to a leaf (a
	 * function that makes no call): here 0 (helper), 1 (to a function
	 * calling a helper), 3 (helper), not 5 (to a leaf) */
	struct bpfx_insn c[] = {CALL(5), CALL_LOCAL(1), EXIT(), CALL(5), CALL_LOCAL(1), EXIT(), MOV64_IMM(0, 4), EXIT()};
	bpfx_helper_fn fns[8] = {[0] = h_nop, [3] = h_nop};
	env.call_fns = fns;
	CHECK(prog_load(&pr, c, 8, &env) == 0);
	for (uint64_t b = 1; b <= 3; b++) {
		run_init(&run, b);
		run.helper_run = NULL;
		uint64_t r0 = bpfx_jit_enter(pr.jit, NULL, 0, &run);
		CHECK_EQ_U64(run.status, b == 3 ? 0 : BPFX_E_BUDGET);
		if (b == 3)
			CHECK_EQ_U64(r0, 4);
		else
			CHECK_EQ_U64(run.insn, b == 1 ? 1 : 3);
		CHECK_EQ_U64(run.budget, 0);
	}
	prog_free(&pr);
}

struct cancel_arg {
	struct prog *pr;
	int flag;
	struct bpfx_jit_run run;
	volatile int started;
};

static void *cancel_thread(void *arg)
{
	struct cancel_arg *c = arg;
	run_init(&c->run, ~0ull);
	c->run.cancel = &c->flag;
	c->started = 1;
	bpfx_jit_enter(c->pr->jit, NULL, 0, &c->run);
	return NULL;
}

static void test_cancel(void)
{
	struct prog pr;
	struct bpfx_jit_env env = {.flags = BPFX_JIT_POLL};
	struct bpfx_insn p[] = {MOV64_IMM(0, 0), ALU64_IMM(0x00, 0, 1), JA(-2), EXIT()};
	CHECK(prog_load(&pr, p, 4, &env) == 0);
	struct cancel_arg c = {.pr = &pr};
	pthread_t th;
	CHECK(pthread_create(&th, NULL, cancel_thread, &c) == 0);
	while (!c.started)
		usleep(1000);
	usleep(20000);
	__atomic_store_n(&c.flag, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	CHECK_EQ_U64(c.run.status, BPFX_E_CANCELLED);
	CHECK_EQ_U64(c.run.insn, 2);
	CHECK(c.run.budget < ~0ull);
	prog_free(&pr);
}

static void test_may_goto(void)
{
	struct prog pr;
	/* r0 counts iterations until may_goto jumps */
	struct bpfx_insn p[] = {MOV64_IMM(0, 0), INSN(0xe5, 0, 0, 2, 0), ALU64_IMM(0x00, 0, 1), JA(-3), EXIT()};
	for (int poll = 0; poll < 2; poll++) {
		struct bpfx_jit_env env = {.flags = poll ? BPFX_JIT_POLL : 0};
		CHECK(prog_load(&pr, p, 5, &env) == 0);
		struct bpfx_jit_run run;
		run_init(&run, ~0ull);
		run.may_goto = 1000;
		CHECK_EQ_U64(bpfx_jit_enter(pr.jit, NULL, 0, &run), 1000);
		CHECK_EQ_U64(run.may_goto, 0);
		CHECK_EQ_U64(run.status, 0);
		uint8_t mem[8] = {0};
		CHECK(diff_run(&pr, mem, 8, 5000, NULL));
		prog_free(&pr);
	}
}

static void test_gotox(void)
{
	struct prog pr;
	struct bpfx_insn p[] = {
		INSN(0x18, 1, 4, 0, 6), INSN(0, 0, 0, 0, 0), /* r1 = code_addr(insn 7) */
		MOV64_IMM(0, 1), INSN(0x0d, 1, 0, 0, 0), MOV64_IMM(0, 100), EXIT(), EXIT(),
		ALU64_IMM(0x00, 0, 10), EXIT(),
	};
	CHECK(prog_load(&pr, p, 9, NULL) == 0);
	struct trun t;
	CHECK_EQ_U64(run_t(&pr, &t, NULL, 0), 11);
	prog_free(&pr);
	/* bad targets: misaligned, outside, second half of an lddw */
	for (int k = 0; k < 3; k++) {
		struct bpfx_insn q[] = {
			INSN(0x18, 1, 4, 0, 5), INSN(0, 0, 0, 0, 0),
			ALU64_IMM(0x00, 1, k == 0 ? 3 : k == 1 ? 800 : -40), /* -40: slot 1 */
			MOV64_IMM(0, 1), INSN(0x0d, 1, 0, 0, 0), EXIT(), EXIT(), ALU64_IMM(0x00, 0, 10), EXIT(),
		};
		CHECK(prog_load(&pr, q, 9, NULL) == 0);
		run_t(&pr, &t, NULL, 0);
		CHECK_EQ_U64(t.jr.status, BPFX_E_BAD_INSN);
		CHECK_EQ_U64(t.jr.insn, 4);
		CHECK_EQ_U64(t.jr.value, (uint64_t)(uintptr_t)&q[6] + (k == 0 ? 3 : k == 1 ? 800 : -40));
		prog_free(&pr);
	}
	/* backward gotox counts as a back edge */
	{
		struct bpfx_insn q[] = {
			INSN(0x18, 1, 4, 0, 2), INSN(0, 0, 0, 0, 0), /* r1 = code_addr(insn 3) */
			MOV64_IMM(0, 0), ALU64_IMM(0x00, 0, 1), INSN(0x0d, 1, 0, 0, 0), EXIT(),
		};
		struct bpfx_jit_env env = {.flags = BPFX_JIT_POLL};
		CHECK(prog_load(&pr, q, 6, &env) == 0);
		struct bpfx_jit_run run;
		run_init(&run, 50);
		bpfx_jit_enter(pr.jit, NULL, 0, &run);
		CHECK_EQ_U64(run.status, BPFX_E_BUDGET);
		CHECK_EQ_U64(run.insn, 4);
		uint8_t mem[8] = {0};
		CHECK(diff_run(&pr, mem, 8, 50, NULL));
		prog_free(&pr);
	}
}

static void test_packet(void)
{
	uint8_t pkt[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
	struct {
		uint8_t code;
		int32_t imm;
		uint64_t src, want;
		bool oob;
	} cases[] = {
		{0x20, 0, 0, 0x11223344, false}, {0x20, 4, 0, 0x55667788, false}, {0x20, 5, 0, 0, true},
		{0x28, 6, 0, 0x7788, false},     {0x28, 7, 0, 0, true},           {0x30, 7, 0, 0x88, false},
		{0x30, 8, 0, 0, true},           {0x30, -1, 0, 0, true},          {0x40, 1, 3, 0x55667788, false},
		{0x40, 2, 3, 0, true},           {0x48, -1, 3, 0x3344, false},    {0x50, 0, 7, 0x88, false},
		{0x50, 0, ~0ull, 0, true},       {0x50, 1, ~0ull, 0x11, false},   {0x48, 0, 1ull << 63, 0, true},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct bpfx_insn p[] = {
			MOV64_IMM(0, 99), LDDW1(3, cases[c].src), LDDW2(cases[c].src),
			INSN(cases[c].code, 0, (cases[c].code & 0x40) ? 3 : 0, 0, cases[c].imm),
			ALU64_IMM(0x00, 0, 0x1000000), EXIT(),
		};
		struct prog pr;
		CHECK(prog_load(&pr, p, 6, NULL) == 0);
		struct bpfx_jit_run run;
		run_init(&run, 0);
		run.pkt = pkt;
		run.pkt_len = sizeof(pkt);
		uint64_t r0 = bpfx_jit_enter(pr.jit, NULL, 0, &run);
		CHECK_EQ_U64(run.status, 0);
		CHECK_EQ_U64(r0, cases[c].oob ? 0 : cases[c].want + 0x1000000);
		prog_free(&pr);
	}
}

/* ---- constant blinding -------------------------------------------------- */

static bool code_has(const struct bpfx_jit_prog *jp, const void *pat, size_t n)
{
	size_t size;
	const uint8_t *code = bpfx_jit_code(jp, &size);
	for (size_t o = 0; o + n <= size; o++)
		if (memcmp(code + o, pat, n) == 0)
			return true;
	return false;
}

/*
 * One program with an immediate in every instruction that has one (ALU K
 * rows but shifts, conditional jumps K, ST, lddw, LD_IND), each a random
 * 32-bit value with no zero byte. Unblinded, the code holds each of them
 * (so the search can fail); blinded, none, whatever the key, and the
 * results match the reference interpreter.
 */
static void test_blind(void)
{
	static struct bpfx_insn p[600];
	int32_t imms[200];
	uint64_t wide[16];
	size_t n = 0, nimm = 0, nwide = 0;
	p[n++] = MOV64_REG(9, 1);
	for (int r = 0; r <= 8; r++) {
		uint64_t v = rnd() | 0x0101010101010101ull;
		if (r == 7)
			v = (uint64_t)-(int64_t)0x3b6e0000; /* LD_IND base below */
		else
			wide[nwide++] = v;
		p[n++] = LDDW1(r, v);
		p[n++] = LDDW2(v);
	}
	int slot = 0;
	for (int k = 0; k < BPFX_OP__COUNT; k++) {
		const struct bpfx_op_desc *o = &bpfx_op_table[k];
		int32_t imm = (int32_t)((uint32_t)rnd() | 0x01010101u);
		if (o->fmt == BPFX_FMT_ALU_K) {
			if (strstr(o->id, "SH"))
				continue; /* shift counts are not blinded (at most 6 bits) */
			int dst = 1 + slot % 6;
			p[n++] = from_row(k, dst, 0, 0, imm);
			p[n++] = STX(BPFX_SZ_DW, 9, dst, (int16_t)(8 * (slot++ % 100)));
		} else if (o->fmt == BPFX_FMT_JCC_K) {
			p[n++] = from_row(k, 1 + slot % 6, 0, 1, imm);
			p[n++] = ALU64_IMM(0x00, 0, 1);
			slot++;
		} else if (o->fmt == BPFX_FMT_ST) {
			p[n++] = from_row(k, 9, 0, (int16_t)(8 * (slot++ % 100)), imm);
			if (bpfx_code_size(o->code) < 4)
				continue; /* only 1 or 2 of its bytes are stored */
		} else {
			continue;
		}
		imms[nimm++] = imm;
	}
	/* cmov patterns: if r3 > K goto +1; r4 = K2 (and the jump-over form) */
	int32_t c1 = (int32_t)((uint32_t)rnd() | 0x01010101u), c2 = (int32_t)((uint32_t)rnd() | 0x01010101u);
	p[n++] = JMP_IMM(0x20, 3, c1, 1);
	p[n++] = MOV64_IMM(4, c2);
	p[n++] = STX(BPFX_SZ_DW, 9, 4, 800);
	imms[nimm++] = c1;
	imms[nimm++] = c2;
	int32_t ind = 0x3b6e0010;
	p[n++] = INSN(0x40, 0, 7, 0, ind); /* r0 = ntohl(*(u32 *)(pkt + r7 + imm)) */
	imms[nimm++] = ind;
	p[n++] = EXIT();

	struct prog plain, bl[3];
	struct bpfx_jit_env env = {0};
	CHECK(prog_load(&plain, p, n, &env) == 0);
#if defined(__x86_64__) /* (x86 writes imm32/imm64 verbatim; arm64 splits them into halves) */
	for (size_t q = 0; q < nimm; q++)
		CHECK(code_has(plain.jit, &imms[q], 4));
	for (size_t q = 0; q < nwide; q++)
		CHECK(code_has(plain.jit, &wide[q], 8));
#endif
	uint8_t mem[1024];
	for (size_t b = 0; b < sizeof(mem); b++)
		mem[b] = (uint8_t)rnd();
	uint64_t want = 0, got = 0;
	CHECK(diff_run(&plain, mem, sizeof(mem), 0, &want));
	static const uint64_t keys[3] = {0x0123456789abcdefull, 0, 0};
	for (int b = 0; b < 3; b++) {
		env.flags = BPFX_JIT_BLIND | (b == 2 ? BPFX_JIT_POLL : 0);
		env.blind_key = keys[b];
		CHECK(prog_load(&bl[b], p, n, &env) == 0);
		for (size_t q = 0; q < nimm; q++) {
			if (code_has(bl[b].jit, &imms[q], 4))
				fprintf(stderr, "blinded code (key %d) holds immediate 0x%08x\n", b, (uint32_t)imms[q]);
			CHECK(!code_has(bl[b].jit, &imms[q], 4));
		}
		for (size_t q = 0; q < nwide; q++) {
			uint32_t half[2];
			memcpy(half, &wide[q], 8);
			CHECK(!code_has(bl[b].jit, &half[0], 4));
			CHECK(!code_has(bl[b].jit, &half[1], 4));
		}
		CHECK(diff_run(&bl[b], mem, sizeof(mem), ~0ull, &got));
		CHECK_EQ_U64(got, want);
	}
	/* a given key gives the same code every time; random keys differ */
	struct prog again;
	env.flags = BPFX_JIT_BLIND;
	env.blind_key = keys[0];
	CHECK(prog_load(&again, p, n, &env) == 0);
	size_t s0, s1, s2;
	const void *k0 = bpfx_jit_code(bl[0].jit, &s0), *k1 = bpfx_jit_code(again.jit, &s1);
	CHECK(s0 == s1 && memcmp(k0, k1, s0) == 0);
	const void *r1 = bpfx_jit_code(bl[1].jit, &s1), *r2 = bpfx_jit_code(bl[2].jit, &s2);
	(void)r2;
	CHECK(s1 != s0 || memcmp(r1, k0, s0) != 0);
	prog_free(&again);
	prog_free(&plain);
	for (int b = 0; b < 3; b++)
		prog_free(&bl[b]);
}

/* The select pattern whose both ways are back edges, with polling: every
 * budget from 0 up runs out at the same instruction as the reference (the
 * conditional jump or the goto after the mov). */
static void test_poll_select(void)
{
	struct bpfx_insn p[] = {
		MOV64_IMM(0, 0), MOV64_IMM(1, 0),
		ALU64_IMM(0x00, 1, 1),      /* 2: r1 += 1 */
		JMP_IMM(0x20, 1, 60, 5),    /* 3: if r1 > 60 goto exit */
		MOV64_REG(2, 1),
		ALU64_IMM(0x50, 2, 1),      /* 5: r2 &= 1 */
		JMP_IMM(0x10, 2, 0, -5),    /* 6: if r2 == 0 goto 2 */
		MOV64_REG(0, 1),            /* 7: r0 = r1 */
		JA(-7),                     /* 8: goto 2 */
		EXIT(),
	};
	struct bpfx_jit_env env = {.flags = BPFX_JIT_POLL};
	struct prog pr;
	CHECK(prog_load(&pr, p, 10, &env) == 0);
	uint8_t mem[8] = {0};
	int at6 = 0, at8 = 0;
	for (uint64_t b = 0; b <= 64; b++) {
		struct bpfx_jit_run run;
		run_init(&run, b);
		bpfx_jit_enter(pr.jit, mem, sizeof(mem), &run);
		at6 += run.status == BPFX_E_BUDGET && run.insn == 6;
		at8 += run.status == BPFX_E_BUDGET && run.insn == 8;
		CHECK(diff_run(&pr, mem, sizeof(mem), b, NULL));
	}
	CHECK(at6 > 0 && at8 > 0);
	uint64_t r0 = 0;
	CHECK(diff_run(&pr, mem, sizeof(mem), ~0ull, &r0));
	CHECK_EQ_U64(r0, 59); /* the last odd r1 before the exit at 61 */
	prog_free(&pr);
}

/* Zero-extensions of a register already zero-extended emit no code (and
 * the same instructions after a 64-bit load still do). */
static void test_zext(void)
{
	for (int wide = 0; wide < 2; wide++) {
		struct bpfx_insn p[] = {
			wide ? LDX(BPFX_SZ_DW, 2, 1, 0) : LDX(BPFX_SZ_W, 2, 1, 0),
			INSN(0xbc, 2, 2, 0, 0),  /* w2 = w2 */
			ALU64_IMM(0x60, 2, 32),  /* r2 <<= 32 */
			ALU64_IMM(0x70, 2, 32),  /* r2 >>= 32 */
			INSN(0xd4, 2, 0, 0, 32), /* r2 = le32 r2 */
			MOV64_REG(0, 2),
			EXIT(),
		};
		struct prog pr;
		CHECK(prog_load(&pr, p, 7, NULL) == 0);
#if defined(__x86_64__) /* (the x86 backend's zero-extension tracking) */
		size_t o1 = bpfx_jit_insn_offset(pr.jit, 1), o2 = bpfx_jit_insn_offset(pr.jit, 2);
		size_t o4 = bpfx_jit_insn_offset(pr.jit, 4), o5 = bpfx_jit_insn_offset(pr.jit, 5);
		CHECK(wide ? (o2 > o1 && o4 == o2 && o5 == o4) : (o1 == o2 && o2 == o4 && o4 == o5));
#endif
		uint8_t mem[8] = {1, 2, 3, 4, 0xf5, 6, 7, 8};
		uint64_t r0 = 0;
		CHECK(diff_run(&pr, mem, sizeof(mem), 0, &r0));
		CHECK_EQ_U64(r0, 0x04030201u);
		prog_free(&pr);
	}
}

/* ---- threads ----------------------------------------------------------- */

struct thr {
	struct prog *pr;
	uint64_t in, out;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	for (int k = 0; k < 200; k++) {
		struct bpfx_jit_run run;
		run_init(&run, 0);
		uint64_t ctx[2] = {t->in, 0};
		t->out = bpfx_jit_enter(t->pr->jit, ctx, sizeof(ctx), &run);
		if (run.status || ctx[1] != t->in * 2)
			t->out = ~0ull;
	}
	return NULL;
}

static void test_threads(void)
{
	/* sum 1..n through the stack, store 2n in ctx[1] */
	struct bpfx_insn p[] = {
		LDX(BPFX_SZ_DW, 2, 1, 0), ST(BPFX_SZ_DW, 10, -8, 0), MOV64_IMM(0, 0),
		JMP_IMM(0x10, 2, 0, 4), ALU64_REG(0x00, 0, 2), ALU64_IMM(0x10, 2, 1),
		STX(BPFX_SZ_DW, 10, 0, -8), JA(-5),
		LDX(BPFX_SZ_DW, 2, 1, 0), ALU64_REG(0x00, 2, 2), STX(BPFX_SZ_DW, 1, 2, 8), EXIT(),
	};
	struct prog pr;
	CHECK(prog_load(&pr, p, sizeof(p) / sizeof(p[0]), NULL) == 0);
	struct thr t[4];
	pthread_t th[4];
	for (int k = 0; k < 4; k++) {
		t[k] = (struct thr){&pr, 1000 + (uint64_t)k * 77, 0};
		pthread_create(&th[k], NULL, thr_main, &t[k]);
	}
	for (int k = 0; k < 4; k++) {
		pthread_join(th[k], NULL);
		CHECK_EQ_U64(t[k].out, t[k].in * (t[k].in + 1) / 2);
	}
	prog_free(&pr);
}

/* ---- code layout --------------------------------------------------------- */

static void test_layout(void)
{
	/* A long forward jump over > 127 bytes needs rel32; a short one rel8. */
	static struct bpfx_insn p[300];
	size_t n = 0;
	p[n++] = MOV64_IMM(0, 0);
	p[n++] = JMP_IMM(0x10, 0, 0, 250); /* jeq r0, 0, +250 */
	for (int k = 0; k < 250; k++)
		p[n++] = ALU64_IMM(0x00, 0, 1);
	p[n++] = ALU64_IMM(0x00, 0, 7);
	p[n++] = EXIT();
	struct prog pr;
	CHECK(prog_load(&pr, p, n, NULL) == 0);
	size_t off1 = bpfx_jit_insn_offset(pr.jit, 1), off2 = bpfx_jit_insn_offset(pr.jit, 2);
#if defined(__x86_64__)
	CHECK_EQ_U64(off2 - off1, 3 + 6); /* test r0, r0 + jcc rel32 */
#endif
	struct trun t;
	CHECK_EQ_U64(run_t(&pr, &t, NULL, 0), 7);
	prog_free(&pr);
	p[1] = JMP_IMM(0x10, 0, 0, 2);
	CHECK(prog_load(&pr, p, n, NULL) == 0);
	off1 = bpfx_jit_insn_offset(pr.jit, 1), off2 = bpfx_jit_insn_offset(pr.jit, 2);
#if defined(__x86_64__)
	CHECK_EQ_U64(off2 - off1, 3 + 2);
#endif
	CHECK(off2 > off1);
	CHECK_EQ_U64(run_t(&pr, &t, NULL, 0), 248 + 7);
	prog_free(&pr);
	/* the code is not writable */
	CHECK(prog_load(&pr, p, n, NULL) == 0);
	size_t sz;
	const uint8_t *code = bpfx_jit_code(pr.jit, &sz);
	CHECK(sz > 0 && code != NULL);
#if defined(__x86_64__)
	CHECK(code[0] == 0xcc); /* int3 padding first */
#endif
	prog_free(&pr);
	/* too deep a call limit is refused */
	struct bpfx_jit_env env = {.max_call_depth = 1000};
	int16_t ops[2];
	struct bpfx_insn q[] = {MOV64_IMM(0, 0), EXIT()};
	struct bpfx_jit_prog *jp;
	CHECK(bpfx_validate_program(&diag, q, 2, 0, ops) == 0);
	CHECK(bpfx_jit_compile(&diag, q, 2, ops, &env, &jp) == BPFX_E_UNSUPPORTED);
	CHECK_STR_CONTAINS(last_log, "depth");
}

/* Stack frames start zeroed (like the interpreter's), even after another
 * run left data at the same native addresses. */
static void test_stack_zero(void)
{
	struct bpfx_insn dirty[] = {
		LDDW1(1, 0x5555555555555555ull), LDDW2(0x5555555555555555ull),
		STX(BPFX_SZ_DW, 10, 1, -8), STX(BPFX_SZ_DW, 10, 1, -512), CALL_LOCAL(2), MOV64_IMM(0, 0),
		EXIT(), STX(BPFX_SZ_DW, 10, 1, -8), STX(BPFX_SZ_DW, 10, 1, -512), EXIT(),
	};
	struct bpfx_insn reader[] = {
		LDX(BPFX_SZ_DW, 0, 10, -8), LDX(BPFX_SZ_DW, 1, 10, -512), ALU64_REG(0x00, 0, 1),
		MOV64_REG(6, 0), CALL_LOCAL(3), ALU64_REG(0x00, 0, 6), EXIT(), EXIT(),
		LDX(BPFX_SZ_DW, 0, 10, -8), LDX(BPFX_SZ_DW, 1, 10, -512), ALU64_REG(0x00, 0, 1), EXIT(),
	};
	struct prog a, b;
	struct trun t;
	CHECK(prog_load(&a, dirty, sizeof(dirty) / sizeof(dirty[0]), NULL) == 0);
	CHECK(prog_load(&b, reader, sizeof(reader) / sizeof(reader[0]), NULL) == 0);
	CHECK_EQ_U64(run_t(&a, &t, NULL, 0), 0);
	CHECK_EQ_U64(run_t(&b, &t, NULL, 0), 0);
	CHECK_EQ_U64(t.jr.status, 0);
	prog_free(&a);
	prog_free(&b);
}

/* Rows only the generator or directed tests above do not produce. */
static void test_misc_rows(void)
{
	/* acquire/release and gotol on the stack */
	struct bpfx_insn p[] = {
		MOV64_IMM(1, 0x1234), INSN(0xdb, 10, 1, -8, 0x110), INSN(0xdb, 0, 10, -8, 0x100),
		INSN(0x06, 0, 0, 0, 1), MOV64_IMM(0, 0), EXIT(),
	};
	struct prog pr;
	CHECK(prog_load(&pr, p, 6, NULL) == 0);
	uint8_t mem[8] = {0};
	uint64_t r0;
	CHECK(diff_run(&pr, mem, 8, 0, &r0));
	CHECK_EQ_U64(r0, 0x1234);
	prog_free(&pr);
	/* a folded load that overwrites the index ends the group */
	{
		struct bpfx_insn f[] = {
			ST(BPFX_SZ_DW, 10, -8, 5), ST(BPFX_SZ_DW, 10, -16, 7), MOV64_IMM(1, -8), MOV64_REG(2, 10),
			ALU64_REG(0x00, 2, 1), LDX(BPFX_SZ_DW, 1, 2, 0), LDX(BPFX_SZ_DW, 3, 2, -8), MOV64_IMM(2, 0),
			MOV64_REG(0, 1), ALU64_REG(0x00, 0, 3), EXIT(),
		};
		CHECK(prog_load(&pr, f, sizeof(f) / sizeof(f[0]), NULL) == 0);
		CHECK(diff_run(&pr, mem, 8, 0, &r0));
		CHECK_EQ_U64(r0, 12);
		prog_free(&pr);
	}
	/* big-endian u16 from two byte loads: plain, folded, and lo still live */
	for (int v = 0; v < 3; v++) {
		struct bpfx_insn f[] = {
			ST(BPFX_SZ_W, 10, -8, 0x563412), MOV64_IMM(1, -7), MOV64_REG(2, 10), ALU64_REG(0x00, 2, 1),
			LDX(BPFX_SZ_B, 3, 2, 1), LDX(BPFX_SZ_B, 0, 2, 0), ALU64_IMM(0x60, 0, 8), ALU64_REG(0x40, 0, 3),
			MOV64_IMM(2, 0), MOV64_IMM(3, 0), EXIT(),
		};
		if (v == 1) /* through r10 directly */
			f[4] = LDX(BPFX_SZ_B, 3, 10, -6), f[5] = LDX(BPFX_SZ_B, 0, 10, -7);
		if (v == 2) /* lo (r3) read afterwards: no word load */
			f[9] = ALU64_REG(0x00, 0, 3);
		CHECK(prog_load(&pr, f, sizeof(f) / sizeof(f[0]), NULL) == 0);
		CHECK(diff_run(&pr, mem, 8, 0, &r0));
		CHECK_EQ_U64(r0, v == 2 ? 0x3456 + 0x56 : 0x3456);
#if defined(__x86_64__)
		static const uint8_t rol8[] = {0x66, 0xc1, 0xc0, 0x08}; /* rol ax, 8 */
		CHECK(code_has(pr.jit, rol8, sizeof(rol8)) == (v != 2));
#endif
		prog_free(&pr);
	}
	/* lddw map kinds take the VM's values */
	struct bpfx_insn q[] = {
		INSN(0x18, 0, 1, 0, 3), INSN(0, 0, 0, 0, 0), INSN(0x18, 1, 2, 0, 3), INSN(0, 0, 0, 0, 4),
		INSN(0x18, 2, 3, 0, 3), INSN(0, 0, 0, 0, 0), INSN(0x18, 3, 5, 0, 3), INSN(0, 0, 0, 0, 0),
		INSN(0x18, 4, 6, 0, 3), INSN(0, 0, 0, 0, 0), ALU64_REG(0x00, 0, 1), ALU64_REG(0x00, 0, 2),
		ALU64_REG(0x00, 0, 3), ALU64_REG(0x00, 0, 4), EXIT(),
	};
	uint64_t vals[15] = {[0] = 1, [2] = 0x200000000ull, [4] = 3, [6] = 0xfffffffffffffff0ull, [8] = 0x50};
	struct bpfx_jit_env env = {.lddw_values = vals};
	CHECK(prog_load(&pr, q, 15, &env) == 0);
	CHECK(diff_run(&pr, mem, 8, 0, &r0));
	CHECK_EQ_U64(r0, 1 + 0x200000000ull + 3 - 16 + 0x50);
	prog_free(&pr);
}

int main(void)
{
	classify_ops();
	test_edges();
	test_jumps();
	test_calls();
	test_budget();
	/* BPFX_TEST_NO_THREADS: qemu-user 7.2 hangs in pthread_create on recent
	 * kernels (scripts/test-arm64.sh sets it) */
	const char *nt = getenv("BPFX_TEST_NO_THREADS");
	bool threads = !(nt && *nt && *nt != '0');
	if (threads)
		test_cancel();
	test_may_goto();
	test_gotox();
	test_packet();
	test_blind();
	test_zext();
	test_poll_select();
	if (threads)
		test_threads();
	else
		printf("test_jit: BPFX_TEST_NO_THREADS: cancellation and thread tests skipped\n");
	test_layout();
	test_misc_rows();
	test_stack_zero();
	int n = getenv("BPFX_JIT_RANDOM") ? atoi(getenv("BPFX_JIT_RANDOM")) : 1500;
	test_random(n, 0);
	test_random(n / 3, BPFX_JIT_NO_BMI2);
	test_random(n / 3, BPFX_JIT_FORCE_NEAR | BPFX_JIT_POLL);
	test_random(n / 3, BPFX_JIT_BLIND);
	test_random(n / 5, BPFX_JIT_BLIND | BPFX_JIT_POLL);
	test_loops((int)check_scale(n / 3) + 20); /* (valgrind: 30) */
	test_unroll((int)check_scale(n / 2) + 20);
	test_fuse((int)check_scale(n / 3) + 20);

	/* test-time check that every opcode-table row went through the JIT */
	for (int k = 0; k < BPFX_OP__COUNT; k++) {
		if (!seen[k])
			fprintf(stderr, "op %s was never compiled by any test\n", bpfx_op_table[k].id);
		CHECK(seen[k]);
	}
	return check_summary("test_jit");
}
