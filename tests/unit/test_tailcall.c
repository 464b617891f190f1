/* SPDX-License-Identifier: MIT */
/* test_tailcall.c - tail calls through the public API: hand-assembled
 * programs in a prog array, run on every engine (checked, interp, jit,
 * auto) with identical results: chains, empty slots, the limit of 33, a
 * fresh stack and the same ctx for the target, budget and cancel carried
 * across, refusals (bpf-to-bpf callee, callback, another VM, an unverified
 * target on an unchecked engine) and an unverified target staying on the
 * checked engine. */
#define _GNU_SOURCE
#include <bpfx/bpfx.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static char logbuf[16384];
static void logcb(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	(void)lvl;
	size_t n = strlen(logbuf);
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

static bpfx_map *parr; /* the prog array: map_idx[0] */

static int resolver(void *user, const struct bpfx_lddw_ref *ref, struct bpfx_lddw_value *out)
{
	(void)user;
	if (ref->imm != 0)
		return BPFX_E_NOENT;
	return bpfx_map_lddw(parr, ref->kind, (uint32_t)ref->next_imm, out);
}

static bpfx_prog *load_in(bpfx_vm *vm, const char *name, const char *src, uint32_t flags)
{
	struct bpfx_insn *insns = NULL;
	size_t n = 0;
	struct bpfx_asm_error err;
	struct bpfx_asm_opts ao = {.sz = sizeof(ao), .dialect = BPFX_DIALECT_LLVM};
	if (bpfx_asm(src, strlen(src), &ao, &insns, &n, &err)) {
		fprintf(stderr, "%s: asm %d:%d: %s\n", name, err.line, err.col, err.msg);
		return NULL;
	}
	struct bpfx_load_opts lo = {.sz = sizeof(lo), .name = name, .flags = flags, .resolve = resolver};
	bpfx_prog *p = NULL;
	int e = bpfx_prog_load(vm, insns, n, &lo, &p);
	bpfx_free(insns);
	if (e)
		fprintf(stderr, "%s: load: %s\n%s", name, bpfx_status_name(e), logbuf);
	return p;
}

static bpfx_vm *vm;
static bpfx_prog *load(const char *name, const char *src)
{
	return load_in(vm, name, src, BPFX_LOAD_TRUSTED);
}

/* ctx: four u64 counters */
static uint64_t ctx[4];

static int run_on(const bpfx_prog *p, enum bpfx_engine e, uint64_t budget, const int *cancel,
		  struct bpfx_run_result *res)
{
	memset(ctx, 0, sizeof(ctx));
	logbuf[0] = 0;
	struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = e, .ctx = ctx, .ctx_len = sizeof(ctx),
				   .budget = budget, .cancel = cancel};
	return bpfx_prog_run(p, &ro, res);
}

static const enum bpfx_engine engines[] = {BPFX_ENGINE_CHECKED, BPFX_ENGINE_INTERP, BPFX_ENGINE_JIT,
					   BPFX_ENGINE_AUTO};
#define NENG (sizeof(engines) / sizeof(engines[0]))

/* Slots of the prog array. */
enum { S_CHAIN1 = 1, S_EMPTY = 2, S_SELF = 3, S_FRESH = 4, S_TARGET = 5, S_UNVERIFIED = 6, S_OTHER_VM = 7 };

/* ctx[0] += 1; tail call slot 1; on return: 1000 */
static const char *src_chain0 = "r6 = r1\n r1 = *(u64 *)(r6 + 0)\n r1 += 1\n *(u64 *)(r6 + 0) = r1\n"
				"r1 = r6\n r2 = map_idx[0x0] ll\n r3 = 1\n call 12\n r0 = 1000\n exit\n";
/* ctx[1] += 10; tail calls the empty slot 2 (ctx[2] = result) and index 2^32-1
 * (ctx[3] = result); returns 42 */
static const char *src_chain1 = "r6 = r1\n r1 = *(u64 *)(r6 + 8)\n r1 += 10\n *(u64 *)(r6 + 8) = r1\n"
				"r1 = r6\n r2 = map_idx[0x0] ll\n r3 = 2\n call 12\n *(u64 *)(r6 + 16) = r0\n"
				"r1 = r6\n r2 = map_idx[0x0] ll\n r3 = 0xffffffff\n call 12\n"
				"*(u64 *)(r6 + 24) = r0\n r0 = 42\n exit\n";
/* ctx[0] += 1; tail call itself (slot 3); return what the helper returned */
static const char *src_self = "r6 = r1\n r1 = *(u64 *)(r6 + 0)\n r1 += 1\n *(u64 *)(r6 + 0) = r1\n"
			      "r1 = r6\n r2 = map_idx[0x0] ll\n r3 = 3\n call 12\n exit\n";
/* leaves 77 on its stack and in r7, tail calls slot 5 (src_target) */
static const char *src_fresh = "r7 = 77\n *(u64 *)(r10 - 8) = r7\n r2 = map_idx[0x0] ll\n r3 = 5\n call 12\n"
			       "r0 = 1000\n exit\n";
/* returns stack word + r7 + r2 (ctx_len); writes 9 to ctx[3] through r1 */
static const char *src_target = "r0 = *(u64 *)(r10 - 8)\n r0 += r7\n r0 += r2\n"
				"r3 = 9\n *(u64 *)(r1 + 24) = r3\n exit\n";
/* tail call from a bpf-to-bpf callee: refused (-EINVAL), the callee's r0 comes back */
static const char *src_nested = "r6 = r1\n call local f\n exit\n"
				"f:\n r1 = r6\n r2 = map_idx[0x0] ll\n r3 = 5\n call 12\n exit\n";
/* tail call from a bpf_loop callback: refused; the callback stores the result in ctx[0] */
static const char *src_cb = "r3 = r1\n r1 = 1\n r2 = code_addr[cb] ll\n r4 = 0\n call 181\n r0 = 7\n exit\n"
			    "cb:\n r6 = r2\n r2 = map_idx[0x0] ll\n r3 = 5\n call 12\n"
			    "*(u64 *)(r6 + 16) = r0\n r0 = 0\n exit\n";
/* ctx[0] += 1; 100 back edges; tail call itself (slot 0) */
static const char *src_loop = "r6 = r1\n r1 = *(u64 *)(r6 + 0)\n r1 += 1\n *(u64 *)(r6 + 0) = r1\n"
			      "r7 = 100\n l:\n r7 += -1\n if r7 != 0 goto l\n"
			      "r1 = r6\n r2 = map_idx[0x0] ll\n r3 = 0\n call 12\n exit\n";
/* tail calls slot 6 (an unverified target), then returns the helper's result */
static const char *src_to_unverified = "r6 = r1\n r2 = map_idx[0x0] ll\n r3 = 6\n call 12\n exit\n";
/* unverified: reads 8 bytes just past the ctx (a fault on the checked engine) */
static const char *src_unverified = "r0 = *(u64 *)(r1 + 32)\n exit\n";
/* tail calls slot 7, a program of another VM: refused */
static const char *src_to_other = "r2 = map_idx[0x0] ll\n r3 = 7\n call 12\n exit\n";

int main(void)
{
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .log = logcb};
	CHECK(bpfx_vm_create(&vo, &vm) == 0);
	CHECK(bpfx_helpers_register_std(vm, NULL) == 0);
	struct bpfx_map_opts mo = {.sz = sizeof(mo), .type = BPFX_MAP_TYPE_PROG_ARRAY, .key_size = 4,
				   .value_size = 4, .max_entries = 8, .log = logcb};
	CHECK(bpfx_map_create(&mo, &parr) == 0);

	bpfx_prog *chain0 = load("chain0", src_chain0), *chain1 = load("chain1", src_chain1);
	bpfx_prog *self = load("self", src_self), *fresh = load("fresh", src_fresh);
	bpfx_prog *target = load("target", src_target), *nested = load("nested", src_nested);
	bpfx_prog *cb = load("cb", src_cb), *to_unv = load("to_unverified", src_to_unverified);
	bpfx_prog *unv = load_in(vm, "unverified", src_unverified, 0);
	bpfx_prog *to_other = load("to_other", src_to_other), *loop = load("loop", src_loop);
	bpfx_vm *vm2 = NULL;
	CHECK(bpfx_vm_create(&vo, &vm2) == 0);
	bpfx_prog *other = load_in(vm2, "other", "r0 = 5\n exit\n", BPFX_LOAD_TRUSTED);
	CHECK(chain0 && chain1 && self && fresh && target && nested && cb && to_unv && unv && to_other && other && loop);
	CHECK(bpfx_map_set_prog(parr, 0, loop) == 0);
	CHECK(bpfx_map_set_prog(parr, S_CHAIN1, chain1) == 0);
	CHECK(bpfx_map_set_prog(parr, S_SELF, self) == 0);
	CHECK(bpfx_map_set_prog(parr, S_FRESH, fresh) == 0);
	CHECK(bpfx_map_set_prog(parr, S_TARGET, target) == 0);
	CHECK(bpfx_map_set_prog(parr, S_UNVERIFIED, unv) == 0);
	CHECK(bpfx_map_set_prog(parr, S_OTHER_VM, other) == 0);
	(void)S_EMPTY;

	struct bpfx_run_result res;
	for (size_t k = 0; k < NENG; k++) {
		enum bpfx_engine e = engines[k];
		fprintf(stderr, "engine %s\n", bpfx_engine_name(e));
		/* chain: chain0 -> chain1; chain1's tail calls to an empty slot and
		 * an out-of-range index return -ENOENT and it goes on */
		CHECK(run_on(chain0, e, 0, NULL, &res) == 0);
		CHECK_EQ_U64(res.r0, 42);
		CHECK_EQ_U64(ctx[0], 1);
		CHECK_EQ_U64(ctx[1], 10);
		CHECK_EQ_U64(ctx[2], (uint64_t)-2);
		CHECK_EQ_U64(ctx[3], (uint64_t)-2);

		/* the limit: 1 + 33 runs of self, the 34th tail call returns -E2BIG */
		CHECK(run_on(self, e, 0, NULL, &res) == 0);
		CHECK_EQ_U64(ctx[0], 34);
		CHECK_EQ_U64(res.r0, (uint64_t)-7);
		/* budget carried across: one event (the helper call) per program;
		 * the 11th event fails, in the 11th program */
		CHECK(run_on(self, e, 10, NULL, &res) == BPFX_E_BUDGET);
		CHECK_EQ_U64(ctx[0], 11);
		CHECK_STR_CONTAINS(logbuf, "self: insn 8");
		CHECK(run_on(self, e, 1000, NULL, &res) == 0);
		CHECK_EQ_U64(ctx[0], 34);
		CHECK_EQ_U64(res.budget_used, 34);
		/* cancel carried: already set, the run stops within
		 * BPFX_CANCEL_POLL_INTERVAL events (100 per program) or at the
		 * first tail call, whichever comes first */
		CHECK(run_on(loop, e, 0, NULL, &res) == 0);
		CHECK_EQ_U64(ctx[0], 34);
		CHECK_EQ_U64(res.r0, (uint64_t)-7);
		CHECK(run_on(loop, e, 100000, NULL, &res) == 0);
		CHECK_EQ_U64(res.budget_used, 34 * 100);
		int cancel = 1;
		int rc = run_on(loop, e, 0, &cancel, &res);
		if (rc != BPFX_E_CANCELLED)
			fprintf(stderr, "cancel: %s ctx0=%llu\n%s", bpfx_status_name(rc), (unsigned long long)ctx[0], logbuf);
		CHECK(rc == BPFX_E_CANCELLED);
		CHECK(ctx[0] >= 1 && ctx[0] <= 2);

		/* the target gets the ctx (r1, r2) and a fresh stack and registers */
		CHECK(run_on(fresh, e, 0, NULL, &res) == 0);
		CHECK_EQ_U64(res.r0, sizeof(ctx));
		CHECK_EQ_U64(ctx[3], 9);

		/* refused from a callee frame or a callback: -EINVAL, the program goes on */
		CHECK(run_on(nested, e, 0, NULL, &res) == 0);
		CHECK_EQ_U64(res.r0, (uint64_t)-22);
		CHECK_EQ_U64(ctx[3], 0); /* the target did not run */
		CHECK_STR_CONTAINS(logbuf, "main frame only");
		CHECK(run_on(cb, e, 0, NULL, &res) == 0);
		CHECK_EQ_U64(res.r0, 7);
		CHECK_EQ_U64(ctx[2], (uint64_t)-22);
		CHECK_EQ_U64(ctx[3], 0);
		CHECK_STR_CONTAINS(logbuf, "main frame only");

		/* another VM's program: refused */
		CHECK(run_on(to_other, e, 0, NULL, &res) == 0);
		CHECK_EQ_U64(res.r0, (uint64_t)-22);
		CHECK_STR_CONTAINS(logbuf, "another VM");

		/* an unverified target: checked and auto runs run it on the
		 * checked engine (its out-of-bounds read faults); interp and jit
		 * runs refuse the tail call (-EINVAL) and the caller goes on */
		int r = run_on(to_unv, e, 0, NULL, &res);
		if (e == BPFX_ENGINE_CHECKED || e == BPFX_ENGINE_AUTO) {
			CHECK(r == BPFX_E_MEM_FAULT);
			CHECK_EQ_U64(res.insn, 0);
			CHECK_STR_CONTAINS(logbuf, "unverified: insn 0");
		} else {
			CHECK(r == 0);
			CHECK_EQ_U64(res.r0, (uint64_t)-22);
			CHECK_STR_CONTAINS(logbuf, "neither verified nor loaded");
		}
	}

	/* a run that is not in a helper cannot be used; NULL targets are refused */
	CHECK(bpfx_run_tail_call(NULL, chain1) == BPFX_E_INVAL);

	bpfx_prog_destroy(chain0);
	bpfx_prog_destroy(chain1);
	bpfx_prog_destroy(self);
	bpfx_prog_destroy(fresh);
	bpfx_prog_destroy(target);
	bpfx_prog_destroy(nested);
	bpfx_prog_destroy(cb);
	bpfx_prog_destroy(to_unv);
	bpfx_prog_destroy(unv);
	bpfx_prog_destroy(to_other);
	bpfx_prog_destroy(loop);
	bpfx_prog_destroy(other);
	bpfx_map_destroy(parr);
	bpfx_vm_destroy(vm2);
	bpfx_vm_destroy(vm);
	return check_summary("tailcall");
}
