/* SPDX-License-Identifier: MIT */
/* bpfx/bpfx.h - the whole public API of libbpfx. */
#ifndef BPFX_BPFX_H
#define BPFX_BPFX_H

#include <bpfx/common.h>
#include <bpfx/isa.h>
#include <bpfx/vm.h>
#include <bpfx/asm.h>
#include <bpfx/object.h>
#include <bpfx/verifier.h>
#include <bpfx/maps.h>
#include <bpfx/helpers.h>

#endif
