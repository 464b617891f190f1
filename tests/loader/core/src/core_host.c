/* SPDX-License-Identifier: MIT */
/* core_host.c - CO-RE relocations of every kind against a host structure.
 * Compiled against host_v1.h's layout; run against v1 and v2 host BTF. */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct host_rec {
	int a;
	unsigned long long b;
	unsigned int flags : 3;
	int level : 5;
	char name[8];
	int extra; /* only in v2 */
} __attribute__((preserve_access_index));

struct host_rec___flavour {
	int a;
	int never_there;
} __attribute__((preserve_access_index));

enum host_mode { MODE_A = 1, MODE_B = 2, MODE_C = 3 };
struct host_v2_only { int q[3]; };
struct host_absent { int z; };

SEC("bpfx/a") int get_a(struct host_rec *r) { return r->a; }
SEC("bpfx/b") long long get_b(struct host_rec *r) { return (long long)r->b; }
SEC("bpfx/name") int get_name(struct host_rec *r) { return r->name[3]; }
SEC("bpfx/flags") long long get_flags(struct host_rec *r) { return BPF_CORE_READ_BITFIELD(r, flags); }
SEC("bpfx/level") long long get_level(struct host_rec *r) { return BPF_CORE_READ_BITFIELD(r, level); }
SEC("bpfx/offs") long long get_offs(struct host_rec *r)
{
	return __builtin_preserve_field_info(r->b, 0) | (__builtin_preserve_field_info(r->b, 1) << 8) |
	       ((long long)bpf_core_field_exists(r->extra) << 16) |
	       ((long long)__builtin_preserve_field_info(r->level, 3) << 17) |
	       ((long long)__builtin_preserve_field_info(r->flags, 3) << 18);
}
SEC("bpfx/types") long long get_types(struct host_rec *r)
{
	return bpf_core_type_exists(struct host_v2_only) | (bpf_core_type_exists(struct host_absent) << 1) |
	       (bpf_core_type_matches(struct host_v2_only) << 2) |
	       ((long long)bpf_core_type_size(struct host_rec) << 8) |
	       ((long long)bpf_core_enum_value_exists(enum host_mode, MODE_A) << 24) |
	       ((long long)bpf_core_enum_value(enum host_mode, MODE_B) << 32) |
	       ((long long)bpf_core_enum_value_exists(enum host_mode, MODE_C) << 40);
}
SEC("bpfx/ids") long long get_ids(struct host_rec *r)
{
	return ((long long)bpf_core_type_id_local(struct host_rec) << 32) |
	       bpf_core_type_id_kernel(struct host_rec);
}
/* A relocation that cannot succeed anywhere: poisoned. */
SEC("bpfx/missing") int get_missing(struct host_rec___flavour *r)
{
	if (r->a == 12345)
		return 1;
	return r->never_there;
}

char LICENSE[] SEC("license") = "GPL";
