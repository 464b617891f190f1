/* SPDX-License-Identifier: MIT */
/* test_helpers.c - small BPF programs calling each standard helper, run on
 * the interp and checked engines; lddw map references are resolved by a
 * resolver over an array of maps, as the loader would. */
#define _GNU_SOURCE
#include <bpfx/bpfx.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "check.h"

static char logbuf[8192];
static void logcb(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	(void)lvl;
	size_t n = strlen(logbuf);
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

#define NMAPS 8
static bpfx_map *maps[NMAPS];

static int resolver(void *user, const struct bpfx_lddw_ref *ref, struct bpfx_lddw_value *out)
{
	bpfx_map **m = user;
	if (ref->imm < 0 || ref->imm >= NMAPS || !m[ref->imm])
		return BPFX_E_NOENT;
	return bpfx_map_lddw(m[ref->imm], ref->kind, (uint32_t)ref->next_imm, out);
}

static bpfx_vm *vm;

static bpfx_prog *load_src(const char *src, int line)
{
	struct bpfx_insn *insns = NULL;
	size_t n = 0;
	struct bpfx_asm_error err;
	struct bpfx_asm_opts ao = {.sz = sizeof(ao), .dialect = BPFX_DIALECT_LLVM};
	if (bpfx_asm(src, strlen(src), &ao, &insns, &n, &err)) {
		fprintf(stderr, "line %d: asm %d:%d: %s\n", line, err.line, err.col, err.msg);
		return NULL;
	}
	struct bpfx_load_opts lo = {.sz = sizeof(lo), .name = "t", .flags = BPFX_LOAD_TRUSTED,
				    .resolve = resolver, .resolve_user = maps};
	bpfx_prog *p = NULL;
	int e = bpfx_prog_load(vm, insns, n, &lo, &p);
	bpfx_free(insns);
	if (e)
		fprintf(stderr, "line %d: load: %s\n%s", line, bpfx_status_name(e), logbuf);
	return p;
}

static const enum bpfx_engine engines[2] = {BPFX_ENGINE_INTERP, BPFX_ENGINE_CHECKED};

static int run(const bpfx_prog *p, enum bpfx_engine e, struct bpfx_run_result *res)
{
	struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = e};
	logbuf[0] = 0;
	return bpfx_prog_run(p, &ro, res);
}

static bpfx_map *mk(enum bpfx_map_type t, uint32_t k, uint32_t v, uint32_t n)
{
	struct bpfx_map_opts o = {.sz = sizeof(o), .type = t, .key_size = k, .value_size = v,
				  .max_entries = n, .ncpus = 2, .log = logcb};
	bpfx_map *m = NULL;
	if (bpfx_map_create(&o, &m))
		fprintf(stderr, "map create failed: %s\n", logbuf);
	return m;
}

static void free_maps(void)
{
	for (int i = 0; i < NMAPS; i++) {
		bpfx_map_destroy(maps[i]);
		maps[i] = NULL;
	}
}

/* ---- map_lookup/update/delete ---- */
static const char *src_hash =
	"*(u32 *)(r10 - 4) = 7\n"
	"*(u64 *)(r10 - 16) = 42\n"
	"r1 = map_idx[0x0] ll\n"
	"r2 = r10\n r2 += -4\n r3 = r10\n r3 += -16\n r4 = 0\n"
	"call 2\n"
	"if r0 != 0 goto fail\n"
	"r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -4\n"
	"call 1\n"
	"if r0 == 0 goto fail\n"
	"r1 = *(u64 *)(r0 + 0)\n r1 += 1\n *(u64 *)(r0 + 0) = r1\n r6 = r1\n"
	"r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -4\n r3 = r10\n r3 += -16\n r4 = 1\n"
	"call 2\n"               /* BPF_NOEXIST on an existing key: -EEXIST */
	"r6 += r0\n"
	"*(u32 *)(r10 - 4) = 8\n"
	"r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -4\n"
	"call 3\n"               /* delete a missing key: -ENOENT */
	"r6 += r0\n"
	"r0 = r6\n exit\n"
	"fail:\n r0 = 999\n exit\n";

static void test_hash(void)
{
	maps[0] = mk(BPFX_MAP_TYPE_HASH, 4, 8, 4);
	bpfx_prog *p = load_src(src_hash, __LINE__);
	CHECK(p != NULL);
	for (int e = 0; p && e < 2; e++) {
		uint32_t k = 7;
		bpfx_map_delete(maps[0], &k);
		struct bpfx_run_result res;
		CHECK(run(p, engines[e], &res) == 0);
		CHECK_EQ_U64(res.r0, 43 - 17 - 2);
		uint64_t v = 0;
		CHECK(bpfx_map_lookup(maps[0], &k, &v) == 0 && v == 43);
	}
	bpfx_prog_destroy(p);
	free_maps();
}

/* ---- the verifier accepts src_hash with the std prototypes; the
 * verified program then runs on the interp engine without TRUSTED ---- */
static void test_verified(void)
{
	maps[0] = mk(BPFX_MAP_TYPE_HASH, 4, 8, 4);
	struct bpfx_insn *insns = NULL;
	size_t n = 0;
	CHECK(bpfx_asm(src_hash, strlen(src_hash), NULL, &insns, &n, NULL) == 0);
	struct bpfx_load_opts lo = {.sz = sizeof(lo), .resolve = resolver, .resolve_user = maps};
	bpfx_prog *p = NULL;
	CHECK(bpfx_prog_load(vm, insns, n, &lo, &p) == 0);
	bpfx_free(insns);
	bpfx_platform *pf = NULL;
	CHECK(bpfx_platform_bundled("generic", &pf) == 0);
	CHECK(pf && bpfx_platform_add_vm_funcs(pf, vm) == 0);
	struct bpfx_map_desc md;
	CHECK(bpfx_map_verifier_desc(maps[0], -1, &md) == 0 && md.kind == BPFX_MAP_KIND_HASH && md.key_size == 4);
	struct bpfx_verify_opts vo = {.sz = sizeof(vo), .maps = &md, .nmaps = 1, .log = logcb};
	struct bpfx_report *rep = NULL;
	logbuf[0] = 0;
	int err = p && pf ? bpfx_prog_verify(p, pf, &vo, &rep) : -1;
	if (err) {
		char *txt = NULL;
		if (rep && !bpfx_report_text(rep, &txt))
			fprintf(stderr, "%s\n", txt);
		bpfx_free(txt);
	}
	CHECK(err == 0);
	bpfx_report_free(rep);
	struct bpfx_run_result res;
	CHECK(p && run(p, BPFX_ENGINE_INTERP, &res) == 0);
	CHECK_EQ_U64(res.r0, 43 - 17 - 2);
	bpfx_prog_destroy(p);
	bpfx_platform_destroy(pf);
	free_maps();
}

/* ---- checked engine: bad keys and bad map pointers ---- */
static void test_checked_faults(void)
{
	maps[0] = mk(BPFX_MAP_TYPE_HASH, 4, 8, 4);
	bpfx_prog *p = load_src("r1 = map_idx[0x0] ll\n r2 = 4096\n call 1\n r0 = 1\n exit\n", __LINE__);
	struct bpfx_run_result res;
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == BPFX_E_MEM_FAULT);
	CHECK_STR_CONTAINS(logbuf, "map_lookup_elem: key");
	CHECK_EQ_U64(res.insn, 3);
	bpfx_prog_destroy(p);
	p = load_src("r1 = 12345\n r2 = r10\n r2 += -8\n call 1\n r0 = 1\n exit\n", __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(logbuf, "not a map this program loaded");
	bpfx_prog_destroy(p);
	/* the value pointer a lookup returns is usable in checked runs; one
	 * past it inside the map's memory too, but not beyond the map */
	p = load_src("*(u32 *)(r10 - 4) = 0\n r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -4\n"
		     "r3 = r10\n r3 += -16\n r4 = 0\n call 2\n"
		     "r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -4\n call 1\n"
		     "if r0 == 0 goto out\n r0 += 1000000\n r0 = *(u64 *)(r0 + 0)\n out:\n exit\n",
		     __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == BPFX_E_MEM_FAULT);
	bpfx_prog_destroy(p);
	/* read-only data (BPF_F_RDONLY_PROG): writes fault */
	struct bpfx_map_opts o = {.sz = sizeof(o), .type = BPFX_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8,
				  .max_entries = 1, .flags = BPFX_F_RDONLY_PROG};
	CHECK(bpfx_map_create(&o, &maps[1]) == 0);
	p = load_src("r1 = map_value_idx[0x1]+0x0 ll\n r0 = *(u64 *)(r1 + 0)\n *(u64 *)(r1 + 0) = 5\n exit\n",
		     __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == BPFX_E_MEM_FAULT);
	CHECK_STR_CONTAINS(logbuf, "read-only");
	bpfx_prog_destroy(p);
	free_maps();
}

/* ---- loop and for_each_map_elem ---- */
static const char *src_loop =
	"*(u64 *)(r10 - 8) = 0\n"
	"r1 = 5\n r2 = code_addr[cb] ll\n r3 = r10\n r3 += -8\n r4 = 0\n"
	"call 181\n r6 = r0\n"
	"r1 = 100\n r2 = code_addr[cb2] ll\n r3 = r10\n r3 += -8\n r4 = 0\n"
	"call 181\n r6 += r0\n"   /* stops after index 2: 3 iterations */
	"r1 = 5\n r2 = code_addr[cb] ll\n r3 = 0\n r4 = 1\n"
	"call 181\n r6 += r0\n"   /* flags != 0: -EINVAL */
	"r0 = *(u64 *)(r10 - 8)\n r0 *= 1000\n r0 += r6\n exit\n"
	"cb:\n r3 = *(u64 *)(r2 + 0)\n r3 += r1\n *(u64 *)(r2 + 0) = r3\n r0 = 0\n exit\n"
	"cb2:\n r0 = 0\n if r1 != 2 goto out\n r0 = 1\n out:\n exit\n";

static const char *src_foreach =
	"*(u64 *)(r10 - 8) = 0\n"
	"r1 = map_idx[0x0] ll\n r2 = code_addr[cb] ll\n r3 = r10\n r3 += -8\n r4 = 0\n"
	"call 164\n r6 = r0\n"
	"r1 = map_idx[0x1] ll\n r2 = code_addr[cb] ll\n r3 = r10\n r3 += -8\n r4 = 0\n"
	"call 164\n r6 <<= 8\n r6 += r0\n"
	"r0 = *(u64 *)(r10 - 8)\n r0 <<= 16\n r0 += r6\n exit\n"
	/* cb(map, key, value, ctx): *ctx += *value * (*key + 1); stop at value 0x40 */
	"cb:\n r5 = *(u32 *)(r2 + 0)\n r5 += 1\n r1 = *(u64 *)(r3 + 0)\n r5 *= r1\n"
	"r0 = *(u64 *)(r4 + 0)\n r0 += r5\n *(u64 *)(r4 + 0) = r0\n"
	"r0 = 0\n if r1 != 0x40 goto out\n r0 = 1\n out:\n exit\n";

static void test_callbacks(void)
{
	bpfx_prog *p = load_src(src_loop, __LINE__);
	CHECK(p != NULL);
	for (int e = 0; p && e < 2; e++) {
		struct bpfx_run_result res;
		CHECK(run(p, engines[e], &res) == 0);
		CHECK_EQ_U64(res.r0, 10 * 1000 + 5 + 3 - 22);
	}
	bpfx_prog_destroy(p);

	maps[0] = mk(BPFX_MAP_TYPE_ARRAY, 4, 8, 4);
	maps[1] = mk(BPFX_MAP_TYPE_HASH, 4, 8, 8);
	for (uint32_t k = 0; k < 4; k++) {
		uint64_t v = k + 1;
		bpfx_map_update(maps[0], &k, &v, 0);
	}
	uint32_t hk = 9;
	uint64_t hv = 0x40;
	bpfx_map_update(maps[1], &hk, &hv, 0);
	hk = 3;
	hv = 0x40;
	bpfx_map_update(maps[1], &hk, &hv, 0);
	p = load_src(src_foreach, __LINE__);
	CHECK(p != NULL);
	for (int e = 0; p && e < 2; e++) {
		struct bpfx_run_result res;
		CHECK(run(p, engines[e], &res) == 0);
		/* array: 1*1 + 2*2 + 3*3 + 4*4 = 30, 4 visited; hash: the first
		 * element visited has value 0x40 and stops the walk: 1 visited */
		uint64_t sum = res.r0 >> 16, n_array = (res.r0 >> 8) & 0xff, n_hash = res.r0 & 0xff;
		CHECK_EQ_U64(n_array, 4);
		CHECK_EQ_U64(n_hash, 1);
		CHECK(sum == 30 + 0x40 * 10 || sum == 30 + 0x40 * 4);
	}
	bpfx_prog_destroy(p);
	free_maps();
}

/* ---- queue / stack / bloom ---- */
static const char *src_queue =
	"r6 = 0\n"
	"*(u64 *)(r10 - 8) = 11\n r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -8\n r3 = 0\n call 87\n r6 += r0\n"
	"*(u64 *)(r10 - 8) = 22\n r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -8\n r3 = 0\n call 87\n r6 += r0\n"
	"*(u64 *)(r10 - 8) = 33\n r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -8\n r3 = 0\n call 87\n r6 += r0\n"
	/* full: -E2BIG (-7) */
	"r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -8\n r3 = 0\n call 87\n r6 += r0\n"
	"r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -16\n call 89\n r7 = *(u64 *)(r10 - 16)\n"
	"r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -16\n call 88\n r8 = *(u64 *)(r10 - 16)\n"
	/* bloom: add 33, check 33 (0) and 34 (-ENOENT, most likely) */
	"r1 = map_idx[0x1] ll\n r2 = r10\n r2 += -8\n r3 = 0\n call 87\n r6 += r0\n"
	"r1 = map_idx[0x1] ll\n r2 = r10\n r2 += -8\n call 89\n r6 += r0\n"
	"r0 = r7\n r0 *= 100\n r0 += r8\n r0 *= 100\n r0 += r6\n exit\n";

static void test_queue(void)
{
	for (int kind = 0; kind < 2; kind++) {
		maps[0] = mk(kind ? BPFX_MAP_TYPE_STACK : BPFX_MAP_TYPE_QUEUE, 0, 8, 3);
		maps[1] = mk(BPFX_MAP_TYPE_BLOOM_FILTER, 0, 8, 16);
		bpfx_prog *p = load_src(src_queue, __LINE__);
		CHECK(p != NULL);
		for (int e = 0; p && e < 2; e++) {
			uint64_t v;
			while (bpfx_map_pop(maps[0], &v) == 0)
				;
			struct bpfx_run_result res;
			CHECK(run(p, engines[e], &res) == 0);
			/* queue: peek 11, pop 11; stack: 33, 33; pushes sum -7 */
			uint64_t first = kind ? 33 : 11;
			CHECK_EQ_U64(res.r0, (first * 100 + first) * 100 - 7);
			CHECK(bpfx_map_pop(maps[0], &v) == 0 && v == 22);
		}
		bpfx_prog_destroy(p);
		free_maps();
	}
}

/* ---- ring buffer and perf event output ---- */
static const char *src_ring =
	"r1 = map_idx[0x0] ll\n r2 = 16\n r3 = 0\n call 131\n"
	"if r0 == 0 goto fail\n *(u64 *)(r0 + 0) = 0x1111\n *(u64 *)(r0 + 8) = 0x2222\n"
	"r1 = r0\n r2 = 0\n call 132\n"
	"r1 = map_idx[0x0] ll\n r2 = 8\n r3 = 0\n call 131\n"
	"if r0 == 0 goto fail\n r1 = r0\n r2 = 0\n call 133\n"
	"*(u64 *)(r10 - 8) = 0x3333\n r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -8\n r3 = 8\n r4 = 0\n call 130\n"
	"r6 = r0\n"
	"r1 = map_idx[0x0] ll\n r2 = 0\n call 134\n r6 += r0\n"   /* available bytes: 24+16+16 */
	"r1 = map_idx[0x0] ll\n r2 = 5000\n r3 = 0\n call 131\n r6 += r0\n"   /* too big: NULL */
	/* perf: index 1 and the current CPU */
	"r1 = 0\n r2 = map_idx[0x1] ll\n r3 = 1\n r4 = r10\n r4 += -8\n r5 = 8\n call 25\n r6 += r0\n"
	"r1 = 0\n r2 = map_idx[0x1] ll\n r3 = 0xffffffff ll\n r4 = r10\n r4 += -8\n r5 = 8\n call 25\n r6 += r0\n"
	"r0 = r6\n exit\n"
	"fail:\n r0 = 999\n exit\n";

struct rec {
	int n;
	uint64_t first[4];
	size_t size[4];
};
static int rb_cb(void *ctx, void *data, size_t size)
{
	struct rec *r = ctx;
	if (r->n < 4) {
		memcpy(&r->first[r->n], data, 8);
		r->size[r->n] = size;
	}
	r->n++;
	return 0;
}
static void perf_cb(void *user, uint32_t cpu, const void *data, size_t size)
{
	uint64_t *acc = user, v;
	memcpy(&v, data, 8);
	acc[0] += v;
	acc[1] += size;
	acc[2] += cpu < 2;
}

static void test_ring_perf(void)
{
	maps[0] = mk(BPFX_MAP_TYPE_RINGBUF, 0, 0, 4096);
	maps[1] = mk(BPFX_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0);
	uint64_t acc[3] = {0};
	bpfx_map_set_perf_handler(maps[1], perf_cb, acc);
	bpfx_prog *p = load_src(src_ring, __LINE__);
	CHECK(p != NULL);
	for (int e = 0; p && e < 2; e++) {
		struct bpfx_run_result res;
		memset(acc, 0, sizeof(acc));
		CHECK(run(p, engines[e], &res) == 0);
		CHECK_EQ_U64(res.r0, 56);
		struct rec r = {0};
		CHECK(bpfx_ringbuf_consume(maps[0], rb_cb, &r) == 2);
		CHECK(r.first[0] == 0x1111 && r.size[0] == 16 && r.first[1] == 0x3333 && r.size[1] == 8);
		CHECK(acc[0] == 2 * 0x3333 && acc[1] == 16 && acc[2] == 2);
	}
	bpfx_prog_destroy(p);
	/* checked: submitting something that is not a record */
	p = load_src("r1 = r10\n r1 += -16\n r2 = 0\n call 132\n r0 = 0\n exit\n", __LINE__);
	struct bpfx_run_result res;
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(logbuf, "not a reserved ring buffer record");
	bpfx_prog_destroy(p);
	free_maps();
}

/* ---- strings: trace_printk, snprintf, strtol, strtoul, strncmp ---- */
static const char *src_str =
	"r1 = map_value_idx[0x0]+0x0 ll\n r2 = 15\n r3 = -42\n r4 = map_value_idx[0x0]+0x20 ll\n"
	"r5 = 0xff\n call 6\n r6 = r0\n"
	/* snprintf(value + 0x60, 16, "%s=%u", {ptr "hello", 7}) */
	"r1 = map_value_idx[0x0]+0x20 ll\n *(u64 *)(r10 - 16) = r1\n *(u64 *)(r10 - 8) = 7\n"
	"r1 = map_value_idx[0x0]+0x60 ll\n r2 = 16\n r3 = map_value_idx[0x0]+0x40 ll\n"
	"r4 = r10\n r4 += -16\n r5 = 16\n call 165\n r6 <<= 8\n r6 += r0\n"
	/* strtol("  -123xyz", 9, 0, r10-24) */
	"r1 = map_value_idx[0x0]+0x50 ll\n r2 = 9\n r3 = 0\n r4 = r10\n r4 += -24\n call 105\n"
	"r6 <<= 8\n r6 += r0\n r7 = *(u64 *)(r10 - 24)\n"
	/* strtoul of the same: '-' is refused */
	"r1 = map_value_idx[0x0]+0x50 ll\n r2 = 9\n r3 = 0\n r4 = r10\n r4 += -24\n call 106\n r8 = r0\n"
	/* strncmp("hello", 3, "help") == 0; 4 bytes: < 0 */
	"r1 = map_value_idx[0x0]+0x20 ll\n r2 = 3\n r3 = map_value_idx[0x0]+0x30 ll\n call 182\n r6 <<= 8\n r6 += r0\n"
	"r1 = map_value_idx[0x0]+0x20 ll\n r2 = 4\n r3 = map_value_idx[0x0]+0x30 ll\n call 182\n r9 = r0\n"
	"r0 = r6\n exit\n";

static void test_strings(void)
{
	maps[0] = mk(BPFX_MAP_TYPE_ARRAY, 4, 128, 1);
	uint8_t data[128] = {0};
	memcpy(data + 0x00, "v=%d s=%s %x\n", 14);
	memcpy(data + 0x20, "hello", 6);
	memcpy(data + 0x30, "help", 5);
	memcpy(data + 0x40, "%s=%u", 6);
	memcpy(data + 0x50, "  -123xyz", 9);
	uint32_t k = 0;
	CHECK(bpfx_map_update(maps[0], &k, data, 0) == 0);
	bpfx_prog *p = load_src(src_str, __LINE__);
	CHECK(p != NULL);
	for (int e = 0; p && e < 2; e++) {
		struct bpfx_run_result res;
		CHECK(run(p, engines[e], &res) == 0);
		CHECK_STR_CONTAINS(logbuf, "trace_printk: v=-42 s=hello ff");
		/* printk wrote 17 bytes (with the newline); snprintf 8 ("hello=7" + NUL),
		 * strtol consumed 6, strncmp 0 */
		CHECK_EQ_U64(res.r0, ((17ull << 8 | 8) << 8 | 6) << 8 | 0);
		uint8_t out[128];
		bpfx_map_lookup(maps[0], &k, out);
		CHECK(!strcmp((char *)out + 0x60, "hello=7"));
	}
	bpfx_prog_destroy(p);
	/* r7..r9 are not visible; check strtol's result, strtoul and the
	 * 4-byte strncmp with a second program */
	p = load_src("r1 = map_value_idx[0x0]+0x50 ll\n r2 = 9\n r3 = 0\n r4 = r10\n r4 += -24\n call 105\n"
		     "r0 = *(u64 *)(r10 - 24)\n exit\n",
		     __LINE__);
	struct bpfx_run_result res;
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == 0 && (int64_t)res.r0 == -123);
	bpfx_prog_destroy(p);
	p = load_src("r1 = map_value_idx[0x0]+0x50 ll\n r2 = 9\n r3 = 0\n r4 = r10\n r4 += -24\n call 106\n exit\n",
		     __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == 0 && (int64_t)res.r0 == -22);
	bpfx_prog_destroy(p);
	p = load_src("r1 = map_value_idx[0x0]+0x20 ll\n r2 = 4\n r3 = map_value_idx[0x0]+0x30 ll\n call 182\n exit\n",
		     __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_INTERP, &res) == 0 && (int64_t)res.r0 < 0);
	bpfx_prog_destroy(p);
	/* strtol: base 16 with 0x, overflow, bad base */
	memcpy(data + 0x50, "0x7fffffffffffffffff", 20);
	bpfx_map_update(maps[0], &k, data, 0);
	p = load_src("r1 = map_value_idx[0x0]+0x50 ll\n r2 = 20\n r3 = 16\n r4 = r10\n r4 += -24\n call 105\n exit\n",
		     __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == 0 && (int64_t)res.r0 == -34);
	bpfx_prog_destroy(p);
	p = load_src("r1 = map_value_idx[0x0]+0x50 ll\n r2 = 6\n r3 = 16\n r4 = r10\n r4 += -24\n call 106\n"
		     "r0 = *(u64 *)(r10 - 24)\n exit\n",
		     __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == 0 && res.r0 == 0x7fff);
	bpfx_prog_destroy(p);
	p = load_src("r1 = map_value_idx[0x0]+0x50 ll\n r2 = 6\n r3 = 7\n r4 = r10\n r4 += -24\n call 106\n exit\n",
		     __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == 0 && (int64_t)res.r0 == -22);
	bpfx_prog_destroy(p);
	/* trace_printk: an unterminated format is refused; a bad %s pointer
	 * prints "(fault)" on both engines */
	p = load_src("r1 = map_value_idx[0x0]+0x0 ll\n r2 = 4\n call 6\n exit\n", __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == 0 && (int64_t)res.r0 == -22);
	bpfx_prog_destroy(p);
	p = load_src("r1 = map_value_idx[0x0]+0x0 ll\n r2 = 15\n r3 = 1\n r4 = 4096\n r5 = 0\n call 6\n exit\n",
		     __LINE__);
	for (int e = 0; p && e < 2; e++) {
		CHECK(run(p, engines[e], &res) == 0);
		CHECK_STR_CONTAINS(logbuf, "s=(fault)");
	}
	bpfx_prog_destroy(p);
	free_maps();
}

/* ---- environment helpers, spin locks, tail_call ---- */
static void test_env(void)
{
	struct bpfx_run_result res;
	bpfx_prog *p = load_src("call 14\n exit\n", __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == 0);
	CHECK_EQ_U64(res.r0 >> 32, (uint64_t)getpid());
	CHECK_EQ_U64((uint32_t)res.r0, (uint64_t)gettid());
	bpfx_prog_destroy(p);
	p = load_src("call 15\n exit\n", __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_INTERP, &res) == 0);
	CHECK_EQ_U64(res.r0, ((uint64_t)getgid() << 32) | getuid());
	bpfx_prog_destroy(p);
	p = load_src("call 5\n r6 = r0\n call 5\n r0 -= r6\n r0 >>= 63\n r7 = r0\n call 125\n"
		     "if r0 == 0 goto z\n if r6 == 0 goto z\n r0 = r7\n exit\n z:\n r0 = 9\n exit\n",
		     __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_INTERP, &res) == 0 && res.r0 == 0); /* monotonic, non-zero */
	bpfx_prog_destroy(p);
	p = load_src("call 7\n r6 = r0\n call 7\n r0 ^= r6\n r6 = r0\n call 7\n r0 ^= r6\n r0 >>= 32\n exit\n",
		     __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_INTERP, &res) == 0 && res.r0 == 0); /* u32 values */
	bpfx_prog_destroy(p);
	p = load_src("call 8\n exit\n", __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_INTERP, &res) == 0 && res.r0 < 4096);
	bpfx_prog_destroy(p);
	prctl(PR_SET_NAME, "bpfx-helper-test", 0, 0, 0);
	p = load_src("r1 = r10\n r1 += -16\n r2 = 16\n call 16\n r0 = *(u64 *)(r10 - 16)\n exit\n", __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == 0);
	CHECK(!memcmp(&res.r0, "bpfx-hel", 8));
	bpfx_prog_destroy(p);
	p = load_src("r1 = 4096\n r2 = 16\n call 16\n exit\n", __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == BPFX_E_MEM_FAULT);
	CHECK_STR_CONTAINS(logbuf, "get_current_comm");
	bpfx_prog_destroy(p);

	/* spin lock in a map value */
	maps[0] = mk(BPFX_MAP_TYPE_ARRAY, 4, 16, 1);
	p = load_src("r1 = map_value_idx[0x0]+0x0 ll\n call 93\n"
		     "r1 = map_value_idx[0x0]+0x8 ll\n r2 = *(u64 *)(r1 + 0)\n r2 += 1\n *(u64 *)(r1 + 0) = r2\n"
		     "r1 = map_value_idx[0x0]+0x0 ll\n call 94\n r0 = 0\n exit\n",
		     __LINE__);
	for (int e = 0; p && e < 2; e++)
		CHECK(run(p, engines[e], &res) == 0);
	uint64_t val[2] = {1, 1};
	uint32_t k = 0;
	CHECK(bpfx_map_lookup(maps[0], &k, val) == 0 && val[0] == 0 && val[1] == 2);
	/* a lock left held: a cancelled run does not hang in spin_lock */
	uint64_t held[2] = {1, 0};
	bpfx_map_update(maps[0], &k, held, 0);
	int cancel = 1;
	struct bpfx_run_opts cro = {.sz = sizeof(cro), .engine = BPFX_ENGINE_CHECKED, .cancel = &cancel};
	logbuf[0] = 0;
	CHECK(p && bpfx_prog_run(p, &cro, &res) == BPFX_E_CANCELLED);
	CHECK_STR_CONTAINS(logbuf, "spin_lock");
	bpfx_prog_destroy(p);
	p = load_src("r1 = map_value_idx[0x0]+0x2 ll\n call 93\n r0 = 0\n exit\n", __LINE__);
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(logbuf, "aligned");
	bpfx_prog_destroy(p);
	free_maps();

	/* tail_call: an empty slot falls through with -ENOENT */
	maps[0] = mk(BPFX_MAP_TYPE_PROG_ARRAY, 4, 4, 2);
	p = load_src("r2 = map_idx[0x0] ll\n r3 = 1\n call 12\n exit\n", __LINE__);
	for (int e = 0; p && e < 2; e++) {
		CHECK(run(p, engines[e], &res) == 0);
		CHECK_EQ_U64(res.r0, (uint64_t)-2);
	}
	/* a program tail-calling itself: 33 tail calls, then the 34th returns -E2BIG
	 * (tests/unit/test_tailcall.c covers tail calls in depth) */
	bpfx_map_set_prog(maps[0], 1, p);
	for (int e = 0; p && e < 2; e++) {
		CHECK(run(p, engines[e], &res) == 0);
		CHECK_EQ_U64(res.r0, (uint64_t)-7);
	}
	bpfx_prog_destroy(p);
	free_maps();
}

/* ---- map-in-map and per-CPU through helpers ---- */
static void test_inner_percpu(void)
{
	bpfx_map *tmpl = mk(BPFX_MAP_TYPE_ARRAY, 4, 8, 2);
	struct bpfx_map_opts o = {.sz = sizeof(o), .type = BPFX_MAP_TYPE_ARRAY_OF_MAPS, .key_size = 4,
				  .value_size = 4, .max_entries = 2, .inner_map = tmpl};
	CHECK(bpfx_map_create(&o, &maps[0]) == 0);
	maps[1] = tmpl;
	bpfx_map *inner = mk(BPFX_MAP_TYPE_ARRAY, 4, 8, 2);
	uint32_t k = 1;
	uint64_t v = 77;
	bpfx_map_update(inner, &k, &v, 0);
	CHECK(bpfx_map_set_inner(maps[0], &k, inner) == 0);
	bpfx_map_destroy(inner);
	bpfx_prog *p = load_src("*(u32 *)(r10 - 4) = 1\n r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -4\n call 1\n"
				"if r0 == 0 goto out\n r1 = r0\n r2 = r10\n r2 += -4\n call 1\n"
				"if r0 == 0 goto out\n r0 = *(u64 *)(r0 + 0)\n out:\n exit\n",
				__LINE__);
	struct bpfx_run_result res;
	CHECK(p && run(p, BPFX_ENGINE_INTERP, &res) == 0);
	CHECK_EQ_U64(res.r0, 77);
	/* checked runs may use only the memory of maps the program loaded
	 * itself: an inner map's values are not among them (docs/maps.md) */
	CHECK(p && run(p, BPFX_ENGINE_CHECKED, &res) == BPFX_E_MEM_FAULT);
	bpfx_prog_destroy(p);
	free_maps();

	/* pin the thread so that update and lookup see the same "CPU" */
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	maps[0] = mk(BPFX_MAP_TYPE_PERCPU_HASH, 4, 8, 4);
	p = load_src("*(u32 *)(r10 - 4) = 5\n *(u64 *)(r10 - 16) = 9\n r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -4\n"
		     "r3 = r10\n r3 += -16\n r4 = 0\n call 2\n"
		     "r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -4\n call 1\n"
		     "if r0 == 0 goto out\n r0 = *(u64 *)(r0 + 0)\n out:\n exit\n",
		     __LINE__);
	for (int e = 0; p && e < 2; e++) {
		CHECK(run(p, engines[e], &res) == 0);
		CHECK_EQ_U64(res.r0, 9);
		uint64_t all[2];
		k = 5;
		CHECK(bpfx_map_lookup(maps[0], &k, all) == 0 && all[0] + all[1] == 9);
		bpfx_map_delete(maps[0], &k);
	}
	bpfx_prog_destroy(p);
	free_maps();
}

int main(void)
{
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .log = logcb};
	if (bpfx_vm_create(&vo, &vm))
		return 1;
	CHECK(bpfx_helpers_register_std(vm, NULL) == 0);
	struct bpfx_func_info fi;
	CHECK(bpfx_vm_find_func(vm, 0, 0, "ringbuf_reserve", &fi) == 0 && fi.id == 131 && fi.proto &&
	      fi.proto->ret == BPFX_RET_ACQUIRED_MEM_OR_NULL);
	CHECK(bpfx_vm_find_func(vm, 0, 1, NULL, &fi) == 0 && !strcmp(fi.name, "map_lookup_elem"));
	bpfx_vm *vm2 = NULL;
	CHECK(bpfx_vm_create(&vo, &vm2) == 0);
	struct bpfx_std_helpers_opts ho = {.sz = sizeof(ho), .flags = BPFX_STD_NO_ENV};
	CHECK(bpfx_helpers_register_std(vm2, &ho) == 0);
	CHECK(bpfx_vm_find_func(vm2, 0, 5, NULL, &fi) == BPFX_E_NOENT);
	CHECK(bpfx_vm_find_func(vm2, 0, 181, NULL, &fi) == 0);
	ho.flags = 0x80;
	CHECK(bpfx_helpers_register_std(vm2, &ho) == BPFX_E_INVAL);
	bpfx_vm_destroy(vm2);

	test_hash();
	test_verified();
	test_checked_faults();
	test_callbacks();
	test_queue();
	test_ring_perf();
	test_strings();
	test_env();
	test_inner_percpu();
	bpfx_vm_destroy(vm);
	return check_summary("test_helpers");
}
