/* SPDX-License-Identifier: MIT */
/*
 * isa_internal.h - the opcode table as data, for the modules inside libbpfx
 * (validator, interpreter, assembler, disassembler, verifier, JIT).
 */
#ifndef BPFX_ISA_INTERNAL_H
#define BPFX_ISA_INTERNAL_H

#include <bpfx/isa.h>
#include <stdbool.h>

#include "opcodes.h"

/* Operation ids: BPFX_OP_ADD32_K, ... in table order, then BPFX_OP__COUNT. */
enum bpfx_op {
#define BPFX_X_ENUM(ID, ...) BPFX_OP_##ID,
	BPFX_OPCODES(BPFX_X_ENUM)
#undef BPFX_X_ENUM
	BPFX_OP__COUNT,
	BPFX_OP__INVALID = -1,
};

enum bpfx_fmt {
#define BPFX_F_ENUM(F) BPFX_##F,
	BPFX_FMTS(BPFX_F_ENUM)
#undef BPFX_F_ENUM
};

/* Field usage (the DST/SRC/OFF/IMM columns). */
enum bpfx_use {
	BPFX_USE_ZERO = 0, /* must be zero */
	BPFX_USE_READ,     /* register read */
	BPFX_USE_WRITE,    /* register written */
	BPFX_USE_RW,       /* register read and written */
	BPFX_USE_SEL,      /* selector: must equal the row's selv */
	BPFX_USE_JMP,      /* jump offset (off, or imm for gotol) */
	BPFX_USE_MEM,      /* memory offset */
	BPFX_USE_IMM,      /* free immediate */
	BPFX_USE_CALL,     /* pc-relative call / code address */
	BPFX_USE_ASCAST,   /* address-space cast pair */
};

struct bpfx_op_desc {
	const char *id;      /* "ADD64_K" */
	const char *mnem;    /* "add" */
	const char *sym;     /* "+=" */
	uint8_t code;
	int32_t selv;
	uint8_t dst, src, off, imm; /* enum bpfx_use */
	uint32_t group;      /* enum bpfx_group */
	uint8_t fmt;         /* enum bpfx_fmt */
};

/* The table, indexed by enum bpfx_op. Immutable. */
extern const struct bpfx_op_desc bpfx_op_table[BPFX_OP__COUNT];

/* Row matching the opcode byte and selector field, or BPFX_OP__INVALID. */
enum bpfx_op bpfx_op_decode(const struct bpfx_insn *insn);

/* Memory access size in bytes (1, 2, 4, 8) of a load/store/atomic opcode. */
static inline int bpfx_code_size(uint8_t code)
{
	static const int sizes[4] = {4, 2, 1, 8};
	return sizes[(code >> 3) & 3];
}

/* True for ALU64 and JMP classes (64-bit operand width). */
static inline bool bpfx_code_is64(uint8_t code)
{
	return BPFX_CLASS(code) == BPFX_CLS_ALU64 || BPFX_CLASS(code) == BPFX_CLS_JMP;
}

/* Slot i's jump target (off or gotol's imm), with calls also a local call's
 * or code address's target; -1 if none (and for an lddw's second slot,
 * ops[i] < 0). */
static inline int64_t bpfx_insn_target(const struct bpfx_insn *insns, const int16_t *ops, size_t i, bool calls)
{
	if (ops[i] < 0)
		return -1;
	const struct bpfx_op_desc *o = &bpfx_op_table[ops[i]];
	if (o->off == BPFX_USE_JMP)
		return (int64_t)i + 1 + insns[i].off;
	if (o->imm == BPFX_USE_JMP || (calls && o->imm == BPFX_USE_CALL))
		return (int64_t)i + 1 + insns[i].imm;
	return -1;
}

/* leaf[t] = 1 for each function entry t (slot 0, local call and code
 * address targets) whose function is a leaf: no call of any kind, no gotox,
 * every jump inside it, and it does not fall into the next function (see
 * leaf.c). A local call to a leaf is not a budget event. leaf has count
 * bytes; the others are set to 0. Returns 0 or BPFX_E_NOMEM. */
int bpfx_leaf_functions(const struct bpfx_insn *insns, const int16_t *ops, size_t count, uint8_t *leaf);

#endif
