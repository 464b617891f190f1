/* SPDX-License-Identifier: MIT */
/*
 * bpfx/vm.h - the execution environment: a VM (the host's groups, helpers and
 * kfuncs), programs loaded into it, and runs of those programs.
 *
 * Lifetimes and threads:
 *   - Configure a bpfx_vm (groups at creation, then helpers and kfuncs) before
 *     loading programs into it; it must outlive its programs.
 *   - A loaded bpfx_prog is immutable. Any number of threads may run the same
 *     program at once: each run has its own registers and stack.
 *
 * Engines:
 *   - BPFX_ENGINE_INTERP runs without per-access checks. It accepts only code
 *     that the verifier accepted, or that the host loaded with
 *     BPFX_LOAD_TRUSTED (the host vouches for it).
 *   - BPFX_ENGINE_CHECKED runs anything that passed validation: every memory
 *     access is checked against the regions of the run (context, stack, the
 *     host's extra regions, lddw-resolved map values), and a violation stops
 *     the run with BPFX_E_MEM_FAULT naming the instruction and the address.
 *   - BPFX_ENGINE_JIT runs native code (x86-64), under the same rule as
 *     INTERP. The code is compiled on the first JIT run (a second variant
 *     that counts the budget and polls the cancel flag on the first run that
 *     sets one of them); if compilation fails, the failure is logged once
 *     and the program runs on INTERP. Plain JIT runs (no budget, no cancel
 *     flag) count nothing: budget_used is 0.
 *   - BPFX_ENGINE_AUTO picks JIT (x86-64; INTERP elsewhere) for verified or
 *     trusted code and CHECKED otherwise.
 */
#ifndef BPFX_VM_H
#define BPFX_VM_H

#include <bpfx/common.h>
#include <bpfx/isa.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bpfx_vm bpfx_vm;
typedef struct bpfx_prog bpfx_prog;
typedef struct bpfx_run bpfx_run;

/* ---- Function prototypes (what the verifier checks at each call) ---- */

enum bpfx_arg_kind {
	BPFX_ARG_NONE = 0,            /* no argument in this position */
	BPFX_ARG_ANYTHING,            /* any initialised scalar or pointer */
	BPFX_ARG_SCALAR,              /* any scalar */
	BPFX_ARG_CONST_SIZE,          /* size > 0 of the preceding memory argument */
	BPFX_ARG_CONST_SIZE_OR_ZERO,  /* size >= 0 of the preceding memory argument */
	BPFX_ARG_PTR_TO_MEM,          /* readable memory, size is the next argument */
	BPFX_ARG_PTR_TO_MEM_OR_NULL,  /* same, or NULL */
	BPFX_ARG_PTR_TO_WRITABLE_MEM, /* writable (initialised) memory, size next */
	BPFX_ARG_PTR_TO_UNINIT_MEM,   /* memory the helper writes, size next */
	BPFX_ARG_PTR_TO_CTX,          /* the program's context */
	BPFX_ARG_CONST_MAP_PTR,       /* a map (from lddw) */
	BPFX_ARG_PTR_TO_MAP_KEY,      /* key_size readable bytes */
	BPFX_ARG_PTR_TO_MAP_VALUE,    /* value_size readable bytes */
	BPFX_ARG_PTR_TO_UNINIT_MAP_VALUE, /* value_size bytes the helper writes */
	BPFX_ARG_PTR_TO_FUNC,         /* a callback (lddw code address) */
	BPFX_ARG_PTR_TO_STACK_OR_NULL,/* callback context: stack pointer or NULL */
	BPFX_ARG_PTR_TO_CONST_STR,    /* NUL-terminated string in read-only data */
	BPFX_ARG_PTR_TO_SPIN_LOCK,    /* struct bpf_spin_lock in a map value */
	BPFX_ARG_PTR_TO_LONG,         /* 8 writable bytes */
	BPFX_ARG_PTR_TO_INT,          /* 4 writable bytes */
	BPFX_ARG_RELEASE_REF,         /* releases a reference from an ACQUIRE return */
	BPFX_ARG_PTR_TO_BTF_ID,       /* BTF-typed pointer (platform-defined) */
	BPFX_ARG_CONST_ALLOC_SIZE_OR_ZERO, /* size of the memory the call returns */
	BPFX_ARG__COUNT
};

enum bpfx_ret_kind {
	BPFX_RET_VOID = 0,            /* r0 is undefined afterwards */
	BPFX_RET_INTEGER,             /* r0 is a scalar */
	BPFX_RET_MAP_VALUE_OR_NULL,   /* pointer into the map argument's value, or NULL */
	BPFX_RET_MEM_OR_NULL,         /* memory of the size given by the ALLOC_SIZE arg, or NULL */
	BPFX_RET_ACQUIRED_MEM_OR_NULL,/* like MEM_OR_NULL, and must be released */
	BPFX_RET_PTR_TO_BTF_ID_OR_NULL,
	BPFX_RET__COUNT
};

#define BPFX_PROTO_PURE 0x1u      /* no side effects (may be hoisted) */
#define BPFX_PROTO_MAY_STOP 0x2u  /* may end the program (bpfx_run_stop) */
/* May move or resize the packet (like bpf_xdp_adjust_head): the verifier
 * forgets every packet pointer and every proven packet range at the call. */
#define BPFX_PROTO_CHANGES_PACKET 0x4u

struct bpfx_func_proto {
	enum bpfx_ret_kind ret;
	enum bpfx_arg_kind args[5];
	uint32_t flags;
};

/*
 * A helper or kfunc: r1..r5 in, r0 out. `run` identifies the run in progress
 * (see the bpfx_run_* accessors below). Must be thread-safe if the host runs
 * programs on several threads.
 */
typedef uint64_t (*bpfx_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5, bpfx_run *run);

/* ---- VM ---- */

struct bpfx_vm_opts {
	size_t sz;            /* sizeof(struct bpfx_vm_opts) */
	uint32_t groups;      /* claimed conformance groups; 0 = BPFX_GROUPS_DEFAULT */
	bpfx_log_fn log;      /* log sink for everything done with this VM */
	void *log_user;
	uint32_t max_call_depth; /* frames incl. the main one; 0 = BPFX_MAX_CALL_DEPTH */
};

BPFX_API int bpfx_vm_create(const struct bpfx_vm_opts *opts, bpfx_vm **out);
BPFX_API void bpfx_vm_destroy(bpfx_vm *vm);
BPFX_API uint32_t bpfx_vm_groups(const bpfx_vm *vm);

/* Registers helper `id` (the imm of `call id`, and the value callx reads).
 * `name` (copied) lets loaders and tools find it by name; `proto` (copied)
 * may be NULL for hosts that never verify. Re-registering an id replaces it. */
BPFX_API int bpfx_vm_register_helper(bpfx_vm *vm, uint32_t id, const char *name, bpfx_helper_fn fn,
				     const struct bpfx_func_proto *proto);
/* Registers a kfunc, called by `call` with src=2 and imm=btf_id. */
BPFX_API int bpfx_vm_register_kfunc(bpfx_vm *vm, uint32_t btf_id, const char *name, bpfx_helper_fn fn,
				    const struct bpfx_func_proto *proto);

struct bpfx_func_info {
	uint32_t id;              /* helper id or kfunc BTF id */
	const char *name;
	bpfx_helper_fn fn;
	const struct bpfx_func_proto *proto; /* NULL if none was given */
};
/* Looks a helper (kfunc = 0) or kfunc (kfunc = 1) up by id or, if name is
 * not NULL, by name. Returns 0 or BPFX_E_NOENT. Pointers stay valid for the
 * VM's life. */
BPFX_API int bpfx_vm_find_func(const bpfx_vm *vm, int kfunc, uint32_t id, const char *name,
			       struct bpfx_func_info *info);

/* ---- Programs ---- */

/* One lddw with src 1, 2, 3, 5 or 6 that the host resolves at load time. */
struct bpfx_lddw_ref {
	size_t insn;                /* index of the lddw */
	enum bpfx_lddw_kind kind;
	int32_t imm;                /* first slot's imm (fd, index or variable id) */
	int32_t next_imm;           /* second slot's imm (offset into a map value) */
};
struct bpfx_lddw_value {
	uint64_t value;             /* what dst receives */
	/* For a pointer the program may dereference: the memory it points into,
	 * which becomes a region of every checked run. */
	void *region;
	size_t region_size;
	int region_writable;
};
typedef int (*bpfx_lddw_resolver)(void *user, const struct bpfx_lddw_ref *ref,
				  struct bpfx_lddw_value *out);

#define BPFX_LOAD_TRUSTED 0x1u  /* the host vouches for this code: unchecked engines may run it */

struct bpfx_load_opts {
	size_t sz;                  /* sizeof(struct bpfx_load_opts) */
	const char *name;           /* for messages; copied */
	uint32_t flags;             /* BPFX_LOAD_* */
	bpfx_lddw_resolver resolve; /* required if the code has lddw src 1,2,3,5,6 */
	void *resolve_user;
};

/* Validates (bpfx_validate with the VM's groups), resolves helpers, kfuncs and
 * lddw values, pre-decodes, and returns an immutable program. The bytecode is
 * copied. */
BPFX_API int bpfx_prog_load(bpfx_vm *vm, const struct bpfx_insn *insns, size_t count,
			    const struct bpfx_load_opts *opts, bpfx_prog **out);
BPFX_API void bpfx_prog_destroy(bpfx_prog *prog);
BPFX_API const struct bpfx_insn *bpfx_prog_insns(const bpfx_prog *prog, size_t *count);
BPFX_API const bpfx_vm *bpfx_prog_vm(const bpfx_prog *prog);
BPFX_API int bpfx_prog_is_trusted(const bpfx_prog *prog);

/* ---- Runs ---- */

enum bpfx_engine {
	BPFX_ENGINE_AUTO = 0,
	BPFX_ENGINE_INTERP = 1,
	BPFX_ENGINE_CHECKED = 2,
	BPFX_ENGINE_JIT = 3,
};
/* "auto", "interp", "checked", "jit" <-> enum; parse returns BPFX_E_INVAL. */
BPFX_API const char *bpfx_engine_name(enum bpfx_engine e);
BPFX_API int bpfx_engine_parse(const char *name, enum bpfx_engine *out);

struct bpfx_region {
	void *base;
	size_t size;
	int writable;
};

struct bpfx_run_opts {
	size_t sz;                  /* sizeof(struct bpfx_run_opts) */
	enum bpfx_engine engine;
	void *ctx;                  /* r1 = ctx, r2 = ctx_len; a writable region */
	size_t ctx_len;
	const void *packet;         /* what LD_ABS/LD_IND read; defaults to ctx */
	size_t packet_len;
	uint64_t budget;            /* max back edges + calls (see Budget below); 0 = unlimited */
	const int *cancel;          /* if set, polled (atomically) at back edges and calls */
	const struct bpfx_region *regions; /* extra memory the checked engine allows */
	size_t nregions;
	void *user;                 /* returned to helpers by bpfx_run_user() */
};

struct bpfx_run_result {
	uint64_t r0;
	int status;                 /* 0 or BPFX_E_* (budget, fault, cancel, ...) */
	size_t insn;                /* instruction that stopped the run, if status != 0 */
	uint64_t fault_addr;        /* for BPFX_E_MEM_FAULT */
	size_t fault_len;
	uint64_t budget_used;       /* back edges + calls counted (see Budget below) */
};

/* Runs the program once. Returns the run's status (also in res->status); the
 * reason is logged through the VM's log callback. */
BPFX_API int bpfx_prog_run(const bpfx_prog *prog, const struct bpfx_run_opts *opts,
			   struct bpfx_run_result *res);

/*
 * The JIT's x86-64 code for a trusted or verified program (compiled now if no
 * run has compiled it yet; the variant without budget/cancel polling), for
 * dumps and tests: returns the code and its size in *size, or NULL (logged:
 * no JIT on this platform, the program is neither trusted nor verified, or
 * the compilation failed).
 */
BPFX_API const void *bpfx_prog_jit_code(const bpfx_prog *prog, size_t *size);
/* Offset in bpfx_prog_jit_code of the code of instruction `insn`; SIZE_MAX if
 * out of range or not compiled yet. */
BPFX_API size_t bpfx_prog_jit_offset(const bpfx_prog *prog, size_t insn);

/* The JIT's code variants: plain, and the one runs with a budget or a cancel
 * flag use (it counts back edges and calls and polls the flag). */
enum bpfx_jit_variant {
	BPFX_JIT_VARIANT_PLAIN = 0,
	BPFX_JIT_VARIANT_POLLING = 1,
};
/* bpfx_prog_jit_code / bpfx_prog_jit_offset for a given variant (an unknown
 * variant: NULL / SIZE_MAX, logged). */
BPFX_API const void *bpfx_prog_jit_code_variant(const bpfx_prog *prog, enum bpfx_jit_variant variant,
						size_t *size);
BPFX_API size_t bpfx_prog_jit_offset_variant(const bpfx_prog *prog, enum bpfx_jit_variant variant,
					     size_t insn);

/* Atomically sets *flag, making every run polling it stop with BPFX_E_CANCELLED. */
BPFX_API void bpfx_cancel(int *flag);

/* ---- For helpers: the run in progress ---- */
BPFX_API void *bpfx_run_user(const bpfx_run *run);
BPFX_API const bpfx_prog *bpfx_run_prog(const bpfx_run *run);
/* Ends the program when the helper returns, with r0 = `r0` and status 0. */
BPFX_API void bpfx_run_stop(bpfx_run *run, uint64_t r0);
/* Ends the program when the helper returns, with the given BPFX_E_* status. */
BPFX_API void bpfx_run_fail(bpfx_run *run, int status);
/* In a checked run, 0 if [ptr, ptr+len) lies in one region (writable if
 * `write`), else BPFX_E_MEM_FAULT; always 0 in unchecked runs. */
BPFX_API int bpfx_run_check_mem(const bpfx_run *run, const void *ptr, size_t len, int write);
/* 1 once the run has been ended (bpfx_run_stop/fail, an error, an LD_ABS out
 * of bounds), else 0. Helpers that loop over callbacks should check it. */
BPFX_API int bpfx_run_stopped(const bpfx_run *run);

/*
 * Tail call (what the tail_call helper does): ends the running program when
 * the helper returns, and the run then starts `target` from its first
 * instruction with r1 = ctx, r2 = ctx_len and a fresh (zeroed) stack, under
 * the same bpfx_prog_run: budget, cancel flag, may_goto count, regions and
 * user pointer carry over (the cancel flag is also polled at each tail
 * call); the result (r0, status, insn) is the last program's. Engines: a checked run stays checked; an interp or jit run
 * needs a trusted or verified target (else BPFX_E_UNVERIFIED); an auto run
 * picks for each program what auto picks (jit/interp if trusted or verified,
 * checked otherwise), so unverified code never runs unchecked.
 * Returns 0 (the tail call will happen), or an error and the program goes
 * on (nothing is logged but the reason): BPFX_E_RANGE after
 * BPFX_MAX_TAIL_CALLS tail calls in this run (the 34th fails, as in Linux),
 * BPFX_E_INVAL if target is NULL or belongs to another VM, or if the caller
 * is not the program's main frame (inside a bpf-to-bpf call or a callback:
 * bpfx refuses rather than unwinding frames), BPFX_E_UNVERIFIED (see
 * above); if the run has already ended, its status (BPFX_E_INVAL if it
 * was stopped without an error).
 */
#define BPFX_MAX_TAIL_CALLS 33u
BPFX_API int bpfx_run_tail_call(bpfx_run *run, const bpfx_prog *target);

/*
 * Calls a callback of the running program (bpf_loop, for_each_map_elem...):
 * `code_addr` is a code address the program produced with lddw src 4, that
 * is the host address of the target instruction inside the program's own
 * bytecode copy (bpfx_prog_insns). The callback runs in a new frame (512
 * bytes, counted against the call depth limit) with r1..r5 as given, under
 * the run's engine, budget and cancel flag, until its exit; *r0 receives its
 * r0. Returns 0; BPFX_E_INVAL if code_addr is not an instruction start of
 * this program (the run goes on); or the run's status if the run ended
 * during the callback or had already ended (then the helper should return
 * at once; the run stops when it does). Note that a run ended by
 * bpfx_run_stop or LD_ABS out of bounds has status 0: check
 * bpfx_run_stopped().
 */
BPFX_API int bpfx_run_callback(bpfx_run *run, uint64_t code_addr, uint64_t r1, uint64_t r2,
			       uint64_t r3, uint64_t r4, uint64_t r5, uint64_t *r0);

/*
 * Run-time constants.
 *   BPFX_MAY_GOTO_COUNT: a run's may_goto instructions fall through this many
 *     times in total (all frames and callbacks together), then jump.
 *   BPFX_CANCEL_POLL_INTERVAL: with opts->cancel set, the flag is read once
 *     every this many budget events (back edges and calls), so a cancelled
 *     run stops within that many events.
 *   Budget: every taken backward jump (ja, conditional jumps, gotox, may_goto)
 *     and every call (helper, kfunc, callx, local) is one event, except a
 *     local call to a leaf function: one whose instructions (from its entry
 *     to the next function's) hold no call and no gotox, jump nowhere else
 *     and do not run off their end. Its work is bounded but for its own
 *     backward jumps, which count, so the budget still bounds the run, and
 *     the JIT polls at no call to a leaf (call-heavy code: half the cost).
 *     The event that would exceed opts->budget stops the run with
 *     BPFX_E_BUDGET at that instruction, and res->budget_used is then
 *     opts->budget.
 *   addr_space_cast: bpfx has one address space (arena pointers are host
 *     pointers), so both directions are plain 64-bit moves; 0 stays 0.
 *   Frames: each call depth has its own 512-byte frame (r10 = its top),
 *     zeroed the first time the run reaches that depth; r6..r9 and r10 are
 *     restored on exit from a local call; helpers leave r1..r5 unchanged.
 *   LD_ABS / LD_IND read big-endian from opts->packet (default: ctx) at imm
 *     (+ src, as 64-bit unsigned sums); out of bounds ends the run with r0 = 0
 *     and status 0, in every engine.
 *   callx: the register holds a helper id, looked up at run time (unknown:
 *     BPFX_E_NO_HELPER). gotox: the register holds a code address (see
 *     bpfx_run_callback); anything else stops the run with BPFX_E_BAD_INSN.
 *   Errors of a run are logged through the VM's log callback as
 *     "NAME: insn N (OP_ID): what happened [BPFX_E_...]".
 */
#define BPFX_MAY_GOTO_COUNT (8u * 1024u * 1024u)
#define BPFX_CANCEL_POLL_INTERVAL 256u

#ifdef __cplusplus
}
#endif
#endif /* BPFX_VM_H */
