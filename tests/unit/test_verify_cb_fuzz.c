/* SPDX-License-Identifier: MIT */
/*
 * test_verify_cb_fuzz.c - soundness of the callback analysis: random
 * programs call bpf_loop (181) with a callback that reads, writes, stores
 * pointers into and dereferences four stack slots of its caller through the
 * context pointer, a random number of times (0..4 iterations, the count
 * known or not); the caller then reads and dereferences the slots. Every
 * program the verifier accepts must run on the checked engine, for every
 * count, without a fault. Programs whose later iterations dereference what
 * earlier ones wrote are exactly where a wrong fixpoint would accept unsafe
 * code; enough of both verdicts must occur for the test to mean something.
 */
#include <bpfx/bpfx.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Appends one line to a growing program text. */
static void emit(char *buf, size_t *len, size_t cap, const char *fmt, long a, long b)
{
	int n = snprintf(buf + *len, cap - *len, fmt, a, b);
	if (n > 0 && (size_t)n < cap - *len)
		*len += (size_t)n;
}

/* The caller's four slots are at r10-32 .. r10-8; the context pointer is
 * r10-32, so slot k is ctx + 8k. */
static void gen(char *p, size_t cap, int count_known, int count)
{
	size_t n = 0;
	p[0] = 0;
	for (int k = 0; k < 4; k++) {
		switch (rnd(3)) {
		case 0: emit(p, &n, cap, "*(u64 *)(r10 - %ld) = %ld\n", 32 - 8 * k, (long)rnd(100)); break;
		case 1: /* a pointer to slot j */
			emit(p, &n, cap, "r1 = r10\n r1 += -%ld\n", 32 - 8 * (long)rnd(4), 0);
			emit(p, &n, cap, "*(u64 *)(r10 - %ld) = r1\n", 32 - 8 * k, 0);
			break;
		default: break; /* left unwritten */
		}
	}
	if (count_known)
		emit(p, &n, cap, "r1 = %ld\n", count, 0);
	else /* the count from the input buffer: r1 = 0..4 at run time */
		emit(p, &n, cap, "r3 = r1\n r1 = 0\n if r2 < 1 goto go\n r1 = *(u8 *)(r3 + 0)\n r1 &= 3\n r1 += 1\ngo:\n", 0, 0);
	emit(p, &n, cap, "r2 = code_addr[cb] ll\n r3 = r10\n r3 += -32\n r4 = 0\n call 181\n r0 = 0\n", 0, 0);
	for (int i = rnd(3); i > 0; i--) {
		long k = rnd(4);
		if (rnd(2))
			emit(p, &n, cap, "r0 = *(u64 *)(r10 - %ld)\n", 32 - 8 * k, 0);
		else
			emit(p, &n, cap, "r3 = *(u64 *)(r10 - %ld)\n r0 = *(u64 *)(r3 + 0)\n", 32 - 8 * k, 0);
	}
	emit(p, &n, cap, "r0 &= 1\n exit\ncb:\n", 0, 0);
	for (int i = 2 + rnd(4); i > 0; i--) {
		long k = rnd(4), j = rnd(4);
		switch (rnd(5)) {
		case 0: emit(p, &n, cap, "r3 = *(u64 *)(r2 + %ld)\n", 8 * k, 0); break;
		case 1: emit(p, &n, cap, "*(u64 *)(r2 + %ld) = %ld\n", 8 * k, (long)rnd(1000)); break;
		case 2: emit(p, &n, cap, "r4 = r2\n r4 += %ld\n *(u64 *)(r2 + %ld) = r4\n", 8 * j, 8 * k); break;
		case 3: emit(p, &n, cap, "r4 = *(u64 *)(r2 + %ld)\n r5 = *(u64 *)(r4 + 0)\n", 8 * k, 0); break;
		default: emit(p, &n, cap, "*(u64 *)(r2 + %ld) = r1\n", 8 * k, 0); break;
		}
	}
	emit(p, &n, cap, "r0 = 0\n exit\n", 0, 0);
}

int main(void)
{
	struct bpfx_vm_opts vo = {.sz = sizeof(vo)};
	bpfx_vm *vm = NULL;
	CHECK(bpfx_vm_create(&vo, &vm) == 0);
	CHECK(bpfx_helpers_register_std(vm, NULL) == 0);
	bpfx_platform *plat = NULL;
	CHECK(bpfx_platform_bundled("generic", &plat) == 0);
	CHECK(bpfx_platform_add_vm_funcs(plat, vm) == 0);
	long iters = check_scale(3000), accepted = 0, rejected = 0, runs = 0;
	char src[4096];
	for (long it = 0; it < iters; it++) {
		int known = (int)rnd(2), count = (int)rnd(5);
		gen(src, sizeof(src), known, count);
		struct bpfx_insn *insns = NULL;
		size_t n = 0;
		struct bpfx_asm_error aerr;
		struct bpfx_asm_opts ao = {.sz = sizeof(ao), .dialect = BPFX_DIALECT_LLVM};
		if (bpfx_asm(src, strlen(src), &ao, &insns, &n, &aerr)) {
			fprintf(stderr, "asm %d: %s\n%s", aerr.line, aerr.msg, src);
			CHECK(0);
			break;
		}
		struct bpfx_load_opts lo = {.sz = sizeof(lo), .name = "cb"};
		bpfx_prog *p = NULL;
		int err = bpfx_prog_load(vm, insns, n, &lo, &p);
		bpfx_free(insns);
		CHECK(err == 0);
		if (err)
			break;
		struct bpfx_verify_opts vopt = {.sz = sizeof(vopt), .prog_type = "generic"};
		err = bpfx_prog_verify(p, plat, &vopt, NULL);
		CHECK(err == 0 || err == BPFX_E_REJECTED);
		if (err) {
			rejected++;
			bpfx_prog_destroy(p);
			continue;
		}
		accepted++;
		/* every iteration count the program can see */
		for (int c = known ? count : 0; c <= (known ? count : 4); c++) {
			uint8_t buf[8] = {(uint8_t)(c ? c - 1 : 0)};
			struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = BPFX_ENGINE_CHECKED, .ctx = buf,
						   .ctx_len = c ? 1 : 0};
			struct bpfx_run_result res;
			int rerr = bpfx_prog_run(p, &ro, &res);
			runs++;
			if (rerr) {
				fprintf(stderr, "accepted program faults (%s) with %d iterations:\n%s", bpfx_status_name(rerr),
					c, src);
				CHECK(0);
				it = iters;
				break;
			}
		}
		bpfx_prog_destroy(p);
	}
	fprintf(stderr, "test_verify_cb_fuzz: %ld programs, %ld accepted (%ld checked runs), %ld rejected\n", iters,
		accepted, runs, rejected);
	CHECK(accepted >= iters / 10);
	CHECK(rejected >= iters / 10);
	bpfx_platform_destroy(plat);
	bpfx_vm_destroy(vm);
	return check_summary("test_verify_cb_fuzz");
}
