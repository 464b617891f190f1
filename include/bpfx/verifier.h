/* SPDX-License-Identifier: MIT */
/*
 * bpfx/verifier.h - the static verifier: proves before a run that a program
 * only touches memory it may, reads nothing uninitialised, calls helpers as
 * their prototypes say, releases what it acquires, and terminates within the
 * complexity limit.
 *
 * The host describes its environment as a platform:
 *   - program types: what r1 (and r2) hold on entry, the context layout and
 *     which context fields load as packet pointers, the allowed return range;
 *   - helpers and kfuncs with their prototypes (struct bpfx_func_proto);
 * and each verification names the maps the program refers to.
 * Bundled platform: "generic" (program type "generic": r1 = pointer to a
 * writable buffer, r2 = its length in bytes, as bpfx_prog_run passes ctx and
 * ctx_len).
 *
 * Every rejection cites exactly one stable rule ID ("BPFX-MEM-003"),
 * documented in docs/verifier-rules.md (statement, reason, minimal rejected
 * example, fix).
 *
 * Threads: a platform is configured by one thread, then immutable; any
 * number of threads may verify against it at once. bpfx_verify keeps no
 * state between calls and gives the same verdict for the same input.
 */
#ifndef BPFX_VERIFIER_H
#define BPFX_VERIFIER_H

#include <bpfx/common.h>
#include <bpfx/isa.h>
#include <bpfx/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bpfx_platform bpfx_platform;

/* ---- Program types ---- */

enum bpfx_ctx_kind {
	/* r1 = pointer to a buffer, r2 = its length; the program proves its
	 * accesses in bounds by comparing offsets with the length (or with
	 * r1 + r2). */
	BPFX_CTX_BUFFER = 0,
	/* r1 = pointer to a context struct of ctx_size bytes; accesses must hit
	 * a described field; packet fields load as packet pointers. */
	BPFX_CTX_STRUCT = 1,
	/* r1 = pointer to ctx_size bytes of plain memory the program may read
	 * and write anywhere inside, at constant or bounded variable offsets
	 * (no fields; Linux's syscall programs). The host must pass at least
	 * ctx_size bytes. */
	BPFX_CTX_MEMORY = 2,
};

enum bpfx_field_kind {
	BPFX_FIELD_SCALAR = 0,      /* loads as a number */
	BPFX_FIELD_PACKET,          /* loads as the start of the packet */
	BPFX_FIELD_PACKET_END,      /* loads as one past the end of the packet */
	BPFX_FIELD_PACKET_META,     /* loads as the start of the metadata before the packet */
	/* loads as a pointer (never NULL) to `target` bytes of memory the
	 * program may read and write (flow_dissector's flow_keys) */
	BPFX_FIELD_MEM,
	/* loads as a pointer to struct `target` of the platform's BTF
	 * (bpfx_platform_set_btf), or NULL: the program checks it first */
	BPFX_FIELD_BTF_PTR,
};

#define BPFX_FIELD_READ 0x1u
#define BPFX_FIELD_WRITE 0x2u

struct bpfx_ctx_field {
	uint32_t offset;            /* bytes from the start of the context */
	uint32_t size;              /* bytes */
	uint32_t access;            /* BPFX_FIELD_READ | BPFX_FIELD_WRITE */
	enum bpfx_field_kind kind;
	/* Scalar fields: access sizes allowed inside the field, as a mask of
	 * 1 << log2(bytes) (1 = u8, 2 = u16, 4 = u32, 8 = u64); 0 means only
	 * the whole field. Pointer fields are always read whole. */
	uint32_t narrow_sizes;
	/* What a pointer field points to. BPFX_FIELD_MEM: its size in bytes
	 * (1 .. 2^29); BPFX_FIELD_BTF_PTR: the BTF id of a struct (or of a
	 * typedef of one) in the platform's BTF. */
	uint32_t target;
};

#define BPFX_PROG_TYPE_CHECK_RET 0x1u     /* r0 at exit must lie in [ret_min, ret_max] */
#define BPFX_PROG_TYPE_PACKET_RDONLY 0x2u /* the packet (or buffer) may only be read */

struct bpfx_prog_type {
	size_t sz;                  /* sizeof(struct bpfx_prog_type) */
	const char *name;           /* "generic", "xdp", ... (copied) */
	enum bpfx_ctx_kind ctx_kind;
	uint32_t ctx_size;          /* BPFX_CTX_STRUCT: bytes */
	const struct bpfx_ctx_field *fields; /* BPFX_CTX_STRUCT; copied */
	size_t nfields;
	/* Helper ids this program type may call (copied); NULL: every helper
	 * of the platform. */
	const uint32_t *helpers;
	size_t nhelpers;
	uint32_t flags;             /* BPFX_PROG_TYPE_* */
	int64_t ret_min, ret_max;   /* with BPFX_PROG_TYPE_CHECK_RET */
	/* Largest packet offset the program may reach by proving bounds
	 * (0: 65535). Bounds the packet-range bookkeeping, as the kernel's
	 * MAX_PACKET_OFF does. */
	uint32_t max_packet;
};

/* ---- Platforms ---- */

struct bpfx_platform_opts {
	size_t sz;                  /* sizeof(struct bpfx_platform_opts) */
	const char *name;           /* for messages (copied) */
	uint32_t groups;            /* instruction groups accepted; 0 = BPFX_GROUPS_DEFAULT */
	/* Combined stack of all frames of a call chain, bytes; 0 = 512 (what the
	 * kernel allows). Each frame is at most BPFX_STACK_SIZE either way. */
	uint32_t stack_total;
	bpfx_log_fn log;            /* errors while describing the platform */
	void *log_user;
};

/* An empty platform (no program types, helpers or kfuncs). */
BPFX_API int bpfx_platform_create(const struct bpfx_platform_opts *opts, bpfx_platform **out);
/* A bundled platform by name: "generic", or "linux" (the Linux program
 * types with their contexts - xdp, socket_filter, sched_cls/act, cgroup_*,
 * lwt_*, sk_skb, sk_msg, sock_ops, flow_dissector, syscall, kprobe,
 * perf_event, tracepoint, raw_tracepoint - and the helpers each may call; docs/verifier.md).
 * BPFX_E_NOENT for others. The result is the caller's to configure further
 * and to destroy. */
BPFX_API int bpfx_platform_bundled(const char *name, bpfx_platform **out);
BPFX_API void bpfx_platform_destroy(bpfx_platform *p);
BPFX_API const char *bpfx_platform_name(const bpfx_platform *p);

/* 0 if the platform has a program type of that name, else BPFX_E_NOENT. */
BPFX_API int bpfx_platform_find_prog_type(const bpfx_platform *p, const char *name);
/* Adds a program type (copied). The first one added is the default. */
BPFX_API int bpfx_platform_add_prog_type(bpfx_platform *p, const struct bpfx_prog_type *type);
/* Sets the context size of a BPFX_CTX_MEMORY program type (at most 2^29
 * bytes; the linux "syscall" type starts at 4096): programs may access
 * [0, ctx_size), and runs must pass that much. BPFX_E_NOENT for an unknown
 * type, BPFX_E_INVAL for another ctx_kind or a size out of range. */
BPFX_API int bpfx_platform_set_ctx_size(bpfx_platform *p, const char *type, uint32_t ctx_size);
/* Adds (or replaces) helper `id` / kfunc `btf_id` with its prototype (copied). */
BPFX_API int bpfx_platform_add_helper(bpfx_platform *p, uint32_t id, const char *name,
				      const struct bpfx_func_proto *proto);
BPFX_API int bpfx_platform_add_kfunc(bpfx_platform *p, uint32_t btf_id, const char *name,
				     const struct bpfx_func_proto *proto);
/* Adds every helper and kfunc of the VM that has a prototype. */
BPFX_API int bpfx_platform_add_vm_funcs(bpfx_platform *p, const bpfx_vm *vm);

/* ---- Callbacks ----
 * A helper argument of kind BPFX_ARG_PTR_TO_FUNC is a function of the
 * program (`lddw rX, code address`, BPF_PSEUDO_FUNC) that the helper calls
 * any number of times, zero included, before it returns. Its signature says
 * what r1..r5 hold at each call and what it must return; the verifier checks
 * the body as a call from the helper's call site, iterated until the caller's
 * state no longer changes. Without a signature a helper taking a function is
 * refused (BPFX-CALL-004). Helpers 164 (for_each_map_elem) and 181 (loop)
 * get the Linux signatures by default when their function argument is r2:
 *   loop:              r1 = index (below r1 of the call), r2 = r3 of the call; r0 in [0, 1]
 *   for_each_map_elem: r1 = map, r2 = key, r3 = value, r4 = r3 of the call;  r0 in [0, 1]
 */
enum bpfx_cb_arg {
	BPFX_CB_ARG_NONE = 0,       /* not set: reading it is an error */
	BPFX_CB_ARG_SCALAR,         /* an unknown number */
	BPFX_CB_ARG_INDEX,          /* a number below helper argument `from` (a loop index) */
	BPFX_CB_ARG_PASS,           /* helper argument `from` as the program passed it (a context) */
	BPFX_CB_ARG_MAP,            /* the map passed as helper argument `from` */
	BPFX_CB_ARG_MAP_KEY,        /* a key of that map (key_size read-only bytes) */
	BPFX_CB_ARG_MAP_VALUE,      /* a value of that map (value_size bytes; hash and array maps) */
};

struct bpfx_callback_proto {
	size_t sz;                  /* sizeof(struct bpfx_callback_proto) */
	enum bpfx_cb_arg args[5];   /* what r1..r5 hold when the callback starts */
	uint8_t from[5];            /* INDEX, PASS, MAP*: the helper argument (1..5) it derives from */
	int64_t ret_min, ret_max;   /* r0 at the callback's exit must lie in [ret_min, ret_max] */
};

/* Gives helper `helper_id` (which takes one BPFX_ARG_PTR_TO_FUNC argument)
 * its callback's signature (copied; replaces a previous or default one). */
BPFX_API int bpfx_platform_set_callback(bpfx_platform *p, uint32_t helper_id,
					const struct bpfx_callback_proto *cb);

/* ---- BTF-typed pointers ----
 * A platform may describe host structs with BTF. A pointer to such a struct
 * (from a BPFX_FIELD_BTF_PTR context field, a pointer member of another
 * described struct, or a helper/kfunc returning BPFX_RET_PTR_TO_BTF_ID_OR_NULL)
 * may be NULL and must be checked; loads through it must lie inside the
 * struct and read numbers, except 8-byte loads of a pointer member (outside
 * unions) to a described struct, which give such a pointer. Stores need
 * bpfx_platform_set_btf_writable and never overwrite pointer members. The
 * host promises its structs match the BTF and every pointer member is NULL
 * or valid. */

/* Sets the platform's BTF (copied; a raw .BTF blob: header, types,
 * strings). BPFX_E_INVAL with a message for a malformed blob. */
BPFX_API int bpfx_platform_set_btf(bpfx_platform *p, const void *data, size_t size);
/* The id of the struct, union or typedef of one called `name` in the
 * platform's BTF: 0 or BPFX_E_NOENT. */
BPFX_API int bpfx_platform_btf_find(const bpfx_platform *p, const char *name, uint32_t *id);
/* Lets programs store numbers into non-pointer members of struct btf_id. */
BPFX_API int bpfx_platform_set_btf_writable(bpfx_platform *p, uint32_t btf_id);

/* The struct types of a helper's or kfunc's BTF pointers. */
struct bpfx_func_btf {
	size_t sz;                  /* sizeof(struct bpfx_func_btf) */
	uint32_t ret;               /* BPFX_RET_PTR_TO_BTF_ID_OR_NULL: the struct returned */
	uint32_t args[5];           /* BPFX_ARG_PTR_TO_BTF_ID arguments: the struct expected (offset 0) */
};
/* Gives helper (kfunc = 0) or kfunc `id`, already added, its BTF types. */
BPFX_API int bpfx_platform_set_func_btf(bpfx_platform *p, int kfunc, uint32_t id, const struct bpfx_func_btf *t);

/* ---- Maps a program refers to ---- */

#define BPFX_MAP_RDONLY_PROG 0x1u   /* the program may only read values */
#define BPFX_MAP_SPIN_LOCK 0x2u     /* each value holds a struct bpf_spin_lock at spin_lock_off */

/* How a map-type behaves for the verifier. */
enum bpfx_map_kind {
	BPFX_MAP_KIND_HASH = 0,     /* lookup returns value or NULL */
	BPFX_MAP_KIND_ARRAY = 1,    /* same (NULL for an out-of-range index) */
	BPFX_MAP_KIND_OTHER = 2,    /* no direct value access (ring buffers, prog arrays, ...) */
	/* A map of maps: a lookup returns the inner map (the entry `inner_map`
	 * of the same array describes it) or NULL, usable as a map argument
	 * once checked against NULL. */
	BPFX_MAP_KIND_OF_MAPS = 3,
};

struct bpfx_map_desc {
	/* lddw src 1/2 (map by fd) match `fd`; src 5/6 (map by index) use the
	 * position of the entry in the array. */
	int32_t fd;
	const char *name;           /* for messages; may be NULL */
	enum bpfx_map_kind kind;
	uint32_t type;              /* host's map type number, informative */
	uint32_t key_size, value_size, max_entries;
	uint32_t flags;             /* BPFX_MAP_* */
	uint32_t inner_map;         /* BPFX_MAP_KIND_OF_MAPS: index of the inner map's entry */
	/* With BPFX_MAP_SPIN_LOCK: byte offset of the value's 4-byte struct
	 * bpf_spin_lock, the only place bpf_spin_lock / bpf_spin_unlock (helpers
	 * 93 / 94) may point. Without the flag (so also when left 0 by older
	 * callers) the map has no lock. */
	uint32_t spin_lock_off;
	/* Frozen read-only data (Linux: a frozen BPF_F_RDONLY_PROG array such as
	 * .rodata): the value_size bytes of the map's only value, for an
	 * BPFX_MAP_KIND_ARRAY map with max_entries 1 and BPFX_MAP_RDONLY_PROG.
	 * The host promises they do not change while the program may run; the
	 * verifier then proves constant-string arguments
	 * (BPFX_ARG_PTR_TO_CONST_STR) NUL-terminated from them. NULL: unknown
	 * contents (such arguments are refused). Only read during bpfx_verify. */
	const void *rodata;
};

/* ---- Function signatures (from BTF) ---- */

enum bpfx_farg_kind {
	BPFX_FARG_NONE = 0,         /* no argument in this position (and none after) */
	BPFX_FARG_SCALAR,           /* a number (integer, enum, bool) */
	BPFX_FARG_CTX,              /* the program's context pointer, unmodified */
	BPFX_FARG_MEM_OR_NULL,      /* NULL, or `arg_size` bytes the function may read and write */
	BPFX_FARG_UNSUPPORTED,      /* anything else: a global function taking it is refused */
};

#define BPFX_FUNC_GLOBAL 0x1u       /* global linkage: verified on its own, against this signature */

struct bpfx_func_sig {
	uint32_t insn;              /* the function's first instruction */
	uint32_t flags;             /* BPFX_FUNC_* */
	const char *name;           /* for messages; may be NULL */
	enum bpfx_farg_kind args[5];
	uint32_t arg_size[5];       /* BPFX_FARG_MEM_OR_NULL: bytes it points to */
	int returns_void;           /* declared void: r0 need not be a number at its exit */
};

/* ---- Verification ---- */

#define BPFX_VERIFY_UNPRIV 0x1u     /* also forbid pointer leaks and pointer comparisons */

enum bpfx_verify_log {
	BPFX_VLOG_NONE = 0,         /* report only */
	BPFX_VLOG_BRIEF = 1,        /* + the verdict line through the log callback */
	BPFX_VLOG_FULL = 2,         /* + every instruction processed with its state (report->log) */
};

struct bpfx_verify_opts {
	size_t sz;                  /* sizeof(struct bpfx_verify_opts) */
	const char *prog_type;      /* a program type of the platform; NULL = its first */
	uint32_t flags;             /* BPFX_VERIFY_* */
	uint64_t max_insns;         /* complexity limit (instructions processed); 0 = 1000000 */
	const struct bpfx_map_desc *maps;
	size_t nmaps;
	enum bpfx_verify_log log_level;
	bpfx_log_fn log;
	void *log_user;
	const char *name;           /* program name for messages */
	/* BTF signatures of the program's functions (bpfx_object_prog_func_sigs
	 * gives them from .BTF.ext func_info); may be NULL. Global functions are
	 * verified once on their own from their declared arguments, and their
	 * calls only against the signature (r0 is then an unknown number), as
	 * Linux does; other functions are verified in each caller's context. */
	const struct bpfx_func_sig *funcs;
	size_t nfuncs;
};

struct bpfx_verify_stats {
	uint64_t insns_processed;   /* instructions analysed, all paths together */
	uint64_t states_kept;       /* states stored for pruning */
	uint64_t states_pruned;     /* paths cut because a stored state covered them */
	uint64_t peak_states;       /* most states alive at once (stored + pending) */
	uint64_t peak_memory;       /* most bytes the analysis held at once */
	uint64_t time_ns;           /* wall time of the analysis */
	uint32_t max_stack;         /* deepest stack use of any call chain, bytes */
	uint32_t subprogs;          /* functions (bpf-to-bpf) found */
};

/* The outcome. Strings are owned by the report. */
struct bpfx_report {
	int accepted;               /* 1: safe to run unchecked; 0: rejected */
	const char *rule;           /* rejected: the rule broken ("BPFX-MEM-003"); else NULL */
	const char *rule_title;     /* its one-line statement */
	const char *message;        /* what is wrong and where, in words */
	int64_t insn;               /* offending instruction index, -1 if none */
	const char *insn_text;      /* its disassembly, "" if none */
	const char *source_file;    /* from BTF line info when present, else NULL */
	int source_line;            /* 0 if unknown */
	const char *state;          /* abstract state of the registers and stack slots involved */
	const char *path;           /* branch decisions that led there, "12:taken 20:fallthrough ..." */
	const char *log;            /* BPFX_VLOG_FULL: the whole log; else "" */
	struct bpfx_verify_stats stats;
};

/*
 * Verifies `count` instruction slots. Returns 0 if the program is accepted,
 * BPFX_E_REJECTED if it is not (the reason is in the report and, at
 * BPFX_VLOG_BRIEF or more, logged), BPFX_E_BAD_INSN / BPFX_E_GROUP if it does
 * not even validate (report rule BPFX-INSN-001), BPFX_E_INVAL for bad
 * arguments, BPFX_E_NOMEM. `report` may be NULL; otherwise *report receives a
 * report for every outcome but BPFX_E_INVAL/BPFX_E_NOMEM (free it with
 * bpfx_report_free).
 */
BPFX_API int bpfx_verify(const bpfx_platform *p, const struct bpfx_insn *insns, size_t count,
			 const struct bpfx_verify_opts *opts, struct bpfx_report **report);

/* Verifies a loaded program and, if accepted, marks it verified so that the
 * unchecked engines run it. Returns as bpfx_verify. */
BPFX_API int bpfx_prog_verify(bpfx_prog *prog, const bpfx_platform *p, const struct bpfx_verify_opts *opts,
			      struct bpfx_report **report);

BPFX_API void bpfx_report_free(struct bpfx_report *r);
/* The report as one JSON object (free with bpfx_free). */
BPFX_API int bpfx_report_json(const struct bpfx_report *r, char **json);
/* Writes the report as text ("REJECTED BPFX-MEM-003 at insn 4: ...") to a
 * new string (free with bpfx_free). */
BPFX_API int bpfx_report_text(const struct bpfx_report *r, char **text);

/* The one-line statement of a rule ID, or NULL for an unknown ID. */
BPFX_API const char *bpfx_rule_title(const char *rule);
/* The i-th rule ID (0-based) or NULL past the end. */
BPFX_API const char *bpfx_rule_id(size_t i);

#ifdef __cplusplus
}
#endif
#endif /* BPFX_VERIFIER_H */
