/* SPDX-License-Identifier: MIT */
/* runtime.c - the run-time side shared by every JIT backend (see jit.h for
 * the contract and runtime.h for the program object). */
#include "runtime.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "jit.h"

void bpfx_jit_free(struct bpfx_jit_prog *p)
{
	if (!p)
		return;
	if (p->image)
		munmap(p->image, p->map_size);
	free(p->addrs);
	free(p->entry);
	free(p->gotox);
	free(p);
}

/* The trampoline: (args, run, entry) -> r0; it loads r1..r5 from args. */
typedef uint64_t (*tramp_fn)(const uint64_t *args, struct bpfx_jit_run *run, const void *entry);

static uint64_t run_entry(const struct bpfx_jit_prog *p, size_t insn, const uint64_t args[5],
			  struct bpfx_jit_run *run)
{
	tramp_fn fn;
	void *code = p->image + p->tramp_off;
	memcpy(&fn, &code, sizeof(fn));
	return fn(args, run, p->image + p->entry[insn]);
}

uint64_t bpfx_jit_enter(const struct bpfx_jit_prog *p, void *ctx, uint64_t ctx_len,
			struct bpfx_jit_run *run)
{
	uint64_t args[5] = {(uint64_t)(uintptr_t)ctx, ctx_len, 0, 0, 0};
	run->status = 0;
	run->insn = 0;
	run->stop = 0;
	run->depth_bytes = (uint64_t)p->max_depth * p->frame_bytes;
	uint64_t r0 = run_entry(p, 0, args, run);
	run->saved_rsp = 0;
	return r0;
}

int bpfx_jit_call(const struct bpfx_jit_prog *p, size_t insn, const uint64_t args[5],
		  struct bpfx_jit_run *run, uint64_t *r0)
{
	if (insn >= p->count || !p->entry[insn])
		return BPFX_E_INVAL;
	const uint64_t frame = p->frame_bytes, total = (uint64_t)p->max_depth * frame;
	uint64_t saved_sp = run->saved_rsp, limit = run->stack_limit, depth_bytes = run->depth_bytes;
	if (saved_sp) {
		/* Nested: the helper's caller is at depth (saved_rsp - helper_rsp) / frame. */
		uint64_t used = saved_sp - run->helper_rsp;
		if (used + frame > total) {
			run->stop = 1;
			run->stop_status = BPFX_E_CALL_DEPTH;
			return BPFX_E_CALL_DEPTH;
		}
		run->depth_bytes = total - used;
	} else {
		run->depth_bytes = total;
		run->status = 0;
		run->stop = 0;
	}
	int32_t outer_status = run->status;
	uint32_t outer_insn = run->insn;
	uint64_t frame_low = run->frame_low;
	run->status = 0;
	uint64_t v = run_entry(p, insn, args, run);
	int st = run->status;
	run->saved_rsp = saved_sp;
	run->stack_limit = limit;
	run->depth_bytes = depth_bytes;
	if (saved_sp) {
		if (p->restore_frame_low)
			run->frame_low = frame_low;
		if (st) {
			run->stop = 1;
			run->stop_status = st;
			run->stop_r0 = 0;
		}
		run->status = outer_status;
		run->insn = outer_insn;
	}
	if (r0)
		*r0 = v;
	return st;
}

const void *bpfx_jit_code(const struct bpfx_jit_prog *p, size_t *size)
{
	if (size)
		*size = p->code_size;
	return p->image;
}

size_t bpfx_jit_insn_offset(const struct bpfx_jit_prog *p, size_t insn)
{
	return insn <= p->count ? p->addrs[insn] : SIZE_MAX;
}
