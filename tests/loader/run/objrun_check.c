/* SPDX-License-Identifier: MIT */
/* objrun_check: loads our clang-19 objects with bpfx_object_load and runs
 * them with real contexts on every engine that accepts them.
 * usage: objrun_check RUN_OBJ_DIR LOADER_OBJ_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpfx/bpfx.h>
#include <bpfx/helpers.h>
#include <bpfx/maps.h>
#include <bpfx/object.h>

#include "check.h"

static char lastlog[4096];
static void logfn(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	if (lvl <= BPFX_LOG_WARN) {
		snprintf(lastlog, sizeof(lastlog), "%s", msg);
		if (getenv("OBJRUN_VERBOSE"))
			fprintf(stderr, "log: %s\n", msg);
	}
}

struct env {
	bpfx_vm *vm;
	bpfx_object *obj;
};

static int env_open(struct env *e, const char *dir, const char *file, uint32_t flags)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .log = logfn};
	struct bpfx_object_opts oo = {.sz = sizeof(oo), .log = logfn};
	struct bpfx_std_helpers_opts ho = {.sz = sizeof(ho), .flags = BPFX_STD_NO_ENV};
	if (bpfx_vm_create(&vo, &e->vm) || bpfx_helpers_register_std(e->vm, &ho) ||
	    bpfx_object_register_ctx_helpers(e->vm))
		return -1;
	if (bpfx_object_open_file(path, &oo, &e->obj)) {
		fprintf(stderr, "open %s: %s\n", path, lastlog);
		return -1;
	}
	struct bpfx_object_load_opts lo = {.sz = sizeof(lo), .flags = flags};
	int err = bpfx_object_load(e->obj, e->vm, &lo);
	if (err)
		fprintf(stderr, "load %s: %s: %s\n", path, bpfx_status_name(err), lastlog);
	return err;
}

static void env_close(struct env *e)
{
	bpfx_object_close(e->obj);
	bpfx_vm_destroy(e->vm);
}

static size_t prog_idx(struct env *e, const char *name)
{
	size_t i = 0;
	CHECK(bpfx_object_find_prog(e->obj, NULL, name, &i) == 0);
	return i;
}

static bpfx_map *map_of(struct env *e, const char *name)
{
	size_t i = 0;
	CHECK(bpfx_object_find_map(e->obj, name, &i) == 0);
	return bpfx_object_map_handle(e->obj, i);
}

static uint64_t run(struct env *e, size_t p, enum bpfx_engine eng, void *pkt, size_t len, uint32_t *mark)
{
	struct bpfx_object_run_opts ro = {.sz = sizeof(ro), .engine = eng, .data = pkt, .data_len = len,
					  .ifindex = 3, .budget = 100000};
	struct bpfx_run_result res;
	int err = bpfx_object_run(e->obj, p, &ro, &res);
	if (err)
		fprintf(stderr, "run: %s at insn %zu: %s\n", bpfx_status_name(err), res.insn, lastlog);
	CHECK(err == 0);
	if (mark)
		*mark = ro.mark_out;
	return res.r0;
}

static void eth_pkt(unsigned char *p, size_t len, uint16_t ethertype, uint8_t ipproto)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	p[12] = (unsigned char)(ethertype >> 8);
	p[13] = (unsigned char)ethertype;
	p[23] = ipproto;
}

static uint64_t data_u64(struct env *e, const char *map, size_t off)
{
	bpfx_map *m = map_of(e, map);
	size_t sz = 0;
	unsigned char *v = bpfx_map_values(m, &sz);
	uint64_t x = 0;
	CHECK(v && off + 8 <= sz);
	if (v && off + 8 <= sz)
		memcpy(&x, v + off, 8);
	return x;
}

static void test_xdp(const char *dir, enum bpfx_engine eng, uint32_t flags)
{
	struct env e = {0};
	CHECK(env_open(&e, dir, "run_xdp.o", flags) == 0);
	if (!e.obj || !bpfx_object_prog_handle(e.obj, 0)) {
		env_close(&e);
		return;
	}
	size_t p = prog_idx(&e, "xdp_main");
	CHECK(bpfx_object_prog_ctx_type(e.obj, p) == BPFX_CTX_TYPE_XDP);
	if (flags & BPFX_OBJ_LOAD_VERIFY)
		CHECK(bpfx_object_prog_verified(e.obj, p) == 1);
	unsigned char pkt[60], orig[60];
	eth_pkt(pkt, sizeof(pkt), 0x0800, 6);
	memcpy(orig, pkt, sizeof(pkt));
	CHECK_EQ_U64(run(&e, p, eng, pkt, sizeof(pkt), NULL), BPFX_XDP_TX);
	CHECK(memcmp(pkt, orig + 6, 6) == 0 && memcmp(pkt + 6, orig, 6) == 0);
	CHECK(memcmp(pkt + 12, orig + 12, sizeof(pkt) - 12) == 0);
	eth_pkt(pkt, 42, 0x0806, 0);
	CHECK_EQ_U64(run(&e, p, eng, pkt, 42, NULL), BPFX_XDP_DROP);
	eth_pkt(pkt, sizeof(pkt), 0x0800, 17);
	CHECK_EQ_U64(run(&e, p, eng, pkt, sizeof(pkt), NULL), BPFX_XDP_TX);
	CHECK_EQ_U64(run(&e, p, eng, pkt, 10, NULL), BPFX_XDP_ABORTED);
	/* global data: packets (.bss) = 3, bytes_seen (.data) = 7 + 60 + 42 + 60 */
	CHECK_EQ_U64(data_u64(&e, ".bss", 0), 3);
	CHECK_EQ_U64(data_u64(&e, ".data", 0), 7 + 300);
	bpfx_map *pc = map_of(&e, "proto_count");
	uint32_t ip = 0x0008, arp = 0x0608;
	uint64_t v = 0;
	CHECK(bpfx_map_lookup(pc, &ip, &v) == 0);
	CHECK_EQ_U64(v, 2);
	CHECK(bpfx_map_lookup(pc, &arp, &v) == 0);
	CHECK_EQ_U64(v, 1);
	/* the host changes .rodata (programs cannot): IPv4 is now dropped */
	bpfx_map *ro = map_of(&e, ".rodata");
	uint32_t k = 0, val = 0x0008;
	CHECK(bpfx_map_update(ro, &k, &val, BPFX_ANY) == 0);
	eth_pkt(pkt, sizeof(pkt), 0x0800, 6);
	CHECK_EQ_U64(run(&e, p, eng, pkt, sizeof(pkt), NULL), BPFX_XDP_DROP);
	CHECK(bpfx_object_load(e.obj, e.vm, NULL) == BPFX_E_EXIST);
	env_close(&e);
}

static void test_skb(const char *dir, enum bpfx_engine eng, uint32_t flags)
{
	struct env e = {0};
	CHECK(env_open(&e, dir, "run_skb.o", flags) == 0);
	if (!e.obj || !bpfx_object_prog_handle(e.obj, 0)) {
		env_close(&e);
		return;
	}
	size_t s = prog_idx(&e, "sock_tcp"), t = prog_idx(&e, "tc_mark");
	CHECK(bpfx_object_prog_ctx_type(e.obj, s) == BPFX_CTX_TYPE_SKB);
	unsigned char pkt[64];
	eth_pkt(pkt, sizeof(pkt), 0x0800, 6);
	CHECK_EQ_U64(run(&e, s, eng, pkt, sizeof(pkt), NULL), 64);
	eth_pkt(pkt, sizeof(pkt), 0x0800, 17);
	CHECK_EQ_U64(run(&e, s, eng, pkt, sizeof(pkt), NULL), 0);
	eth_pkt(pkt, sizeof(pkt), 0x86dd, 6);
	CHECK_EQ_U64(run(&e, s, eng, pkt, sizeof(pkt), NULL), 0);
	/* LD_ABS past the end ends the run with r0 = 0 */
	CHECK_EQ_U64(run(&e, s, eng, pkt, 20, NULL), 0);
	uint32_t mark = 0;
	eth_pkt(pkt, sizeof(pkt), 0x0800, 6);
	CHECK_EQ_U64(run(&e, t, eng, pkt, sizeof(pkt), &mark), 0);
	CHECK_EQ_U64(mark, 0x0008 + 3);
	CHECK_EQ_U64(pkt[0], 0xaa);
	bpfx_map *c = map_of(&e, "counters");
	uint32_t k = 0;
	uint64_t v = 0;
	CHECK(bpfx_map_lookup(c, &k, &v) == 0);
	CHECK_EQ_U64(v, 2); /* IPv4 packets seen by the socket filter (the 20-byte one too) */
	k = 1;
	CHECK(bpfx_map_lookup(c, &k, &v) == 0);
	CHECK_EQ_U64(v, 64);
	env_close(&e);
}

static void test_globals(const char *dir, enum bpfx_engine eng, uint32_t flags)
{
	struct env e = {0};
	CHECK(env_open(&e, dir, "globals.o", flags) == 0);
	if (!e.obj || !bpfx_object_prog_handle(e.obj, 0)) {
		env_close(&e);
		return;
	}
	unsigned char buf[64] = {0};
	size_t p = prog_idx(&e, "use_globals");
	/* table[mode & 3] + private_counter: 4 + 5, then 4 + 7 */
	CHECK_EQ_U64(run(&e, p, eng, buf, sizeof(buf), NULL), 9);
	CHECK_EQ_U64(run(&e, p, eng, buf, sizeof(buf), NULL), 11);
	CHECK_EQ_U64(data_u64(&e, ".data", 0) , 7); /* hits: 5 + 2 */
	env_close(&e);
}

static void test_ctx_helpers(const char *dir, enum bpfx_engine eng, uint32_t flags)
{
	struct env e = {0};
	CHECK(env_open(&e, dir, "run_helpers.o", flags) == 0);
	if (!e.obj || !bpfx_object_prog_handle(e.obj, 0)) {
		env_close(&e);
		return;
	}
	unsigned char pkt[60];
	eth_pkt(pkt, sizeof(pkt), 0x0800, 6);
	struct bpfx_object_run_opts ro = {.sz = sizeof(ro), .engine = eng, .data = pkt, .data_len = sizeof(pkt)};
	struct bpfx_run_result res;
	CHECK(bpfx_object_run(e.obj, prog_idx(&e, "xdp_pop4"), &ro, &res) == 0);
	CHECK_EQ_U64(res.r0, BPFX_XDP_PASS);
	CHECK_EQ_U64(ro.data_off, 4);
	CHECK_EQ_U64(ro.data_len_out, 56);
	CHECK_EQ_U64(pkt[4], 0xee);
	CHECK_EQ_U64(pkt[0], 1);
	/* too short to pop 4 and keep an Ethernet header: -EINVAL, r0 = 0 */
	ro.data_len = 16;
	CHECK(bpfx_object_run(e.obj, prog_idx(&e, "xdp_pop4"), &ro, &res) == 0);
	CHECK_EQ_U64(res.r0, 0);
	CHECK_EQ_U64(ro.data_off, 0);
	eth_pkt(pkt, sizeof(pkt), 0x0800, 6);
	ro.data_len = sizeof(pkt);
	CHECK(bpfx_object_run(e.obj, prog_idx(&e, "sock_copy"), &ro, &res) == 0);
	CHECK_EQ_U64(res.r0, (0x08u << 24 | 0x00u << 16 | (uint32_t)pkt[14] << 8 | pkt[15]) & 0x7fffffff);
	ro.data_len = 14; /* bytes 12..15 are not all there */
	CHECK(bpfx_object_run(e.obj, prog_idx(&e, "sock_copy"), &ro, &res) == 0);
	CHECK_EQ_U64(res.r0, 1);
	env_close(&e);
}

/* Every other object of the loader tests loads (maps of each style). */
static void test_load_only(const char *dir, const char *file)
{
	struct env e = {0};
	CHECK(env_open(&e, dir, file, BPFX_OBJ_LOAD_TRY_VERIFY) == 0);
	env_close(&e);
}

/* 0 when the engine runs a loaded, verified program here (the JIT may be
 * missing from the build or the machine). */
static int engine_ok(const char *dir, enum bpfx_engine eng)
{
	struct env e = {0};
	int ok = 0;
	if (env_open(&e, dir, "run_xdp.o", BPFX_OBJ_LOAD_VERIFY) == 0) {
		unsigned char pkt[20] = {0};
		struct bpfx_object_run_opts ro = {.sz = sizeof(ro), .engine = eng, .data = pkt, .data_len = 20};
		struct bpfx_run_result res;
		ok = bpfx_object_run(e.obj, 0, &ro, &res) != BPFX_E_UNSUPPORTED;
	}
	env_close(&e);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: objrun_check RUN_OBJ_DIR LOADER_OBJ_DIR\n");
		return 2;
	}
	static const struct {
		enum bpfx_engine eng;
		uint32_t flags;
	} modes[] = {
		{BPFX_ENGINE_CHECKED, 0},
		{BPFX_ENGINE_CHECKED, BPFX_OBJ_LOAD_TRY_VERIFY},
		{BPFX_ENGINE_INTERP, BPFX_OBJ_LOAD_TRUSTED},
		{BPFX_ENGINE_AUTO, BPFX_OBJ_LOAD_TRY_VERIFY},
		{BPFX_ENGINE_JIT, BPFX_OBJ_LOAD_TRUSTED},
	};
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		if (modes[m].eng == BPFX_ENGINE_JIT && !engine_ok(argv[1], BPFX_ENGINE_JIT)) {
			printf("objrun: the jit engine is not available: its runs are skipped\n");
			continue;
		}
		test_xdp(argv[1], modes[m].eng, modes[m].flags);
		test_skb(argv[1], modes[m].eng, modes[m].flags);
		test_globals(argv[2], modes[m].eng, modes[m].flags);
		if (modes[m].eng != BPFX_ENGINE_INTERP || (modes[m].flags & BPFX_OBJ_LOAD_TRUSTED))
			test_ctx_helpers(argv[1], modes[m].eng, modes[m].flags);
	}
	/* the verifier accepts the XDP program after the context rewrite */
	test_xdp(argv[1], BPFX_ENGINE_INTERP, BPFX_OBJ_LOAD_VERIFY);
	test_load_only(argv[2], "maps_btf.o");
	test_load_only(argv[2], "maps_legacy.o");
	test_load_only(argv[2], "maps_iproute2.o");
	test_load_only(argv[2], "subprogs.o");
	return check_summary("objrun");
}
