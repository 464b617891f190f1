/* SPDX-License-Identifier: MIT */
/*
 * bpfx/helpers.h - the standard helpers: the Linux helpers that mean
 * something in user space, under their Linux ids and with prototypes for
 * the verifier.
 *
 * Map arguments: the 64-bit value a program passes as a map is the
 * `struct bpfx_map *` that the lddw resolver produced (bpfx_map_lddw). In a
 * checked run, a helper accepts only a map that one of the program's own
 * map lddw instructions loaded (or an inner map currently held by one of
 * those), and checks every memory argument with bpfx_run_check_mem; a bad
 * one ends the run with BPFX_E_MEM_FAULT (or BPFX_E_INVAL for a bad map).
 *
 * Helper failures that Linux reports to the program are returned as Linux
 * errno values (-ENOENT, -EEXIST, -E2BIG, -EINVAL, ...).
 *
 * Registered ids: map_lookup_elem 1, map_update_elem 2, map_delete_elem 3,
 * ktime_get_ns 5, trace_printk 6, get_prandom_u32 7, get_smp_processor_id 8,
 * tail_call 12, get_current_pid_tgid 14, get_current_uid_gid 15,
 * get_current_comm 16, perf_event_output 25, map_push_elem 87,
 * map_pop_elem 88, map_peek_elem 89, spin_lock 93, spin_unlock 94,
 * strtol 105, strtoul 106, ktime_get_boot_ns 125, ringbuf_output 130,
 * ringbuf_reserve 131, ringbuf_submit 132, ringbuf_discard 133,
 * ringbuf_query 134, for_each_map_elem 164, snprintf 165, loop 181,
 * strncmp 182.
 *
 * trace_printk writes its line to the VM's log callback (level INFO,
 * prefixed "trace_printk: ").
 *
 * tail_call (12): a populated slot of the prog array becomes the running
 * program through bpfx_run_tail_call (see vm.h: same ctx, fresh stack,
 * at most BPFX_MAX_TAIL_CALLS per run, main frame only); an empty slot or
 * out-of-range index returns -ENOENT, and a refused tail call (limit
 * reached: -E2BIG; nested frame, other VM, unverified target on an
 * interp/jit run: -EINVAL) lets the program go on, as in Linux.
 */
#ifndef BPFX_HELPERS_H
#define BPFX_HELPERS_H

#include <bpfx/common.h>
#include <bpfx/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Leave out helpers that make runs depend on the environment (time,
 * random numbers, pid/uid/comm, CPU number): for reproducible runs. */
#define BPFX_STD_NO_ENV 0x1u

struct bpfx_std_helpers_opts {
	size_t sz;                  /* sizeof(struct bpfx_std_helpers_opts) */
	uint32_t flags;             /* BPFX_STD_* */
};

/* Registers the standard helpers in `vm` (opts may be NULL). */
BPFX_API int bpfx_helpers_register_std(bpfx_vm *vm, const struct bpfx_std_helpers_opts *opts);

#ifdef __cplusplus
}
#endif
#endif /* BPFX_HELPERS_H */
