/* SPDX-License-Identifier: MIT */
/* iproute2's struct bpf_elf_map (36-byte records), with map-in-map by id. */
#include "bpf_test.h"

struct bpf_elf_map {
	u32 type, size_key, size_value, max_elem, flags, id, pinning, inner_id, inner_idx;
};

struct bpf_elf_map SEC("maps") inner = {
	.type = T_ARRAY, .size_key = 4, .size_value = 4, .max_elem = 1, .id = 42, .inner_idx = 0,
};
struct bpf_elf_map SEC("maps") outer = {
	.type = T_ARRAY_OF_MAPS, .size_key = 4, .size_value = 4, .max_elem = 4, .inner_id = 42,
};
struct bpf_elf_map SEC("maps") plain = {
	.type = T_HASH, .size_key = 4, .size_value = 8, .max_elem = 8,
};

SEC("classifier")
int cls_main(void *skb)
{
	u32 k = 0;
	void *in = bpf_map_lookup_elem(&outer, &k);
	if (!in)
		return 0;
	return bpf_map_lookup_elem(&plain, &k) ? 1 : 0;
}

char _license[] SEC("license") = "GPL";
