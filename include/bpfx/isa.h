/* SPDX-License-Identifier: MIT */
/*
 * bpfx/isa.h - the BPF instruction set (RFC 9669 plus the Linux extensions):
 * the instruction encoding, conformance groups, and load-time validation.
 *
 * The opcode set itself is written down once, in src/isa/opcodes.h (an
 * X-macro table); everything here is derived from it.
 */
#ifndef BPFX_ISA_H
#define BPFX_ISA_H

#include <bpfx/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One 64-bit instruction slot, in host (little-endian) byte order. */
struct bpfx_insn {
	uint8_t code;
	uint8_t dst : 4;
	uint8_t src : 4;
	int16_t off;
	int32_t imm;
};

#define BPFX_NREGS 11          /* r0..r10 */
#define BPFX_STACK_SIZE 512    /* bytes per frame */
#define BPFX_MAX_CALL_DEPTH 8  /* frames, main program included */

/* Instruction classes and opcode fields (RFC 9669, section 3). */
enum {
	BPFX_CLS_LD = 0x00, BPFX_CLS_LDX = 0x01, BPFX_CLS_ST = 0x02, BPFX_CLS_STX = 0x03,
	BPFX_CLS_ALU = 0x04, BPFX_CLS_JMP = 0x05, BPFX_CLS_JMP32 = 0x06, BPFX_CLS_ALU64 = 0x07,
	BPFX_SRC_K = 0x00, BPFX_SRC_X = 0x08,
	BPFX_SZ_W = 0x00, BPFX_SZ_H = 0x08, BPFX_SZ_B = 0x10, BPFX_SZ_DW = 0x18,
	BPFX_MODE_IMM = 0x00, BPFX_MODE_ABS = 0x20, BPFX_MODE_IND = 0x40,
	BPFX_MODE_MEM = 0x60, BPFX_MODE_MEMSX = 0x80, BPFX_MODE_ATOMIC = 0xc0,
};
#define BPFX_CLASS(code) ((code) & 0x07)

/* lddw src values (RFC 9669, section 5.4). */
enum bpfx_lddw_kind {
	BPFX_LDDW_IMM64 = 0,         /* dst = imm64 */
	BPFX_LDDW_MAP_FD = 1,        /* dst = map_by_fd(imm) */
	BPFX_LDDW_MAP_VALUE_FD = 2,  /* dst = map_val(map_by_fd(imm)) + next_imm */
	BPFX_LDDW_VAR_ADDR = 3,      /* dst = var_addr(imm) */
	BPFX_LDDW_CODE_ADDR = 4,     /* dst = code_addr(pc + 1 + imm) */
	BPFX_LDDW_MAP_IDX = 5,       /* dst = map_by_idx(imm) */
	BPFX_LDDW_MAP_VALUE_IDX = 6, /* dst = map_val(map_by_idx(imm)) + next_imm */
};

/* call src values. */
enum bpfx_call_kind {
	BPFX_CALL_HELPER = 0,  /* helper by static id in imm */
	BPFX_CALL_LOCAL = 1,   /* bpf-to-bpf call, target pc + 1 + imm */
	BPFX_CALL_KFUNC = 2,   /* kfunc by BTF id in imm */
};

/*
 * Conformance groups. The first seven are RFC 9669's; the rest name the
 * Linux extensions so that a runtime can state precisely what it runs.
 * base64 includes base32, atomic64 includes atomic32, divmul64 includes
 * divmul32: bpfx_groups_close() adds the included groups.
 */
enum bpfx_group {
	BPFX_GROUP_BASE32 = 1u << 0,
	BPFX_GROUP_BASE64 = 1u << 1,
	BPFX_GROUP_ATOMIC32 = 1u << 2,
	BPFX_GROUP_ATOMIC64 = 1u << 3,
	BPFX_GROUP_DIVMUL32 = 1u << 4,
	BPFX_GROUP_DIVMUL64 = 1u << 5,
	BPFX_GROUP_PACKET = 1u << 6,   /* legacy LD_ABS / LD_IND */
	BPFX_GROUP_CALLX = 1u << 7,    /* call helper whose id is in a register */
	BPFX_GROUP_MAY_GOTO = 1u << 8, /* Linux: may_goto (JCOND) */
	BPFX_GROUP_ACQREL = 1u << 9,   /* Linux: load-acquire / store-release */
	BPFX_GROUP_ARENA = 1u << 10,   /* Linux: addr_space_cast */
	BPFX_GROUP_GOTOX = 1u << 11,   /* Linux: indirect jump */
};
#define BPFX_GROUPS_RFC 0x7fu        /* the seven RFC 9669 groups */
#define BPFX_GROUPS_ALL 0xfffu       /* everything bpfx knows */
#define BPFX_GROUPS_DEFAULT BPFX_GROUPS_ALL

/* "base32", ... ; NULL for a value that is not exactly one known group. */
BPFX_API const char *bpfx_group_name(uint32_t group);
/* Adds the groups that the given ones include (base64 -> base32, ...). */
BPFX_API uint32_t bpfx_groups_close(uint32_t groups);
/*
 * Parses a comma- or space-separated list of group names, plus "all", "rfc"
 * and "default"; a leading '-' removes a group ("all,-packet"). On error
 * returns BPFX_E_INVAL and, if err/errlen are given, writes the reason.
 */
BPFX_API int bpfx_groups_parse(const char *list, uint32_t *out, char *err, size_t errlen);
/* Writes "base32,base64,..." into buf (always NUL-terminated). */
BPFX_API void bpfx_groups_format(uint32_t groups, char *buf, size_t len);

/* Facts about one instruction, from the opcode table. */
struct bpfx_insn_info {
	const char *name;      /* table id, e.g. "ADD64_K" */
	const char *mnemonic;  /* conformance-dialect mnemonic, e.g. "add" */
	uint32_t group;        /* the one group it belongs to */
	int slots;             /* 1, or 2 for lddw */
};
/*
 * Looks `insn` up in the opcode table. Returns 0 and fills `info`, or
 * BPFX_E_BAD_INSN if no table row matches (reserved opcode, or a selector
 * field with an unknown value). Does not check unused fields.
 */
BPFX_API int bpfx_insn_lookup(const struct bpfx_insn *insn, struct bpfx_insn_info *info);

/* Validation options (sized struct: set .sz = sizeof(struct bpfx_validate_opts)). */
struct bpfx_validate_opts {
	size_t sz;
	uint32_t groups;        /* claimed groups; 0 means BPFX_GROUPS_DEFAULT */
	bpfx_log_fn log;
	void *log_user;
};

/*
 * Load-time validation of a program: every slot decodes to a table row, its
 * unused fields are zero, registers are < 11 and r10 is never written, jump
 * and call targets are inside the program and not inside an lddw, and the
 * last instruction cannot fall through. Each failure is logged with the
 * instruction index, its bytes and the reason. Returns 0, BPFX_E_BAD_INSN or
 * BPFX_E_GROUP.
 */
BPFX_API int bpfx_validate(const struct bpfx_insn *insns, size_t count,
			   const struct bpfx_validate_opts *opts);

#ifdef __cplusplus
}
#endif
#endif /* BPFX_ISA_H */
