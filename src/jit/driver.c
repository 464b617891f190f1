/* SPDX-License-Identifier: MIT */
/* driver.c - the target-independent half of bpfx_jit_compile (driver.h). */
#include "driver.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../isa/isa_internal.h"

static int check_env(const struct bpfx_diag *d, const struct bpfx_insn *insns, size_t count,
		     const int16_t *ops, const struct bpfx_jit_env *env)
{
	for (size_t i = 0; i < count; i++) {
		if (ops[i] < 0)
			continue;
		if (ops[i] >= BPFX_OP__COUNT)
			return bpfx_fail(d, BPFX_E_INVAL, "jit: insn %zu: op id %d is not in the opcode table",
					 i, ops[i]);
		const struct bpfx_insn *x = &insns[i];
		switch (ops[i]) {
		case BPFX_OP_CALL_HELPER:
		case BPFX_OP_CALL_KFUNC:
			if (!env->call_fns || !env->call_fns[i])
				return bpfx_fail(d, BPFX_E_NO_HELPER,
						 "jit: insn %zu: call %s %d has no resolved function", i,
						 ops[i] == BPFX_OP_CALL_KFUNC ? "kfunc" : "helper", x->imm);
			break;
		case BPFX_OP_CALLX:
			if (!env->callx_lookup)
				return bpfx_fail(d, BPFX_E_INVAL,
						 "jit: insn %zu: callx needs a helper lookup function", i);
			break;
		case BPFX_OP_LDDW_MAP_FD: case BPFX_OP_LDDW_MAP_VALUE_FD: case BPFX_OP_LDDW_VAR_ADDR:
		case BPFX_OP_LDDW_MAP_IDX: case BPFX_OP_LDDW_MAP_VALUE_IDX:
			if (!env->lddw_values)
				return bpfx_fail(d, BPFX_E_INVAL,
						 "jit: insn %zu: lddw src %u has no resolved value", i,
						 (unsigned)x->src);
			break;
		default:
			break;
		}
	}
	return 0;
}

/* The blinding key: `given`, or fresh random bits; every 16-bit quarter
 * nonzero, so that no blinded immediate, nor any halfword of one (arm64
 * builds constants 16 bits at a time), is written as itself. */
static uint64_t blind_key(uint64_t given)
{
	uint64_t k = given;
	if (!k && getrandom(&k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		k = ((uint64_t)ts.tv_nsec << 32 ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&ts) *
		    UINT64_C(0x9e3779b97f4a7c15);
	}
	for (int h = 0; h < 4; h++)
		if (!((k >> (16 * h)) & 0xffff))
			k |= (uint64_t)0x5a3c << (16 * h);
	return k;
}

bool bpfx_jit_falls_through(const int16_t *ops, size_t i)
{
	if (ops[i] < 0)
		return true; /* second slot of an lddw */
	switch (ops[i]) {
	case BPFX_OP_EXIT: case BPFX_OP_JA: case BPFX_OP_JA32: case BPFX_OP_GOTOX:
		return false;
	default:
		return true;
	}
}

static int nomem(struct bpfx_jit_build *b)
{
	return bpfx_fail(b->d, BPFX_E_NOMEM, "jit: out of memory for a %zu-instruction program",
			 b->count);
}

int bpfx_jit_build_begin(struct bpfx_jit_build *b, const struct bpfx_diag *d,
			 const struct bpfx_insn *insns, size_t count, const int16_t *ops,
			 const struct bpfx_jit_env *env, uint32_t frame_bytes, uint32_t tramp_off,
			 bool restore_frame_low, struct bpfx_jit_prog **out)
{
	int err;

	memset(b, 0, sizeof(*b));
	b->d = d;
	b->insns = insns;
	b->ops = ops;
	b->count = count;
	if (out)
		*out = NULL;
	if (!insns || !ops || !out || count == 0)
		return bpfx_fail(d, BPFX_E_INVAL, "jit: no program to compile");
	if (count > (1u << 24))
		return bpfx_fail(d, BPFX_E_RANGE, "jit: %zu instructions; the limit is %u", count, 1u << 24);
	b->env = env ? env : &b->noenv;
	env = b->env;
	b->depth = env->max_call_depth ? env->max_call_depth : BPFX_MAX_CALL_DEPTH;
	if (b->depth > BPFX_JIT_MAX_DEPTH)
		return bpfx_fail(d, BPFX_E_UNSUPPORTED,
				 "jit: max call depth %u is more than the JIT supports (%d frames of %u "
				 "bytes on the native stack)",
				 b->depth, BPFX_JIT_MAX_DEPTH, frame_bytes);
	if ((err = check_env(d, insns, count, ops, env)))
		return err;

	struct bpfx_jit_prog *p = b->prog = calloc(1, sizeof(*p));
	if (!p)
		return nomem(b);
	p->addrs = calloc(count + 1, sizeof(uint32_t));
	p->entry = calloc(count, sizeof(uint32_t));
	b->is_entry = calloc(count, 1);
	b->leaf = calloc(count, 1);
	if (!p->addrs || !p->entry || !b->is_entry || !b->leaf ||
	    bpfx_leaf_functions(insns, ops, count, b->leaf)) {
		bpfx_jit_build_abort(b);
		return nomem(b);
	}
	p->count = count;
	p->max_depth = b->depth;
	p->frame_bytes = frame_bytes;
	p->tramp_off = tramp_off;
	p->restore_frame_low = restore_frame_low;

	/* Function entries: instruction 0, local call targets, code addresses. */
	b->nentries = 1;
	b->is_entry[0] = 1;
	for (size_t i = 0; i < count; i++) {
		if (ops[i] == BPFX_OP_CALL_LOCAL || ops[i] == BPFX_OP_LDDW_CODE_ADDR) {
			size_t t = i + 1 + (int64_t)insns[i].imm;
			b->nentries += !b->is_entry[t];
			b->is_entry[t] = 1;
		}
		b->gotox |= ops[i] == BPFX_OP_GOTOX;
	}
	if (env->flags & BPFX_JIT_BLIND)
		b->key = blind_key(env->blind_key);
	return 0;
}

int bpfx_jit_build_reserve(struct bpfx_jit_build *b, size_t cap)
{
	struct bpfx_jit_prog *p = b->prog;

	/* Reserve the final mapping first so that the code knows its address. */
	b->cap = cap;
	b->page = (size_t)sysconf(_SC_PAGESIZE);
	p->map_size = (cap + b->page - 1) / b->page * b->page;
	void *map = mmap(NULL, p->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return bpfx_fail(b->d, BPFX_E_NOMEM, "jit: cannot map %zu bytes for code: %s",
				 p->map_size, strerror(errno));
	p->image = map;
	b->base = (uint64_t)(uintptr_t)map;
	b->buf = malloc(cap);
	if (b->gotox) {
		p->gotox = calloc(b->count, sizeof(uint64_t));
		b->gotox_table = (uint64_t)(uintptr_t)p->gotox;
	}
	if (!b->buf || (b->gotox && !p->gotox))
		return nomem(b);
	return 0;
}

int bpfx_jit_build_settle(struct bpfx_jit_build *b, bpfx_jit_pass_fn fn, void *backend)
{
	enum bpfx_jit_pass_result r = BPFX_JIT_PASS_MOVED;
	int pass;
	for (pass = 0; pass < BPFX_JIT_MAX_PASSES; pass++) {
		r = fn(backend, pass, pass >= BPFX_JIT_MAX_PASSES - 2);
		if (r != BPFX_JIT_PASS_MOVED)
			break;
	}
	if (r == BPFX_JIT_PASS_SETTLED)
		return 0;
	return bpfx_fail(b->d, r == BPFX_JIT_PASS_OVERFLOW ? BPFX_E_NOMEM : BPFX_E_RANGE,
			 "jit: internal error laying out %zu instructions (%s after %d passes)",
			 b->count,
			 r == BPFX_JIT_PASS_OVERFLOW ? "code buffer overflow"
			 : r == BPFX_JIT_PASS_RANGE ? "an instruction's code or a branch out of range"
						    : "offsets did not settle",
			 pass + (r != BPFX_JIT_PASS_MOVED));
}

int bpfx_jit_build_finish(struct bpfx_jit_build *b, size_t len, struct bpfx_jit_prog **out)
{
	struct bpfx_jit_prog *p = b->prog;

	/* Make the bytes executable: copy, drop unused pages, write-protect,
	 * and make the instruction cache see them. */
	p->code_size = len;
	memcpy(p->image, b->buf, len);
	size_t used = (len + b->page - 1) / b->page * b->page;
	if (used < p->map_size) {
		munmap(p->image + used, p->map_size - used);
		p->map_size = used;
	}
	__builtin___clear_cache((char *)p->image, (char *)p->image + len);
	if (mprotect(p->image, p->map_size, PROT_READ | PROT_EXEC) != 0)
		return bpfx_fail(b->d, BPFX_E_NOMEM, "jit: cannot make the code executable: %s",
				 strerror(errno));
	if (b->gotox)
		for (size_t i = 0; i < b->count; i++)
			p->gotox[i] = b->ops[i] < 0 ? 0 : b->base + p->addrs[i];
	for (size_t i = 0; i < b->count; i++)
		if (!b->is_entry[i])
			p->entry[i] = 0;
	b->prog = NULL;
	bpfx_jit_build_abort(b);
	*out = p;
	return 0;
}

void bpfx_jit_build_abort(struct bpfx_jit_build *b)
{
	free(b->buf);
	free(b->is_entry);
	free(b->leaf);
	bpfx_jit_free(b->prog);
	b->buf = NULL;
	b->is_entry = NULL;
	b->leaf = NULL;
	b->prog = NULL;
}
