/* SPDX-License-Identifier: MIT */
/* Legacy map definitions: struct bpf_map_def records in section "maps". */
#include "bpf_test.h"

struct bpf_map_def {
	u32 type, key_size, value_size, max_entries, map_flags;
};

struct bpf_map_def SEC("maps") counters = {
	.type = T_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 16,
};
struct bpf_map_def SEC("maps") flows = {
	.type = T_HASH, .key_size = 8, .value_size = 16, .max_entries = 1024, .map_flags = 1,
};

SEC("xdp")
int count_packets(struct xdp_md *ctx)
{
	u32 key = ctx->rx_queue_index & 15;
	u64 *v = bpf_map_lookup_elem(&counters, &key);
	if (v)
		*v += 1;
	u64 fk = ctx->ingress_ifindex;
	return bpf_map_lookup_elem(&flows, &fk) ? 1 : 2;
}

char _license[] SEC("license") = "GPL";
u32 _version SEC("version") = 0x050a00;
