/* SPDX-License-Identifier: MIT */
/* ctx.h - program contexts for object programs run in user space (ctx.c). */
#ifndef BPFX_LOADER_CTX_H
#define BPFX_LOADER_CTX_H

#include <bpfx/object.h>
#include <bpfx/verifier.h>

#include "common/diag.h"

/* Context kind for a libbpf program type name ("xdp", "socket", ...). */
enum bpfx_ctx_type ctx_type_of(const char *type);
/* Program type the verifier checks a rewritten program against, or NULL. */
const char *ctx_verifier_type(enum bpfx_ctx_type ctx, const char *type);
/* Adds "bpfx-xdp" and "bpfx-skb" (the shadow layouts) to a platform. */
int ctx_add_prog_types(bpfx_platform *p);
/* The VM's helpers and kfuncs for programs verified as plain buffers
 * (generic), without the loader's own context helpers (skb_load_bytes,
 * xdp_adjust_*): those read the shadow context, which a buffer is not. */
int ctx_add_buffer_funcs(bpfx_platform *p, const bpfx_vm *vm);
/* Rewrites the 32-bit packet-pointer loads of the context into 64-bit loads
 * of the shadow pointers; refuses code where the context register cannot be
 * tracked at such a load. */
int ctx_rewrite(struct bpfx_insn *code, size_t n, enum bpfx_ctx_type ctx, const char *prog,
		const struct bpfx_diag *d);
int ctx_run(const bpfx_prog *prog, enum bpfx_ctx_type ctx, struct bpfx_object_run_opts *o,
	    struct bpfx_run_result *res);

#endif
