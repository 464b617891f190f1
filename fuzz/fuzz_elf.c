/* SPDX-License-Identifier: MIT */
/*
 * fuzz_elf - libFuzzer target for the ELF loader: opens the input as a BPF
 * object and walks everything the accessors return (programs, maps, externs),
 * touching every returned byte so that out-of-bounds views are caught by
 * the sanitizers. Seeds: the corpus objects and tests/loader/src builds.
 */
#include <bpf/libbpf.h>
#include <bpfx/bpfx.h>
#include <stdint.h>
#include <string.h>

static void quiet(void *user, enum bpfx_log_level level, const char *msg)
{
	(void)user;
	(void)level;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init) {
		libbpf_set_print(NULL); /* malformed BTF makes libbpf print */
		init = 1;
	}
	struct bpfx_object_opts opts = {.sz = sizeof(opts), .log = quiet};
	bpfx_object *obj = NULL;
	if (bpfx_object_open_mem(data, size, &opts, &obj))
		return 0;
	volatile unsigned sink = 0;
	for (size_t i = 0; i < bpfx_object_prog_count(obj); i++) {
		struct bpfx_object_prog_info p;
		if (bpfx_object_prog(obj, i, &p))
			__builtin_trap();
		sink += (unsigned)strlen(p.name) + (unsigned)strlen(p.section) + (unsigned)strlen(p.type);
		for (size_t k = 0; k < p.insn_count; k++)
			sink += p.insns[k].code;
		struct bpfx_validate_opts vo = {.sz = sizeof(vo), .log = quiet};
		sink += (unsigned)bpfx_validate(p.insns, p.insn_count, &vo);
	}
	for (size_t i = 0; i < bpfx_object_map_count(obj); i++) {
		struct bpfx_object_map_info m;
		if (bpfx_object_map(obj, i, &m))
			__builtin_trap();
		if (m.inner_map != BPFX_NO_MAP && m.inner_map >= bpfx_object_map_count(obj))
			__builtin_trap();
		sink += (unsigned)strlen(m.name) + (unsigned)strlen(m.section) + m.key_size;
		const unsigned char *d = m.data;
		for (size_t k = 0; d && k < m.data_size; k++)
			sink += d[k];
	}
	for (size_t i = 0; i < bpfx_object_extern_count(obj); i++) {
		struct bpfx_object_extern_info e;
		if (bpfx_object_extern(obj, i, &e))
			__builtin_trap();
		sink += (unsigned)strlen(e.name);
	}
	struct bpfx_object_info oi;
	bpfx_object_get_info(obj, &oi);
	sink += (unsigned)strlen(oi.license);
	(void)sink;
	bpfx_object_close(obj);
	return 0;
}
