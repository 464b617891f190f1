/* SPDX-License-Identifier: MIT */
/*
 * test_asm.c - assembler and disassembler: every opcode-table row round
 * trips through text in both dialects, random bytecode round trips through
 * bpfx_disasm, and every error path reports the right line, column and text.
 */
#include <bpfx/asm.h>
#include <stdlib.h>

#include "check.h"
#include "isa/isa_internal.h"

static const int32_t imm_vals[] = {0, 1, -1, 0x7fffffff, INT32_MIN, 0x1234, -8, 0x10000};
static const int16_t off_vals[] = {0, -1, 1, 32767, -32768, -8, 0x100, 7};
static const uint64_t imm64_vals[] = {0, 1, UINT64_MAX, 0x8000000000000000ull, 0x1122334455667788ull,
				      0xffffffffull, 0x100000000ull, 0x7fffffffffffffffull};

/* Fills a slot (two for lddw) of row d with variant v of its fields. */
static int make_insn(const struct bpfx_op_desc *d, int v, struct bpfx_insn x[2])
{
	memset(x, 0, 2 * sizeof(*x));
	x[0].code = d->code;
	if (d->dst == BPFX_USE_SEL)
		x[0].dst = (uint8_t)d->selv;
	else if (d->dst != BPFX_USE_ZERO)
		x[0].dst = (uint8_t)((v * 3 + 1) % 11);
	if (d->src == BPFX_USE_SEL)
		x[0].src = (uint8_t)d->selv;
	else if (d->src != BPFX_USE_ZERO)
		x[0].src = (uint8_t)((v * 7 + 2) % 11);
	if (d->off == BPFX_USE_SEL)
		x[0].off = (int16_t)d->selv;
	else if (d->off != BPFX_USE_ZERO)
		x[0].off = off_vals[v % 8];
	if (d->imm == BPFX_USE_SEL)
		x[0].imm = d->selv;
	else if (d->imm == BPFX_USE_ASCAST)
		x[0].imm = v & 1 ? 1 : (v & 2 ? 0x10000 : 0x12345678);
	else if (d->imm != BPFX_USE_ZERO)
		x[0].imm = imm_vals[v % 8];
	if (d->fmt == BPFX_FMT_LDDW) {
		if (d->selv == BPFX_LDDW_IMM64) {
			x[0].imm = (int32_t)(uint32_t)imm64_vals[v % 8];
			x[1].imm = (int32_t)(uint32_t)(imm64_vals[v % 8] >> 32);
		} else if (d->selv == BPFX_LDDW_MAP_VALUE_FD || d->selv == BPFX_LDDW_MAP_VALUE_IDX) {
			x[1].imm = imm_vals[(v + 3) % 8];
		}
		return 2;
	}
	return 1;
}

static int assemble(const char *text, enum bpfx_dialect dia, struct bpfx_insn **out, size_t *n,
		    struct bpfx_asm_error *e)
{
	struct bpfx_asm_opts o = {.sz = sizeof(o), .dialect = dia};
	return bpfx_asm(text, strlen(text), &o, out, n, e);
}

static int rows_ok, rows_bad;

static void roundtrip_rows(enum bpfx_dialect dia)
{
	char buf[256];
	struct bpfx_disasm_opts dopts = {.sz = sizeof(dopts), .dialect = dia};
	for (int op = 0; op < BPFX_OP__COUNT; op++) {
		const struct bpfx_op_desc *d = &bpfx_op_table[op];
		for (int v = 0; v < 11; v++) { /* 11: every register in dst and in src */
			struct bpfx_insn x[2], *y = NULL;
			size_t n = 0;
			struct bpfx_asm_error e;
			int slots = make_insn(d, v, x);
			int r = bpfx_disasm_insn(x, 2, &dopts, buf, sizeof(buf));
			bool ok = r == slots && bpfx_op_decode(x) == (enum bpfx_op)op;
			/* forced dialect and auto-detection must both read it back */
			for (int pass = 0; ok && pass < 2; pass++) {
				ok = assemble(buf, pass ? BPFX_DIALECT_AUTO : dia, &y, &n, &e) == 0 && n == (size_t)slots &&
				     !memcmp(x, y, (size_t)slots * sizeof(*x));
				if (!ok)
					fprintf(stderr, "  %s v%d (%s): '%s' -> %s (%d:%d %s)\n", d->id, v,
						pass ? "auto" : "forced", buf, n ? "different bytes" : "error", e.line, e.col,
						e.msg);
				bpfx_free(y);
				y = NULL;
			}
			if (ok)
				rows_ok++;
			else
				rows_bad++;
			CHECK(ok);
		}
	}
}

/* Random slots, biased toward real opcodes with odd fields: the disassembly
 * of the whole program (with every flag combination) must assemble back to
 * the same bytes, whatever the bytes are. */
static void roundtrip_random(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int programs_ok = 0;
	for (int p = 0, np = (int)check_scale(400); p < np; p++) {
		struct bpfx_insn prog[64];
		size_t count = 1 + p % 64;
		for (size_t i = 0; i < count; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			uint64_t r = seed >> 8;
			memcpy(&prog[i], &r, sizeof(r));
			uint32_t pick = (uint32_t)(seed >> 56);
			if (pick < 200) /* a real opcode, fields mostly sane */
				prog[i].code = bpfx_op_table[pick % BPFX_OP__COUNT].code;
			if (pick < 150) {
				prog[i].dst %= 11;
				prog[i].src = pick & 1 ? prog[i].src % 11 : (pick >> 1) % 7;
				prog[i].off = (int16_t)(prog[i].off % 8);
				if (pick & 2)
					prog[i].imm = pick & 4 ? prog[i].imm % 64 : (int32_t)(0x100 * (pick & 3));
			}
		}
		for (int fl = 0; fl < 8; fl++)
			for (int dia = BPFX_DIALECT_LLVM; dia <= BPFX_DIALECT_CONFORMANCE; dia++) {
				struct bpfx_disasm_opts o = {.sz = sizeof(o), .dialect = dia, .flags = (uint32_t)fl};
				char *text = NULL;
				struct bpfx_insn *y = NULL;
				size_t n = 0;
				struct bpfx_asm_error e;
				int r = bpfx_disasm(prog, count, &o, &text);
				CHECK(r == 0);
				if (r)
					continue;
				r = assemble(text, dia, &y, &n, &e);
				bool ok = r == 0 && n == count && !memcmp(prog, y, count * sizeof(*y));
				if (!ok)
					fprintf(stderr, "random program %d flags %d dialect %d: %s (%d:%d %s)\n%s", p, fl, dia,
						r ? "assembly failed" : "different bytes", e.line, e.col, e.msg, text);
				CHECK(ok);
				programs_ok += ok;
				bpfx_free(text);
				bpfx_free(y);
			}
	}
	printf("random programs round-tripped: %d\n", programs_ok);
}

/* Assembles text that must fail; checks line, column and message. */
static void expect_error(enum bpfx_dialect dia, const char *text, int line, int col, const char *msg)
{
	struct bpfx_insn *y = (struct bpfx_insn *)1;
	size_t n = 99;
	struct bpfx_asm_error e;
	int r = assemble(text, dia, &y, &n, &e);
	CHECK(r == BPFX_E_ASM);
	CHECK(y == NULL && n == 0);
	CHECK(e.line == line && e.col == col);
	CHECK_STR_CONTAINS(e.msg, msg);
	if (e.line != line || e.col != col)
		fprintf(stderr, "  for %s: got %d:%d '%s', want %d:%d '%s'\n", text, e.line, e.col, e.msg, line, col, msg);
	if (!r)
		bpfx_free(y);
}

static char logged[512];
static int log_calls;
static void capture(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	CHECK(lvl == BPFX_LOG_ERROR);
	snprintf(logged, sizeof(logged), "%s", msg);
	log_calls++;
}

static void errors(void)
{
	const enum bpfx_dialect A = BPFX_DIALECT_AUTO, C = BPFX_DIALECT_CONFORMANCE, L = BPFX_DIALECT_LLVM;
	/* unknown mnemonic, with a suggestion */
	expect_error(A, "mov %r1, 1\nmvo %r1, 2\nexit\n", 2, 1, "unknown mnemonic 'mvo' (did you mean 'mov'?)");
	expect_error(C, "  ldxdx %r0, [%r1]\n", 1, 3, "unknown mnemonic 'ldxdx' (did you mean 'ldxdw'?)");
	expect_error(L, "gotoo +1\n", 1, 1, "unknown mnemonic 'gotoo' (did you mean 'goto'?)");
	expect_error(A, "frobnicate\n", 1, 1, "unknown mnemonic 'frobnicate'");
	/* registers that do not exist */
	expect_error(A, "mov %r11, 1\n", 1, 5, "register '%r11' does not exist");
	expect_error(A, "r12 = 1\n", 1, 1, "register 'r12' does not exist");
	expect_error(A, "w1 += w15\n", 1, 7, "register 'w15' does not exist");
	expect_error(A, "ldxw %r0, [%r99+4]\n", 1, 12, "register '%r99' does not exist");
	/* missing operands */
	expect_error(A, "mov %r1\n", 1, 8, "missing operand");
	expect_error(A, "mov %r1,\n", 1, 9, "missing operand");
	expect_error(A, "r1 +=\n", 1, 6, "missing operand");
	expect_error(A, "jeq %r1, 1\n", 1, 11, "missing operand");
	/* trailing garbage */
	expect_error(A, "exit now\n", 1, 6, "unexpected 'now' after the instruction");
	expect_error(A, "r1 += 1 2\n", 1, 9, "unexpected '2'");
	expect_error(A, "mov %r1, %r2, %r3\n", 1, 13, "unexpected ','");
	/* immediates beyond 32 bits, offsets beyond 16 bits */
	expect_error(A, "mov %r1, 0x100000000\n", 1, 10, "immediate '0x100000000' does not fit in 32 bits");
	expect_error(A, "r1 = -2147483649\n", 1, 6, "does not fit in 32 bits");
	expect_error(A, "lddw %r1, 0x10000000000000000\n", 1, 11, "does not fit in 64 bits");
	expect_error(A, "ldxw %r0, [%r1+40000]\n", 1, 15, "offset '+40000' does not fit in 16 bits");
	expect_error(A, "r0 = *(u32 *)(r1 - 0x8001)\n", 1, 18, "does not fit in 16 bits");
	expect_error(A, "goto +0x8000\n", 1, 6, "jump offset '+0x8000' does not fit in 16 bits");
	expect_error(A, "mov %r1, 12abc\n", 1, 10, "malformed number");
	/* labels */
	expect_error(A, "ja nowhere\nexit\n", 1, 4, "undefined label 'nowhere'");
	expect_error(A, "if r1 == 0x1 goto LBB0_9\nexit\n", 1, 19, "undefined label 'LBB0_9'");
	expect_error(A, "a:\nexit\n  a: exit\n", 3, 3, "duplicate label 'a' (first defined at line 1)");
	expect_error(A, "ja end\nexit\nend:\n", 1, 4, "after the last instruction");
	{
		size_t n = 40000;
		char *big = malloc(n * 5 + 64);
		strcpy(big, "mov %r0, 0\njne %r0, 1, far\n");
		char *p = big + strlen(big);
		for (size_t i = 0; i < n; i++, p += 5)
			memcpy(p, "exit\n", 5);
		strcpy(p, "far: exit\n");
		expect_error(A, big, 2, 13, "jump to 'far' is too far: offset 40000 does not fit in 16 bits");
		free(big);
	}
	/* .insn and directives */
	expect_error(A, ".insn 0x100, 0, 0, 0, 0\n", 1, 7, "code '0x100' is out of range");
	expect_error(A, ".insn 1, 2, 3\n", 1, 14, "five fields");
	expect_error(A, ".insn\n", 1, 6, "missing operand");
	expect_error(A, ".text\n", 1, 1, "unknown directive '.text'");
	/* dialect forcing */
	expect_error(C, "r0 = 1\n", 1, 1, "unknown mnemonic 'r0'");
	expect_error(L, "mov %r0, 1\n", 1, 1, "unknown mnemonic 'mov'");
	/* a NUL byte inside the text */
	{
		struct bpfx_insn *y;
		size_t n;
		struct bpfx_asm_error e;
		struct bpfx_asm_opts o = {.sz = sizeof(o)};
		CHECK(bpfx_asm("exit\nex\0it\n", 11, &o, &y, &n, &e) == BPFX_E_ASM);
		CHECK(e.line == 2 && e.col == 3);
		CHECK_STR_CONTAINS(e.msg, "NUL");
	}
	/* the log callback gets file:line:col: message */
	{
		struct bpfx_insn *y;
		size_t n;
		struct bpfx_asm_opts o = {.sz = sizeof(o), .filename = "prog.s", .log = capture};
		const char *t = "exit\n\n   bogus %r1\n";
		CHECK(bpfx_asm(t, strlen(t), &o, &y, &n, NULL) == BPFX_E_ASM);
		CHECK(log_calls == 1);
		CHECK_STR_CONTAINS(logged, "prog.s:3:4: unknown mnemonic 'bogus'");
	}
	/* bad options */
	{
		struct bpfx_insn *y;
		size_t n;
		struct bpfx_asm_opts o = {.sz = sizeof(o), .dialect = (enum bpfx_dialect)7};
		CHECK(bpfx_asm("exit", 4, &o, &y, &n, NULL) == BPFX_E_INVAL);
		CHECK(bpfx_asm("exit", 4, NULL, NULL, &n, NULL) == BPFX_E_INVAL);
	}
}

/* Spellings the assembler must read as given, with the exact bytes. */
static void spellings(void)
{
	static const struct {
		const char *text;
		uint64_t w[2];
	} cases[] = {
		{"mov %r1, 67", {0x00000043000001b7ull}},
		{"mov32 %r1, 0x87654321", {0x87654321000001b4ull}},
		{"ldxw %r0, [%r1+4]", {0x0000000000041061ull}},
		{"stxdw [%r10-8], %r0", {0x00000000fff80a7bull}},
		{"sth [%r0], 0x1234", {0x000012340000006aull}},
		{"lock fetch add32 [%r10-8], %r1", {0x00000001fff81ac3ull}},
		{"lock xchg [%r10-8], %r1", {0x000000e1fff81adbull}},
		{"lock cmpxchg32 [%r10-8], %r1", {0x000000f1fff81ac3ull}},
		{"be16 %r0", {0x00000010000000dcull}},
		{"swap32 %r0", {0x00000020000000d7ull}},
		{"movsx832 %r0, %r1", {0x00000000000810bcull}},
		{"sdiv %r1, 3", {0x0000000300010137ull}},
		{"call 5", {0x0000000500000085ull}},
		{"call %r2", {0x000000000000028dull}},
		{"call runtime 0x123", {0x0000012300002085ull}},
		{"call kfunc 0x123", {0x0000012300002085ull}},
		{"r0 = *(u32 *)(r1 + 0x4)", {0x0000000000041061ull}},
		{"w0 = *(u32 *)(r1 + 0x4)", {0x0000000000041061ull}},
		{"w0 += w1", {0x000000000000100cull}},
		{"r1 = 0x1122334455667788 ll", {0x5566778800000118ull, 0x1122334400000000ull}},
		{"r1 = -0x1 ll", {0xffffffff00000118ull, 0xffffffff00000000ull}},
		{"lock *(u64 *)(r10 - 0x8) += r1", {0x00000000fff81adbull}},
		{"r0 = atomic_fetch_add((u64 *)(r1 + 0x0), r0)", {0x00000001000001dbull}},
		{"w0 = cmpxchg32_32(r1 + 0x0, w0, w2)", {0x000000f1000021c3ull}},
		{"r1 = bswap16 r1", {0x00000010000001d7ull}},
		{"r0 = (s8)r1", {0x00000000000810bfull}},
		{"r0 = load_acquire((u64 *)(r1 + 0x0))", {0x00000100000010dbull}},
		{"store_release((u8 *)(r1 - 0x2), w3)", {0x00000110fffe31d3ull}},
		{"call 0x5", {0x0000000500000085ull}},
		{"goto +0x2", {0x0000000000020005ull}},
		{"gotol -0x2", {0xfffffffe00000006ull}},
		{"may_goto +0x1", {0x00000000000100e5ull}},
		{"callx r2", {0x000000000000028dull}},
		{"gotox r3", {0x000000000000030dull}},
		{"r0 = be16 r0", {0x00000010000000dcull}},
		{"w1 = -w1", {0x0000000000000184ull}},
		{"r1 = addr_space_cast(r2, 0x1, 0x0)", {0x00010000000121bfull}},
		{"addr_space_cast %r1, %r2, 0x0, 0x1", {0x00000001000121bfull}},
		{"r1 = map_fd[3] ll", {0x0000000300001118ull, 0}},
		{"r1 = map_value_fd[0x3]+0x8 ll", {0x0000000300002118ull, 0x0000000800000000ull}},
		{"lddw %r1, map_value_idx[0] + 16", {0x0000000000006118ull, 0x0000001000000000ull}},
		{"ld_pseudo r1, 0x5, 0x2", {0x0000000200005118ull, 0}},
		{"r0 = *(u16 *)skb[r2 + 0x4]", {0x0000000400002048ull}},
		{"ldindh %r2, 4", {0x0000000400002048ull}},
		{".insn 0xff, 1, 2, -3, 0x4", {0x00000004fffd21ffull}},
		{".insn 0x0000000400000018", {0x0000000400000018ull}},
		/* llvm-objdump lines as printed, index and bytes included */
		{"      12:\t07 01 00 00 05 00 00 00\tr1 += 0x5", {0x0000000500000107ull}},
		{"       3:\t65 01 03 00 05 00 00 00\tif r1 s> 0x5 goto +0x3 <LBB0_2>", {0x0000000500030165ull}},
		{"       4:\tff ff ff ff ff ff ff ff\t<unknown>", {0xffffffffffffffffull}},
		{"  r1 += 5   # comment", {0x0000000500000107ull}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bpfx_insn *y = NULL;
		size_t n = 0;
		struct bpfx_asm_error e = {0};
		int r = assemble(cases[i].text, BPFX_DIALECT_AUTO, &y, &n, &e);
		size_t want = cases[i].w[1] || strstr(cases[i].text, " ll") || strstr(cases[i].text, "lddw") ||
				      strstr(cases[i].text, "ld_pseudo")
				      ? 2
				      : 1;
		bool ok = r == 0 && n == want;
		for (size_t k = 0; ok && k < n; k++) {
			uint64_t got;
			memcpy(&got, &y[k], 8);
			ok = got == cases[i].w[k];
			if (!ok)
				fprintf(stderr, "  '%s' slot %zu: 0x%016" PRIx64 " want 0x%016" PRIx64 "\n", cases[i].text, k,
					got, cases[i].w[k]);
		}
		if (r)
			fprintf(stderr, "  '%s': %d:%d %s\n", cases[i].text, e.line, e.col, e.msg);
		CHECK(ok);
		bpfx_free(y);
	}

	/* labels, the implicit "exit" label, and both dialects in one file */
	const char *prog = "mov %r0, 1\n"
			   "jne %r0, 1, exit\n"
			   "L1: if r0 == 0x2 goto done\n"
			   "ja32 L1\n"
			   "call local func\n"
			   "exit\n"
			   "func:\n"
			   "done: r0 = 0x1 ll\n"
			   "exit\n";
	struct bpfx_insn *y;
	size_t n;
	struct bpfx_asm_error e;
	CHECK(assemble(prog, BPFX_DIALECT_AUTO, &y, &n, &e) == 0);
	CHECK(n == 9);
	if (n == 9) {
		CHECK(y[1].off == 3);  /* to the first exit, slot 5 */
		CHECK(y[2].off == 3);  /* to done, slot 6 */
		CHECK(y[3].imm == -2); /* back to L1 */
		CHECK(y[4].imm == 1 && y[4].src == 1);
	}
	/* ... and the label form of the disassembly reads back */
	struct bpfx_disasm_opts lo = {.sz = sizeof(lo), .flags = BPFX_DISASM_LABELS};
	char *text;
	CHECK(bpfx_disasm(y, n, &lo, &text) == 0);
	CHECK_STR_CONTAINS(text, "if r0 == 0x2 goto L6\n");
	CHECK_STR_CONTAINS(text, "L2:\nif r0");
	CHECK_STR_CONTAINS(text, "call local L6\n");
	struct bpfx_insn *z;
	size_t m;
	CHECK(assemble(text, BPFX_DIALECT_LLVM, &z, &m, &e) == 0);
	CHECK(m == n && !memcmp(y, z, n * sizeof(*z)));
	bpfx_free(z);
	bpfx_free(text);

	/* objdump-style index and bytes */
	struct bpfx_disasm_opts ib = {.sz = sizeof(ib), .flags = BPFX_DISASM_INDEX | BPFX_DISASM_BYTES};
	CHECK(bpfx_disasm(y, n, &ib, &text) == 0);
	CHECK_STR_CONTAINS(text, "       0:\tb7 00 00 00 01 00 00 00\tr0 = 0x1\n");
	CHECK_STR_CONTAINS(text, "       6:\t18 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00\tr0 = 0x1 ll\n");
	bpfx_free(text);

	/* conformance output */
	struct bpfx_disasm_opts co = {.sz = sizeof(co), .dialect = BPFX_DIALECT_CONFORMANCE};
	CHECK(bpfx_disasm(y, n, &co, &text) == 0);
	CHECK_STR_CONTAINS(text, "mov %r0, 0x1\njne %r0, 0x1, +3\njeq %r0, 0x2, +3\nja32 -2\ncall local +1\nexit\n");
	CHECK_STR_CONTAINS(text, "lddw %r0, 0x1\n");
	bpfx_free(text);
	bpfx_free(y);

	/* single-instruction API: unknown slots, small buffers */
	struct bpfx_insn bad = {.code = 0xff};
	char buf[128];
	CHECK(bpfx_disasm_insn(&bad, 1, NULL, buf, sizeof(buf)) == BPFX_E_BAD_INSN);
	CHECK(!strcmp(buf, ".insn 0xff, 0, 0, 0, 0x0"));
	struct bpfx_insn ld[2] = {{.code = 0x18, .imm = 1}, {.imm = 2}};
	CHECK(bpfx_disasm_insn(ld, 1, NULL, buf, sizeof(buf)) == BPFX_E_BAD_INSN); /* lddw cut short */
	CHECK(bpfx_disasm_insn(ld, 2, NULL, buf, sizeof(buf)) == 2);
	CHECK(!strcmp(buf, "r0 = 0x200000001 ll"));
	CHECK(bpfx_disasm_insn(ld, 2, NULL, buf, 8) == BPFX_E_RANGE);
	struct bpfx_disasm_opts bo = {.sz = sizeof(bo), .flags = BPFX_DISASM_BYTES};
	CHECK(bpfx_disasm_insn(ld, 2, &bo, buf, sizeof(buf)) == 2);
	CHECK(!strcmp(buf, "18 00 00 00 01 00 00 00 00 00 00 00 02 00 00 00\tr0 = 0x200000001 ll"));
	struct bpfx_insn unused = {.code = 0x07, .src = 3, .imm = 1}; /* add with a stray src */
	CHECK(bpfx_disasm_insn(&unused, 1, NULL, buf, sizeof(buf)) == BPFX_E_BAD_INSN);
	struct bpfx_disasm_opts badf = {.sz = sizeof(badf), .flags = 0x80};
	CHECK(bpfx_disasm_insn(&unused, 1, &badf, buf, sizeof(buf)) == BPFX_E_INVAL);
}

int main(void)
{
	roundtrip_rows(BPFX_DIALECT_LLVM);
	roundtrip_rows(BPFX_DIALECT_CONFORMANCE);
	printf("row variants round-tripped: %d ok, %d bad (%d rows x 11 variants x 2 dialects)\n", rows_ok, rows_bad,
	       BPFX_OP__COUNT);
	roundtrip_random();
	errors();
	spellings();
	return check_summary("test_asm");
}
