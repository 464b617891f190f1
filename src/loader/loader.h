/* SPDX-License-Identifier: MIT */
/*
 * loader.h - internal structures of the ELF loader.
 *
 * Opening an object goes through four passes, each in its own file:
 *   elf.c     reads and checks the ELF container (sections, symbols,
 *             relocation section headers) into plain arrays;
 *   maps.c    collects map definitions (legacy "maps", iproute2, BTF
 *             ".maps") and global-data maps;
 *   object.c  splits code sections into functions, classifies every
 *             relocation of code, and links each program (appends the
 *             subprograms it reaches, patches calls, map and data loads);
 *   secdefs.c the SEC() name -> program type table and map type names.
 *
 * Every program keeps the list of code pieces it was linked from
 * (struct ldr_seg): .BTF.ext func_info, line_info and CO-RE relocations are
 * all keyed by (section, byte offset), so they can be carried over to the
 * linked program through these segments when they are added.
 */
#ifndef BPFX_LOADER_H
#define BPFX_LOADER_H

#include <bpfx/object.h>
#include <gelf.h>
#include <stdbool.h>

#include "common/diag.h"

struct btf; /* libbpf */

enum ldr_sec_kind {
	LDR_SEC_OTHER = 0, /* debug info, eh_frame, ... : not interpreted */
	LDR_SEC_CODE,      /* SHT_PROGBITS + SHF_EXECINSTR */
	LDR_SEC_MAPS,      /* "maps": legacy or iproute2 definitions */
	LDR_SEC_BTF_MAPS,  /* ".maps" */
	LDR_SEC_DATA,      /* .data, .data.* */
	LDR_SEC_RODATA,    /* .rodata, .rodata.* */
	LDR_SEC_BSS,       /* .bss, .bss.* (SHT_NOBITS) */
	LDR_SEC_LICENSE,
	LDR_SEC_VERSION,
	LDR_SEC_BTF,
	LDR_SEC_BTF_EXT,
	LDR_SEC_SYMTAB,
	LDR_SEC_STRTAB,
	LDR_SEC_REL,       /* SHT_REL or SHT_RELA */
};

struct ldr_sec {
	const char *name;
	uint32_t type;
	uint64_t flags, size, link, info, entsize;
	const uint8_t *data;     /* NULL for SHT_NOBITS and empty sections */
	struct bpfx_insn *insns; /* code sections: an aligned copy of data */
	enum ldr_sec_kind kind;
	size_t rel;              /* relocation section applying to this one, 0 if none */
	size_t map;              /* data sections: their map index, else BPFX_NO_MAP */
};

struct ldr_sym {
	const char *name;
	uint64_t value, size;
	uint16_t shndx;
	uint8_t bind, type, vis;
};

/* One relocation entry, as read (elf.c). */
struct ldr_rel {
	uint64_t offset;
	uint32_t type;
	size_t sym;
	int64_t addend;          /* 0 for SHT_REL */
};

/* A function: a piece of a code section that is a program or a subprogram. */
struct ldr_unit {
	size_t sec;
	size_t start, count;     /* in instructions, relative to the section */
	const char *name;
	size_t sym;              /* its STT_FUNC symbol, or 0 for a whole section */
	bool is_main;
};

enum ldr_reloc_kind {
	LDR_RELOC_CALL,          /* call to a function in a code section */
	LDR_RELOC_CODE_ADDR,     /* lddw of a function address (callbacks) */
	LDR_RELOC_MAP,           /* lddw of a map */
	LDR_RELOC_DATA,          /* lddw of an address in a global-data map */
	LDR_RELOC_EXTERN_CALL,   /* call to an undefined function (kfunc) */
	LDR_RELOC_EXTERN_VAR,    /* lddw of an undefined variable (ksym, kconfig) */
};

/* A classified relocation of a code section. */
struct ldr_reloc {
	size_t insn;             /* slot index in the section */
	enum ldr_reloc_kind kind;
	size_t rel_index;        /* entry in the relocation section, for messages */
	size_t sym;
	size_t target_sec;       /* CALL, CODE_ADDR */
	size_t target_insn;      /* CALL, CODE_ADDR: slot index in target_sec */
	size_t index;            /* MAP, DATA: map index; EXTERN_*: extern index */
	int64_t offset;          /* DATA: byte offset in the map value; EXTERN_VAR: addend */
};

struct ldr_code {             /* per code section */
	struct ldr_reloc *relocs; /* sorted by insn */
	size_t nrelocs;
	size_t *units;            /* indexes into obj->units, sorted by start */
	size_t nunits;
};

/* A piece of a linked program: unit `unit` placed at slot `out_off`. */
struct ldr_seg {
	size_t unit;
	size_t out_off;
};

/* .BTF.ext records carried into a linked program (btf_ext.c). */
struct ldr_line {
	size_t insn;              /* slot in the linked program */
	const char *file, *text;  /* strings of .BTF */
	uint32_t line, col;
};
struct ldr_func {
	size_t insn;
	uint32_t type_id;         /* BTF FUNC */
};

struct ldr_prog {
	size_t unit;
	const char *type;
	struct bpfx_insn *insns;
	size_t count;
	struct ldr_seg *segs;
	size_t nsegs;
	struct ldr_line *lines;   /* sorted by insn */
	size_t nlines;
	struct ldr_func *funcs;   /* sorted by insn */
	size_t nfuncs;
};

struct ldr_map {
	struct bpfx_object_map_info info;
	size_t sec;               /* section of the definition or of the data */
	uint64_t sec_off;         /* offset of the definition in it */
	uint32_t id;              /* iproute2: id, for inner_id lookups */
	uint32_t inner_ref;       /* legacy: inner_map_idx / iproute2: inner_id */
	bool has_inner_ref;
	char *owned_name;         /* synthesized names (inner maps) */
};

struct ldr_extern {
	const char *name;
	bool is_func, weak;
	size_t kcfg;              /* index in obj->kcfg, or SIZE_MAX */
};

/* A kconfig extern's place in the ".kconfig" map (laid out like libbpf:
 * larger alignment first, then by name). */
struct ldr_kcfg {
	const char *name;
	uint32_t offset, size, align;
};

struct bpfx_object {
	struct bpfx_diag diag;
	char *name;
	unsigned char *image;     /* our copy of the file */
	size_t image_len;
	Elf *elf;
	bool em_none;             /* e_machine EM_NONE: very old clang, relocation type 0 */
	int gcc_major;            /* from .comment when GCC built it, else 0 */

	struct ldr_sec *secs;
	size_t nsecs;
	size_t symtab_sec, text_sec, maps_sec, btf_maps_sec, btf_sec, btf_ext_sec;
	struct ldr_sym *syms;
	size_t nsyms;

	struct btf *btf;          /* libbpf's parse of .BTF, or NULL */

	struct ldr_unit *units;
	size_t nunits;
	struct ldr_code *code;    /* indexed by section */

	struct ldr_prog *progs;
	size_t nprogs;
	struct ldr_map *maps;
	size_t nmaps;
	struct ldr_extern *externs;
	size_t nexterns;
	struct ldr_kcfg *kcfg;
	size_t nkcfg;
	size_t kcfg_map;          /* BPFX_NO_MAP when the object has no kconfig externs */
	struct ldr_loaded *loaded; /* load.c: maps and programs after bpfx_object_load, or NULL */

	struct ldr_btf_ext *ext;  /* btf_ext.c: parsed .BTF.ext, or NULL */
	struct ldr_core_res *core; /* core.c: one result per (program, CO-RE record) */
	size_t ncore;
	char core_target_name[256]; /* "vmlinux", a path, "host BTF" or "" */

	char license[128];
	uint32_t kern_version;
	bool has_version;
};

/* elf.c */
int ldr_elf_read(struct bpfx_object *obj);
/* Reads the entries of relocation section `rel` (checked: symbol index,
 * offset inside the target section). *out is malloc'ed. */
int ldr_elf_rels(struct bpfx_object *obj, size_t rel, struct ldr_rel **out, size_t *n);
const char *ldr_sym_name(const struct bpfx_object *obj, size_t sym);

/* maps.c */
int ldr_maps_collect(struct bpfx_object *obj);
/* Map whose definition starts at `off` of section `sec`; BPFX_NO_MAP if none. */
size_t ldr_map_at(const struct bpfx_object *obj, size_t sec, uint64_t off);
void ldr_maps_free(struct bpfx_object *obj);

/* secdefs.c */
const char *ldr_prog_type_for_section(const char *sec);
const char *ldr_map_type_name(uint32_t type);

/* Grows *arr (of *cap elements of size sz) so it holds at least need. */
int ldr_grow(const struct bpfx_diag *d, void **arr, size_t *cap, size_t need, size_t sz);

/* btf_ext.c: parses .BTF.ext (after .BTF and the sections are read) and,
 * after linking, carries its records into every program through its
 * segments. core.c: applies the CO-RE relocations to the linked programs. */
struct ldr_btf_ext;
struct ldr_core_res;
int ldr_btf_ext_read(struct bpfx_object *obj);
int ldr_btf_ext_link(struct bpfx_object *obj);
void ldr_btf_ext_free(struct bpfx_object *obj);
int ldr_core_apply(struct bpfx_object *obj, const struct bpfx_object_opts *opts);
void ldr_core_free(struct bpfx_object *obj);
/* Before programs are loaded: when a CO-RE relocation was poisoned and the VM
 * has no helper BPFX_CORE_POISON_IMM, registers one that fails the run (so,
 * as with Linux, only a program that reaches the poisoned insn fails). */
int ldr_core_prepare_vm(struct bpfx_object *obj, bpfx_vm *vm, const struct bpfx_diag *d);

/* load.c: frees what bpfx_object_load created (maps, programs). */
struct ldr_loaded;
void ldr_unload(struct bpfx_object *obj);

#endif
