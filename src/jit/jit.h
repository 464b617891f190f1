/* SPDX-License-Identifier: MIT */
/*
 * jit.h - the native-code engine (internal API; x86-64 only for now).
 *
 * The VM compiles a loaded program once with bpfx_jit_compile(), giving it
 * everything it resolved at load time (struct bpfx_jit_env), and runs it any
 * number of times, on any number of threads at once, with bpfx_jit_enter().
 * A compiled program is immutable; all per-run state lives in the caller's
 * struct bpfx_jit_run, which the VM embeds in its own run state.
 *
 * Contract of a run (see docs/jit.md for the machine-level picture):
 *   - r1 = ctx, r2 = ctx_len, r0 and r3..r9 start at 0, r10 = top of a
 *     512-byte stack frame on the native stack. Like the interpreter, each
 *     frame depth is zeroed the first time a run reaches it (a frame reused
 *     at the same depth keeps what the previous call or a helper left).
 *   - Every call (local, helper, kfunc, callx; but a local call to a leaf
 *     function, see bpfx_leaf_functions) and every taken backward jump
 *     is a "poll point". With BPFX_JIT_POLL compiled in, each poll point
 *     ends the run with BPFX_E_BUDGET if run->budget is 0 and otherwise
 *     decrements it; the first poll point of a run, the first after each
 *     helper call, and at least every BPFX_CANCEL_POLL_INTERVAL-th one then
 *     end the run with BPFX_E_CANCELLED if *run->cancel is nonzero (like the
 *     interpreter). run->budget is exact whenever the run is in a helper or
 *     has returned. Without the flag nothing is counted or polled.
 *   - After every helper/kfunc/callx call the code reads run->stop; nonzero
 *     ends the run with status run->stop_status and r0 = run->stop_r0. The
 *     VM's bpfx_run_stop/bpfx_run_fail set those three fields.
 *   - may_goto falls through and decrements run->may_goto while it is
 *     nonzero, and jumps once it is 0.
 *   - LD_ABS/LD_IND read big-endian from run->pkt[0 .. pkt_len); the offset
 *     is imm (+ src for IND) as a 64-bit value; out of bounds ends the run
 *     with r0 = 0 and status 0.
 *   - A local call deeper than the maximum depth ends the run with
 *     BPFX_E_CALL_DEPTH; callx of an id the lookup does not know with
 *     BPFX_E_NO_HELPER; gotox to an address that is not an instruction start
 *     of this program with BPFX_E_BAD_INSN (run->value then holds the id or
 *     the address, for the message).
 *   - On return run->status holds 0 or the BPFX_E_* code, and run->insn the
 *     index of the instruction that stopped the run (status != 0 or a
 *     helper stop).
 */
#ifndef BPFX_JIT_JIT_H
#define BPFX_JIT_JIT_H

#include <bpfx/vm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/diag.h"

/* Flags of struct bpfx_jit_env. */
#define BPFX_JIT_POLL 0x1u    /* count budget and poll cancel at back edges and calls */
#define BPFX_JIT_NO_BMI2 0x2u /* do not use BMI2 shifts even if the CPU has them (tests) */
#define BPFX_JIT_FORCE_NEAR 0x4u /* always use rel32 jumps (tests the pass logic) */
/* Constant blinding: no immediate of the program (ALU/JMP/ST operands,
 * lddw imm64, LD_ABS/LD_IND offsets; shift counts excepted) appears verbatim
 * in the code. Each is emitted as (imm ^ key) and XORed with the key at run
 * time in a scratch register; the key is random per compile (or
 * env->blind_key). Costs one or two instructions per immediate. */
#define BPFX_JIT_BLIND 0x8u
/* Do not unroll small loops (x86; tests and measurements). */
#define BPFX_JIT_NO_UNROLL 0x10u

/* Largest max_call_depth the JIT accepts (native stack use is depth * 560 bytes). */
#define BPFX_JIT_MAX_DEPTH 64

/* What the VM resolved at load time. Arrays are indexed by instruction slot
 * and are read only during bpfx_jit_compile (the code embeds the values). */
struct bpfx_jit_env {
	/* Value of each lddw with src 1, 2, 3, 5 or 6 (indexed by the lddw's
	 * slot). May be NULL if the program has none. lddw src 0 takes its
	 * immediate; src 4 (code address) is computed by the JIT as
	 * (uint64_t)&insns[target], the address of the target in the bytecode
	 * passed to bpfx_jit_compile (so the VM passes its own copy; gotox
	 * accepts exactly these addresses). */
	const uint64_t *lddw_values;
	/* Function of each call with src 0 (helper) or 2 (kfunc). Every such
	 * call must have one (NULL is a compile error). */
	const bpfx_helper_fn *call_fns;
	/* callx: helper id -> function, or NULL if unknown. Called with
	 * callx_vm. Required if the program has callx. */
	bpfx_helper_fn (*callx_lookup)(const void *vm, uint64_t id);
	const void *callx_vm;
	/* Frames, main program included; 0 = BPFX_MAX_CALL_DEPTH. */
	uint32_t max_call_depth;
	uint32_t flags; /* BPFX_JIT_* */
	/* BPFX_JIT_BLIND: 0 = draw a fresh random key for this compile;
	 * nonzero = use this key (reproducible code, for tests). */
	uint64_t blind_key;
};

/*
 * Per-run state. The VM fills the "in" fields before bpfx_jit_enter and
 * reads the "out" fields after. Field order is part of the JIT's ABI only
 * (the code uses offsetof), so fields may be added at the end.
 */
struct bpfx_jit_run {
	/* in */
	uint64_t budget;        /* remaining poll points (BPFX_JIT_POLL only) */
	const int *cancel;      /* polled (BPFX_JIT_POLL only); must not be NULL then */
	const uint8_t *pkt;     /* LD_ABS / LD_IND data */
	uint64_t pkt_len;
	uint64_t may_goto;      /* remaining may_goto fall-throughs */
	void *helper_run;       /* the bpfx_run * passed to helpers as 6th argument */
	/* set by helpers (through bpfx_run_stop / bpfx_run_fail) */
	int32_t stop;           /* nonzero: end the program after this helper */
	int32_t stop_status;    /* 0 (stop) or BPFX_E_* (fail) */
	uint64_t stop_r0;
	/* out */
	int32_t status;         /* 0 or BPFX_E_* */
	uint32_t insn;          /* instruction that stopped the run */
	uint64_t value;         /* BPFX_E_NO_HELPER: the callx id; BPFX_E_BAD_INSN: the gotox address */
	/* private to the JIT */
	uint64_t saved_rsp;     /* native stack pointer of the innermost entry */
	uint64_t stack_limit;   /* local calls need rsp above this */
	uint64_t depth_bytes;   /* stack the frames of this entry may use */
	uint64_t helper_rsp;    /* rsp at the last helper call (for nested entries) */
	uint64_t frame_low;     /* deepest frame cleared so far by this entry */
	uint64_t save[5];       /* r1..r5 across the callx lookup */
	uint64_t budget_rest;   /* budget not yet handed to the running chunk */
	uint64_t loop_i0;       /* x86 clamped loop (BPFX_JIT_POLL): counter at entry */
	uint64_t loop_bound;    /* x86 clamped loop: the counter's bound this chunk */
	/* in (added last: the offsets above are the code's) */
	uint64_t chunk_max;     /* x86: most events between two reads of *cancel, at
				 * most 2^32; 0 = BPFX_CANCEL_POLL_INTERVAL. A run with
				 * no cancel flag gives 2^32: clamped loops then leave
				 * their fast path only when the budget is near its end */
};

struct bpfx_jit_prog;

/*
 * Compiles `count` slots of validated bytecode. `ops` is the op id per slot
 * from bpfx_validate_program (-1 for the second slot of an lddw). Returns 0
 * and *out, or a negative BPFX_E_* after logging the reason through `d`.
 */
int bpfx_jit_compile(const struct bpfx_diag *d, const struct bpfx_insn *insns, size_t count,
		     const int16_t *ops, const struct bpfx_jit_env *env, struct bpfx_jit_prog **out);
void bpfx_jit_free(struct bpfx_jit_prog *p);

/*
 * Runs the program from instruction 0 with r1 = ctx and r2 = ctx_len.
 * Resets run->status, run->insn and run->stop; returns r0 (meaningful when
 * run->status is 0).
 */
uint64_t bpfx_jit_enter(const struct bpfx_jit_prog *p, void *ctx, uint64_t ctx_len,
			struct bpfx_jit_run *run);

/*
 * Runs the function starting at instruction `insn` (a local call target or
 * an lddw code-address target) with r1..r5 = args, as a callback from a
 * helper called by a run in progress on `run` (or as a fresh run). A nested
 * callback counts its frames on top of the caller's; if it fails, run->stop
 * is set so that the outer program ends too. Returns 0 and *r0, or the
 * BPFX_E_* status (BPFX_E_INVAL if `insn` is not a function entry).
 */
int bpfx_jit_call(const struct bpfx_jit_prog *p, size_t insn, const uint64_t args[5],
		  struct bpfx_jit_run *run, uint64_t *r0);

/* The generated machine code (for dumps and tests). */
const void *bpfx_jit_code(const struct bpfx_jit_prog *p, size_t *size);
/* Offset of the code of instruction `insn` in bpfx_jit_code (SIZE_MAX if out of range). */
size_t bpfx_jit_insn_offset(const struct bpfx_jit_prog *p, size_t insn);

#endif /* BPFX_JIT_JIT_H */
