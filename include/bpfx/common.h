/* SPDX-License-Identifier: MIT */
/*
 * bpfx/common.h - status codes, logging and memory ownership shared by every
 * bpfx module.
 *
 * Convention: every bpfx_ function that can fail returns an int, 0 on
 * success or a negative BPFX_E_* code. The human-readable reason (naming what
 * is wrong and where) goes to the log callback the host installed on the
 * object or option struct involved; without one it goes nowhere.
 */
#ifndef BPFX_COMMON_H
#define BPFX_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BPFX_BUILDING_LIBRARY)
#define BPFX_API __attribute__((visibility("default")))
#else
#define BPFX_API
#endif

/* Status codes. Stable: hosts may switch on them. */
enum bpfx_status {
	BPFX_OK = 0,
	BPFX_E_INVAL = -1,       /* bad argument or option */
	BPFX_E_NOMEM = -2,       /* allocation failed */
	BPFX_E_BAD_INSN = -3,    /* malformed bytecode (validation) */
	BPFX_E_GROUP = -4,       /* instruction outside the claimed groups */
	BPFX_E_ASM = -5,         /* assembly syntax error */
	BPFX_E_MEM_FAULT = -6,   /* checked engine: access outside a region */
	BPFX_E_BUDGET = -7,      /* instruction budget exhausted */
	BPFX_E_CANCELLED = -8,   /* cancelled by another thread */
	BPFX_E_CALL_DEPTH = -9,  /* too many nested bpf-to-bpf calls */
	BPFX_E_NO_HELPER = -10,  /* helper or kfunc not registered */
	BPFX_E_IO = -11,         /* file could not be read or written */
	BPFX_E_UNSUPPORTED = -12,/* feature not available in this build/engine */
	BPFX_E_NOENT = -13,      /* named thing not found */
	BPFX_E_UNVERIFIED = -14, /* unchecked engine asked for unverified code */
	BPFX_E_ELF = -15,        /* malformed ELF object */
	BPFX_E_BTF = -16,        /* malformed BTF */
	BPFX_E_REJECTED = -17,   /* the verifier rejected the program */
	BPFX_E_HELPER_FAIL = -18,/* a helper asked to abort the run */
	BPFX_E_RANGE = -19,      /* value out of range (size, index, limit) */
	BPFX_E_EXIST = -20,      /* already exists (map update with BPF_NOEXIST) */
	BPFX_E_FULL = -21,       /* no room left (map, queue, ring buffer) */
};

/* Name of a status code ("BPFX_E_INVAL") and a one-line description. */
BPFX_API const char *bpfx_status_name(int status);
BPFX_API const char *bpfx_strerror(int status);

enum bpfx_log_level {
	BPFX_LOG_ERROR = 0,
	BPFX_LOG_WARN = 1,
	BPFX_LOG_INFO = 2,
	BPFX_LOG_DEBUG = 3,
};

/* Log sink. `msg` is one line without a trailing newline, valid only for the
 * duration of the call. Called from the thread that made the bpfx call. */
typedef void (*bpfx_log_fn)(void *user, enum bpfx_log_level level, const char *msg);

/* Frees memory that a bpfx_ function returned to the caller. */
BPFX_API void bpfx_free(void *ptr);

/* Library version, "MAJOR.MINOR.PATCH". */
BPFX_API const char *bpfx_version(void);

#ifdef __cplusplus
}
#endif
#endif /* BPFX_COMMON_H */
