/* SPDX-License-Identifier: MIT */
/*
 * leaf.c - which bpf-to-bpf functions are leaves, for the budget: a local
 * call to a leaf is not a budget event (see bpfx_run_opts in vm.h).
 *
 * Between two counted events a run does bounded work as long as every
 * call that is not counted enters code that can make no call and jump no
 * further than its own end: then that frame runs forward only, except for
 * its backward jumps, which count. So a function is a leaf when its slots
 * (from its entry to the next function's) hold no call of any kind and no
 * gotox, every jump in it stays in it, and its last slot does not fall
 * through into the next function. Code that breaks this (only unverified,
 * trusted programs can) simply makes its function a non-leaf.
 */
#include "isa_internal.h"

#include <stdlib.h>

static bool is_call_or_gotox(int op)
{
	switch (op) {
	case BPFX_OP_CALL_HELPER: case BPFX_OP_CALL_KFUNC: case BPFX_OP_CALLX: case BPFX_OP_CALL_LOCAL:
	case BPFX_OP_GOTOX:
		return true;
	default:
		return false;
	}
}

int bpfx_leaf_functions(const struct bpfx_insn *insns, const int16_t *ops, size_t count, uint8_t *leaf)
{
	if (!count)
		return 0;
	uint8_t *entry = calloc(count, 1);
	if (!entry)
		return BPFX_E_NOMEM;
	entry[0] = 1;
	for (size_t i = 0; i < count; i++) {
		if (ops[i] != BPFX_OP_CALL_LOCAL && ops[i] != BPFX_OP_LDDW_CODE_ADDR)
			continue;
		int64_t t = bpfx_insn_target(insns, ops, i, true);
		if (t >= 0 && (size_t)t < count)
			entry[t] = 1;
	}
	for (size_t t = 0; t < count; t++) {
		leaf[t] = 0;
		if (!entry[t])
			continue;
		size_t end = t + 1;
		while (end < count && !entry[end])
			end++;
		bool ok = ops[end - 1] == BPFX_OP_EXIT || ops[end - 1] == BPFX_OP_JA || ops[end - 1] == BPFX_OP_JA32;
		for (size_t i = t; i < end && ok; i++) {
			if (ops[i] < 0)
				continue; /* (an lddw's second slot) */
			if (is_call_or_gotox(ops[i])) {
				ok = false;
			} else if (BPFX_CLASS(insns[i].code) == BPFX_CLS_JMP || BPFX_CLASS(insns[i].code) == BPFX_CLS_JMP32) {
				int64_t d = bpfx_insn_target(insns, ops, i, true);
				ok = d < 0 || (d >= (int64_t)t && d < (int64_t)end);
			}
		}
		leaf[t] = ok;
	}
	free(entry);
	return 0;
}
