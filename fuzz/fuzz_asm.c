/* SPDX-License-Identifier: MIT */
/*
 * fuzz_asm.c - the assembler on arbitrary text. The first byte picks the
 * dialect (auto, LLVM, conformance); the rest is the source. Whenever the
 * text assembles, its disassembly (both dialects)
 * must assemble back to the very same bytes: abort otherwise.
 * (The listing flags vary with the input size.)
 */
#include <bpfx/asm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void roundtrip(const struct bpfx_insn *x, size_t n, enum bpfx_dialect dia, uint32_t flags)
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
	if (bpfx_asm(text, strlen(text), &a, &y, &m, &e) != 0 || m != n || (n && memcmp(x, y, n * sizeof(*x)))) {
		fprintf(stderr, "round trip (dialect %d, flags %u) changed the program (%d:%d %s):\n%s\n", dia, flags,
			e.line, e.col, e.msg, text);
		abort();
	}
	bpfx_free(text);
	bpfx_free(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct bpfx_asm_opts o = {.sz = sizeof(o), .dialect = (enum bpfx_dialect)(data[0] % 3)};
	struct bpfx_asm_error e;
	struct bpfx_insn *x = NULL;
	size_t n = 0;
	int r = bpfx_asm((const char *)data + 1, size - 1, &o, &x, &n, &e);
	if (r == 0) {
		uint32_t flags = (uint32_t)size % 8; /* vary the listing style with the input */
		roundtrip(x, n, BPFX_DIALECT_LLVM, flags);
		roundtrip(x, n, BPFX_DIALECT_CONFORMANCE, flags ^ 7u);
	} else if (r != BPFX_E_ASM || e.line < 1 || e.col < 1 || !e.msg[0]) {
		fprintf(stderr, "bpfx_asm failed without a proper error: %d %d:%d '%s'\n", r, e.line, e.col, e.msg);
		abort();
	}
	bpfx_free(x);
	return 0;
}
