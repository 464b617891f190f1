/* SPDX-License-Identifier: MIT */
/* structure.c - the structural pass of the verifier: functions, jumps,
 * reachability, prune points and register liveness. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpfx/asm.h>

#include "../isa/validate.h"
#include "../vm/vm_internal.h"
#include "state.h"
#include "verifier_internal.h"

/* ---- structure: functions, jumps, reachability, prune points ---- */

static int fmt_of(const struct venv *e, size_t i)
{
	return e->ops[i] < 0 ? -1 : bpfx_op_table[e->ops[i]].fmt;
}

/* Jump target of instruction i, or -1 if it is not a jump. */
static int64_t jump_target(const struct venv *e, size_t i)
{
	const struct bpfx_insn *x = &e->insns[i];
	switch (fmt_of(e, i)) {
	case BPFX_FMT_JA:
	case BPFX_FMT_JCC_K:
	case BPFX_FMT_JCC_X:
	case BPFX_FMT_MAY_GOTO: return (int64_t)i + 1 + x->off;
	case BPFX_FMT_JA32: return (int64_t)i + 1 + x->imm;
	default: return -1;
	}
}

/* Function entry named by instruction i (local call or code address), or -1. */
static int64_t func_target(const struct venv *e, size_t i)
{
	if (e->ops[i] == BPFX_OP_CALL_LOCAL || e->ops[i] == BPFX_OP_LDDW_CODE_ADDR)
		return (int64_t)i + 1 + e->insns[i].imm;
	return -1;
}

static bool ends_flow(int fmt)
{
	return fmt == BPFX_FMT_EXIT || fmt == BPFX_FMT_JA || fmt == BPFX_FMT_JA32 || fmt == BPFX_FMT_GOTOX;
}

/* Registers instruction i reads (*use) and writes (*def). */
static void use_def(const struct venv *e, size_t i, uint16_t *use, uint16_t *def)
{
	const struct bpfx_insn *x = &e->insns[i];
	const struct bpfx_op_desc *o = &bpfx_op_table[e->ops[i]];
	uint16_t u = 0, d = 0;
	if (o->dst == BPFX_USE_READ || o->dst == BPFX_USE_RW)
		u |= (uint16_t)(1u << x->dst);
	if (o->dst == BPFX_USE_WRITE || o->dst == BPFX_USE_RW)
		d |= (uint16_t)(1u << x->dst);
	if (o->src == BPFX_USE_READ || o->src == BPFX_USE_RW)
		u |= (uint16_t)(1u << x->src);
	if (o->src == BPFX_USE_WRITE || o->src == BPFX_USE_RW)
		d |= (uint16_t)(1u << x->src);
	switch (o->fmt) {
	case BPFX_FMT_CALL:
	case BPFX_FMT_CALL_KFUNC: {
		const struct vplat_func *f =
			o->fmt == BPFX_FMT_CALL ? bpfx_vplat_find(e->plat->helpers, e->plat->nhelpers, (uint32_t)x->imm)
						: bpfx_vplat_find(e->plat->kfuncs, e->plat->nkfuncs, (uint32_t)x->imm);
		int nargs = 5;
		if (f)
			for (nargs = 0; nargs < 5 && f->proto.args[nargs] != BPFX_ARG_NONE; nargs++)
				;
		u |= (uint16_t)(((1u << nargs) - 1) << 1);
		d |= 0x3f;
		break;
	}
	case BPFX_FMT_CALL_LOCAL:
	case BPFX_FMT_CALLX:
		u |= 0x3e;
		d |= 0x3f;
		break;
	case BPFX_FMT_EXIT:
		u |= 1;
		break;
	case BPFX_FMT_CMPXCHG:
		u |= 1;
		d |= 1;
		break;
	case BPFX_FMT_LDABS:
	case BPFX_FMT_LDIND:
		d |= 0x3f;
		break;
	default:
		break;
	}
	*use = u;
	*def = d;
}

/* Backward may-be-read analysis over each function's control flow: a
 * register not in live[pc] is written before any read on every path from
 * pc, so its value there cannot matter (pruning ignores it). */
static int liveness(struct venv *e)
{
	size_t n = e->n;
	e->live = calloc(n, sizeof(uint16_t));
	if (!e->live)
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory for liveness");
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t k = n; k-- > 0;) {
			if (e->ops[k] < 0)
				continue;
			int fmt = fmt_of(e, k);
			uint16_t out = 0, use, def;
			if (fmt == BPFX_FMT_GOTOX) {
				out = 0x7ff;
			} else {
				if (!ends_flow(fmt)) {
					size_t nx = k + (fmt == BPFX_FMT_LDDW ? 2 : 1);
					if (nx < n)
						out |= e->live[nx];
				}
				int64_t t = jump_target(e, k);
				if (t >= 0)
					out |= e->live[t];
			}
			use_def(e, k, &use, &def);
			uint16_t in = (uint16_t)(use | (out & ~def));
			if (in != e->live[k]) {
				e->live[k] = in;
				changed = 1;
			}
		}
	}
	return 0;
}

int vf_structure(struct venv *e)
{
	size_t n = e->n;
	struct vstate at = {0};
	uint8_t *start = calloc(n, 1), *seen = calloc(n, 1);
	size_t *stack = malloc(n * 2 * sizeof(size_t));
	int err = 0;
	if (!start || !seen || !stack) {
		err = bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory analysing %zu instructions", n);
		goto out;
	}
	start[0] = 1;
	for (size_t i = 0; i < n; i++) {
		int64_t t = e->ops[i] >= 0 ? func_target(e, i) : -1;
		if (t >= 0)
			start[t] = 1;
	}
	e->nsub = 0;
	for (size_t i = 0; i < n; i++)
		e->nsub += start[i];
	e->sub_start = malloc(e->nsub * sizeof(uint32_t));
	e->sub_depth = calloc(e->nsub, sizeof(uint32_t));
	if (!e->sub_start || !e->sub_depth) {
		err = bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory analysing %zu instructions", n);
		goto out;
	}
	for (size_t i = 0, k = 0; i < n; i++) {
		if (start[i])
			e->sub_start[k++] = (uint32_t)i;
		e->subprog_of[i] = (uint32_t)(k - 1);
	}
	e->stats.subprogs = e->nsub;

	for (size_t i = 0; i < n; i++) {
		if (e->ops[i] < 0)
			continue;
		int64_t t = jump_target(e, i);
		if (t >= 0 && e->subprog_of[t] != e->subprog_of[i]) {
			at.pc = (uint32_t)i;
			err = vf_fail(e, &at, BPFX_RULE_CFG_002,
				   "the jump goes to insn %lld in function #%u (starting at insn %u), but it is in "
				   "function #%u (starting at insn %u)",
				   (long long)t, e->subprog_of[t], e->sub_start[e->subprog_of[t]], e->subprog_of[i],
				   e->sub_start[e->subprog_of[i]]);
			goto out;
		}
	}
	for (uint32_t k = 0; k < e->nsub; k++) {
		size_t last = (k + 1 < e->nsub ? e->sub_start[k + 1] : n) - 1;
		if (e->ops[last] < 0 || !ends_flow(fmt_of(e, last))) {
			at.pc = (uint32_t)(e->ops[last] < 0 ? last - 1 : last);
			err = vf_fail(e, &at, BPFX_RULE_CFG_003,
				   "function #%u (insns %u..%zu) ends with an instruction that falls through into "
				   "function #%u at insn %zu",
				   k, e->sub_start[k], last, k + 1, last + 1);
			goto out;
		}
	}

	/* reachability from the entry */
	size_t sp = 0;
	stack[sp++] = 0;
	seen[0] = 1;
	while (sp) {
		size_t i = stack[--sp];
		int fmt = fmt_of(e, i);
		int64_t succ[3];
		int ns = 0;
		if (!ends_flow(fmt))
			succ[ns++] = (int64_t)i + (fmt == BPFX_FMT_LDDW ? 2 : 1);
		int64_t t = jump_target(e, i);
		if (t >= 0)
			succ[ns++] = t;
		t = func_target(e, i);
		if (t >= 0)
			succ[ns++] = t;
		for (int k = 0; k < ns; k++)
			if (succ[k] < (int64_t)n && !seen[succ[k]]) {
				seen[succ[k]] = 1;
				stack[sp++] = (size_t)succ[k];
			}
	}
	for (size_t i = 0; i < n; i++) {
		if (e->ops[i] >= 0 && !seen[i]) {
			at.pc = (uint32_t)i;
			err = vf_fail(e, &at, BPFX_RULE_CFG_001,
				   "insn %zu can never execute: no jump, fall-through or call leads to it", i);
			goto out;
		}
	}

	/* prune points: jump targets, fall-throughs of conditional jumps, call returns */
	for (size_t i = 0; i < n; i++) {
		if (e->ops[i] < 0)
			continue;
		int fmt = fmt_of(e, i);
		int64_t t = jump_target(e, i);
		if (t >= 0)
			e->prune[t] = (t <= (int64_t)i || e->prune[t] == PRUNE_LOOP) ? PRUNE_LOOP : PRUNE_JOIN;
		if ((fmt == BPFX_FMT_JCC_K || fmt == BPFX_FMT_JCC_X || fmt == BPFX_FMT_MAY_GOTO ||
		     fmt == BPFX_FMT_CALL_LOCAL) &&
		    i + 1 < n && !e->prune[i + 1])
			e->prune[i + 1] = PRUNE_JOIN;
	}
	/* narrow stack stores keep their values everywhere: precision marks
	 * and stack liveness keep them from splitting pruning where they do
	 * not matter */
	e->has_loops = true;
	err = liveness(e);
out:
	free(start);
	free(seen);
	free(stack);
	return err;
}
