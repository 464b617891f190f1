/* SPDX-License-Identifier: MIT */
#ifndef BPFX_ISA_VALIDATE_H
#define BPFX_ISA_VALIDATE_H

#include <stdlib.h>

#include "../common/diag.h"
#include "isa_internal.h"

#define BPFX_MAX_INSNS (1 << 24)

/*
 * Validates a program against the opcode table (see bpfx_validate). If `ops`
 * is not NULL it receives, per slot, the enum bpfx_op of the instruction, or
 * -1 for the second slot of an lddw. `groups` 0 means the default set.
 */
int bpfx_validate_program(const struct bpfx_diag *d, const struct bpfx_insn *insns, size_t count,
			  uint32_t groups, int16_t *ops);

#endif
