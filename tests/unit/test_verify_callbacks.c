/* SPDX-License-Identifier: MIT */
/*
 * test_verify_callbacks.c - programs using bpf_loop (181) and
 * bpf_for_each_map_elem (164) are verified against the generic platform with
 * the VM's standard helpers (default callback signatures), then run on the
 * unchecked engines (interp, and the JIT where there is one): the results
 * must be the expected ones. Likewise a program taking a map value's spin
 * lock (helpers 93/94). Malformed callback and function signatures are
 * refused as bad arguments. Unsafe callbacks are rejected with the rule the
 * tables expect; bpfx_platform_set_callback refuses malformed signatures.
 */
#include <bpfx/bpfx.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vm/vm_internal.h"

static bpfx_map *maps[2];

static int resolver(void *user, const struct bpfx_lddw_ref *ref, struct bpfx_lddw_value *out)
{
	(void)user;
	if (ref->imm < 0 || ref->imm >= 2 || !maps[ref->imm])
		return BPFX_E_NOENT;
	return bpfx_map_lddw(maps[ref->imm], ref->kind, (uint32_t)ref->next_imm, out);
}

/* Loads src untrusted, verifies it; returns the program if accepted, else
 * NULL with *rule set to the rule broken. */
static bpfx_prog *load_verified(bpfx_vm *vm, const bpfx_platform *plat, const char *src, char *rule, size_t rlen)
{
	struct bpfx_insn *insns = NULL;
	size_t n = 0;
	struct bpfx_asm_error aerr;
	struct bpfx_asm_opts ao = {.sz = sizeof(ao), .dialect = BPFX_DIALECT_LLVM};
	rule[0] = 0;
	if (bpfx_asm(src, strlen(src), &ao, &insns, &n, &aerr)) {
		fprintf(stderr, "asm %d:%d: %s\n", aerr.line, aerr.col, aerr.msg);
		return NULL;
	}
	struct bpfx_load_opts lo = {.sz = sizeof(lo), .name = "t", .resolve = resolver};
	bpfx_prog *p = NULL;
	int err = bpfx_prog_load(vm, insns, n, &lo, &p);
	bpfx_free(insns);
	if (err)
		return NULL;
	struct bpfx_map_desc descs[2];
	size_t nm = 0;
	for (int i = 0; i < 2 && maps[i]; i++, nm++)
		CHECK(bpfx_map_verifier_desc(maps[i], i, &descs[i]) == 0);
	if (nm == 2) { /* map 1: a u64 counter, then the struct bpf_spin_lock at 8 */
		descs[1].flags |= BPFX_MAP_SPIN_LOCK;
		descs[1].spin_lock_off = 8;
	}
	struct bpfx_verify_opts vo = {.sz = sizeof(vo), .prog_type = "generic", .maps = descs, .nmaps = nm};
	struct bpfx_report *r = NULL;
	err = bpfx_prog_verify(p, plat, &vo, &r);
	if (err) {
		snprintf(rule, rlen, "%s", r && r->rule ? r->rule : "?");
		if (r && r->message && getenv("VERBOSE"))
			fprintf(stderr, "%s: %s\n", r->rule, r->message);
		bpfx_report_free(r);
		bpfx_prog_destroy(p);
		return NULL;
	}
	bpfx_report_free(r);
	return p;
}

static const enum bpfx_engine engines[] = {BPFX_ENGINE_INTERP,
#if BPFX_HAVE_JIT
					   BPFX_ENGINE_JIT
#endif
};

static void run_all_one(const bpfx_prog *p, enum bpfx_engine engine, uint64_t want, int line)
{
	uint8_t buf[16] = {0};
	struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = engine, .ctx = buf, .ctx_len = sizeof(buf)};
	struct bpfx_run_result res;
	int err = bpfx_prog_run(p, &ro, &res);
	if (err || res.r0 != want)
		fprintf(stderr, "line %d, engine %d: status %s, r0 %llu, want %llu\n", line, (int)engine,
			bpfx_status_name(err), (unsigned long long)res.r0, (unsigned long long)want);
	CHECK(err == 0);
	CHECK_EQ_U64(res.r0, want);
}

static void run_all(const bpfx_prog *p, uint64_t want, int line)
{
	for (size_t e = 0; e < sizeof(engines) / sizeof(engines[0]); e++)
		run_all_one(p, engines[e], want, line);
}

/* sum of indexes 0..9 through the stack, then a loop stopped at index 2
 * (3 iterations), then a loop never entered (0) */
static const char *src_loop =
	"*(u64 *)(r10 - 8) = 0\n"
	"r1 = 10\n r2 = code_addr[cb] ll\n r3 = r10\n r3 += -8\n r4 = 0\n call 181\n r6 = r0\n"
	"r1 = 100\n r2 = code_addr[cb2] ll\n r3 = 0\n r4 = 0\n call 181\n r6 += r0\n"
	"r1 = 0\n r2 = code_addr[cb] ll\n r3 = r10\n r3 += -8\n r4 = 0\n call 181\n r6 += r0\n"
	"r0 = *(u64 *)(r10 - 8)\n r0 *= 1000\n r0 += r6\n exit\n"
	"cb:\n r3 = *(u64 *)(r2 + 0)\n r3 += r1\n *(u64 *)(r2 + 0) = r3\n r0 = 0\n exit\n"
	"cb2:\n r0 = 0\n if r1 != 2 goto out\n r0 = 1\n out:\n exit\n";

/* the callback indexes a 16-byte stack array by the loop index (below 16):
 * fills a[i] = i * 3, and the caller reads a[15] */
static const char *src_index =
	"*(u64 *)(r10 - 16) = 0\n *(u64 *)(r10 - 8) = 0\n"
	"r1 = 16\n r2 = code_addr[cb] ll\n r3 = r10\n r3 += -16\n r4 = 0\n call 181\n"
	"r0 = *(u8 *)(r10 - 1)\n exit\n"
	"cb:\n r2 += r1\n r1 *= 3\n *(u8 *)(r2 + 0) = r1\n r0 = 0\n exit\n";

/* sum of value * (key + 1) over an array map of 4 (values 1..4) */
static const char *src_foreach =
	"*(u64 *)(r10 - 8) = 0\n"
	"r1 = map_idx[0x0] ll\n r2 = code_addr[cb] ll\n r3 = r10\n r3 += -8\n r4 = 0\n call 164\n r6 = r0\n"
	"r0 = *(u64 *)(r10 - 8)\n r0 <<= 8\n r0 += r6\n exit\n"
	"cb:\n r5 = *(u32 *)(r2 + 0)\n r5 += 1\n r1 = *(u64 *)(r3 + 0)\n r5 *= r1\n"
	"r0 = *(u64 *)(r4 + 0)\n r0 += r5\n *(u64 *)(r4 + 0) = r0\n r0 = 0\n exit\n";

/* unsafe: index up to 16 on a 15-byte window */
static const char *src_index_oob =
	"*(u64 *)(r10 - 16) = 0\n *(u64 *)(r10 - 8) = 0\n"
	"r1 = 17\n r2 = code_addr[cb] ll\n r3 = r10\n r3 += -16\n r4 = 0\n call 181\n"
	"r0 = 0\n exit\n"
	"cb:\n r2 += r1\n *(u8 *)(r2 + 0) = r1\n r0 = 0\n exit\n";

/* unsafe: writes the map value one past its 8 bytes */
static const char *src_foreach_oob =
	"r1 = map_idx[0x0] ll\n r2 = code_addr[cb] ll\n r3 = 0\n r4 = 0\n call 164\n r0 = 0\n exit\n"
	"cb:\n *(u64 *)(r3 + 1) = 0\n r0 = 0\n exit\n";

/* counter += 5 under the lock of value 0 of map 1, twice; returns it */
static const char *src_lock =
	"*(u32 *)(r10 - 4) = 0\n"
	"r1 = map_idx[0x1] ll\n r2 = r10\n r2 += -4\n call 1\n"
	"if r0 == 0 goto out\n r6 = r0\n r7 = 0\n"
	"again:\n r1 = r6\n r1 += 8\n call 93\n"
	"r2 = *(u64 *)(r6 + 0)\n r2 += 5\n *(u64 *)(r6 + 0) = r2\n"
	"r1 = r6\n r1 += 8\n call 94\n r7 += 1\n if r7 < 2 goto again\n"
	"r0 = *(u64 *)(r6 + 0)\n exit\n"
	"out:\n r0 = 0\n exit\n";

/* the same, leaving the lock held on one path */
static const char *src_lock_leak =
	"*(u32 *)(r10 - 4) = 0\n"
	"r1 = map_idx[0x1] ll\n r2 = r10\n r2 += -4\n call 1\n"
	"if r0 == 0 goto out\n r6 = r0\n"
	"r1 = r6\n r1 += 8\n call 93\n"
	"r2 = *(u64 *)(r6 + 0)\n if r2 == 7 goto out\n"
	"r1 = r6\n r1 += 8\n call 94\n"
	"out:\n r0 = 0\n exit\n";

int main(void)
{
	struct bpfx_vm_opts vo = {.sz = sizeof(vo)};
	bpfx_vm *vm = NULL;
	CHECK(bpfx_vm_create(&vo, &vm) == 0);
	CHECK(bpfx_helpers_register_std(vm, NULL) == 0);
	bpfx_platform *plat = NULL;
	CHECK(bpfx_platform_bundled("generic", &plat) == 0);
	CHECK(bpfx_platform_add_vm_funcs(plat, vm) == 0);
	struct bpfx_map_opts mo = {.sz = sizeof(mo), .type = BPFX_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8,
				   .max_entries = 4};
	CHECK(bpfx_map_create(&mo, &maps[0]) == 0);
	for (uint32_t k = 0; k < 4; k++) {
		uint64_t v = k + 1;
		CHECK(bpfx_map_update(maps[0], &k, &v, 0) == 0);
	}
	char rule[64];

	bpfx_prog *p = load_verified(vm, plat, src_loop, rule, sizeof(rule));
	CHECK(p != NULL);
	if (p)
		run_all(p, 45 * 1000 + 10 + 3 + 0, __LINE__);
	bpfx_prog_destroy(p);

	p = load_verified(vm, plat, src_index, rule, sizeof(rule));
	CHECK(p != NULL);
	if (p)
		run_all(p, 45, __LINE__);
	bpfx_prog_destroy(p);

	p = load_verified(vm, plat, src_foreach, rule, sizeof(rule));
	CHECK(p != NULL);
	if (p)
		run_all(p, (1 * 1 + 2 * 2 + 3 * 3 + 4 * 4) << 8 | 4, __LINE__);
	bpfx_prog_destroy(p);

	p = load_verified(vm, plat, src_index_oob, rule, sizeof(rule));
	CHECK(p == NULL && !strcmp(rule, "BPFX-STK-001"));
	bpfx_prog_destroy(p);
	p = load_verified(vm, plat, src_foreach_oob, rule, sizeof(rule));
	CHECK(p == NULL && !strcmp(rule, "BPFX-MEM-002"));
	bpfx_prog_destroy(p);

	/* signatures: malformed ones are refused; a host's own replaces the default */
	struct bpfx_callback_proto bad = {.sz = sizeof(bad), .args = {BPFX_CB_ARG_PASS}, .from = {7}};
	CHECK(bpfx_platform_set_callback(plat, 181, &bad) == BPFX_E_INVAL);
	bad.from[0] = 1;
	bad.ret_min = 2;
	bad.ret_max = 1;
	CHECK(bpfx_platform_set_callback(plat, 181, &bad) == BPFX_E_INVAL);
	/* loop's callback now told to return exactly 0: cb2 returns 1 */
	struct bpfx_callback_proto zero = {.sz = sizeof(zero), .args = {BPFX_CB_ARG_INDEX, BPFX_CB_ARG_PASS},
					   .from = {1, 3}};
	CHECK(bpfx_platform_set_callback(plat, 181, &zero) == 0);
	p = load_verified(vm, plat, src_loop, rule, sizeof(rule));
	CHECK(p == NULL && !strcmp(rule, "BPFX-CALL-007"));
	bpfx_prog_destroy(p);
	p = load_verified(vm, plat, src_index, rule, sizeof(rule));
	CHECK(p != NULL);
	bpfx_prog_destroy(p);

	/* spin locks: a hash map of 16-byte values, the lock at offset 8 */
	struct bpfx_map_opts ho = {.sz = sizeof(ho), .type = BPFX_MAP_TYPE_HASH, .key_size = 4, .value_size = 16,
				   .max_entries = 4};
	CHECK(bpfx_map_create(&ho, &maps[1]) == 0);
	uint32_t k0 = 0;
	uint64_t v0[2] = {100, 0};
	CHECK(bpfx_map_update(maps[1], &k0, v0, 0) == 0);
	p = load_verified(vm, plat, src_lock, rule, sizeof(rule));
	CHECK(p != NULL);
	if (p) {
		for (size_t e = 0; e < sizeof(engines) / sizeof(engines[0]); e++) {
			uint64_t base = 100 + 10 * e; /* each run adds 10 */
			run_all_one(p, engines[e], base + 10, __LINE__);
		}
	}
	bpfx_prog_destroy(p);
	p = load_verified(vm, plat, src_lock_leak, rule, sizeof(rule));
	CHECK(p == NULL && !strcmp(rule, "BPFX-LOCK-003"));
	bpfx_prog_destroy(p);
	bpfx_map_destroy(maps[1]);
	maps[1] = NULL;

	/* function signatures: malformed ones are bad arguments, not verdicts */
	{
		struct bpfx_insn *insns = NULL;
		size_t n = 0;
		struct bpfx_asm_error aerr;
		struct bpfx_asm_opts ao = {.sz = sizeof(ao), .dialect = BPFX_DIALECT_LLVM};
		const char *src = "r1 = 1\n call local fn\n exit\nfn:\n r0 = r1\n exit\n";
		CHECK(bpfx_asm(src, strlen(src), &ao, &insns, &n, &aerr) == 0);
		struct bpfx_func_sig sig = {.insn = 3, .flags = BPFX_FUNC_GLOBAL, .name = "fn",
					    .args = {BPFX_FARG_SCALAR}};
		struct bpfx_verify_opts o = {.sz = sizeof(o), .prog_type = "generic", .funcs = &sig, .nfuncs = 1};
		struct bpfx_report *r = NULL;
		CHECK(bpfx_verify(plat, insns, n, &o, &r) == 0);
		bpfx_report_free(r);
		sig.insn = 4; /* not a function's first instruction */
		CHECK(bpfx_verify(plat, insns, n, &o, NULL) == BPFX_E_INVAL);
		sig.insn = 3;
		sig.args[1] = (enum bpfx_farg_kind)99;
		CHECK(bpfx_verify(plat, insns, n, &o, NULL) == BPFX_E_INVAL);
		o.funcs = NULL;
		CHECK(bpfx_verify(plat, insns, n, &o, NULL) == BPFX_E_INVAL);
		/* declared a context: the call passes a number */
		sig.args[1] = BPFX_FARG_NONE;
		sig.args[0] = BPFX_FARG_CTX;
		o.funcs = &sig;
		CHECK(bpfx_verify(plat, insns, n, &o, &r) == BPFX_E_REJECTED && r && !strcmp(r->rule, "BPFX-CALL-008"));
		bpfx_report_free(r);
		bpfx_free(insns);
	}

	bpfx_map_destroy(maps[0]);
	bpfx_platform_destroy(plat);
	bpfx_vm_destroy(vm);
	return check_summary("test_verify_callbacks");
}
