/* SPDX-License-Identifier: MIT */
/* btf_ext.h - the parsed .BTF.ext section (btf_ext.c), shared with core.c. */
#ifndef BPFX_LOADER_BTF_EXT_H
#define BPFX_LOADER_BTF_EXT_H

#include "loader.h"

/* A record keyed by a code section and a slot in it. */
struct ldr_ext_func { size_t sec, insn; uint32_t type_id; };
struct ldr_ext_line { size_t sec, insn; const char *file, *text; uint32_t line, col; };
struct ldr_ext_core { size_t sec, insn; uint32_t type_id, kind; const char *access; size_t index; };

struct ldr_btf_ext {
	struct ldr_ext_func *funcs;
	size_t nfuncs;
	struct ldr_ext_line *lines;
	size_t nlines;
	struct ldr_ext_core *cores;  /* in section order, as in the file */
	size_t ncores;
	size_t fcap, lcap, ccap;
};

/* Slot of (sec, insn) in linked program p, or SIZE_MAX when p does not hold it. */
size_t ldr_prog_slot(const struct bpfx_object *obj, const struct ldr_prog *p, size_t sec,
		     size_t insn);

#endif
