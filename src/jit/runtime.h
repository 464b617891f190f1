/* SPDX-License-Identifier: MIT */
/*
 * runtime.h - what every JIT backend shares: the compiled-program object and
 * the run-time entry points (runtime.c: bpfx_jit_free, bpfx_jit_enter,
 * bpfx_jit_call, bpfx_jit_code, bpfx_jit_insn_offset). A backend fills the
 * object in bpfx_jit_compile, including the three layout facts below.
 */
#ifndef BPFX_JIT_RUNTIME_H
#define BPFX_JIT_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpfx_jit_prog {
	uint8_t *image;       /* executable mapping (read + execute) */
	size_t map_size;      /* bytes mapped */
	size_t code_size;     /* bytes of code */
	size_t count;         /* BPF slots */
	uint32_t *addrs;      /* count + 1 offsets */
	uint32_t *entry;      /* per slot: offset of its function prologue, or 0 */
	uint64_t *gotox;      /* per slot: native address of the code, or 0; NULL if no gotox */
	uint32_t max_depth;
	/* Backend layout: */
	uint32_t frame_bytes;     /* native stack bytes of one BPF frame */
	uint32_t tramp_off;       /* offset of the entry trampoline in the image */
	bool restore_frame_low;   /* a nested callback restores run->frame_low */
};

#endif
