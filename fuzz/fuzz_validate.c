/* SPDX-License-Identifier: MIT */
/*
 * fuzz_validate.c - the validator on arbitrary bytecode (the input, cut to
 * whole 8-byte slots), under every group set in turn. Whatever the bytes,
 * the disassembly must assemble back to them (bytes -> text -> bytes), and
 * for a program the validator accepts it must read as named instructions,
 * never as raw ".insn" slots. Each input is also run a second time
 * "repaired" (every slot turned into some table row with its selector and
 * unused fields set right, and an exit at the end), so that valid programs
 * with jumps, calls and lddw are common rather than rare.
 */
#include <bpfx/asm.h>
#include <bpfx/isa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa_internal.h"

static void roundtrip(const struct bpfx_insn *x, size_t n, enum bpfx_dialect dia, uint32_t flags, int valid)
{
	struct bpfx_disasm_opts d = {.sz = sizeof(d), .dialect = dia, .flags = flags};
	struct bpfx_asm_opts a = {.sz = sizeof(a), .dialect = dia};
	struct bpfx_asm_error e;
	char *text = NULL;
	struct bpfx_insn *y = NULL;
	size_t m = 0;

	if (bpfx_disasm(x, n, &d, &text) != 0) {
		fprintf(stderr, "bpfx_disasm failed\n");
		abort();
	}
	if (valid && strstr(text, ".insn")) {
		fprintf(stderr, "a valid program disassembles to raw .insn slots:\n%s\n", text);
		abort();
	}
	if (bpfx_asm(text, strlen(text), &a, &y, &m, &e) != 0 || m != n || memcmp(x, y, n * sizeof(*x))) {
		fprintf(stderr, "round trip (dialect %d, flags %u) changed the program (%d:%d %s):\n%s\n", dia, flags,
			e.line, e.col, e.msg, text);
		abort();
	}
	bpfx_free(text);
	bpfx_free(y);
}

static void repair(struct bpfx_insn *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct bpfx_op_desc *d = &bpfx_op_table[x[i].code % BPFX_OP__COUNT];
		x[i].code = d->code;
		x[i].dst = d->dst == BPFX_USE_SEL ? (uint8_t)d->selv : d->dst ? x[i].dst % 10 : 0;
		x[i].src = d->src == BPFX_USE_SEL ? (uint8_t)d->selv : d->src ? x[i].src % 11 : 0;
		if (d->off == BPFX_USE_SEL || d->off == BPFX_USE_ZERO)
			x[i].off = d->off ? (int16_t)d->selv : 0;
		else if (d->off == BPFX_USE_JMP)
			x[i].off = (int16_t)(x[i].off % 8);
		if (d->imm == BPFX_USE_SEL || d->imm == BPFX_USE_ZERO)
			x[i].imm = d->imm ? d->selv : 0;
		else if (d->imm == BPFX_USE_JMP || d->imm == BPFX_USE_CALL)
			x[i].imm %= 8;
		else if (d->imm == BPFX_USE_ASCAST)
			x[i].imm = x[i].imm & 1 ? 1 : 0x10000;
		if (d->fmt == BPFX_FMT_LDDW && i + 1 < n) {
			i++;
			x[i].code = x[i].dst = x[i].src = 0;
			x[i].off = 0;
			if (d->selv != BPFX_LDDW_IMM64 && d->selv != BPFX_LDDW_MAP_VALUE_FD &&
			    d->selv != BPFX_LDDW_MAP_VALUE_IDX)
				x[i].imm = 0;
		}
	}
	x[n - 1] = (struct bpfx_insn){.code = 0x95};
}

static void one(struct bpfx_insn *x, size_t n, size_t size)
{
	struct bpfx_validate_opts v = {.sz = sizeof(v), .groups = BPFX_GROUPS_ALL};
	int r = bpfx_validate(x, n, &v);
	if (r != 0 && r != BPFX_E_BAD_INSN && r != BPFX_E_GROUP) {
		fprintf(stderr, "bpfx_validate returned %d\n", r);
		abort();
	}
	v.groups = BPFX_GROUPS_RFC;
	int r2 = bpfx_validate(x, n, &v);
	if (r == 0 && r2 != 0 && r2 != BPFX_E_GROUP) {
		fprintf(stderr, "valid under all groups but %d under rfc\n", r2);
		abort();
	}
	uint32_t flags = size % 8; /* vary the listing style with the input */
	roundtrip(x, n, BPFX_DIALECT_LLVM, flags, r == 0);
	roundtrip(x, n, BPFX_DIALECT_CONFORMANCE, flags ^ BPFX_DISASM_LABELS, r == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / sizeof(struct bpfx_insn);
	if (n == 0)
		return 0;
	struct bpfx_insn *x = malloc(n * sizeof(*x));
	if (!x)
		return 0;
	memcpy(x, data, n * sizeof(*x));
	one(x, n, size);
	repair(x, n);
	one(x, n, size);
	free(x);
	return 0;
}
