/* SPDX-License-Identifier: MIT */
/* verifier_internal.h - platform representation and the report builder,
 * shared by the files of src/verifier. */
#ifndef BPFX_VERIFIER_INTERNAL_H
#define BPFX_VERIFIER_INTERNAL_H

#include <bpfx/verifier.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../common/diag.h"
#include "rules.h"

struct vplat_func {
	uint32_t id;
	char *name;
	struct bpfx_func_proto proto;
};

struct vplat_type {
	struct bpfx_prog_type t; /* name, fields and helpers point at owned copies */
};

struct bpfx_platform {
	char *name;
	uint32_t groups;
	uint32_t stack_total;
	struct bpfx_diag diag;
	struct vplat_type *types;
	size_t ntypes;
	struct vplat_func *helpers, *kfuncs;
	size_t nhelpers, nkfuncs;
};

/* The bundled "linux" platform (linux.c). */
int bpfx_linux_platform(bpfx_platform **out);

const struct vplat_func *bpfx_vplat_find(const struct vplat_func *fs, size_t n, uint32_t id);

/* A growable string. On allocation failure it stops growing and remembers
 * the failure (sb->oom), so callers check once at the end. */
struct vsb {
	char *s;
	size_t len, cap;
	int oom;
	size_t limit; /* 0: none; past it, appends are dropped and `cut` is set */
	int cut;
};
void bpfx_vsb_printf(struct vsb *sb, const char *fmt, ...) BPFX_PRINTF(2, 3);
void bpfx_vsb_puts(struct vsb *sb, const char *s);
/* Takes the string (never NULL: "" when empty or on failure). */
char *bpfx_vsb_take(struct vsb *sb);

/* Builds a report; all strings are copied. */
struct bpfx_report *bpfx_report_new(void);
int bpfx_report_set(struct bpfx_report *r, const char *field, const char *value);

#endif
