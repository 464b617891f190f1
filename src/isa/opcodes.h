/* SPDX-License-Identifier: MIT */
/*
 * opcodes.h - THE opcode table. The only place in bpfx where the instruction
 * set is written down. Validation, names, the assembler, the disassembler and
 * the interpreter's dispatch are all generated from BPFX_OPCODES(X).
 *
 * Each row is  X(ID, CODE, SELV, DST, SRC, OFF, IMM, GROUP, FMT, MNEM, SYM)
 *
 *   ID     unique name of the operation (becomes BPFX_OP_<ID>)
 *   CODE   the opcode byte
 *   SELV   selector value: several operations share one opcode byte and are
 *          told apart by another field; that field is marked *_SEL in its
 *          column and must equal SELV. Rows with no *_SEL column use 0.
 *   DST    how the dst register field is used:  RZ (must be 0), RR (read),
 *          RW (written), RRW (read and written)
 *   SRC    likewise for src; or SSEL when src is the selector
 *   OFF    OZ (must be 0), OJ (jump offset), OM (memory offset), OSEL
 *   IMM    IZ (must be 0), II (immediate), IJ (jump offset, gotol),
 *          IC (local call offset), ISEL, IAS (address-space cast pair)
 *   GROUP  conformance group (enum bpfx_group without the prefix)
 *   FMT    operand shape for the assembler and disassembler
 *   MNEM   mnemonic in the bpf_conformance dialect
 *   SYM    operator spelled by the LLVM dialect ("+=", "==", ...), or ""
 *
 * Operand width and memory size come from CODE (class and size bits).
 * The rows are grouped by family with small generator macros; each generator
 * expands to plain X(...) rows, so this is still one list.
 */
#ifndef BPFX_ISA_OPCODES_H
#define BPFX_ISA_OPCODES_H

/* ALU operation on both widths, K and X forms. */
#define BPFX_ALU_KX(X, ID, OP, MN, SYM, G32, G64)                                                     \
	X(ID##32_K, 0x04 | (OP), 0, RRW, RZ, OZ, II, G32, FMT_ALU_K, MN "32", SYM)                    \
	X(ID##32_X, 0x0c | (OP), 0, RRW, RR, OZ, IZ, G32, FMT_ALU_X, MN "32", SYM)                    \
	X(ID##64_K, 0x07 | (OP), 0, RRW, RZ, OZ, II, G64, FMT_ALU_K, MN, SYM)                         \
	X(ID##64_X, 0x0f | (OP), 0, RRW, RR, OZ, IZ, G64, FMT_ALU_X, MN, SYM)

/* Division and modulo: off selects unsigned (0) or signed (1). */
#define BPFX_DIVMOD(X, ID, SID, OP, MN, SMN, SYM, SSYM)                                               \
	X(ID##32_K, 0x04 | (OP), 0, RRW, RZ, OSEL, II, DIVMUL32, FMT_ALU_K, MN "32", SYM)             \
	X(ID##32_X, 0x0c | (OP), 0, RRW, RR, OSEL, IZ, DIVMUL32, FMT_ALU_X, MN "32", SYM)             \
	X(ID##64_K, 0x07 | (OP), 0, RRW, RZ, OSEL, II, DIVMUL64, FMT_ALU_K, MN, SYM)                  \
	X(ID##64_X, 0x0f | (OP), 0, RRW, RR, OSEL, IZ, DIVMUL64, FMT_ALU_X, MN, SYM)                  \
	X(SID##32_K, 0x04 | (OP), 1, RRW, RZ, OSEL, II, DIVMUL32, FMT_ALU_K, SMN "32", SSYM)          \
	X(SID##32_X, 0x0c | (OP), 1, RRW, RR, OSEL, IZ, DIVMUL32, FMT_ALU_X, SMN "32", SSYM)          \
	X(SID##64_K, 0x07 | (OP), 1, RRW, RZ, OSEL, II, DIVMUL64, FMT_ALU_K, SMN, SSYM)               \
	X(SID##64_X, 0x0f | (OP), 1, RRW, RR, OSEL, IZ, DIVMUL64, FMT_ALU_X, SMN, SSYM)

/* Memory access of one size SZ (W=0x00, H=0x08, B=0x10, DW=0x18). */
#define BPFX_MEM_SIZE(X, S, SZ, G)                                                                    \
	X(LDX_##S, 0x61 | (SZ), 0, RW, RR, OM, IZ, G, FMT_LDX, "ldx" #S, "")                          \
	X(ST_##S, 0x62 | (SZ), 0, RR, RZ, OM, II, G, FMT_ST, "st" #S, "")                             \
	X(STX_##S, 0x63 | (SZ), 0, RR, RR, OM, IZ, G, FMT_STX, "stx" #S, "")

/* Atomic read-modify-write operations on one width (W: 0xc3, DW: 0xdb). */
#define BPFX_ATOMICS(X, W, CODE, MW, G)                                                               \
	X(ATOMIC##W##_ADD, CODE, 0x00, RR, RR, OM, ISEL, G, FMT_ATOMIC, "add" MW, "+=")               \
	X(ATOMIC##W##_OR, CODE, 0x40, RR, RR, OM, ISEL, G, FMT_ATOMIC, "or" MW, "|=")                 \
	X(ATOMIC##W##_AND, CODE, 0x50, RR, RR, OM, ISEL, G, FMT_ATOMIC, "and" MW, "&=")               \
	X(ATOMIC##W##_XOR, CODE, 0xa0, RR, RR, OM, ISEL, G, FMT_ATOMIC, "xor" MW, "^=")               \
	X(ATOMIC##W##_FETCH_ADD, CODE, 0x01, RR, RRW, OM, ISEL, G, FMT_ATOMIC_FETCH, "add" MW, "add") \
	X(ATOMIC##W##_FETCH_OR, CODE, 0x41, RR, RRW, OM, ISEL, G, FMT_ATOMIC_FETCH, "or" MW, "or")    \
	X(ATOMIC##W##_FETCH_AND, CODE, 0x51, RR, RRW, OM, ISEL, G, FMT_ATOMIC_FETCH, "and" MW, "and") \
	X(ATOMIC##W##_FETCH_XOR, CODE, 0xa1, RR, RRW, OM, ISEL, G, FMT_ATOMIC_FETCH, "xor" MW, "xor") \
	X(ATOMIC##W##_XCHG, CODE, 0xe1, RR, RRW, OM, ISEL, G, FMT_XCHG, "xchg" MW, "")                \
	X(ATOMIC##W##_CMPXCHG, CODE, 0xf1, RR, RR, OM, ISEL, G, FMT_CMPXCHG, "cmpxchg" MW, "")

/* Load-acquire and store-release, one size (Linux extension). */
#define BPFX_ACQREL(X, S, CODE)                                                                       \
	X(LOAD_ACQ_##S, CODE, 0x100, RW, RR, OM, ISEL, ACQREL, FMT_LOAD_ACQ, "ldacq" #S, "")          \
	X(STORE_REL_##S, CODE, 0x110, RR, RR, OM, ISEL, ACQREL, FMT_STORE_REL, "strel" #S, "")

/* Conditional jump on both widths, K and X forms. */
#define BPFX_JCC(X, ID, OP, MN, SYM)                                                                  \
	X(ID##_K, 0x05 | (OP), 0, RR, RZ, OJ, II, BASE64, FMT_JCC_K, MN, SYM)                         \
	X(ID##_X, 0x0d | (OP), 0, RR, RR, OJ, IZ, BASE64, FMT_JCC_X, MN, SYM)                         \
	X(ID##32_K, 0x06 | (OP), 0, RR, RZ, OJ, II, BASE32, FMT_JCC_K, MN "32", SYM)                  \
	X(ID##32_X, 0x0e | (OP), 0, RR, RR, OJ, IZ, BASE32, FMT_JCC_X, MN "32", SYM)

#define BPFX_OPCODES(X)                                                                               \
	/* ---- ALU and ALU64 ---------------------------------------------------------------------- */ \
	BPFX_ALU_KX(X, ADD, 0x00, "add", "+=", BASE32, BASE64)                                        \
	BPFX_ALU_KX(X, SUB, 0x10, "sub", "-=", BASE32, BASE64)                                        \
	BPFX_ALU_KX(X, MUL, 0x20, "mul", "*=", DIVMUL32, DIVMUL64)                                    \
	BPFX_DIVMOD(X, DIV, SDIV, 0x30, "div", "sdiv", "/=", "s/=")                                   \
	BPFX_ALU_KX(X, OR, 0x40, "or", "|=", BASE32, BASE64)                                          \
	BPFX_ALU_KX(X, AND, 0x50, "and", "&=", BASE32, BASE64)                                        \
	BPFX_ALU_KX(X, LSH, 0x60, "lsh", "<<=", BASE32, BASE64)                                       \
	BPFX_ALU_KX(X, RSH, 0x70, "rsh", ">>=", BASE32, BASE64)                                       \
	X(NEG32, 0x84, 0, RRW, RZ, OZ, IZ, BASE32, FMT_NEG, "neg32", "-")                              \
	X(NEG64, 0x87, 0, RRW, RZ, OZ, IZ, BASE64, FMT_NEG, "neg", "-")                                \
	BPFX_DIVMOD(X, MOD, SMOD, 0x90, "mod", "smod", "%=", "s%=")                                   \
	BPFX_ALU_KX(X, XOR, 0xa0, "xor", "^=", BASE32, BASE64)                                        \
	X(MOV32_K, 0xb4, 0, RW, RZ, OZ, II, BASE32, FMT_ALU_K, "mov32", "=")                           \
	X(MOV32_X, 0xbc, 0, RW, RR, OSEL, IZ, BASE32, FMT_ALU_X, "mov32", "=")                         \
	X(MOVSX32_8, 0xbc, 8, RW, RR, OSEL, IZ, BASE32, FMT_MOVSX, "movsx832", "")                     \
	X(MOVSX32_16, 0xbc, 16, RW, RR, OSEL, IZ, BASE32, FMT_MOVSX, "movsx1632", "")                  \
	X(MOV64_K, 0xb7, 0, RW, RZ, OZ, II, BASE64, FMT_ALU_K, "mov", "=")                             \
	X(MOV64_X, 0xbf, 0, RW, RR, OSEL, IZ, BASE64, FMT_ALU_X, "mov", "=")                           \
	X(ADDR_SPACE_CAST, 0xbf, 1, RW, RR, OSEL, IAS, ARENA, FMT_ASCAST, "addr_space_cast", "")       \
	X(MOVSX64_8, 0xbf, 8, RW, RR, OSEL, IZ, BASE64, FMT_MOVSX, "movsx864", "")                     \
	X(MOVSX64_16, 0xbf, 16, RW, RR, OSEL, IZ, BASE64, FMT_MOVSX, "movsx1664", "")                  \
	X(MOVSX64_32, 0xbf, 32, RW, RR, OSEL, IZ, BASE64, FMT_MOVSX, "movsx3264", "")                  \
	BPFX_ALU_KX(X, ARSH, 0xc0, "arsh", "s>>=", BASE32, BASE64)                                    \
	X(LE16, 0xd4, 16, RRW, RZ, OZ, ISEL, BASE32, FMT_END, "le16", "le16")                          \
	X(LE32, 0xd4, 32, RRW, RZ, OZ, ISEL, BASE32, FMT_END, "le32", "le32")                          \
	X(LE64, 0xd4, 64, RRW, RZ, OZ, ISEL, BASE64, FMT_END, "le64", "le64")                          \
	X(BE16, 0xdc, 16, RRW, RZ, OZ, ISEL, BASE32, FMT_END, "be16", "be16")                          \
	X(BE32, 0xdc, 32, RRW, RZ, OZ, ISEL, BASE32, FMT_END, "be32", "be32")                          \
	X(BE64, 0xdc, 64, RRW, RZ, OZ, ISEL, BASE64, FMT_END, "be64", "be64")                          \
	X(BSWAP16, 0xd7, 16, RRW, RZ, OZ, ISEL, BASE32, FMT_END, "bswap16", "bswap16")                 \
	X(BSWAP32, 0xd7, 32, RRW, RZ, OZ, ISEL, BASE32, FMT_END, "bswap32", "bswap32")                 \
	X(BSWAP64, 0xd7, 64, RRW, RZ, OZ, ISEL, BASE64, FMT_END, "bswap64", "bswap64")                 \
	/* ---- LD: 64-bit immediate and legacy packet access ----------------------------------- */   \
	X(LDDW, 0x18, 0, RW, SSEL, OZ, II, BASE64, FMT_LDDW, "lddw", "")                               \
	X(LDDW_MAP_FD, 0x18, 1, RW, SSEL, OZ, II, BASE64, FMT_LDDW, "lddw", "")                        \
	X(LDDW_MAP_VALUE_FD, 0x18, 2, RW, SSEL, OZ, II, BASE64, FMT_LDDW, "lddw", "")                  \
	X(LDDW_VAR_ADDR, 0x18, 3, RW, SSEL, OZ, II, BASE64, FMT_LDDW, "lddw", "")                      \
	X(LDDW_CODE_ADDR, 0x18, 4, RW, SSEL, OZ, IC, BASE64, FMT_LDDW, "lddw", "")                     \
	X(LDDW_MAP_IDX, 0x18, 5, RW, SSEL, OZ, II, BASE64, FMT_LDDW, "lddw", "")                       \
	X(LDDW_MAP_VALUE_IDX, 0x18, 6, RW, SSEL, OZ, II, BASE64, FMT_LDDW, "lddw", "")                 \
	X(LDABS_W, 0x20, 0, RZ, RZ, OZ, II, PACKET, FMT_LDABS, "ldabsw", "u32")                        \
	X(LDABS_H, 0x28, 0, RZ, RZ, OZ, II, PACKET, FMT_LDABS, "ldabsh", "u16")                        \
	X(LDABS_B, 0x30, 0, RZ, RZ, OZ, II, PACKET, FMT_LDABS, "ldabsb", "u8")                         \
	X(LDIND_W, 0x40, 0, RZ, RR, OZ, II, PACKET, FMT_LDIND, "ldindw", "u32")                        \
	X(LDIND_H, 0x48, 0, RZ, RR, OZ, II, PACKET, FMT_LDIND, "ldindh", "u16")                        \
	X(LDIND_B, 0x50, 0, RZ, RR, OZ, II, PACKET, FMT_LDIND, "ldindb", "u8")                         \
	/* ---- LDX / ST / STX ------------------------------------------------------------------ */   \
	BPFX_MEM_SIZE(X, w, 0x00, BASE32)                                                             \
	BPFX_MEM_SIZE(X, h, 0x08, BASE32)                                                             \
	BPFX_MEM_SIZE(X, b, 0x10, BASE32)                                                             \
	BPFX_MEM_SIZE(X, dw, 0x18, BASE64)                                                            \
	X(LDXS_w, 0x81, 0, RW, RR, OM, IZ, BASE32, FMT_LDXSX, "ldxsw", "")                             \
	X(LDXS_h, 0x89, 0, RW, RR, OM, IZ, BASE32, FMT_LDXSX, "ldxsh", "")                             \
	X(LDXS_b, 0x91, 0, RW, RR, OM, IZ, BASE32, FMT_LDXSX, "ldxsb", "")                             \
	BPFX_ATOMICS(X, 32, 0xc3, "32", ATOMIC32)                                                     \
	BPFX_ATOMICS(X, 64, 0xdb, "", ATOMIC64)                                                       \
	BPFX_ACQREL(X, b, 0xd3)                                                                       \
	BPFX_ACQREL(X, h, 0xcb)                                                                       \
	BPFX_ACQREL(X, w, 0xc3)                                                                       \
	BPFX_ACQREL(X, dw, 0xdb)                                                                      \
	/* ---- JMP and JMP32 ------------------------------------------------------------------- */   \
	X(JA, 0x05, 0, RZ, RZ, OJ, IZ, BASE32, FMT_JA, "ja", "")                                       \
	X(JA32, 0x06, 0, RZ, RZ, OZ, IJ, BASE32, FMT_JA32, "ja32", "")                                 \
	X(GOTOX, 0x0d, 0, RR, RZ, OZ, IZ, GOTOX, FMT_GOTOX, "gotox", "")                               \
	BPFX_JCC(X, JEQ, 0x10, "jeq", "==")                                                           \
	BPFX_JCC(X, JGT, 0x20, "jgt", ">")                                                            \
	BPFX_JCC(X, JGE, 0x30, "jge", ">=")                                                           \
	BPFX_JCC(X, JSET, 0x40, "jset", "&")                                                          \
	BPFX_JCC(X, JNE, 0x50, "jne", "!=")                                                           \
	BPFX_JCC(X, JSGT, 0x60, "jsgt", "s>")                                                         \
	BPFX_JCC(X, JSGE, 0x70, "jsge", "s>=")                                                        \
	BPFX_JCC(X, JLT, 0xa0, "jlt", "<")                                                            \
	BPFX_JCC(X, JLE, 0xb0, "jle", "<=")                                                           \
	BPFX_JCC(X, JSLT, 0xc0, "jslt", "s<")                                                         \
	BPFX_JCC(X, JSLE, 0xd0, "jsle", "s<=")                                                        \
	X(CALL_HELPER, 0x85, 0, RZ, SSEL, OZ, II, BASE32, FMT_CALL, "call", "")                        \
	X(CALL_LOCAL, 0x85, 1, RZ, SSEL, OZ, IC, BASE32, FMT_CALL_LOCAL, "call", "")                   \
	X(CALL_KFUNC, 0x85, 2, RZ, SSEL, OZ, II, BASE32, FMT_CALL_KFUNC, "call", "")                   \
	X(CALLX, 0x8d, 0, RR, RZ, OZ, IZ, CALLX, FMT_CALLX, "callx", "")                               \
	X(EXIT, 0x95, 0, RZ, RZ, OZ, IZ, BASE32, FMT_EXIT, "exit", "")                                 \
	X(MAY_GOTO, 0xe5, 0, RZ, SSEL, OJ, IZ, MAY_GOTO, FMT_MAY_GOTO, "may_goto", "")

/* Operand shapes (the FMT column). */
#define BPFX_FMTS(F)                                                                                  \
	F(FMT_ALU_K) F(FMT_ALU_X) F(FMT_NEG) F(FMT_END) F(FMT_MOVSX) F(FMT_ASCAST) F(FMT_LDDW)         \
	F(FMT_LDABS) F(FMT_LDIND) F(FMT_LDX) F(FMT_LDXSX) F(FMT_ST) F(FMT_STX) F(FMT_ATOMIC)           \
	F(FMT_ATOMIC_FETCH) F(FMT_XCHG) F(FMT_CMPXCHG) F(FMT_LOAD_ACQ) F(FMT_STORE_REL) F(FMT_JA)      \
	F(FMT_JA32) F(FMT_GOTOX) F(FMT_JCC_K) F(FMT_JCC_X) F(FMT_CALL) F(FMT_CALL_LOCAL)               \
	F(FMT_CALL_KFUNC) F(FMT_CALLX) F(FMT_EXIT) F(FMT_MAY_GOTO)

#endif /* BPFX_ISA_OPCODES_H */
