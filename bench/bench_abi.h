/* SPDX-License-Identifier: MIT */
/*
 * bench_abi.h - what the native benchmark library (libbpfx_bench_native.so)
 * exports to `bpfx bench`: one descriptor per program, and the suite as a
 * NULL-terminated array of them. Native code only (never compiled for BPF).
 */
#ifndef BPFX_BENCH_ABI_H
#define BPFX_BENCH_ABI_H

#include <stdint.h>

/* Bumped whenever struct bpfx_bench_desc changes. */
#define BPFX_BENCH_ABI 1

struct bpfx_bench_desc {
	uint32_t abi;          /* BPFX_BENCH_ABI */
	const char *name;      /* program name; the BPF code is NAME.<cpu>.bin */
	const char *what;      /* one line: what the program does */
	uint64_t mem_size;     /* bytes of memory the program gets (r1, r2) */
	/* Program-specific input preparation, called once on memory the bench
	 * tool has already filled from its seeded PRNG. May be NULL. */
	void (*setup)(uint8_t *mem, uint64_t len);
	/* The native build of the program. */
	uint64_t (*run)(uint8_t *mem, uint64_t len);
};

/* Symbol the bench tool looks up with dlsym(). */
#define BPFX_BENCH_SUITE_SYMBOL "bpfx_bench_suite"

#endif
