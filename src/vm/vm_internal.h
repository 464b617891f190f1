/* SPDX-License-Identifier: MIT */
/*
 * vm_internal.h - the VM, program and run structures shared by vm.c, the
 * interpreter (interp.c) and, read-only, by the verifier and the JIT.
 */
#ifndef BPFX_VM_INTERNAL_H
#define BPFX_VM_INTERNAL_H

#include <bpfx/vm.h>
#include <pthread.h>
#include <stdbool.h>

#include "../common/diag.h"
#include "../isa/isa_internal.h"
#include "../jit/jit.h"

/* JIT backends exist for x86-64 and arm64 (src/jit/CMakeLists.txt). */
#if defined(__x86_64__) || defined(__aarch64__)
#define BPFX_HAVE_JIT 1
#else
#define BPFX_HAVE_JIT 0
#endif

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "bpfx's interpreter assumes a little-endian host"
#endif

#define BPFX_LIKELY(x) __builtin_expect(!!(x), 1)
#define BPFX_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- helper and kfunc registries ---- */

struct bpfx_func {
	struct bpfx_func_info info;   /* info.name points at name, info.proto at proto or NULL */
	char *name;
	struct bpfx_func_proto proto;
};

/* Ids below this are found by direct indexing (callx looks them up per call). */
#define BPFX_FUNC_DENSE_MAX 4096u

struct bpfx_func_table {
	struct bpfx_func **dense;     /* [id] for id < ndense */
	uint32_t ndense;
	struct bpfx_func **all;       /* every entry, registration order */
	size_t n, cap;
	char **retired;               /* names replaced by re-registration (kept valid) */
	size_t nretired;
};

struct bpfx_vm {
	uint32_t groups;              /* closed set */
	uint32_t max_depth;           /* frames, main included */
	struct bpfx_diag diag;
	struct bpfx_func_table helpers, kfuncs;
};

const struct bpfx_func *bpfx_func_lookup(const struct bpfx_func_table *t, uint64_t id);

/* ---- programs ---- */

/*
 * One pre-decoded instruction; the stream has one entry per bytecode slot
 * (the second slot of an lddw is a never-executed filler), so an index into
 * it is the instruction index.
 */
struct bpfx_dinsn {
	const void *h;                /* fast engine: handler label address */
	uint16_t op;                  /* dispatch id: enum bpfx_op or enum bpfx_xop (use prog->ops for the op) */
	uint8_t dst, src;
	int32_t off;                  /* memory offset; or jump/call/lddw offset: target = this + 1 + off */
	uint64_t imm;                 /* sign-extended imm; lddw: the 64-bit value */
	union {
		bpfx_helper_fn fn;                /* call helper / kfunc */
		const struct bpfx_dinsn *tgt;     /* jump, local call: code + index + 1 + off */
	};
};

/*
 * Fused pairs (computed-goto builds only): when instruction i is A and i+1 is
 * B, the decoder gives i a handler that runs A and then jumps straight into
 * B's handler (a direct jump instead of a dispatch). Instruction i+1 keeps
 * its own handler, so jumps to it are unaffected, and errors in B still name
 * i+1. The pairs are the most frequent ones in compiled code (three-operand
 * add, indexed load, loop counter then back edge).
 */
#define BPFX_FUSED(F)                                                                                 \
	F(MOV64_X, ADD64_X)                                                                           \
	F(ADD64_X, LDX_b) F(ADD64_X, LDX_h) F(ADD64_X, LDX_w) F(ADD64_X, LDX_dw)                      \
	F(ADD64_K, JNE_X) F(ADD64_K, JNE_K) F(ADD64_K, JLT_X) F(ADD64_K, JLT_K)                       \
	F(ADD64_K, JGT_X) F(ADD64_K, JGT_K) F(ADD64_K, JEQ_X) F(ADD64_K, JEQ_K)

enum bpfx_xop {
	BPFX_XOP__FIRST = BPFX_OP__COUNT - 1,
#define BPFX_X_XOP(A, B) BPFX_XOP_##A##__##B,
	BPFX_FUSED(BPFX_X_XOP)
#undef BPFX_X_XOP
	BPFX_XOP__END
};

struct bpfx_prog {
	const bpfx_vm *vm;
	char *name;
	struct bpfx_insn *insns;      /* the bytecode copy; code addresses point into it */
	size_t count;
	int16_t *ops;                 /* enum bpfx_op per slot, -1 for lddw second halves */
	struct bpfx_dinsn *code;      /* count entries */
	uint32_t flags;               /* BPFX_LOAD_* */
	int verified;                 /* set by the verifier (atomic access) */
	struct bpfx_region *regions;  /* memory the lddw resolver returned */
	size_t nregions;
	/*
	 * JIT code, compiled on the first JIT run that needs it (only for
	 * trusted or verified programs): [0] plain, [1] with budget/cancel
	 * polling (BPFX_JIT_POLL). Read with an acquire load; written once,
	 * under jit_lock. jit_failed[i] is set (under the lock) when compiling
	 * variant i failed: the reason was logged once, runs use the
	 * interpreter.
	 */
	struct bpfx_jit_prog *jit[2];
	int jit_failed[2];
	pthread_mutex_t jit_lock;
};

/* The verifier's hook: marks a loaded program as verified (or not). */
void bpfx_prog_set_verified(bpfx_prog *prog, int verified);
int bpfx_prog_is_verified(const bpfx_prog *prog);

/* Index of the instruction whose host address is `addr`, if it is an
 * instruction start of `prog`. */
bool bpfx_prog_code_index(const bpfx_prog *prog, uint64_t addr, size_t *index);

/* ---- runs ---- */

struct bpfx_frame {
	const struct bpfx_dinsn *ret; /* where the caller resumes */
	uint64_t saved[5];            /* caller's r6..r10 */
};

struct bpfx_run {
	const bpfx_prog *prog;
	const struct bpfx_run_opts *opts;
	const struct bpfx_diag *diag;
	int checked;                  /* checked engine */
	uint8_t *stack_end;           /* frame d spans [end - (d+1)*512, end - d*512) */
	uint32_t depth;               /* current frame index (0 = main) */
	uint32_t max_depth;
	uint32_t zeroed;              /* frames 0..zeroed have been cleared (on first use) */
	struct bpfx_frame *frames;    /* [max_depth]; [d] holds what frame d returns to */
	/* budget: see bpfx_run_poll */
	uint64_t tick, chunk, consumed, budget;
	const int *cancel;
	uint64_t may_goto_left;
	const uint8_t *packet;
	size_t packet_len;
	/* how the run ended */
	int stop;                     /* ended: by a helper, LD_ABS, or an error */
	int status;
	uint64_t stop_r0;
	int have_insn;
	size_t insn;
	uint64_t fault_addr;
	size_t fault_len;
	/* JIT runs: the code, and the JIT's run state (stop fields set by
	 * bpfx_run_stop/fail, callbacks through bpfx_jit_call). */
	const struct bpfx_jit_prog *jit;
	struct bpfx_jit_run jr;
	/* Tail calls (bpfx_run_tail_call): the engine the host asked for, the
	 * program to start once this one has ended (NULL: none), the tail calls
	 * made so far in this bpfx_prog_run, and how many callbacks
	 * (bpfx_run_callback) are in progress (tail calls are refused inside). */
	enum bpfx_engine engine;
	const bpfx_prog *tail_target;
	uint32_t tail_count;
	uint32_t cb_nesting;
};

/* Clears frame d the first time it is used: runs never see the host's old
 * stack bytes, and each run starts from zeroed frames. */
static inline void bpfx_run_enter_frame(struct bpfx_run *run, uint32_t d)
{
	if (BPFX_UNLIKELY(d > run->zeroed)) {
		__builtin_memset(run->stack_end - (size_t)(d + 1) * BPFX_STACK_SIZE, 0, BPFX_STACK_SIZE);
		run->zeroed = d;
	}
}

/* Where the interpreter starts: instruction `pc` in frame `base` (== run->depth). */
struct bpfx_entry {
	size_t pc;
	uint32_t base;
	uint64_t args[5];             /* r1..r5 */
	uint64_t r0;                  /* out */
};

/* The two engines (interp.c). With run == NULL, they only store their label
 * table (or NULL in a switch build) into *labels and return 0. */
int bpfx_interp_fast(struct bpfx_run *run, struct bpfx_entry *e, const void *const **labels);
int bpfx_interp_checked(struct bpfx_run *run, struct bpfx_entry *e, const void *const **labels);

/* Slow path of the budget counter (the tick reached 0): counts the chunk,
 * polls the cancel flag, checks the budget, refills run->tick. */
int bpfx_run_poll(struct bpfx_run *run, size_t pc);
/* Records a run error at instruction pc (once), logs it, returns `code`. */
int bpfx_run_error(struct bpfx_run *run, size_t pc, int code, const char *fmt, ...) BPFX_PRINTF(4, 5);
/* Checked engine: logs and records a memory fault, returns BPFX_E_MEM_FAULT. */
int bpfx_run_fault(struct bpfx_run *run, size_t pc, uint64_t addr, size_t len, int write,
		   const char *why);
/* 0 if [addr, addr+len) lies inside one region of the run (writable if
 * `write`); 1 if outside every region; 2 if inside a read-only region. */
int bpfx_run_find_region(const struct bpfx_run *run, uint64_t addr, uint64_t len, int write);

#endif
