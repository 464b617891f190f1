/* SPDX-License-Identifier: MIT */
/* bpf_test.h - the few definitions our test objects need, without any
 * system or libbpf header, so that clang and bpf-gcc build them alike. */
#ifndef BPF_TEST_H
#define BPF_TEST_H

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long s64;

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]
#define NOINLINE __attribute__((noinline))

/* Linux map type numbers. */
enum { T_HASH = 1, T_ARRAY = 2, T_PROG_ARRAY = 3, T_ARRAY_OF_MAPS = 12, T_RINGBUF = 27 };

/* Helpers by number: clang takes a pointer constant, bpf-gcc an attribute. */
#ifdef __clang__
#define HELPER(ret, name, args, id) static ret(*name) args = (void *)id
#else
#define HELPER(ret, name, args, id) ret name args __attribute__((kernel_helper(id)))
#endif
HELPER(void *, bpf_map_lookup_elem, (void *map, const void *key), 1);
HELPER(long, bpf_map_update_elem, (void *map, const void *key, const void *value, u64 flags), 2);
HELPER(long, bpf_tail_call, (void *ctx, void *map, u32 index), 12);
HELPER(long, bpf_loop, (u32 nr, void *fn, void *ctx, u64 flags), 181);

struct xdp_md {
	u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex;
};

#endif
