/* SPDX-License-Identifier: MIT */
/*
 * test_vm_random.c - random valid programs (built from the opcode table, with
 * a fixed seed) through the checked engine: every run ends with one of the
 * statuses a program can cause, faults name an instruction of the program,
 * and nothing crashes (run it under ASan/UBSan and valgrind). Helpers stop,
 * fail and call back into the program at random.
 */
#include <bpfx/vm.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "isa/isa_internal.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static uint64_t helper(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfx_run *r)
{
	(void)d;
	(void)e;
	if (a == 7)
		bpfx_run_stop(r, 3);
	if (b == 3)
		bpfx_run_fail(r, BPFX_E_HELPER_FAIL);
	if (b & 1) {
		uint64_t r0;
		bpfx_run_callback(r, c, 1, 2, 3, 4, 5, &r0);
	}
	return a ^ b;
}

static unsigned reg(int use)
{
	return use == BPFX_USE_WRITE || use == BPFX_USE_RW ? rnd() % 10 : rnd() % 11;
}

/* Fills insns[0 .. n-2] with random rows, each field as its column says; exit last. */
static void gen(struct bpfx_insn *p, int n)
{
	memset(p, 0, sizeof(*p) * (size_t)n);
	for (int i = 0; i < n - 1; i++) {
		const struct bpfx_op_desc *o = &bpfx_op_table[rnd() % BPFX_OP__COUNT];
		struct bpfx_insn *x = &p[i];
		int tgt = (int)(rnd() % (unsigned)n) - i - 1;
		x->code = o->code;
		x->dst = o->dst == BPFX_USE_ZERO ? 0 : reg(o->dst) & 15;
		x->src = o->src == BPFX_USE_SEL ? (unsigned)o->selv & 15 : o->src == BPFX_USE_ZERO ? 0 : reg(o->src) & 15;
		x->off = o->off == BPFX_USE_SEL   ? (int16_t)o->selv
			 : o->off == BPFX_USE_JMP ? (int16_t)tgt
			 : o->off == BPFX_USE_MEM ? (int16_t)(rnd() % 2 ? -(int)(rnd() % 520) : (int)(rnd() % 72))
						  : 0;
		x->imm = o->imm == BPFX_USE_SEL ? (int32_t)o->selv
			 : o->imm == BPFX_USE_IMM ? (rnd() % 3 ? (int32_t)(rnd() % 70) - 4 : (int32_t)rnd())
			 : o->imm == BPFX_USE_JMP || o->imm == BPFX_USE_CALL ? tgt
			 : o->imm == BPFX_USE_ASCAST ? 1
						     : 0;
		if (o->fmt == BPFX_FMT_CALL || o->fmt == BPFX_FMT_CALL_KFUNC)
			x->imm = 1;
		if (o->fmt == BPFX_FMT_LDDW) {
			if (x->src != 0 && x->src != 4)
				x->src = 0;
			if (i + 1 < n - 1) {
				i++;
				p[i].imm = x->src ? 0 : (int32_t)rnd();
			} else {
				*x = (struct bpfx_insn){.code = 0x95};
			}
		}
	}
	p[n - 1] = (struct bpfx_insn){.code = 0x95};
}

int main(void)
{
	bpfx_vm *vm = NULL;
	CHECK(bpfx_vm_create(NULL, &vm) == 0);
	CHECK(bpfx_vm_register_helper(vm, 1, "h", helper, NULL) == 0);
	CHECK(bpfx_vm_register_kfunc(vm, 1, "h", helper, NULL) == 0);
	long loaded = 0, counts[32] = {0}, bad = 0, iters = check_scale(20000);
	for (long it = 0; it < iters; it++) {
		struct bpfx_insn p[32];
		int n = 2 + (int)(rnd() % 24);
		gen(p, n);
		bpfx_prog *prog;
		if (bpfx_prog_load(vm, p, (size_t)n, NULL, &prog))
			continue;
		loaded++;
		uint8_t ctx[64];
		memset(ctx, 0x5a, sizeof(ctx));
		struct bpfx_run_opts ro = {.sz = sizeof(ro), .ctx = ctx, .ctx_len = sizeof(ctx), .budget = 1000};
		struct bpfx_run_result res;
		int s = bpfx_prog_run(prog, &ro, &res); /* auto: untrusted, so checked */
		int ok = s == 0 || s == BPFX_E_MEM_FAULT || s == BPFX_E_BUDGET || s == BPFX_E_CALL_DEPTH ||
			 s == BPFX_E_NO_HELPER || s == BPFX_E_BAD_INSN || s == BPFX_E_HELPER_FAIL;
		if (!ok || (s && res.insn >= (size_t)n) || s != res.status)
			bad++;
		if (s == BPFX_E_MEM_FAULT && (res.fault_len == 0 || res.fault_len > 8))
			bad++;
		counts[-s & 31]++;
		bpfx_prog_destroy(prog);
	}
	CHECK(bad == 0);
	CHECK(loaded > iters / 2);
	CHECK(counts[0] > iters / 20);                 /* plenty of clean exits */
	CHECK(counts[-BPFX_E_MEM_FAULT] > iters / 20); /* and of caught faults */
	printf("%ld programs: %ld ok, %ld faults, %ld budget, %ld call depth, %ld callx, %ld gotox, %ld helper fail\n",
	       loaded, counts[0], counts[-BPFX_E_MEM_FAULT], counts[-BPFX_E_BUDGET], counts[-BPFX_E_CALL_DEPTH],
	       counts[-BPFX_E_NO_HELPER], counts[-BPFX_E_BAD_INSN], counts[-BPFX_E_HELPER_FAIL]);
	bpfx_vm_destroy(vm);
	return check_summary("test_vm_random");
}
