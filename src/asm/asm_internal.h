/* SPDX-License-Identifier: MIT */
/*
 * asm_internal.h - what the assembler and the disassembler share: the text
 * templates of every instruction, derived from the opcode table.
 *
 * A template is the spelling of one table row in one dialect, with operand
 * placeholders. The disassembler fills the placeholders in; the assembler
 * matches a source line against the templates of every row and reads the
 * placeholders back. Both directions use the same strings, so whatever the
 * disassembler prints, the assembler reads back to the same bytes.
 *
 * Placeholders expanded from the row before matching (text, no operand):
 *   $m  conformance mnemonic (MNEM column)     $y  LLVM operator (SYM column)
 *   $M  conformance mnemonic minus its first letter ("swap16" for "bswap16")
 *   $t  memory or cast type: u8..u64, s8..s32  $x  xchg/cmpxchg suffix
 *   $k  the row's selector value, in hex
 * Operand placeholders:
 *   $d $s  dst / src register in the row's width (LLVM: wN for 32-bit rows)
 *   $D $S  dst / src register, always 64-bit (rN)
 *   $z     r0 (w0) in the row's width: cmpxchg's implicit comparand
 *   $i     32-bit immediate                 $I  signed second-slot imm (+0x8)
 *   $L     64-bit immediate (lddw)          $a  addr_space_cast pair "dst, src"
 *   $o     memory offset (off)              $q  optional signed imm addend
 *   $j     jump target in off (+N or label) $J  jump target in imm (gotol)
 *   $c     pc-relative target in imm (local call, code address)
 */
#ifndef BPFX_ASM_INTERNAL_H
#define BPFX_ASM_INTERNAL_H

#include <bpfx/asm.h>
#include <stdbool.h>

#include "../isa/isa_internal.h"

/*
 * Template `alt` (0 = the one the disassembler prints, 1.. = further
 * spellings the assembler also reads) of row `d` in `dialect` (LLVM or
 * CONFORMANCE), or NULL when there is no such alternative.
 */
const char *bpfx_asm_template(const struct bpfx_op_desc *d, enum bpfx_dialect dialect, int alt);

/* Expands the text placeholders ($m $y $M $t $x $k) of a template into
 * out (NUL-terminated). Returns false if out is too small. */
bool bpfx_asm_expand(const char *tmpl, const struct bpfx_op_desc *d, char *out, size_t len);

/* LLVM register letter of the row: 'w' for 32-bit operands, else 'r'. */
char bpfx_asm_regw(const struct bpfx_op_desc *d);

/* True if the LLVM register letter selects the row (w1 += 1 vs r1 += 1);
 * false where either letter names the same instruction (memory operands). */
bool bpfx_asm_width_strict(const struct bpfx_op_desc *d);

#endif
