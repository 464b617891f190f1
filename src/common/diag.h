/* SPDX-License-Identifier: MIT */
/*
 * diag.h - the one internal error convention of libbpfx.
 *
 * Internal functions return 0 or a negative BPFX_E_* code. Whoever first
 * detects a failure reports it once, with bpfx_fail(), naming what is wrong
 * and where; callers above it only pass the code up. A struct bpfx_diag is
 * the host's log sink as the public call received it; it is passed down by
 * pointer and never stored in global state.
 */
#ifndef BPFX_COMMON_DIAG_H
#define BPFX_COMMON_DIAG_H

#include <bpfx/common.h>
#include <stdarg.h>

struct bpfx_diag {
	bpfx_log_fn log;
	void *user;
};

#define BPFX_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Logs at error level and returns `code` (so: return bpfx_fail(d, ...)). */
int bpfx_fail(const struct bpfx_diag *d, int code, const char *fmt, ...) BPFX_PRINTF(3, 4);
void bpfx_logf(const struct bpfx_diag *d, enum bpfx_log_level lvl, const char *fmt, ...)
	BPFX_PRINTF(3, 4);
void bpfx_vlogf(const struct bpfx_diag *d, enum bpfx_log_level lvl, const char *fmt, va_list ap);

/* Reads a sized option struct: copies min(sz, sizeof) bytes, zero-fills the
 * rest, and refuses a struct whose unknown tail is not all zero. */
int bpfx_opts_copy(const struct bpfx_diag *d, void *dst, size_t dst_sz, const void *src,
		   const char *what);

#define BPFX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
