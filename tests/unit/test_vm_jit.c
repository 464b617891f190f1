/* SPDX-License-Identifier: MIT */
/*
 * test_vm_jit.c - the public API on the JIT engine (the VM glue): who may run
 * natively, lazy compilation, budget and cancel, helpers that stop, fail and
 * call back, threads, fallback to the interpreter, bpfx_prog_jit_code.
 * Results are compared with the fast interpreter where both must agree.
 */
#include <bpfx/vm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vm/vm_internal.h"

#define INSN(c, d, s, o, i) {.code = (c), .dst = (d), .src = (s), .off = (o), .imm = (i)}
#define MOV64K(d, i) INSN(0xb7, d, 0, 0, i)
#define MOV64X(d, s) INSN(0xbf, d, s, 0, 0)
#define ALU64K(op, d, i) INSN(0x07 | (op), d, 0, 0, i)
#define ALU64X(op, d, s) INSN(0x0f | (op), d, s, 0, 0)
#define EXIT INSN(0x95, 0, 0, 0, 0)
#define JA(o) INSN(0x05, 0, 0, o, 0)
#define JK(op, d, i, o) INSN(0x05 | (op), d, 0, o, i)
#define LDX(sz, d, s, o) INSN(0x61 | (sz), d, s, o, 0)
#define STX(sz, d, s, o) INSN(0x63 | (sz), d, s, o, 0)
#define CALL(id) INSN(0x85, 0, 0, 0, id)
#define CALLX(d) INSN(0x8d, d, 0, 0, 0)
#define CALL_LOCAL(rel) INSN(0x85, 0, 1, 0, rel)
#define LDDW(d, src, lo, hi) INSN(0x18, d, src, 0, lo), INSN(0, 0, 0, 0, hi)
enum { ADD = 0x00, SUB = 0x10, MUL = 0x20 };
enum { JNE = 0x50, JGT = 0x20 };
enum { W = 0x00, B = 0x10, DW = 0x18 };
#define N(a) (sizeof(a) / sizeof((a)[0]))

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char logbuf[16384];
static void logcb(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	(void)lvl;
	pthread_mutex_lock(&log_lock);
	size_t n = strlen(logbuf);
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
	pthread_mutex_unlock(&log_lock);
}
static void log_clear(void)
{
	logbuf[0] = 0;
}
static int log_count(const char *needle)
{
	int n = 0;
	for (const char *s = logbuf; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

static bpfx_vm *new_vm(uint32_t depth)
{
	struct bpfx_vm_opts o = {.sz = sizeof(o), .log = logcb, .max_call_depth = depth};
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

static int run_opts(const bpfx_prog *p, enum bpfx_engine eng, void *ctx, size_t len, uint64_t budget,
		    const int *cancel, struct bpfx_run_result *res)
{
	struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = eng, .ctx = ctx, .ctx_len = len,
				   .budget = budget, .cancel = cancel};
	return bpfx_prog_run(p, &ro, res);
}

/* Runs on the JIT and on the interpreter with the same options; the results
 * must be identical (status, r0, insn; budget_used when a budget is set). */
static int same_line;
#define SAME(p, ctx, len, budget) (same_line = __LINE__, same(p, ctx, len, budget))
static struct bpfx_run_result same(const bpfx_prog *p, void *ctx, size_t len, uint64_t budget)
{
	struct bpfx_run_result rj, ri;
	run_opts(p, BPFX_ENGINE_JIT, ctx, len, budget, NULL, &rj);
	run_opts(p, BPFX_ENGINE_INTERP, ctx, len, budget, NULL, &ri);
	int ok = rj.status == ri.status && rj.r0 == ri.r0 && (!ri.status || rj.insn == ri.insn) &&
		 (!budget || rj.budget_used == ri.budget_used);
	if (!ok)
		fprintf(stderr,
			"line %d: jit status %s r0 %llu insn %zu used %llu; interp status %s r0 %llu insn %zu used %llu\n",
			same_line, bpfx_status_name(rj.status), (unsigned long long)rj.r0, rj.insn,
			(unsigned long long)rj.budget_used, bpfx_status_name(ri.status), (unsigned long long)ri.r0,
			ri.insn, (unsigned long long)ri.budget_used);
	CHECK(ok);
	return rj;
}

/* ---- helpers ---- */
static uint64_t h_add(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfx_run *r)
{
	(void)r;
	return a + b + c + d + e;
}
static uint64_t h_stop(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfx_run *r)
{
	(void)b, (void)c, (void)d, (void)e;
	bpfx_run_stop(r, a);
	return 0;
}
static uint64_t h_fail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfx_run *r)
{
	(void)a, (void)b, (void)c, (void)d, (void)e;
	bpfx_run_fail(r, BPFX_E_RANGE);
	return 0;
}
/* 0 in JIT runs even for a bogus pointer (only trusted/verified code runs there). */
static uint64_t h_check(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfx_run *r)
{
	(void)b, (void)c, (void)d, (void)e;
	return (uint64_t)bpfx_run_check_mem(r, (void *)(uintptr_t)a, 8, 1) == 0 ? 1 : 2;
}
/* bpf_loop-like: calls the callback at r2 r1 times with (i, r3); sums r0. */
static uint64_t h_loop(uint64_t n, uint64_t fn, uint64_t ctx, uint64_t d, uint64_t e, bpfx_run *r)
{
	(void)d, (void)e;
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

static bpfx_vm *helper_vm(uint32_t depth)
{
	bpfx_vm *vm = new_vm(depth);
	CHECK(bpfx_vm_register_helper(vm, 1, "add", h_add, NULL) == 0);
	CHECK(bpfx_vm_register_helper(vm, 2, "stop", h_stop, NULL) == 0);
	CHECK(bpfx_vm_register_helper(vm, 3, "fail", h_fail, NULL) == 0);
	CHECK(bpfx_vm_register_helper(vm, 4, "check", h_check, NULL) == 0);
	CHECK(bpfx_vm_register_helper(vm, 181, "loop", h_loop, NULL) == 0);
	return vm;
}

/* ---- who runs natively ---- */
static void test_trust(void)
{
	bpfx_vm *vm = new_vm(0);
	uint8_t ctx[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct bpfx_run_result res;
	struct bpfx_insn rd[] = {LDX(DW, 0, 1, 0), LDX(B, 0, 1, 8), EXIT}; /* reads past ctx */

	/* unverified: refused by the JIT, never compiled; auto runs it checked */
	bpfx_prog *p = load(vm, rd, N(rd), 0);
	log_clear();
	CHECK(run_opts(p, BPFX_ENGINE_JIT, ctx, sizeof(ctx), 0, NULL, &res) == BPFX_E_UNVERIFIED);
	CHECK_EQ_U64(res.status, BPFX_E_UNVERIFIED);
	CHECK_STR_CONTAINS(logbuf, "verified");
	CHECK(run_opts(p, BPFX_ENGINE_AUTO, ctx, sizeof(ctx), 0, NULL, &res) == BPFX_E_MEM_FAULT);
	CHECK_EQ_U64(res.insn, 1);
	CHECK(p->jit[0] == NULL && p->jit[1] == NULL);
	size_t size = 1;
	log_clear();
	CHECK(bpfx_prog_jit_code(p, &size) == NULL);
	CHECK_EQ_U64(size, 0);
	CHECK_STR_CONTAINS(logbuf, "BPFX_LOAD_TRUSTED");
	CHECK(p->jit[0] == NULL);
	CHECK(bpfx_prog_jit_offset(p, 0) == SIZE_MAX);

	/* marked verified afterwards: now it compiles (lazily) and runs natively */
	struct bpfx_insn ok[] = {LDX(DW, 0, 1, 0), ALU64K(ADD, 0, 1), EXIT};
	bpfx_prog_destroy(p);
	p = load(vm, ok, N(ok), 0);
	CHECK(run_opts(p, BPFX_ENGINE_JIT, ctx, sizeof(ctx), 0, NULL, &res) == BPFX_E_UNVERIFIED);
	bpfx_prog_set_verified(p, 1);
	CHECK(p->jit[0] == NULL);
	CHECK(run_opts(p, BPFX_ENGINE_JIT, ctx, sizeof(ctx), 0, NULL, &res) == 0);
	CHECK_EQ_U64(res.r0, 0x0807060504030202ull);
	CHECK(p->jit[0] != NULL && p->jit[1] == NULL); /* no budget: the plain variant only */
	bpfx_prog_set_verified(p, 0);
	CHECK(run_opts(p, BPFX_ENGINE_JIT, ctx, sizeof(ctx), 0, NULL, &res) == BPFX_E_UNVERIFIED);
	bpfx_prog_destroy(p);

	/* trusted: auto picks the JIT (it gets compiled by the auto run) */
	p = load(vm, ok, N(ok), BPFX_LOAD_TRUSTED);
	CHECK(p->jit[0] == NULL);
	CHECK(run_opts(p, BPFX_ENGINE_AUTO, ctx, sizeof(ctx), 0, NULL, &res) == 0);
	CHECK_EQ_U64(res.r0, 0x0807060504030202ull);
	CHECK(p->jit[0] != NULL);
	CHECK(bpfx_prog_jit_offset(p, 0) != SIZE_MAX);
	/* the budget variant is built on the first run with a budget */
	CHECK(run_opts(p, BPFX_ENGINE_AUTO, ctx, sizeof(ctx), 100, NULL, &res) == 0);
	CHECK(p->jit[1] != NULL);
	CHECK_EQ_U64(res.budget_used, 0);
	/* the interp and checked engines are unaffected */
	CHECK(run_opts(p, BPFX_ENGINE_CHECKED, ctx, sizeof(ctx), 0, NULL, &res) == 0);
	CHECK_EQ_U64(res.r0, 0x0807060504030202ull);

	/* bpfx_prog_jit_code / offset */
	const uint8_t *code = bpfx_prog_jit_code(p, &size);
	CHECK(code != NULL);
	CHECK(size > 0);
	size_t o0 = bpfx_prog_jit_offset(p, 0), o1 = bpfx_prog_jit_offset(p, 1), o2 = bpfx_prog_jit_offset(p, 2);
	CHECK(o0 < size && o1 < size && o2 < size);
	CHECK(o0 < o1 && o1 <= o2);
	CHECK(bpfx_prog_jit_offset(p, 3) == SIZE_MAX);
	CHECK(bpfx_prog_jit_offset(NULL, 0) == SIZE_MAX);
	CHECK(bpfx_prog_jit_code(NULL, &size) == NULL && size == 0);
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
}

/* ---- constant blinding: verified (untrusted) code, not trusted code ---- */
static int has_bytes(const uint8_t *code, size_t size, const uint8_t *pat, size_t n)
{
	for (size_t i = 0; i + n <= size; i++)
		if (!memcmp(code + i, pat, n))
			return 1;
	return 0;
}

static void test_blinding(void)
{
	bpfx_vm *vm = new_vm(0);
	struct bpfx_insn prog[] = {MOV64K(0, 0x5a5b1234), ALU64K(ADD, 0, 0x61626364), EXIT};
	static const uint8_t imm1[] = {0x34, 0x12, 0x5b, 0x5a}, imm2[] = {0x64, 0x63, 0x62, 0x61};
	struct bpfx_run_result res;
	size_t size = 0;

	bpfx_prog *p = load(vm, prog, N(prog), BPFX_LOAD_TRUSTED);
	const uint8_t *code = bpfx_prog_jit_code(p, &size);
	CHECK(code && has_bytes(code, size, imm1, 4) && has_bytes(code, size, imm2, 4));
	bpfx_prog_destroy(p);

	p = load(vm, prog, N(prog), 0);
	bpfx_prog_set_verified(p, 1);
	code = bpfx_prog_jit_code(p, &size);
	CHECK(code && !has_bytes(code, size, imm1, 4) && !has_bytes(code, size, imm2, 4));
	CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 0, NULL, &res) == 0);
	CHECK_EQ_U64(res.r0, 0x5a5b1234ull + 0x61626364ull);
	CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 10, NULL, &res) == 0); /* polling variant, blinded too */
	CHECK_EQ_U64(res.r0, 0x5a5b1234ull + 0x61626364ull);
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
}

/* ---- budget ---- */
static void test_budget(void)
{
	bpfx_vm *vm = helper_vm(0);
	struct bpfx_run_result res;

	/* an infinite loop: the budget ends it, at the back edge */
	struct bpfx_insn inf[] = {MOV64K(0, 0), ALU64K(ADD, 0, 1), JA(-2)};
	bpfx_prog *p = load(vm, inf, N(inf), BPFX_LOAD_TRUSTED);
	log_clear();
	CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 1000, NULL, &res) == BPFX_E_BUDGET);
	CHECK_EQ_U64(res.status, BPFX_E_BUDGET);
	CHECK_EQ_U64(res.insn, 2);
	CHECK_EQ_U64(res.r0, 0);
	CHECK_EQ_U64(res.budget_used, 1000);
	CHECK_STR_CONTAINS(logbuf, "budget of 1000");
	CHECK_STR_CONTAINS(logbuf, "insn 2");
	for (uint64_t b = 1; b < 70; b += 17)
		SAME(p, NULL, 0, b);
	bpfx_prog_destroy(p);

	/* a finite loop: exact counts, and the limit is exact (9 back edges) */
	struct bpfx_insn fin[] = {MOV64K(0, 0), MOV64K(1, 10), ALU64X(ADD, 0, 1), ALU64K(SUB, 1, 1),
				  JK(JNE, 1, 0, -3), EXIT};
	p = load(vm, fin, N(fin), BPFX_LOAD_TRUSTED);
	res = SAME(p, NULL, 0, 9);
	CHECK_EQ_U64(res.status, 0);
	CHECK_EQ_U64(res.r0, 55);
	CHECK_EQ_U64(res.budget_used, 9);
	res = SAME(p, NULL, 0, 8);
	CHECK_EQ_U64(res.status, BPFX_E_BUDGET);
	CHECK_EQ_U64(res.insn, 4);
	/* without a budget, the plain code counts nothing */
	CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 0, NULL, &res) == 0);
	CHECK_EQ_U64(res.r0, 55);
	CHECK_EQ_U64(res.budget_used, 0);
	bpfx_prog_destroy(p);

	/* calls count: helper calls, and local calls but those to a leaf (the
	 * function at 10 is one unless it calls a helper itself) */
	struct bpfx_insn calls[] = {MOV64K(1, 1), MOV64K(2, 2), MOV64K(3, 3), MOV64K(4, 4), MOV64K(5, 5),
				    CALL(1), MOV64X(6, 0), CALL_LOCAL(2), ALU64X(ADD, 0, 6), EXIT,
				    /* 10 */ CALL(1), MOV64K(0, 100), EXIT};
	for (int leaf = 0; leaf <= 1; leaf++) {
		calls[10] = leaf ? (struct bpfx_insn)MOV64K(0, 0) : (struct bpfx_insn)CALL(1);
		p = load(vm, calls, N(calls), BPFX_LOAD_TRUSTED);
		res = SAME(p, NULL, 0, leaf ? 1 : 3);
		CHECK_EQ_U64(res.status, 0);
		CHECK_EQ_U64(res.r0, 115);
		CHECK_EQ_U64(res.budget_used, leaf ? 1 : 3);
		for (uint64_t b = 1; b <= 2 && !leaf; b++) { /* the local call at 7 counts, then 10 */
			res = SAME(p, NULL, 0, b);
			CHECK_EQ_U64(res.status, BPFX_E_BUDGET);
			CHECK_EQ_U64(res.insn, b == 1 ? 7 : 10);
		}
		bpfx_prog_destroy(p);
	}
	bpfx_vm_destroy(vm);
}

/* ---- cancel ---- */
struct cancel_arg {
	const bpfx_prog *p;
	int flag;
	int started;
	int status;
	struct bpfx_run_result res;
};
static void *cancel_thread(void *v)
{
	struct cancel_arg *a = v;
	__atomic_store_n(&a->started, 1, __ATOMIC_SEQ_CST);
	a->status = run_opts(a->p, BPFX_ENGINE_JIT, NULL, 0, 0, &a->flag, &a->res);
	return NULL;
}

static void test_cancel(void)
{
	bpfx_vm *vm = new_vm(0);
	struct bpfx_insn inf[] = {MOV64K(0, 0), ALU64K(ADD, 0, 1), JA(-2)};
	bpfx_prog *p = load(vm, inf, N(inf), BPFX_LOAD_TRUSTED);
	for (int i = 0; i < 3; i++) {
		struct cancel_arg a = {.p = p};
		pthread_t t;
		CHECK(pthread_create(&t, NULL, cancel_thread, &a) == 0);
		while (!__atomic_load_n(&a.started, __ATOMIC_SEQ_CST))
			;
		bpfx_cancel(&a.flag);
		pthread_join(t, NULL);
		CHECK(a.status == BPFX_E_CANCELLED);
		CHECK_EQ_U64(a.res.insn, 2);
		CHECK_EQ_U64(a.res.r0, 0);
	}
	/* a flag already set stops at the first poll point */
	int flag = 1;
	struct bpfx_run_result res;
	CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 0, &flag, &res) == BPFX_E_CANCELLED);
	CHECK_EQ_U64(res.insn, 2);
	CHECK_EQ_U64(res.budget_used, 1); /* the back edge that found the flag */
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
}

/* ---- helpers: stop, fail, callx, check_mem, callbacks ---- */
static void test_helpers(void)
{
	bpfx_vm *vm = helper_vm(0);
	struct bpfx_run_result res;

	struct bpfx_insn calls[] = {MOV64K(1, 1), MOV64K(2, 2), MOV64K(3, 3), MOV64K(4, 4), MOV64K(5, 5),
				    CALL(1), MOV64X(6, 0), MOV64K(1, 10), MOV64K(2, 0), MOV64K(3, 0), MOV64K(4, 0),
				    MOV64K(5, 0), MOV64K(7, 1), CALLX(7), ALU64X(ADD, 0, 6), EXIT};
	bpfx_prog *p = load(vm, calls, N(calls), BPFX_LOAD_TRUSTED);
	res = SAME(p, NULL, 0, 0);
	CHECK_EQ_U64(res.r0, 25);
	bpfx_prog_destroy(p);

	struct bpfx_insn cx[] = {MOV64K(7, 55), CALLX(7), EXIT};
	p = load(vm, cx, N(cx), BPFX_LOAD_TRUSTED);
	log_clear();
	CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 0, NULL, &res) == BPFX_E_NO_HELPER);
	CHECK_EQ_U64(res.insn, 1);
	CHECK_STR_CONTAINS(logbuf, "id 55");
	bpfx_prog_destroy(p);

	/* stop: r0 from the helper, the rest is not run */
	struct bpfx_insn st[] = {MOV64K(1, 42), CALL(2), MOV64K(0, 1), EXIT};
	p = load(vm, st, N(st), BPFX_LOAD_TRUSTED);
	res = SAME(p, NULL, 0, 0);
	CHECK_EQ_U64(res.status, 0);
	CHECK_EQ_U64(res.r0, 42);
	bpfx_prog_destroy(p);

	/* fail: the helper's status at the call; logged once */
	struct bpfx_insn fl[] = {MOV64K(0, 1), MOV64K(0, 1), CALL(3), MOV64K(0, 1), EXIT};
	p = load(vm, fl, N(fl), BPFX_LOAD_TRUSTED);
	log_clear();
	res = SAME(p, NULL, 0, 0);
	CHECK_EQ_U64(res.status, BPFX_E_RANGE);
	CHECK_EQ_U64(res.insn, 2);
	CHECK_EQ_U64(res.r0, 0);
	CHECK(log_count("a helper ended the run") == 2); /* once per engine */
	bpfx_prog_destroy(p);

	/* bpfx_run_check_mem answers 0 in JIT runs */
	struct bpfx_insn cm[] = {MOV64K(1, 16), CALL(4), EXIT};
	p = load(vm, cm, N(cm), BPFX_LOAD_TRUSTED);
	CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 0, NULL, &res) == 0);
	CHECK_EQ_U64(res.r0, 1);
	CHECK(run_opts(p, BPFX_ENGINE_CHECKED, NULL, 0, 0, NULL, &res) == 0);
	CHECK_EQ_U64(res.r0, 2);
	bpfx_prog_destroy(p);

	/* callbacks: loop(10, cb, 3) with cb(i, c) = i * c; sum = 45 * 3 */
	struct bpfx_insn cb[] = {MOV64K(1, 10), LDDW(2, 4, 4, 0), MOV64K(3, 3), CALL(181), EXIT,
				 /* 6: callback */ MOV64X(0, 1), ALU64X(MUL, 0, 2), EXIT};
	p = load(vm, cb, N(cb), BPFX_LOAD_TRUSTED);
	res = SAME(p, NULL, 0, 0);
	CHECK_EQ_U64(res.r0, 135);
	res = SAME(p, NULL, 0, 11);
	CHECK_EQ_U64(res.status, 0);
	CHECK_EQ_U64(res.budget_used, 11);
	res = SAME(p, NULL, 0, 5); /* the budget runs out between callbacks */
	CHECK_EQ_U64(res.status, BPFX_E_BUDGET);
	CHECK_EQ_U64(res.budget_used, 5);
	bpfx_prog_destroy(p);

	/* a callback with a loop: the budget runs out inside the callback */
	struct bpfx_insn cbl[] = {MOV64K(1, 10), LDDW(2, 4, 4, 0), MOV64K(3, 3), CALL(181), EXIT,
				  /* 6 */ MOV64K(0, 0), MOV64K(1, 5), ALU64X(ADD, 0, 1), ALU64K(SUB, 1, 1),
				  JK(JNE, 1, 0, -3), EXIT};
	p = load(vm, cbl, N(cbl), BPFX_LOAD_TRUSTED);
	res = SAME(p, NULL, 0, 0);
	CHECK_EQ_U64(res.r0, 150);
	/* The budget runs out inside the callback. The interpreter names the
	 * back edge in the callback (10); the JIT's bpfx_jit_call does not tell
	 * which callback instruction failed, so the JIT run names the helper
	 * call that made the callback (4). */
	log_clear();
	CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 20, NULL, &res) == BPFX_E_BUDGET);
	CHECK_EQ_U64(res.insn, 4);
	CHECK_EQ_U64(res.budget_used, 20);
	CHECK_STR_CONTAINS(logbuf, "in the callback at insn 6");
	CHECK(log_count("exhausted") == 1);
	CHECK(run_opts(p, BPFX_ENGINE_INTERP, NULL, 0, 20, NULL, &res) == BPFX_E_BUDGET);
	CHECK_EQ_U64(res.insn, 10);
	CHECK_EQ_U64(res.budget_used, 20);
	bpfx_prog_destroy(p);

	/* a callback that stops or fails the whole run from inside */
	struct bpfx_insn cbs[] = {MOV64K(1, 10), LDDW(2, 4, 4, 0), MOV64K(3, 3), CALL(181), EXIT,
				  /* 6 */ MOV64K(1, 99), CALL(2), MOV64K(0, 0), EXIT};
	p = load(vm, cbs, N(cbs), BPFX_LOAD_TRUSTED);
	res = SAME(p, NULL, 0, 0);
	CHECK_EQ_U64(res.status, 0);
	CHECK_EQ_U64(res.r0, 99);
	bpfx_prog_destroy(p);
	struct bpfx_insn cbf[] = {MOV64K(1, 10), LDDW(2, 4, 4, 0), MOV64K(3, 3), CALL(181), EXIT,
				  /* 6 */ MOV64K(1, 99), CALL(3), MOV64K(0, 0), EXIT};
	p = load(vm, cbf, N(cbf), BPFX_LOAD_TRUSTED);
	CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 0, NULL, &res) == BPFX_E_RANGE);
	CHECK_EQ_U64(res.insn, 4); /* interpreter: 7 (see above) */
	CHECK_EQ_U64(res.r0, 0);
	CHECK(run_opts(p, BPFX_ENGINE_INTERP, NULL, 0, 0, NULL, &res) == BPFX_E_RANGE);
	CHECK_EQ_U64(res.insn, 7);
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
}

/* ---- threads ---- */
#define NTHREADS 8
struct thr_arg {
	const bpfx_prog *p;
	int id;
	int *go;
	int bad;
};
static void *thr(void *v)
{
	struct thr_arg *a = v;
	while (!__atomic_load_n(a->go, __ATOMIC_ACQUIRE))
		;
	for (int i = 0; i < 200; i++) {
		uint64_t ctx[2] = {(uint64_t)a->id * 1000 + (uint64_t)i, 0};
		struct bpfx_run_result res;
		uint64_t budget = (i % 3 == 0) ? 1000000 : 0; /* both variants at once */
		int err = run_opts(a->p, BPFX_ENGINE_JIT, ctx, sizeof(ctx), budget, NULL, &res);
		/* r0 = sum of 1..100 + ctx[0]; ctx[1] = ctx[0] * 2 */
		if (err || res.r0 != 5050 + ctx[0] || ctx[1] != ctx[0] * 2)
			a->bad++;
	}
	return NULL;
}

static void test_threads(void)
{
	bpfx_vm *vm = helper_vm(0);
	struct bpfx_insn prog[] = {
		LDX(DW, 6, 1, 0), MOV64X(7, 6), ALU64X(ADD, 7, 6), STX(DW, 1, 7, 8),
		MOV64K(0, 0), MOV64K(2, 100), ALU64X(ADD, 0, 2), ALU64K(SUB, 2, 1), JK(JNE, 2, 0, -3),
		ALU64X(ADD, 0, 6), EXIT};
	/* a fresh program each round: the threads race for the first compile */
	for (int round = 0; round < 3; round++) {
		bpfx_prog *p = load(vm, prog, N(prog), BPFX_LOAD_TRUSTED);
		int go = 0;
		struct thr_arg a[NTHREADS];
		pthread_t t[NTHREADS];
		for (int i = 0; i < NTHREADS; i++) {
			a[i] = (struct thr_arg){.p = p, .id = i, .go = &go};
			CHECK(pthread_create(&t[i], NULL, thr, &a[i]) == 0);
		}
		__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
		for (int i = 0; i < NTHREADS; i++) {
			pthread_join(t[i], NULL);
			CHECK_EQ_U64(a[i].bad, 0);
		}
		CHECK(p->jit[0] != NULL && p->jit[1] != NULL);
		bpfx_prog_destroy(p);
	}
	bpfx_vm_destroy(vm);
}

/* ---- fallback when the JIT cannot compile ---- */
static void test_fallback(void)
{
	/* more frames than the JIT supports: runs go to the interpreter */
	bpfx_vm *vm = new_vm(BPFX_JIT_MAX_DEPTH + 36);
	struct bpfx_insn fin[] = {MOV64K(0, 0), MOV64K(1, 10), ALU64X(ADD, 0, 1), ALU64K(SUB, 1, 1),
				  JK(JNE, 1, 0, -3), EXIT};
	bpfx_prog *p = load(vm, fin, N(fin), BPFX_LOAD_TRUSTED);
	struct bpfx_run_result res;
	log_clear();
	for (int i = 0; i < 3; i++) {
		CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 0, NULL, &res) == 0);
		CHECK_EQ_U64(res.r0, 55);
		CHECK(run_opts(p, BPFX_ENGINE_AUTO, NULL, 0, 0, NULL, &res) == 0);
		CHECK_EQ_U64(res.r0, 55);
	}
	CHECK(log_count("runs use the interpreter") == 1); /* logged once */
	CHECK_STR_CONTAINS(logbuf, "at most 64 frames");
	/* the budget variant fails separately, also once; the interpreter counts */
	CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 8, NULL, &res) == BPFX_E_BUDGET);
	CHECK_EQ_U64(res.insn, 4);
	CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 9, NULL, &res) == 0);
	CHECK_EQ_U64(res.budget_used, 9);
	CHECK(log_count("runs use the interpreter") == 2);
	CHECK(p->jit[0] == NULL && p->jit[1] == NULL);
	size_t size = 1;
	CHECK(bpfx_prog_jit_code(p, &size) == NULL && size == 0);
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
}

int main(void)
{
#if BPFX_HAVE_JIT
	test_trust();
	test_blinding();
	test_budget();
	test_cancel();
	test_helpers();
	test_threads();
	test_fallback();
#else
	struct bpfx_run_result res;
	bpfx_vm *vm = new_vm(0);
	struct bpfx_insn r7[] = {MOV64K(0, 7), EXIT};
	bpfx_prog *p = load(vm, r7, N(r7), BPFX_LOAD_TRUSTED);
	CHECK(run_opts(p, BPFX_ENGINE_JIT, NULL, 0, 0, NULL, &res) == BPFX_E_UNSUPPORTED);
	CHECK(run_opts(p, BPFX_ENGINE_AUTO, NULL, 0, 0, NULL, &res) == 0 && res.r0 == 7);
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
#endif
	return check_summary("test_vm_jit");
}
