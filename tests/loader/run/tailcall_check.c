/* SPDX-License-Identifier: MIT */
/* tailcall_check.c - run_tailcall.o (a prog array filled from .rel.maps,
 * programs tail-calling each other) on the checked, interp and jit
 * (trusted or verified) and auto (verified or trusted) engines: identical
 * results. Also a slot the host fills with bpfx_map_set_prog. */
#include <bpfx/bpfx.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static char logbuf[16384];
static void logcb(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	if (lvl > BPFX_LOG_WARN)
		return;
	size_t n = strlen(logbuf);
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

static size_t prog_idx(bpfx_object *obj, const char *name)
{
	size_t i = SIZE_MAX;
	CHECK(bpfx_object_find_prog(obj, NULL, name, &i) == 0);
	return i;
}

static void one(const char *path, enum bpfx_engine eng, uint32_t flags)
{
	fprintf(stderr, "engine %s, load flags 0x%x\n", bpfx_engine_name(eng), flags);
	bpfx_vm *vm = NULL;
	bpfx_object *obj = NULL;
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .log = logcb};
	struct bpfx_object_opts oo = {.sz = sizeof(oo), .log = logcb};
	CHECK(bpfx_vm_create(&vo, &vm) == 0);
	CHECK(bpfx_helpers_register_std(vm, NULL) == 0);
	CHECK(bpfx_object_open_file(path, &oo, &obj) == 0);
	struct bpfx_object_load_opts lo = {.sz = sizeof(lo), .flags = flags};
	logbuf[0] = 0;
	int err = obj ? bpfx_object_load(obj, vm, &lo) : -1;
	if (err)
		fprintf(stderr, "%s", logbuf);
	CHECK(err == 0);
	if (err) {
		bpfx_object_close(obj);
		bpfx_vm_destroy(vm);
		return;
	}
	/* the verifier accepts every program (tail_call included) */
	if (flags & BPFX_OBJ_LOAD_TRY_VERIFY)
		for (size_t i = 0; i < bpfx_object_prog_count(obj); i++)
			CHECK(bpfx_object_prog_verified(obj, i) == 1);
	/* the slots .rel.maps filled */
	size_t mi = SIZE_MAX;
	CHECK(bpfx_object_find_map(obj, "jmp", &mi) == 0);
	bpfx_map *jmp = bpfx_object_map_handle(obj, mi);
	CHECK(bpfx_map_get_prog(jmp, 1) == bpfx_object_prog_handle(obj, prog_idx(obj, "chain1")));
	CHECK(bpfx_map_get_prog(jmp, 3) == bpfx_object_prog_handle(obj, prog_idx(obj, "self_call")));
	for (uint32_t s = 0; s < 8; s++)
		if (s != 1 && s != 3)
			CHECK(bpfx_map_get_prog(jmp, s) == NULL);

	uint64_t c[4];
	struct bpfx_object_run_opts ro = {.sz = sizeof(ro), .engine = eng, .data = c, .data_len = sizeof(c)};
	struct bpfx_run_result res;
	/* chain0 -> chain1; the empty slots 2 and 6 give -ENOENT and chain1 goes on */
	memset(c, 0, sizeof(c));
	CHECK(bpfx_object_run(obj, prog_idx(obj, "chain0"), &ro, &res) == 0);
	CHECK_EQ_U64(res.r0, 42);
	CHECK_EQ_U64(c[0], 1);
	CHECK_EQ_U64(c[1], 10);
	CHECK_EQ_U64(c[2], (uint64_t)-2);
	CHECK_EQ_U64(c[3], (uint64_t)-2);
	/* the host fills slot 6 */
	CHECK(bpfx_map_set_prog(jmp, 6, bpfx_object_prog_handle(obj, prog_idx(obj, "host_slot"))) == 0);
	memset(c, 0, sizeof(c));
	CHECK(bpfx_object_run(obj, prog_idx(obj, "chain0"), &ro, &res) == 0);
	CHECK_EQ_U64(res.r0, 5);
	CHECK_EQ_U64(c[1], 10);
	CHECK_EQ_U64(c[2], (uint64_t)-2);
	CHECK_EQ_U64(c[3], 77);
	/* clearing it (delete) empties it again */
	uint32_t k = 6;
	CHECK(bpfx_map_delete(jmp, &k) == 0);
	memset(c, 0, sizeof(c));
	CHECK(bpfx_object_run(obj, prog_idx(obj, "chain0"), &ro, &res) == 0);
	CHECK_EQ_U64(res.r0, 42);
	/* the limit: 1 + 33 runs, the 34th tail call returns -E2BIG (-7) */
	memset(c, 0, sizeof(c));
	CHECK(bpfx_object_run(obj, prog_idx(obj, "self_call"), &ro, &res) == 0);
	CHECK_EQ_U64(c[0], 34);
	CHECK_EQ_U64((uint32_t)res.r0, (uint32_t)-7);
	bpfx_object_close(obj);
	bpfx_vm_destroy(vm);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: tailcall_check run_tailcall.o\n");
		return 2;
	}
	one(argv[1], BPFX_ENGINE_CHECKED, 0);
	one(argv[1], BPFX_ENGINE_CHECKED, BPFX_OBJ_LOAD_TRY_VERIFY);
	one(argv[1], BPFX_ENGINE_INTERP, BPFX_OBJ_LOAD_TRUSTED);
	one(argv[1], BPFX_ENGINE_INTERP, BPFX_OBJ_LOAD_TRY_VERIFY);
	one(argv[1], BPFX_ENGINE_AUTO, BPFX_OBJ_LOAD_TRY_VERIFY);
	one(argv[1], BPFX_ENGINE_AUTO, BPFX_OBJ_LOAD_TRUSTED);
#if defined(__x86_64__)
	one(argv[1], BPFX_ENGINE_JIT, BPFX_OBJ_LOAD_TRUSTED);
	one(argv[1], BPFX_ENGINE_JIT, BPFX_OBJ_LOAD_TRY_VERIFY);
#endif
	return check_summary("tailcall-object");
}
