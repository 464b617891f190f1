/* SPDX-License-Identifier: MIT */
/*
 * interp.c - the two interpreter engines, both generated from interp_body.h:
 * the fast one (threaded code, no per-access checks; for verified or trusted
 * code) and the checked one (every memory access checked against the run's
 * regions).
 */
#include <stdint.h>
#include <string.h>

#include "vm_internal.h"

#ifndef BPFX_INTERP_SWITCH
#define BPFX_INTERP_SWITCH 0
#endif

#define BPFX_CHECKED 0
#define INTERP_FN bpfx_interp_fast
#include "interp_body.h"
#undef INTERP_FN
#undef BPFX_CHECKED

#define BPFX_CHECKED 1
#define INTERP_FN bpfx_interp_checked
#include "interp_body.h"
#undef INTERP_FN
#undef BPFX_CHECKED
