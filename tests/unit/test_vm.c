/* SPDX-License-Identifier: MIT */
/* test_vm.c - the VM API and run-time behaviour of both interpreter engines. */
#include <bpfx/vm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vm/vm_internal.h"

/* ---- instruction builders ---- */
#define INSN(c, d, s, o, i) {.code = (c), .dst = (d), .src = (s), .off = (o), .imm = (i)}
#define MOV64K(d, i) INSN(0xb7, d, 0, 0, i)
#define MOV64X(d, s) INSN(0xbf, d, s, 0, 0)
#define MOV32K(d, i) INSN(0xb4, d, 0, 0, i)
#define MOV32X(d, s) INSN(0xbc, d, s, 0, 0)
#define ALU64K(op, d, i) INSN(0x07 | (op), d, 0, 0, i)
#define ALU64X(op, d, s) INSN(0x0f | (op), d, s, 0, 0)
#define ALU32K(op, d, i) INSN(0x04 | (op), d, 0, 0, i)
#define ALU32X(op, d, s) INSN(0x0c | (op), d, s, 0, 0)
#define SALU64X(op, d, s) INSN(0x0f | (op), d, s, 1, 0)
#define SALU32X(op, d, s) INSN(0x0c | (op), d, s, 1, 0)
#define EXIT INSN(0x95, 0, 0, 0, 0)
#define JA(o) INSN(0x05, 0, 0, o, 0)
#define JK(op, d, i, o) INSN(0x05 | (op), d, 0, o, i)
#define JX(op, d, s, o) INSN(0x0d | (op), d, s, o, 0)
#define J32K(op, d, i, o) INSN(0x06 | (op), d, 0, o, i)
#define LDX(sz, d, s, o) INSN(0x61 | (sz), d, s, o, 0)
#define LDXS(sz, d, s, o) INSN(0x81 | (sz), d, s, o, 0)
#define STX(sz, d, s, o) INSN(0x63 | (sz), d, s, o, 0)
#define ST(sz, d, o, i) INSN(0x62 | (sz), d, 0, o, i)
#define ATOM(sz, d, s, o, op) INSN(0xc3 | (sz), d, s, o, op)
#define CALL(id) INSN(0x85, 0, 0, 0, id)
#define CALLK(id) INSN(0x85, 0, 2, 0, id)
#define CALLX(d) INSN(0x8d, d, 0, 0, 0)
#define CALL_LOCAL(rel) INSN(0x85, 0, 1, 0, rel)
#define LDDW(d, src, lo, hi) INSN(0x18, d, src, 0, lo), INSN(0, 0, 0, 0, hi)
#define MAY_GOTO(o) INSN(0xe5, 0, 0, o, 0)
#define GOTOX(d) INSN(0x0d, d, 0, 0, 0)
enum { ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70,
       NEG = 0x80, MOD = 0x90, XOR = 0xa0, ARSH = 0xc0 };
enum { JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40, JNE = 0x50, JSGT = 0x60, JSGE = 0x70,
       JLT = 0xa0, JLE = 0xb0, JSLT = 0xc0, JSLE = 0xd0 };
enum { W = 0x00, H = 0x08, B = 0x10, DW = 0x18 };
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- log capture ---- */
static char logbuf[8192];
static void logcb(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	(void)lvl;
	size_t n = strlen(logbuf);
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}
static void log_clear(void)
{
	logbuf[0] = 0;
}

static bpfx_vm *new_vm(uint32_t groups, uint32_t depth)
{
	struct bpfx_vm_opts o = {.sz = sizeof(o), .groups = groups, .log = logcb, .max_call_depth = depth};
	bpfx_vm *vm = NULL;
	CHECK(bpfx_vm_create(&o, &vm) == 0);
	return vm;
}

static bpfx_prog *load(bpfx_vm *vm, const struct bpfx_insn *insns, size_t n, uint32_t flags)
{
	struct bpfx_load_opts lo = {.sz = sizeof(lo), .name = "t", .flags = flags};
	bpfx_prog *p = NULL;
	int err = bpfx_prog_load(vm, insns, n, &lo, &p);
	if (err)
		fprintf(stderr, "load failed: %s\n%s", bpfx_status_name(err), logbuf);
	CHECK(err == 0);
	return p;
}

static int run(const bpfx_prog *p, enum bpfx_engine eng, void *ctx, size_t len, struct bpfx_run_result *res)
{
	struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = eng, .ctx = ctx, .ctx_len = len};
	return bpfx_prog_run(p, &ro, res);
}

/* Runs trusted code on both engines; checks status 0 and r0. */
static int expect_line;
#define EXPECT(insns, ctx, len, r0) (expect_line = __LINE__, expect_both(insns, N(insns), ctx, len, r0))
static void expect_both(const struct bpfx_insn *insns, size_t n, void *ctx, size_t len, uint64_t r0)
{
	bpfx_vm *vm = new_vm(0, 0);
	bpfx_prog *p = load(vm, insns, n, BPFX_LOAD_TRUSTED);
	for (int e = BPFX_ENGINE_INTERP; p && e <= BPFX_ENGINE_CHECKED; e++) {
		struct bpfx_run_result res;
		int err = run(p, (enum bpfx_engine)e, ctx, len, &res);
		if (err || res.r0 != r0)
			fprintf(stderr, "line %d, engine %s: status %s r0 0x%llx, want 0x%llx\n%s", expect_line,
				bpfx_engine_name((enum bpfx_engine)e), bpfx_status_name(err),
				(unsigned long long)res.r0, (unsigned long long)r0, logbuf);
		CHECK(err == 0);
		CHECK_EQ_U64(res.r0, r0);
	}
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
}

/* ---- instruction family sanity checks ---- */
static void test_alu(void)
{
	struct bpfx_insn zext[] = {MOV64K(0, -1), ALU32K(ADD, 0, 1), EXIT};
	EXPECT(zext, NULL, 0, 0);
	struct bpfx_insn movk[] = {MOV64K(0, -2), EXIT};
	EXPECT(movk, NULL, 0, (uint64_t)-2);
	struct bpfx_insn mov32[] = {MOV32K(0, -2), EXIT};
	EXPECT(mov32, NULL, 0, 0xfffffffeu);
	struct bpfx_insn k64[] = {MOV64K(0, 0), ALU64K(OR, 0, -16), EXIT}; /* imm sign-extends */
	EXPECT(k64, NULL, 0, (uint64_t)-16);
	struct bpfx_insn mul[] = {MOV64K(0, 0x10000), ALU32K(MUL, 0, 0x10000), EXIT};
	EXPECT(mul, NULL, 0, 0);
	struct bpfx_insn sh[] = {MOV64K(0, 1), MOV64K(1, 65), ALU64X(LSH, 0, 1), EXIT};
	EXPECT(sh, NULL, 0, 2);
	struct bpfx_insn sh32[] = {MOV64K(0, 1), MOV64K(1, 33), ALU32X(LSH, 0, 1), EXIT};
	EXPECT(sh32, NULL, 0, 2);
	struct bpfx_insn arsh[] = {MOV64K(0, -8), ALU64K(ARSH, 0, 1), EXIT};
	EXPECT(arsh, NULL, 0, (uint64_t)-4);
	struct bpfx_insn arsh32[] = {MOV32K(0, -8), ALU32K(ARSH, 0, 1), EXIT};
	EXPECT(arsh32, NULL, 0, 0xfffffffcu);
	struct bpfx_insn rsh32[] = {MOV64K(0, -1), ALU32K(RSH, 0, 4), EXIT};
	EXPECT(rsh32, NULL, 0, 0x0fffffffu);
	struct bpfx_insn neg[] = {MOV64K(0, 5), ALU32K(NEG, 0, 0), EXIT};
	EXPECT(neg, NULL, 0, 0xfffffffbu);
	struct bpfx_insn div0[] = {MOV64K(0, 7), MOV64K(1, 0), ALU64X(DIV, 0, 1), EXIT};
	EXPECT(div0, NULL, 0, 0);
	struct bpfx_insn mod0[] = {MOV64K(0, -7), MOV64K(1, 0), ALU64X(MOD, 0, 1), EXIT};
	EXPECT(mod0, NULL, 0, (uint64_t)-7);
	struct bpfx_insn mod032[] = {MOV64K(0, -7), MOV64K(1, 0), ALU32X(MOD, 0, 1), EXIT};
	EXPECT(mod032, NULL, 0, 0xfffffff9u);
	struct bpfx_insn sdivmin[] = {LDDW(0, 0, 0, (int32_t)0x80000000), MOV64K(1, -1), SALU64X(DIV, 0, 1), EXIT};
	EXPECT(sdivmin, NULL, 0, 0x8000000000000000ull);
	struct bpfx_insn smodmin[] = {LDDW(0, 0, 0, (int32_t)0x80000000), MOV64K(1, -1), SALU64X(MOD, 0, 1), EXIT};
	EXPECT(smodmin, NULL, 0, 0);
	struct bpfx_insn sdiv32min[] = {MOV32K(0, INT32_MIN), MOV64K(1, -1), SALU32X(DIV, 0, 1), EXIT};
	EXPECT(sdiv32min, NULL, 0, 0x80000000u);
	struct bpfx_insn sdiv[] = {MOV64K(0, -7), MOV64K(1, 2), SALU64X(DIV, 0, 1), EXIT};
	EXPECT(sdiv, NULL, 0, (uint64_t)-3);
	struct bpfx_insn smod[] = {MOV64K(0, -7), MOV64K(1, 2), SALU64X(MOD, 0, 1), EXIT};
	EXPECT(smod, NULL, 0, (uint64_t)-1);
	struct bpfx_insn udiv64k[] = {MOV64K(0, -1), ALU64K(DIV, 0, -1), EXIT}; /* imm sign-extended */
	EXPECT(udiv64k, NULL, 0, 1);
	struct bpfx_insn movsx[] = {MOV64K(1, 0x80), INSN(0xbf, 0, 1, 8, 0), EXIT};
	EXPECT(movsx, NULL, 0, (uint64_t)-128);
	struct bpfx_insn movsx32[] = {MOV64K(1, 0x8000), INSN(0xbc, 0, 1, 16, 0), EXIT};
	EXPECT(movsx32, NULL, 0, 0xffff8000u);
	struct bpfx_insn movsx64_32[] = {MOV32K(1, -1), INSN(0xbf, 0, 1, 32, 0), EXIT};
	EXPECT(movsx64_32, NULL, 0, (uint64_t)-1);
	struct bpfx_insn be16[] = {LDDW(0, 0, 0x11223344, 0x55667788), INSN(0xdc, 0, 0, 0, 16), EXIT};
	EXPECT(be16, NULL, 0, 0x4433);
	struct bpfx_insn le32[] = {LDDW(0, 0, 0x11223344, 0x55667788), INSN(0xd4, 0, 0, 0, 32), EXIT};
	EXPECT(le32, NULL, 0, 0x11223344);
	struct bpfx_insn bswap64[] = {LDDW(0, 0, 0x11223344, 0x55667788), INSN(0xd7, 0, 0, 0, 64), EXIT};
	EXPECT(bswap64, NULL, 0, 0x4433221188776655ull);
	struct bpfx_insn ascast[] = {MOV64K(1, 77), INSN(0xbf, 0, 1, 1, 1), EXIT};
	EXPECT(ascast, NULL, 0, 77);
}

static void test_jumps_mem(void)
{
	/* JMP32 compares only the low 32 bits. */
	struct bpfx_insn j32[] = {LDDW(1, 0, 5, 1), MOV64K(0, 1), J32K(JEQ, 1, 5, 1), MOV64K(0, 2), EXIT};
	EXPECT(j32, NULL, 0, 1);
	struct bpfx_insn j64[] = {LDDW(1, 0, 5, 1), MOV64K(0, 1), JK(JEQ, 1, 5, 1), MOV64K(0, 2), EXIT};
	EXPECT(j64, NULL, 0, 2);
	struct bpfx_insn js[] = {MOV64K(1, -1), MOV64K(0, 1), JK(JSLT, 1, 0, 1), MOV64K(0, 2), EXIT};
	EXPECT(js, NULL, 0, 1);
	struct bpfx_insn ju[] = {MOV64K(1, -1), MOV64K(0, 1), JK(JLT, 1, 0, 1), MOV64K(0, 2), EXIT};
	EXPECT(ju, NULL, 0, 2);
	/* gotol (JA32 with imm). */
	struct bpfx_insn gotol[] = {MOV64K(0, 1), INSN(0x06, 0, 0, 0, 1), MOV64K(0, 2), EXIT};
	EXPECT(gotol, NULL, 0, 1);
	/* A counting loop: sum 1..100. */
	struct bpfx_insn loop[] = {MOV64K(0, 0), MOV64K(1, 100), ALU64X(ADD, 0, 1), ALU64K(SUB, 1, 1),
				   JK(JNE, 1, 0, -3), EXIT};
	EXPECT(loop, NULL, 0, 5050);

	/* Memory through ctx and the stack; sign-extending loads. */
	uint8_t ctx[16] = {0x80, 0xff, 0x01, 0x02, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0};
	struct bpfx_insn ldxs[] = {LDXS(H, 0, 1, 0), EXIT};
	EXPECT(ldxs, ctx, sizeof(ctx), (uint64_t)(int64_t)(int16_t)0xff80);
	struct bpfx_insn ldx[] = {LDX(W, 0, 1, 0), EXIT};
	EXPECT(ldx, ctx, sizeof(ctx), 0x0201ff80u);
	struct bpfx_insn unal[] = {LDX(DW, 0, 1, 1), EXIT};
	EXPECT(unal, ctx, sizeof(ctx), 0x09000000000201ffull);
	struct bpfx_insn stack[] = {ST(DW, 10, -8, -3), LDX(W, 0, 10, -4), EXIT};
	EXPECT(stack, NULL, 0, 0xffffffffu);
	/* Atomics on the stack. */
	struct bpfx_insn atom[] = {ST(DW, 10, -8, 10), MOV64K(1, 5), ATOM(DW, 10, 1, -8, 0x01), /* fetch_add */
				   LDX(DW, 0, 10, -8), ALU64X(MUL, 0, 1) /* 15 * 10 */, EXIT};
	EXPECT(atom, NULL, 0, 150);
	struct bpfx_insn cmpx[] = {ST(W, 10, -4, 7), MOV64K(0, 7), MOV64K(1, 9), ATOM(W, 10, 1, -4, 0xf1),
				   LDX(W, 2, 10, -4), ALU64K(LSH, 2, 8), ALU64X(OR, 0, 2), EXIT};
	EXPECT(cmpx, NULL, 0, 0x907);
	struct bpfx_insn cmpx_fail[] = {ST(W, 10, -4, 7), LDDW(0, 0, 8, 1), MOV64K(1, 9),
					ATOM(W, 10, 1, -4, 0xf1), EXIT};
	EXPECT(cmpx_fail, NULL, 0, 7);
	struct bpfx_insn xchg[] = {ST(W, 10, -4, -1), MOV64K(1, 3), ATOM(W, 10, 1, -4, 0xe1), MOV64X(0, 1), EXIT};
	EXPECT(xchg, NULL, 0, 0xffffffffu);
	struct bpfx_insn acq[] = {ST(B, 10, -1, 0xfe), INSN(0xd3, 0, 10, -1, 0x100), EXIT};
	EXPECT(acq, NULL, 0, 0xfe);
	struct bpfx_insn rel[] = {MOV64K(1, -1), INSN(0xcb, 10, 1, -2, 0x110), LDX(H, 0, 10, -2), EXIT};
	EXPECT(rel, NULL, 0, 0xffff);
	/* LD_ABS / LD_IND: big endian from the packet (ctx by default). */
	struct bpfx_insn ldabs[] = {INSN(0x28, 0, 0, 0, 1), EXIT};
	EXPECT(ldabs, ctx, sizeof(ctx), 0xff01);
	struct bpfx_insn ldind[] = {MOV64K(2, 1), INSN(0x40, 0, 2, 0, 1), EXIT};
	EXPECT(ldind, ctx, sizeof(ctx), 0x01020000);
	/* Code addresses and gotox: jump to the lddw's target. */
	struct bpfx_insn gx2[] = {LDDW(1, 4, 5, 0), MOV64K(0, 1), GOTOX(1), MOV64K(0, 3), EXIT, MOV64K(0, 2), EXIT};
	EXPECT(gx2, NULL, 0, 2);
}

/* Fused pairs (computed-goto builds): same results, jumps into the second
 * half, and errors in the second half name it. */
static void test_fused(void)
{
	uint8_t ctx[4] = {1, 2, 3, 4};
	struct bpfx_insn sum[] = {MOV64K(0, 0), MOV64K(2, 0), MOV64X(3, 1), ALU64X(ADD, 3, 2), LDX(B, 4, 3, 0),
				  ALU64X(ADD, 0, 4), ALU64K(ADD, 2, 1), JK(JLT, 2, 4, -6), EXIT};
	EXPECT(sum, ctx, sizeof(ctx), 10);
	struct bpfx_insn sizes[] = {MOV64K(2, 0), MOV64X(3, 1), ALU64X(ADD, 3, 2), LDX(H, 0, 3, 0), ALU64X(ADD, 3, 2),
				    LDX(W, 4, 3, 0), ALU64X(ADD, 0, 4), ST(DW, 10, -8, 0x11), MOV64X(5, 10), MOV64K(6, -8),
				    ALU64X(ADD, 5, 6), LDX(DW, 4, 5, 0), ALU64X(ADD, 0, 4), EXIT};
	EXPECT(sizes, ctx, sizeof(ctx), 0x0201 + 0x04030201 + 0x11);
	struct bpfx_insn into[] = {MOV64K(3, 5), MOV64K(4, 7), JA(1), MOV64X(3, 4), ALU64X(ADD, 3, 4),
				   MOV64X(0, 3), EXIT};
	EXPECT(into, NULL, 0, 12);
	/* every fused compare, K and X, as loop exits and back edges */
	static const uint8_t jops[] = {JNE, JLT, JGT, JEQ};
	for (size_t k = 0; k < sizeof(jops); k++)
		for (int x = 0; x < 2; x++) {
			uint8_t j = jops[k];
			int back = j == JNE || j == JLT; /* loop while true */
			int32_t lim = j == JGT ? 9 : 10;
			struct bpfx_insn prog[] = {
				MOV64K(0, 0), MOV64K(1, 0), MOV64K(2, lim), ALU64K(ADD, 0, 3), ALU64K(ADD, 1, 1),
				x ? (struct bpfx_insn)JX(j, 1, 2, back ? -3 : 1) : (struct bpfx_insn)JK(j, 1, lim, back ? -3 : 1),
				back ? (struct bpfx_insn)EXIT : (struct bpfx_insn)JA(-4), EXIT};
			expect_line = __LINE__;
			expect_both(prog, N(prog), NULL, 0, 30);
		}
	/* the decoder did fuse (in computed-goto builds) */
	bpfx_vm *vm = new_vm(0, 0);
	const void *const *labels = NULL;
	bpfx_interp_fast(NULL, NULL, &labels);
	bpfx_prog *ps = load(vm, sum, N(sum), BPFX_LOAD_TRUSTED);
	if (labels) {
		CHECK(ps->code[2].op == BPFX_XOP_MOV64_X__ADD64_X);
		CHECK(ps->code[3].op == BPFX_XOP_ADD64_X__LDX_b);
		CHECK(ps->code[6].op == BPFX_XOP_ADD64_K__JLT_K);
		CHECK(ps->code[4].op == BPFX_OP_LDX_b);
	}
	bpfx_prog_destroy(ps);
	/* a fault in the second half names the second instruction */
	struct bpfx_insn flt[] = {MOV64K(2, 4), ALU64X(ADD, 1, 2), LDX(B, 0, 1, 0), EXIT};
	bpfx_prog *p = load(vm, flt, N(flt), 0);
	struct bpfx_run_result res;
	CHECK(run(p, BPFX_ENGINE_CHECKED, ctx, sizeof(ctx), &res) == BPFX_E_MEM_FAULT);
	CHECK_EQ_U64(res.insn, 2);
	CHECK_EQ_U64(res.fault_addr, (uintptr_t)ctx + 4);
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
}

/* ---- helpers ---- */
static uint64_t h_add(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfx_run *r)
{
	(void)r;
	return a + b + c + d + e;
}
static uint64_t h_stop(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfx_run *r)
{
	bpfx_run_stop(r, a);
	return 0;
}
static uint64_t h_fail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfx_run *r)
{
	bpfx_run_fail(r, BPFX_E_RANGE);
	return 0;
}
/* bpf_loop-like: calls the callback at r2 r1 times with (i, r3); sums r0. */
static uint64_t h_loop(uint64_t n, uint64_t fn, uint64_t ctx, uint64_t d, uint64_t e, bpfx_run *r)
{
	uint64_t sum = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t r0 = 0;
		int err = bpfx_run_callback(r, fn, i, ctx, 0, 0, 0, &r0);
		if (err || bpfx_run_stopped(r))
			return 0;
		sum += r0;
	}
	return sum;
}

static void test_helpers(void)
{
	bpfx_vm *vm = new_vm(0, 0);
	struct bpfx_func_proto proto = {.ret = BPFX_RET_INTEGER, .args = {BPFX_ARG_ANYTHING}};
	CHECK(bpfx_vm_register_helper(vm, 1, "add", h_add, &proto) == 0);
	CHECK(bpfx_vm_register_helper(vm, 2, "stop", h_stop, NULL) == 0);
	CHECK(bpfx_vm_register_helper(vm, 3, "fail", h_fail, NULL) == 0);
	CHECK(bpfx_vm_register_helper(vm, 181, "loop", h_loop, NULL) == 0);
	CHECK(bpfx_vm_register_helper(vm, 100000, "big", h_add, NULL) == 0);
	CHECK(bpfx_vm_register_kfunc(vm, 777, "kadd", h_add, NULL) == 0);
	struct bpfx_func_info fi;
	CHECK(bpfx_vm_find_func(vm, 0, 0, "loop", &fi) == 0 && fi.id == 181 && fi.fn == h_loop);
	CHECK(bpfx_vm_find_func(vm, 0, 1, NULL, &fi) == 0 && fi.proto && fi.proto->ret == BPFX_RET_INTEGER);
	CHECK(bpfx_vm_find_func(vm, 0, 100000, NULL, &fi) == 0 && !strcmp(fi.name, "big"));
	CHECK(bpfx_vm_find_func(vm, 1, 777, NULL, &fi) == 0 && !strcmp(fi.name, "kadd"));
	CHECK(bpfx_vm_find_func(vm, 1, 1, NULL, &fi) == BPFX_E_NOENT);
	CHECK(bpfx_vm_find_func(vm, 0, 0, "nope", &fi) == BPFX_E_NOENT);
	/* re-registering replaces; names handed out before stay valid */
	CHECK(bpfx_vm_register_helper(vm, 9, "first", h_add, NULL) == 0);
	CHECK(bpfx_vm_find_func(vm, 0, 9, NULL, &fi) == 0);
	const char *old = fi.name;
	CHECK(bpfx_vm_register_helper(vm, 9, "second", h_stop, NULL) == 0);
	CHECK(!strcmp(old, "first"));
	CHECK(bpfx_vm_find_func(vm, 0, 9, NULL, &fi) == 0 && fi.fn == h_stop && !strcmp(fi.name, "second"));
	CHECK(bpfx_vm_find_func(vm, 0, 0, "first", &fi) == BPFX_E_NOENT);
	CHECK(bpfx_vm_register_helper(vm, 10, "x", NULL, NULL) == BPFX_E_INVAL);

	for (int e = BPFX_ENGINE_INTERP; e <= BPFX_ENGINE_CHECKED; e++) {
		struct bpfx_run_result res;
		/* helper, kfunc, callx (small and large ids) */
		struct bpfx_insn calls[] = {MOV64K(1, 1), MOV64K(2, 2), MOV64K(3, 3), MOV64K(4, 4), MOV64K(5, 5),
					    CALL(1), MOV64X(6, 0), CALLK(777), ALU64X(ADD, 6, 0), MOV64K(7, 1),
					    CALLX(7), ALU64X(ADD, 6, 0), MOV32K(7, 100000), CALLX(7),
					    ALU64X(ADD, 6, 0), MOV64X(0, 6), EXIT};
		bpfx_prog *p = load(vm, calls, N(calls), BPFX_LOAD_TRUSTED);
		CHECK(run(p, (enum bpfx_engine)e, NULL, 0, &res) == 0);
		CHECK_EQ_U64(res.r0, 60);
		CHECK_EQ_U64(res.budget_used, 4); /* four calls */
		bpfx_prog_destroy(p);

		/* callx with an unknown id stops the run */
		struct bpfx_insn cx[] = {MOV64K(7, 55), CALLX(7), EXIT};
		p = load(vm, cx, N(cx), BPFX_LOAD_TRUSTED);
		log_clear();
		CHECK(run(p, (enum bpfx_engine)e, NULL, 0, &res) == BPFX_E_NO_HELPER);
		CHECK_EQ_U64(res.insn, 1);
		CHECK_STR_CONTAINS(logbuf, "id 55");
		bpfx_prog_destroy(p);

		/* stop: r0 from the helper, the rest is not run */
		struct bpfx_insn st[] = {MOV64K(1, 42), CALL(2), MOV64K(0, 1), EXIT};
		p = load(vm, st, N(st), BPFX_LOAD_TRUSTED);
		CHECK(run(p, (enum bpfx_engine)e, NULL, 0, &res) == 0);
		CHECK_EQ_U64(res.r0, 42);
		bpfx_prog_destroy(p);

		/* fail */
		struct bpfx_insn fl[] = {MOV64K(0, 1), MOV64K(0, 1), CALL(3), MOV64K(0, 1), EXIT};
		p = load(vm, fl, N(fl), BPFX_LOAD_TRUSTED);
		CHECK(run(p, (enum bpfx_engine)e, NULL, 0, &res) == BPFX_E_RANGE);
		CHECK_EQ_U64(res.insn, 2);
		bpfx_prog_destroy(p);

		/* callbacks: loop(10, cb, 3) with cb(i, c) = i * c; sum = 45 * 3 */
		struct bpfx_insn cb[] = {MOV64K(1, 10), LDDW(2, 4, 4, 0), MOV64K(3, 3), CALL(181), EXIT,
					 /* 6: callback */ MOV64X(0, 1), ALU64X(MUL, 0, 2), EXIT};
		p = load(vm, cb, N(cb), BPFX_LOAD_TRUSTED);
		CHECK(run(p, (enum bpfx_engine)e, NULL, 0, &res) == 0);
		CHECK_EQ_U64(res.r0, 135);
		CHECK_EQ_U64(res.budget_used, 11);
		bpfx_prog_destroy(p);

		/* a callback that stops the whole run from inside */
		struct bpfx_insn cbs[] = {MOV64K(1, 10), LDDW(2, 4, 4, 0), MOV64K(3, 3), CALL(181), EXIT,
					  /* 6 */ MOV64K(1, 99), CALL(2), MOV64K(0, 0), EXIT};
		p = load(vm, cbs, N(cbs), BPFX_LOAD_TRUSTED);
		CHECK(run(p, (enum bpfx_engine)e, NULL, 0, &res) == 0);
		CHECK_EQ_U64(res.r0, 99);
		bpfx_prog_destroy(p);
	}
	/* a fault inside a callback stops the run at the callback's instruction */
	{
		struct bpfx_insn cbf[] = {MOV64K(1, 10), LDDW(2, 4, 4, 0), MOV64K(3, 3), CALL(181), EXIT,
					  /* 6 */ MOV64K(0, 0), LDX(B, 0, 0, 0), EXIT};
		bpfx_prog *p = load(vm, cbf, N(cbf), 0);
		struct bpfx_run_result res;
		log_clear();
		CHECK(run(p, BPFX_ENGINE_AUTO, NULL, 0, &res) == BPFX_E_MEM_FAULT);
		CHECK_EQ_U64(res.insn, 7);
		CHECK_EQ_U64(res.fault_addr, 0);
		/* and the budget counts the callbacks */
		struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = BPFX_ENGINE_CHECKED, .budget = 5};
		bpfx_prog_destroy(p);
		p = load(vm, (struct bpfx_insn[]){MOV64K(1, 10), LDDW(2, 4, 4, 0), MOV64K(3, 3), CALL(181), EXIT,
						  MOV64K(0, 0), EXIT},
			 8, 0);
		CHECK(bpfx_prog_run(p, &ro, &res) == BPFX_E_BUDGET);
		CHECK_EQ_U64(res.budget_used, 5);
		bpfx_prog_destroy(p);
	}
	/* a callback address that is not an instruction start */
	{
		struct bpfx_insn bad[] = {MOV64K(1, 1), LDDW(2, 4, 3, 0), ALU64K(ADD, 2, 1), MOV64K(3, 3),
					  CALL(181), EXIT, MOV64K(0, 1), EXIT};
		bpfx_prog *p = load(vm, bad, N(bad), BPFX_LOAD_TRUSTED);
		struct bpfx_run_result res;
		log_clear();
		CHECK(run(p, BPFX_ENGINE_CHECKED, NULL, 0, &res) == 0);
		CHECK_EQ_U64(res.r0, 0);
		CHECK_STR_CONTAINS(logbuf, "not the address of an instruction");
		bpfx_prog_destroy(p);
	}
	bpfx_vm_destroy(vm);
}

/* ---- load errors ---- */
static int resolver(void *user, const struct bpfx_lddw_ref *ref, struct bpfx_lddw_value *out)
{
	uint64_t *mem = user;
	if (ref->imm == 13)
		return BPFX_E_NOENT;
	out->value = (uint64_t)(uintptr_t)mem + (uint64_t)ref->next_imm;
	out->region = mem;
	out->region_size = 16;
	out->region_writable = ref->kind == BPFX_LDDW_MAP_VALUE_IDX;
	return 0;
}

static void test_load_errors(void)
{
	bpfx_vm *vm = new_vm(0, 0);
	bpfx_prog *p = NULL;
	struct bpfx_insn unk[] = {MOV64K(0, 0), MOV64K(1, 0), CALL(4242), EXIT};
	log_clear();
	CHECK(bpfx_prog_load(vm, unk, N(unk), NULL, &p) == BPFX_E_NO_HELPER && !p);
	CHECK_STR_CONTAINS(logbuf, "insn 2");
	CHECK_STR_CONTAINS(logbuf, "4242");
	struct bpfx_insn unkk[] = {CALLK(9), EXIT};
	log_clear();
	CHECK(bpfx_prog_load(vm, unkk, N(unkk), NULL, &p) == BPFX_E_NO_HELPER);
	CHECK_STR_CONTAINS(logbuf, "kfunc");

	struct bpfx_insn nolddw[] = {MOV64K(0, 0), LDDW(1, 5, 3, 0), EXIT};
	log_clear();
	CHECK(bpfx_prog_load(vm, nolddw, N(nolddw), NULL, &p) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(logbuf, "insn 1");
	CHECK_STR_CONTAINS(logbuf, "resolver");

	uint64_t mem[2] = {0x1111, 0x2222};
	struct bpfx_load_opts lo = {.sz = sizeof(lo), .resolve = resolver, .resolve_user = mem};
	struct bpfx_insn rfail[] = {MOV64K(0, 0), LDDW(1, 1, 13, 0), EXIT};
	log_clear();
	CHECK(bpfx_prog_load(vm, rfail, N(rfail), &lo, &p) == BPFX_E_NOENT);
	CHECK_STR_CONTAINS(logbuf, "insn 1");

	/* resolved map values become regions of checked runs; read-only is enforced */
	struct bpfx_insn rv[] = {LDDW(1, 6, 0, 8), LDX(DW, 0, 1, 0), LDDW(2, 2, 0, 0), LDX(DW, 3, 2, 0),
				 ALU64X(ADD, 0, 3), EXIT};
	CHECK(bpfx_prog_load(vm, rv, N(rv), &lo, &p) == 0);
	struct bpfx_run_result res;
	CHECK(run(p, BPFX_ENGINE_CHECKED, NULL, 0, &res) == 0);
	CHECK_EQ_U64(res.r0, 0x3333);
	bpfx_prog_destroy(p);
	struct bpfx_insn ro[] = {LDDW(1, 2, 0, 0), ST(DW, 1, 0, 1), EXIT};
	CHECK(bpfx_prog_load(vm, ro, N(ro), &lo, &p) == 0);
	log_clear();
	CHECK(run(p, BPFX_ENGINE_CHECKED, NULL, 0, &res) == BPFX_E_MEM_FAULT);
	CHECK_STR_CONTAINS(logbuf, "read-only");
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);

	/* groups */
	vm = new_vm(BPFX_GROUP_BASE64, 0);
	struct bpfx_insn mul[] = {MOV64K(0, 2), ALU64K(MUL, 0, 3), EXIT};
	log_clear();
	CHECK(bpfx_prog_load(vm, mul, N(mul), NULL, &p) == BPFX_E_GROUP);
	CHECK_STR_CONTAINS(logbuf, "divmul64");
	CHECK_STR_CONTAINS(logbuf, "insn 1");
	struct bpfx_insn bad[] = {INSN(0xff, 0, 0, 0, 0), EXIT};
	CHECK(bpfx_prog_load(vm, bad, N(bad), NULL, &p) == BPFX_E_BAD_INSN);
	bpfx_vm_destroy(vm);

	/* options */
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .groups = 1u << 20};
	CHECK(bpfx_vm_create(&vo, &vm) == BPFX_E_INVAL);
	enum bpfx_engine e;
	CHECK(bpfx_engine_parse("checked", &e) == 0 && e == BPFX_ENGINE_CHECKED);
	CHECK(bpfx_engine_parse("fast", &e) == BPFX_E_INVAL);
	CHECK(!strcmp(bpfx_engine_name(BPFX_ENGINE_JIT), "jit"));
}

/* ---- engines, faults, budget, cancellation ---- */
static void test_engines(void)
{
	bpfx_vm *vm = new_vm(0, 0);
	uint8_t ctx[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct bpfx_run_result res;

	struct bpfx_insn rd[] = {LDX(DW, 0, 1, 0), LDX(B, 0, 1, 8), EXIT};
	bpfx_prog *p = load(vm, rd, N(rd), 0);
	log_clear();
	CHECK(run(p, BPFX_ENGINE_INTERP, ctx, sizeof(ctx), &res) == BPFX_E_UNVERIFIED);
	CHECK_STR_CONTAINS(logbuf, "verified");
	CHECK(run(p, BPFX_ENGINE_JIT, ctx, sizeof(ctx), &res) == BPFX_E_UNVERIFIED); /* unverified code never runs natively */
	log_clear();
	CHECK(run(p, BPFX_ENGINE_AUTO, ctx, sizeof(ctx), &res) == BPFX_E_MEM_FAULT); /* auto -> checked */
	CHECK_EQ_U64(res.insn, 1);
	CHECK_EQ_U64(res.fault_addr, (uintptr_t)ctx + 8);
	CHECK_EQ_U64(res.fault_len, 1);
	CHECK_STR_CONTAINS(logbuf, "insn 1 (LDX_b)");
	char want[64];
	snprintf(want, sizeof(want), "read of 1 byte at 0x%llx", (unsigned long long)(uintptr_t)(ctx + 8));
	CHECK_STR_CONTAINS(logbuf, want);
	bpfx_prog_set_verified(p, 1);
	CHECK(bpfx_prog_is_verified(p));
	CHECK(run(p, BPFX_ENGINE_CHECKED, ctx, sizeof(ctx), &res) == BPFX_E_MEM_FAULT);
	bpfx_prog_destroy(p);

	struct bpfx_insn wr[] = {MOV64X(2, 10), ST(W, 2, -4, 1), ST(W, 2, 0, 1), EXIT};
	p = load(vm, wr, N(wr), 0);
	log_clear();
	CHECK(run(p, BPFX_ENGINE_CHECKED, NULL, 0, &res) == BPFX_E_MEM_FAULT);
	CHECK_EQ_U64(res.insn, 2);
	CHECK_EQ_U64(res.fault_len, 4);
	CHECK_STR_CONTAINS(logbuf, "write of 4 bytes");
	bpfx_prog_destroy(p);

	/* atomics must be aligned in the checked engine */
	struct bpfx_insn mis[] = {MOV64K(1, 1), ATOM(W, 10, 1, -6, 0x00), EXIT};
	p = load(vm, mis, N(mis), 0);
	log_clear();
	CHECK(run(p, BPFX_ENGINE_CHECKED, NULL, 0, &res) == BPFX_E_MEM_FAULT);
	CHECK_EQ_U64(res.insn, 1);
	CHECK_STR_CONTAINS(logbuf, "misaligned");
	bpfx_prog_destroy(p);

	/* extra regions from the run options */
	uint64_t extra = 5;
	struct bpfx_region reg = {&extra, sizeof(extra), 0};
	struct bpfx_insn ex[] = {LDDW(1, 0, 0, 0), LDX(DW, 0, 1, 0), EXIT};
	ex[0].imm = (int32_t)(uint32_t)(uintptr_t)&extra;
	ex[1].imm = (int32_t)(uint32_t)((uint64_t)(uintptr_t)&extra >> 32);
	p = load(vm, ex, N(ex), 0);
	struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = BPFX_ENGINE_CHECKED, .regions = &reg, .nregions = 1};
	CHECK(bpfx_prog_run(p, &ro, &res) == 0);
	CHECK_EQ_U64(res.r0, 5);
	ro.nregions = 0;
	CHECK(bpfx_prog_run(p, &ro, &res) == BPFX_E_MEM_FAULT);
	bpfx_prog_destroy(p);

	/* budget on an infinite loop, both engines */
	struct bpfx_insn inf[] = {MOV64K(0, 0), ALU64K(ADD, 0, 1), JA(-2)};
	p = load(vm, inf, N(inf), BPFX_LOAD_TRUSTED);
	for (int e = BPFX_ENGINE_INTERP; e <= BPFX_ENGINE_CHECKED; e++) {
		ro = (struct bpfx_run_opts){.sz = sizeof(ro), .engine = (enum bpfx_engine)e, .budget = 1000};
		log_clear();
		CHECK(bpfx_prog_run(p, &ro, &res) == BPFX_E_BUDGET);
		CHECK_EQ_U64(res.insn, 2);
		CHECK_EQ_U64(res.budget_used, 1000);
		CHECK_STR_CONTAINS(logbuf, "budget");
		/* with a cancel flag too (polling shortens the chunks) */
		int never = 0;
		ro.cancel = &never;
		ro.budget = 1001;
		CHECK(bpfx_prog_run(p, &ro, &res) == BPFX_E_BUDGET);
		CHECK_EQ_U64(res.budget_used, 1001);
	}
	/* a finite loop counts exactly its back edges */
	struct bpfx_insn fin[] = {MOV64K(0, 0), ALU64K(ADD, 0, 1), JK(JNE, 0, 37, -2), EXIT};
	bpfx_prog *pf = load(vm, fin, N(fin), BPFX_LOAD_TRUSTED);
	int flag = 0;
	ro = (struct bpfx_run_opts){.sz = sizeof(ro), .engine = BPFX_ENGINE_INTERP, .budget = 36, .cancel = &flag};
	CHECK(bpfx_prog_run(pf, &ro, &res) == 0);
	CHECK_EQ_U64(res.budget_used, 36);
	CHECK_EQ_U64(res.r0, 37);
	ro.budget = 35;
	CHECK(bpfx_prog_run(pf, &ro, &res) == BPFX_E_BUDGET);
	bpfx_prog_destroy(pf);

	/* a cancel flag that is already set stops at the first poll */
	flag = 1;
	ro = (struct bpfx_run_opts){.sz = sizeof(ro), .engine = BPFX_ENGINE_CHECKED, .cancel = &flag};
	CHECK(bpfx_prog_run(p, &ro, &res) == BPFX_E_CANCELLED);
	CHECK(res.budget_used <= BPFX_CANCEL_POLL_INTERVAL);
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
}

struct cancel_arg {
	const bpfx_prog *p;
	enum bpfx_engine e;
	int flag;
	int started;
	int status;
};
static void *cancel_thread(void *v)
{
	struct cancel_arg *a = v;
	struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = a->e, .cancel = &a->flag};
	struct bpfx_run_result res;
	__atomic_store_n(&a->started, 1, __ATOMIC_SEQ_CST);
	a->status = bpfx_prog_run(a->p, &ro, &res);
	return NULL;
}

static void test_cancel(void)
{
	bpfx_vm *vm = new_vm(0, 0);
	struct bpfx_insn inf[] = {MOV64K(0, 0), ALU64K(ADD, 0, 1), JA(-2)};
	bpfx_prog *p = load(vm, inf, N(inf), BPFX_LOAD_TRUSTED);
	for (int e = BPFX_ENGINE_INTERP; e <= BPFX_ENGINE_CHECKED; e++) {
		struct cancel_arg a = {.p = p, .e = (enum bpfx_engine)e};
		pthread_t t;
		CHECK(pthread_create(&t, NULL, cancel_thread, &a) == 0);
		while (!__atomic_load_n(&a.started, __ATOMIC_SEQ_CST))
			;
		bpfx_cancel(&a.flag);
		pthread_join(t, NULL);
		CHECK(a.status == BPFX_E_CANCELLED);
	}
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
}

/* ---- calls ---- */
static void test_local_calls(void)
{
	/* r6..r9 survive the call; the callee has its own frame (r10 differs). */
	struct bpfx_insn keep[] = {
		MOV64K(6, 6), MOV64K(7, 7), MOV64K(8, 8), MOV64K(9, 9), ST(DW, 10, -8, 100), MOV64X(1, 10),
		CALL_LOCAL(7),
		/* 7: r0 = r6+r7+r8+r9 + [r10-8] + r0 */
		ALU64X(ADD, 0, 6), ALU64X(ADD, 0, 7), ALU64X(ADD, 0, 8), ALU64X(ADD, 0, 9), LDX(DW, 2, 10, -8),
		ALU64X(ADD, 0, 2), EXIT,
		/* 14: callee clobbers r6..r9 and its own stack; returns 1000 if r10 differs */
		MOV64K(6, 0), MOV64K(7, 0), MOV64K(8, 0), MOV64K(9, 0), ST(DW, 10, -8, 5), MOV64K(0, 0),
		JX(JEQ, 1, 10, 1), MOV64K(0, 1000), EXIT};
	EXPECT(keep, NULL, 0, 1000 + 6 + 7 + 8 + 9 + 100);

	/* frames start zeroed */
	struct bpfx_insn z[] = {ST(DW, 10, -8, -1), CALL_LOCAL(2), ALU64X(ADD, 0, 6), EXIT,
				/* 4 */ LDX(DW, 0, 10, -8), LDX(DW, 6, 10, -512), ALU64X(OR, 0, 6), ST(DW, 10, -8, 9),
				EXIT};
	EXPECT(z, NULL, 0, 0);
	/* recursion: depth limit */
	struct bpfx_insn rec[] = {CALL_LOCAL(-1), EXIT};
	for (uint32_t depth = 0; depth <= 20; depth += 20) {
		bpfx_vm *vm = new_vm(0, depth);
		bpfx_prog *p = load(vm, rec, N(rec), BPFX_LOAD_TRUSTED);
		for (int e = BPFX_ENGINE_INTERP; e <= BPFX_ENGINE_CHECKED; e++) {
			struct bpfx_run_result res;
			log_clear();
			CHECK(run(p, (enum bpfx_engine)e, NULL, 0, &res) == BPFX_E_CALL_DEPTH);
			CHECK_EQ_U64(res.insn, 0);
			CHECK_EQ_U64(res.budget_used, (depth ? depth : BPFX_MAX_CALL_DEPTH));
			CHECK_STR_CONTAINS(logbuf, "frame");
		}
		bpfx_prog_destroy(p);
		bpfx_vm_destroy(vm);
	}
	/* a callee may use its caller's stack through a pointer (checked engine allows it) */
	struct bpfx_insn up[] = {ST(DW, 10, -8, 41), MOV64X(1, 10), CALL_LOCAL(2), LDX(DW, 0, 10, -8), EXIT,
				 /* 5 */ LDX(DW, 2, 1, -8), ALU64K(ADD, 2, 1), STX(DW, 1, 2, -8), EXIT};
	EXPECT(up, NULL, 0, 42);
	/* nested frames: depth 3 with stores in each */
	struct bpfx_insn nest[] = {CALL_LOCAL(1), EXIT, ST(DW, 10, -512, 1), CALL_LOCAL(1), EXIT,
				   ST(DW, 10, -512, 2), MOV64K(0, 3), EXIT};
	EXPECT(nest, NULL, 0, 3);
}

static void test_may_goto_ldabs(void)
{
	struct bpfx_insn mg[] = {MOV64K(0, 0), MAY_GOTO(2), ALU64K(ADD, 0, 1), JA(-3), EXIT};
	EXPECT(mg, NULL, 0, BPFX_MAY_GOTO_COUNT);

	uint8_t pkt[4] = {0xde, 0xad, 0xbe, 0xef};
	struct bpfx_insn ld[] = {MOV64K(0, 5), INSN(0x20, 0, 0, 0, 1), MOV64K(0, 7), EXIT};
	EXPECT(ld, pkt, sizeof(pkt), 0); /* bytes 1..4 are out of bounds: r0 = 0, the run ends */
	struct bpfx_insn ldok[] = {INSN(0x20, 0, 0, 0, 0), EXIT};
	EXPECT(ldok, pkt, sizeof(pkt), 0xdeadbeef);
	struct bpfx_insn ind[] = {MOV64K(0, 5), MOV64K(3, -1), INSN(0x50, 0, 3, 0, 1), EXIT};
	EXPECT(ind, pkt, sizeof(pkt), 0xde); /* -1 + 1 = 0 */
	struct bpfx_insn indoob[] = {MOV64K(0, 5), MOV64K(3, -2), INSN(0x50, 0, 3, 0, 1), MOV64K(0, 7), EXIT};
	EXPECT(indoob, pkt, sizeof(pkt), 0);
	/* an explicit packet instead of ctx */
	bpfx_vm *vm = new_vm(0, 0);
	bpfx_prog *p = load(vm, ldok, N(ldok), BPFX_LOAD_TRUSTED);
	uint8_t other[4] = {1, 2, 3, 4};
	struct bpfx_run_opts ro = {.sz = sizeof(ro), .ctx = pkt, .ctx_len = 4, .packet = other, .packet_len = 4};
	struct bpfx_run_result res;
	CHECK(bpfx_prog_run(p, &ro, &res) == 0);
	CHECK_EQ_U64(res.r0, 0x01020304);
	bpfx_prog_destroy(p);
	/* gotox to a non-instruction address: run error in both engines */
	struct bpfx_insn gx[] = {LDDW(1, 4, 1, 0), ALU64K(ADD, 1, 4), GOTOX(1), EXIT};
	p = load(vm, gx, N(gx), BPFX_LOAD_TRUSTED);
	for (int e = BPFX_ENGINE_INTERP; e <= BPFX_ENGINE_CHECKED; e++) {
		log_clear();
		CHECK(run(p, (enum bpfx_engine)e, NULL, 0, &res) == BPFX_E_BAD_INSN);
		CHECK_EQ_U64(res.insn, 3);
		CHECK_STR_CONTAINS(logbuf, "gotox");
	}
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
}

/* ---- threads ---- */
struct thr {
	const bpfx_prog *p;
	enum bpfx_engine e;
	uint64_t in, out;
	int status;
};
static void *thr_main(void *v)
{
	struct thr *t = v;
	for (int k = 0; k < 50; k++) {
		uint64_t ctx = t->in;
		struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = t->e, .ctx = &ctx, .ctx_len = 8};
		struct bpfx_run_result res;
		t->status |= bpfx_prog_run(t->p, &ro, &res);
		if (k && res.r0 != t->out)
			t->status = -100;
		t->out = res.r0;
	}
	return NULL;
}

static void test_threads(void)
{
	/* r0 = sum over i < n of i*i, n from ctx: a loop, local calls, the stack. */
	struct bpfx_insn pr[] = {
		LDX(DW, 6, 1, 0), MOV64K(8, 0), MOV64K(7, 0),
		/* 3 */ JX(JGE, 7, 6, 5), MOV64X(1, 7), CALL_LOCAL(5), ALU64X(ADD, 8, 0), ALU64K(ADD, 7, 1), JA(-6),
		/* 9 */ MOV64X(0, 8), EXIT,
		/* 11: sq */ STX(DW, 10, 1, -8), LDX(DW, 0, 10, -8), ALU64X(MUL, 0, 1), EXIT};
	bpfx_vm *vm = new_vm(0, 0);
	bpfx_prog *p = load(vm, pr, N(pr), BPFX_LOAD_TRUSTED);
	for (int e = BPFX_ENGINE_INTERP; e <= BPFX_ENGINE_CHECKED; e++) {
		struct thr t[8];
		pthread_t th[8];
		for (int i = 0; i < 8; i++) {
			t[i] = (struct thr){.p = p, .e = (enum bpfx_engine)e, .in = 100 + 37 * (uint64_t)i};
			CHECK(pthread_create(&th[i], NULL, thr_main, &t[i]) == 0);
		}
		for (int i = 0; i < 8; i++) {
			pthread_join(th[i], NULL);
			uint64_t n = t[i].in, want = (n - 1) * n * (2 * n - 1) / 6;
			CHECK(t[i].status == 0);
			CHECK_EQ_U64(t[i].out, want);
		}
	}
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
}

int main(void)
{
	test_alu();
	test_jumps_mem();
	test_fused();
	test_helpers();
	test_load_errors();
	test_engines();
	test_cancel();
	test_local_calls();
	test_may_goto_ldabs();
	test_threads();
	return check_summary("test_vm");
}
