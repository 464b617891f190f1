/* SPDX-License-Identifier: MIT */
/*
 * bpfx/object.h - BPF ELF objects as clang and gcc build them: programs by
 * libbpf's SEC() conventions, subprogram linking, relocations, map
 * definitions, global data and BTF.
 *
 * First cut of the API (the loader issue extends it: maps at run time,
 * CO-RE, BTF access). Extend, do not change, what is here.
 */
#ifndef BPFX_OBJECT_H
#define BPFX_OBJECT_H

#include <bpfx/common.h>
#include <bpfx/isa.h>
#include <bpfx/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bpfx_object bpfx_object;

struct bpfx_object_opts {
	size_t sz;                 /* sizeof(struct bpfx_object_opts) */
	const char *name;          /* for messages; default: the file name */
	bpfx_log_fn log;
	void *log_user;
	/* CO-RE target (docs/core.md): the BTF that relocations are resolved
	 * against. core_target_path: a raw BTF file (e.g. /sys/kernel/btf/vmlinux,
	 * `pahole -J` output) or an ELF file with a .BTF section (the host
	 * binary); core_target_data/size: raw BTF in memory (wins over the path).
	 * Neither: /sys/kernel/btf/vmlinux when present. Only read when the
	 * object has CO-RE relocations that need a target. */
	const char *core_target_path;
	const void *core_target_data;
	size_t core_target_size;
};

/* Opens and parses an object: every malformed part is refused with
 * BPFX_E_ELF (or BPFX_E_BTF) and a message naming the section, symbol or
 * relocation. The object owns everything the accessors below return. */
BPFX_API int bpfx_object_open_file(const char *path, const struct bpfx_object_opts *opts,
				   bpfx_object **out);
BPFX_API int bpfx_object_open_mem(const void *data, size_t len, const struct bpfx_object_opts *opts,
				  bpfx_object **out);
BPFX_API void bpfx_object_close(bpfx_object *obj);

struct bpfx_object_prog_info {
	const char *name;          /* function symbol, or the section name */
	const char *section;       /* ELF section, e.g. "xdp" or "kprobe/sys_open" */
	const char *type;          /* program type libbpf would infer ("xdp", ...), or "" */
	/* Bytecode after subprogram linking (used .text functions appended, call
	 * offsets fixed). Map and global-data references are lddw with src
	 * BPFX_LDDW_MAP_IDX / BPFX_LDDW_MAP_VALUE_IDX and imm = map index (next
	 * imm = byte offset for data); function addresses are lddw src
	 * BPFX_LDDW_CODE_ADDR with imm relative to the next slot; externs: see
	 * struct bpfx_object_extern_info. docs/loader.md has the details. */
	const struct bpfx_insn *insns;
	size_t insn_count;
};

BPFX_API size_t bpfx_object_prog_count(const bpfx_object *obj);
BPFX_API int bpfx_object_prog(const bpfx_object *obj, size_t index, struct bpfx_object_prog_info *info);
/* Finds a program by section and/or name (either may be NULL); BPFX_E_NOENT. */
BPFX_API int bpfx_object_find_prog(const bpfx_object *obj, const char *section, const char *name,
				   size_t *index);

/* ---- maps ---------------------------------------------------------------- */

/* Where a map definition came from. */
enum bpfx_map_origin {
	BPFX_MAP_LEGACY = 0,   /* "maps" section: struct bpf_map_def and its extensions */
	BPFX_MAP_IPROUTE2 = 1, /* "maps" section: iproute2's struct bpf_elf_map */
	BPFX_MAP_BTF = 2,      /* BTF-defined, in ".maps" */
	BPFX_MAP_DATA = 3,     /* global data: .data, .rodata, .bss, .data.*, .rodata.*, .kconfig */
};

#define BPFX_NO_MAP ((size_t)-1)

struct bpfx_object_map_info {
	const char *name;          /* symbol, or the section name for data maps */
	const char *section;       /* ELF section holding the definition or data */
	enum bpfx_map_origin origin;
	uint32_t type;             /* Linux map type number (BPF_MAP_TYPE_*) */
	const char *type_name;     /* "hash", "array", ... or "" when unknown */
	uint32_t key_size, value_size, max_entries, flags;
	/* Map-in-map: index of the inner-map prototype, or BPFX_NO_MAP. */
	size_t inner_map;
	/* Data maps: the initial contents (NULL for .bss and .kconfig, which
	 * start zeroed; data_size is still their size). NULL for other maps. */
	const void *data;
	size_t data_size;
	int readonly;              /* .rodata*, .kconfig */
};

BPFX_API size_t bpfx_object_map_count(const bpfx_object *obj);
BPFX_API int bpfx_object_map(const bpfx_object *obj, size_t index, struct bpfx_object_map_info *info);

/* ---- externs ------------------------------------------------------------- */

/*
 * Symbols the object uses but does not define (kfuncs, ksyms, kconfig
 * values). The host resolves them. In the linked bytecode a call to an
 * extern function is `call` with src BPFX_CALL_KFUNC and imm = the extern's
 * index below; a load of an extern variable's address is lddw with src
 * BPFX_LDDW_VAR_ADDR and imm = the extern's index (next imm = the offset).
 */
struct bpfx_object_extern_info {
	const char *name;
	int is_func;               /* 1: called; 0: a variable whose address is loaded */
	int weak;                  /* STB_WEAK: may stay unresolved */
	/* Kconfig values (`extern ... __kconfig`, BTF DATASEC ".kconfig") live
	 * in the ".kconfig" data map, which the host fills: code loads them as
	 * lddw src BPFX_LDDW_MAP_VALUE_IDX like other global data. For those,
	 * `map` is that map's index and `offset`/`size` their place in it;
	 * otherwise map is BPFX_NO_MAP. */
	size_t map;
	uint32_t offset, size;
};

BPFX_API size_t bpfx_object_extern_count(const bpfx_object *obj);
BPFX_API int bpfx_object_extern(const bpfx_object *obj, size_t index,
				struct bpfx_object_extern_info *info);

/* ---- whole-object facts -------------------------------------------------- */

struct bpfx_object_info {
	const char *name;          /* opts->name, the file name, or "" */
	const char *license;       /* "license" section, or "" when absent */
	uint32_t kern_version;     /* "version" section, or 0 */
	int has_version;
	int has_btf;               /* a .BTF section is present and parsed */
	int has_btf_ext;           /* a .BTF.ext section is present and parsed */
};

BPFX_API int bpfx_object_get_info(const bpfx_object *obj, struct bpfx_object_info *info);

/* ---- .BTF.ext: source lines and CO-RE (docs/core.md) --------------------- */

struct bpfx_object_line_info {
	const char *file;          /* source file name as the compiler wrote it */
	const char *text;          /* the source line's text ("" when absent) */
	const char *func;          /* function (program or subprogram) holding the insn */
	uint32_t line, column;
	size_t insn;               /* first instruction of this line record */
};

/* Source line of instruction `insn` of linked program `prog`: the nearest
 * line record at or before it in the same function. BPFX_E_NOENT when the
 * object has no line info there (no error is logged). */
BPFX_API int bpfx_object_prog_line(const bpfx_object *obj, size_t prog, size_t insn,
				   struct bpfx_object_line_info *info);
/* Fills a verifier report's source_file / source_line (bpfx/verifier.h) from
 * the line info of linked program `prog` at the report's instruction.
 * BPFX_E_NOENT (report unchanged) when there is none. */
struct bpfx_report;
BPFX_API int bpfx_object_report_source(const bpfx_object *obj, size_t prog, struct bpfx_report *rep);
/* Number of func_info / line_info records carried into linked program `prog`. */
BPFX_API size_t bpfx_object_prog_line_count(const bpfx_object *obj, size_t prog);
BPFX_API size_t bpfx_object_prog_func_count(const bpfx_object *obj, size_t prog);
/* The verifier's signatures of linked program `prog`'s functions, from
 * func_info and the object's BTF (bpfx_verify_opts.funcs): linkage, and each
 * argument as a number, the context (a pointer to a uapi context struct),
 * NULL or a pointer to a sized object, or unsupported. *sigs (free with
 * bpfx_free; names point into the object) is NULL and *n 0 without BTF. */
struct bpfx_func_sig;
/* Offset of the struct bpf_spin_lock in the values of map `map` (a BTF-defined
 * map whose value struct has one at top level), for bpfx_map_desc's
 * spin_lock_off; BPFX_E_NOENT when it has none. */
BPFX_API int bpfx_object_map_spin_lock(const bpfx_object *obj, size_t map, uint32_t *off);
/* The verifier's description of map `map` (an entry of bpfx_verify_opts.maps,
 * matched by index: fd -1): type, sizes, kind (hash, array, map of maps, or
 * other; global data sections are arrays), BPFX_MAP_RDONLY_PROG for
 * read-only data, the spin lock, and .rodata's bytes for constant-string
 * arguments. Pointers in it point into the object. */
struct bpfx_map_desc;
BPFX_API int bpfx_object_map_desc(const bpfx_object *obj, size_t map, struct bpfx_map_desc *out);
BPFX_API int bpfx_object_prog_func_sigs(const bpfx_object *obj, size_t prog, struct bpfx_func_sig **sigs,
					size_t *n);

/* libbpf's numbering of CO-RE relocation kinds. */
enum bpfx_core_kind {
	BPFX_CORE_FIELD_BYTE_OFFSET = 0, BPFX_CORE_FIELD_BYTE_SIZE = 1, BPFX_CORE_FIELD_EXISTS = 2,
	BPFX_CORE_FIELD_SIGNED = 3, BPFX_CORE_FIELD_LSHIFT_U64 = 4, BPFX_CORE_FIELD_RSHIFT_U64 = 5,
	BPFX_CORE_TYPE_ID_LOCAL = 6, BPFX_CORE_TYPE_ID_TARGET = 7, BPFX_CORE_TYPE_EXISTS = 8,
	BPFX_CORE_TYPE_SIZE = 9, BPFX_CORE_ENUMVAL_EXISTS = 10, BPFX_CORE_ENUMVAL_VALUE = 11,
	BPFX_CORE_TYPE_MATCHES = 12,
};

/* Instruction imm of a poisoned CO-RE relocation (a call to this helper id). */
#define BPFX_CORE_POISON_IMM 0xbad2310

/* One CO-RE relocation as applied to one linked program. */
struct bpfx_object_core_reloc_info {
	size_t prog;               /* linked program index */
	size_t insn;               /* instruction index in it */
	enum bpfx_core_kind kind;
	const char *kind_name;     /* "byte_off", "byte_sz", "field_exists", ... */
	const char *spec;          /* "struct task_struct.se.vruntime (0:12:3)" */
	const char *target;        /* "vmlinux", the file name, or "" when none was used */
	uint64_t local_value;      /* value against the object's own BTF */
	uint64_t value;            /* value patched in (when ok) */
	int ok;                    /* 1 applied; 0 poisoned */
	const char *error;         /* why it was poisoned, or "" */
};

BPFX_API size_t bpfx_object_core_reloc_count(const bpfx_object *obj);
BPFX_API int bpfx_object_core_reloc(const bpfx_object *obj, size_t index,
				    struct bpfx_object_core_reloc_info *info);

/* ---- loading and running (src/loader/load.c, docs/objects.md) ----------- */

typedef struct bpfx_map bpfx_map;   /* bpfx/maps.h */

/* How the program's r1 is built (from its type, or opts->default_type). */
enum bpfx_ctx_type {
	BPFX_CTX_TYPE_GENERIC = 0, /* r1 = the data buffer, r2 = its length */
	BPFX_CTX_TYPE_XDP = 1,     /* r1 = struct xdp_md over the packet */
	BPFX_CTX_TYPE_SKB = 2,     /* r1 = struct __sk_buff over the packet (socket, sched_cls, ...) */
};

#define BPFX_OBJ_LOAD_VERIFY 0x1u   /* verify every program ("linux" platform); a rejection fails the load */
#define BPFX_OBJ_LOAD_TRY_VERIFY 0x2u /* verify; a rejection is logged (WARN), the program stays unverified */
#define BPFX_OBJ_LOAD_TRUSTED 0x4u  /* load programs with BPFX_LOAD_TRUSTED */

struct bpfx_object_load_opts {
	size_t sz;                 /* sizeof(struct bpfx_object_load_opts) */
	uint32_t flags;            /* BPFX_OBJ_LOAD_* */
	/* Program type for programs whose section gives none ("xdp1", ...):
	 * "xdp", "socket", "sched_cls", ...; NULL: such programs get the
	 * generic context. force_type overrides every program's type. */
	const char *default_type;
	const char *force_type;
	uint32_t ncpus;            /* per-CPU maps, perf event arrays; 0 = host default */
	bpfx_log_fn log;           /* defaults to the object's log */
	void *log_user;
};

/*
 * Creates every map of the object (bpfx_map_create; global data filled from
 * its section, .rodata/.kconfig read-only for programs, inner maps as
 * templates), resolves kfuncs by name in the VM's kfunc registry, rewrites
 * context accesses for the program type (docs/objects.md) and loads every
 * program into `vm` (which must outlive the object's programs, i.e. until
 * bpfx_object_close). All or nothing: on failure nothing stays loaded and
 * the message names the map, program, extern or instruction. A second call
 * returns BPFX_E_EXIST. The .kconfig map starts zeroed: hosts fill it with
 * bpfx_map_update (key 0) before running.
 */
BPFX_API int bpfx_object_load(bpfx_object *obj, bpfx_vm *vm, const struct bpfx_object_load_opts *opts);
/* After a load: the map / program of that index (NULL before the load or out of range). */
BPFX_API bpfx_map *bpfx_object_map_handle(const bpfx_object *obj, size_t index);
BPFX_API bpfx_prog *bpfx_object_prog_handle(const bpfx_object *obj, size_t index);
/* 1 if the load verified that program (BPFX_OBJ_LOAD_*VERIFY), else 0. */
BPFX_API int bpfx_object_prog_verified(const bpfx_object *obj, size_t index);
BPFX_API enum bpfx_ctx_type bpfx_object_prog_ctx_type(const bpfx_object *obj, size_t index);
/* Finds a map by name (symbol, or ".data" / ".rodata" / ...); BPFX_E_NOENT. */
BPFX_API int bpfx_object_find_map(const bpfx_object *obj, const char *name, size_t *index);

/* Linux's XDP verdicts. */
enum bpfx_xdp_action { BPFX_XDP_ABORTED = 0, BPFX_XDP_DROP = 1, BPFX_XDP_PASS = 2,
		       BPFX_XDP_TX = 3, BPFX_XDP_REDIRECT = 4 };
/* "XDP_PASS", ...; NULL for other values. */
BPFX_API const char *bpfx_xdp_action_name(uint64_t r0);

struct bpfx_object_run_opts {
	size_t sz;                 /* sizeof(struct bpfx_object_run_opts) */
	enum bpfx_engine engine;
	/* The packet (xdp, skb) or buffer (generic); programs may change it in place. */
	void *data;
	size_t data_len;
	uint64_t budget;
	const int *cancel;
	uint32_t ifindex;          /* xdp ingress_ifindex; skb ifindex and ingress_ifindex */
	uint32_t rx_queue;         /* xdp rx_queue_index; skb queue_mapping */
	uint32_t mark;             /* skb mark before the run */
	uint32_t mark_out;         /* out: skb mark after the run */
	/* out: where the packet is in opts->data after the run (xdp_adjust_head
	 * / xdp_adjust_tail move its start and end) */
	size_t data_off, data_len_out;
	void *user;                /* bpfx_run_user() */
};

/* Runs one loaded program once over opts->data with the context of its
 * type (XDP: data_meta = data; skb: len, protocol from the Ethernet header,
 * LD_ABS/LD_IND read the packet). Returns as bpfx_prog_run. */
BPFX_API int bpfx_object_run(const bpfx_object *obj, size_t prog, struct bpfx_object_run_opts *opts,
			     struct bpfx_run_result *res);

/* Registers, where the VM has no helper of that id yet, the helpers that
 * work on these contexts: bpf_skb_load_bytes (26), bpf_xdp_adjust_head (44,
 * within the given buffer: no headroom), bpf_xdp_adjust_tail (65, shrinking).
 * The last two have no verifier prototype: programs using them run checked. */
BPFX_API int bpfx_object_register_ctx_helpers(bpfx_vm *vm);

#ifdef __cplusplus
}
#endif
#endif /* BPFX_OBJECT_H */
