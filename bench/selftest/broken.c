/* SPDX-License-Identifier: MIT */
/*
 * broken.c - a deliberately wrong native suite, to show that `bpfx bench`
 * catches disagreement (the bench-detects-* tests). Its programs carry the
 * names of real ones, so the BPF side is the real, correct code:
 *   fnv1a    returns the right hash plus one (an r0 mismatch);
 *   memcopy  copies correctly, then sets the last byte of memory to the
 *            complement of what BPF writes there (a memory mismatch).
 * Both stay idempotent, so only the comparison with BPF can fail.
 */
#include "../progs/fnv1a.c"
#include "../progs/memcopy.c"

static u64 wrong_r0(u8 *mem, u64 len)
{
	return bench_fnv1a(mem, len) + 1;
}

static u64 wrong_mem(u8 *mem, u64 len)
{
	u64 r = bench_memcopy(mem, len);
	mem[len - 1] = (u8)~mem[len / 2 / 32 * 32 - 1]; /* BPF leaves mem[half - 1] there */
	return r;
}

static const struct bpfx_bench_desc broken_fnv1a = {BPFX_BENCH_ABI, "fnv1a", "wrong r0", 16 * 1024, 0,
						    wrong_r0};
static const struct bpfx_bench_desc broken_memcopy = {BPFX_BENCH_ABI, "memcopy", "wrong memory",
						      1024 * 1024, 0, wrong_mem};

__attribute__((visibility("default"))) const struct bpfx_bench_desc *const bpfx_bench_suite[] = {
	&broken_fnv1a,
	&broken_memcopy,
	0,
};
