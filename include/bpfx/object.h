/* SPDX-License-Identifier: MIT */
/*
 * bpfx/object.h - BPF ELF objects as clang and gcc build them: programs by
 * libbpf's SEC() conventions, subprogram linking, relocations, map
 * definitions, global data and BTF.
 *
 * First cut of the API (the loader issue extends it: maps at run time,
 * CO-RE, BTF access). Extend, do not change, what is here.
 */
#ifndef BPFX_OBJECT_H
#define BPFX_OBJECT_H

#include <bpfx/common.h>
#include <bpfx/isa.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bpfx_object bpfx_object;

struct bpfx_object_opts {
	size_t sz;                 /* sizeof(struct bpfx_object_opts) */
	const char *name;          /* for messages; default: the file name */
	bpfx_log_fn log;
	void *log_user;
};

/* Opens and parses an object: every malformed part is refused with
 * BPFX_E_ELF (or BPFX_E_BTF) and a message naming the section, symbol or
 * relocation. The object owns everything the accessors below return. */
BPFX_API int bpfx_object_open_file(const char *path, const struct bpfx_object_opts *opts,
				   bpfx_object **out);
BPFX_API int bpfx_object_open_mem(const void *data, size_t len, const struct bpfx_object_opts *opts,
				  bpfx_object **out);
BPFX_API void bpfx_object_close(bpfx_object *obj);

struct bpfx_object_prog_info {
	const char *name;          /* function symbol, or the section name */
	const char *section;       /* ELF section, e.g. "xdp" or "kprobe/sys_open" */
	const char *type;          /* program type libbpf would infer ("xdp", ...), or "" */
	/* Bytecode after subprogram linking (used .text functions appended, call
	 * offsets fixed). Map and global-data references are lddw with src
	 * BPFX_LDDW_MAP_IDX / BPFX_LDDW_MAP_VALUE_IDX and imm = map index. */
	const struct bpfx_insn *insns;
	size_t insn_count;
};

BPFX_API size_t bpfx_object_prog_count(const bpfx_object *obj);
BPFX_API int bpfx_object_prog(const bpfx_object *obj, size_t index, struct bpfx_object_prog_info *info);
/* Finds a program by section and/or name (either may be NULL); BPFX_E_NOENT. */
BPFX_API int bpfx_object_find_prog(const bpfx_object *obj, const char *section, const char *name,
				   size_t *index);

#ifdef __cplusplus
}
#endif
#endif /* BPFX_OBJECT_H */
