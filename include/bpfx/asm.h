/* SPDX-License-Identifier: MIT */
/*
 * bpfx/asm.h - assembler and disassembler.
 *
 * Two dialects:
 *   - LLVM: what `llvm-objdump -d` prints, e.g. `r0 = *(u32 *)(r1 + 0x4)`.
 *   - conformance: the bpf_conformance / uBPF dialect, e.g. `ldxw %r0, [%r1+4]`.
 * The assembler reads both (auto-detected per line, or forced); the
 * disassembler writes LLVM by default. Labels (`name:`) work in both.
 */
#ifndef BPFX_ASM_H
#define BPFX_ASM_H

#include <bpfx/common.h>
#include <bpfx/isa.h>

#ifdef __cplusplus
extern "C" {
#endif

enum bpfx_dialect {
	BPFX_DIALECT_AUTO = 0,
	BPFX_DIALECT_LLVM = 1,
	BPFX_DIALECT_CONFORMANCE = 2,
};

struct bpfx_asm_opts {
	size_t sz;                  /* sizeof(struct bpfx_asm_opts) */
	enum bpfx_dialect dialect;  /* AUTO: detect per line */
	const char *filename;       /* for messages ("file:line:col: ..."); may be NULL */
	bpfx_log_fn log;
	void *log_user;
};

/* Where and why assembly failed (line and column are 1-based). */
struct bpfx_asm_error {
	int line;
	int col;
	char msg[256];
};

/*
 * Assembles `len` bytes of `text`. On success *insns (free with bpfx_free)
 * and *count receive the bytecode. On failure returns BPFX_E_ASM, fills
 * `err` if not NULL, and logs "file:line:col: message".
 */
BPFX_API int bpfx_asm(const char *text, size_t len, const struct bpfx_asm_opts *opts,
		      struct bpfx_insn **insns, size_t *count, struct bpfx_asm_error *err);

#define BPFX_DISASM_INDEX 0x1u   /* prefix each line with its slot index */
#define BPFX_DISASM_BYTES 0x2u   /* prefix each line with its raw bytes */
#define BPFX_DISASM_LABELS 0x4u  /* jump targets as labels instead of offsets */

struct bpfx_disasm_opts {
	size_t sz;                  /* sizeof(struct bpfx_disasm_opts) */
	enum bpfx_dialect dialect;  /* AUTO means LLVM */
	uint32_t flags;             /* BPFX_DISASM_* */
};

/*
 * Disassembles one instruction (two slots for lddw; `avail` is the number of
 * slots readable at `insn`) into buf. Returns the number of slots consumed
 * (1 or 2), or BPFX_E_BAD_INSN for a slot the opcode table does not know
 * (buf then holds a ".insn" line with the raw fields). BPFX_DISASM_INDEX
 * and _LABELS need a whole program and are ignored here. Returns
 * BPFX_E_RANGE (buf "") if the text does not fit in len, BPFX_E_INVAL for
 * bad arguments or options. Syntax: docs/asm.md.
 */
BPFX_API int bpfx_disasm_insn(const struct bpfx_insn *insn, size_t avail,
			      const struct bpfx_disasm_opts *opts, char *buf, size_t len);

/* Disassembles a whole program, one instruction a line, into a new string
 * (free with bpfx_free). Unknown slots are written as ".insn" lines that the
 * assembler reads back, so disassembly never fails on bad bytecode. */
BPFX_API int bpfx_disasm(const struct bpfx_insn *insns, size_t count,
			 const struct bpfx_disasm_opts *opts, char **text);

#ifdef __cplusplus
}
#endif
#endif /* BPFX_ASM_H */
