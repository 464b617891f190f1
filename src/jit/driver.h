/* SPDX-License-Identifier: MIT */
/*
 * driver.h - the parts of bpfx_jit_compile that do not depend on the target
 * (driver.c): checking the arguments and the environment, allocating the
 * program object, finding function entries, drawing the blinding key,
 * reserving the final mapping, running the layout passes until the offsets
 * settle, and making the bytes executable. A backend calls them in this
 * order, and bpfx_jit_build_abort on any failure after begin:
 *
 *   bpfx_jit_build_begin -> (backend planning) -> bpfx_jit_build_reserve
 *   -> bpfx_jit_build_settle (calls the backend's pass) -> bpfx_jit_build_finish
 */
#ifndef BPFX_JIT_DRIVER_H
#define BPFX_JIT_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jit.h"
#include "runtime.h"

#define BPFX_JIT_MAX_PASSES 20

struct bpfx_jit_build {
	const struct bpfx_diag *d;
	const struct bpfx_insn *insns;
	const int16_t *ops;
	size_t count;
	const struct bpfx_jit_env *env; /* never NULL after begin */
	struct bpfx_jit_prog *prog;     /* owns addrs and entry (count + 1, count) */
	uint8_t *is_entry;              /* per slot: a function starts here */
	size_t nentries;                /* slots with is_entry set */
	uint8_t *leaf;                  /* per slot: a leaf function starts here (its local calls
					 * are no budget events; bpfx_leaf_functions) */
	bool gotox;                     /* the program has a gotox */
	uint32_t depth;                 /* frames, main program included */
	uint64_t key;                   /* blinding key (BPFX_JIT_BLIND), else 0 */
	uint8_t *buf;                   /* after reserve: the pass output, cap bytes */
	size_t cap;
	uint64_t base;                  /* after reserve: address of the final mapping */
	uint64_t gotox_table;           /* after reserve: p->gotox, or 0 */
	size_t page;
	struct bpfx_jit_env noenv;
};

/* What one layout pass found. */
enum bpfx_jit_pass_result {
	BPFX_JIT_PASS_MOVED,    /* some offset changed: run another pass */
	BPFX_JIT_PASS_SETTLED,  /* every offset as in the previous pass */
	BPFX_JIT_PASS_OVERFLOW, /* the code did not fit in the buffer */
	BPFX_JIT_PASS_RANGE,    /* an instruction's code or a branch out of range */
};

/* One pass over the program. `pass` counts from 0; `long_branches` is set
 * once the layout looks like oscillating (from pass BPFX_JIT_MAX_PASSES - 2
 * on): the backend then stops shrinking branches, which settles in two. */
typedef enum bpfx_jit_pass_result (*bpfx_jit_pass_fn)(void *backend, int pass,
						      bool long_branches);

/* (A slot's jump target: bpfx_insn_target in isa_internal.h.) */

/* Whether the code after slot i can be reached by falling out of it. */
bool bpfx_jit_falls_through(const int16_t *ops, size_t i);

/* Checks the arguments and env (count, call depth against frame_bytes,
 * resolved helpers, callx lookup, lddw values), allocates the program
 * object with the given layout facts, marks function entries and draws the
 * blinding key. On failure nothing is left allocated. */
int bpfx_jit_build_begin(struct bpfx_jit_build *b, const struct bpfx_diag *d,
			 const struct bpfx_insn *insns, size_t count, const int16_t *ops,
			 const struct bpfx_jit_env *env, uint32_t frame_bytes, uint32_t tramp_off,
			 bool restore_frame_low, struct bpfx_jit_prog **out);

/* Maps `cap` bytes (read + write, for now) where the code will live, and
 * allocates the pass buffer and the gotox table. */
int bpfx_jit_build_reserve(struct bpfx_jit_build *b, size_t cap);

/* Runs passes until one reports SETTLED; fails with a message naming why. */
int bpfx_jit_build_settle(struct bpfx_jit_build *b, bpfx_jit_pass_fn pass, void *backend);

/* Copies the final pass's `len` bytes into the mapping, unmaps the unused
 * tail, makes it read + execute, fills the gotox table and hands the
 * program over (*out); frees what the build owned. */
int bpfx_jit_build_finish(struct bpfx_jit_build *b, size_t len, struct bpfx_jit_prog **out);

/* Frees everything the build holds (safe after any failure, or twice). */
void bpfx_jit_build_abort(struct bpfx_jit_build *b);

#endif
