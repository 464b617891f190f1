/* SPDX-License-Identifier: MIT */
/* Socket filter with LD_ABS, and a tc classifier using __sk_buff fields and
 * direct packet access; a legacy "maps" section array. */
#include "../../src/bpf_test.h"

struct __sk_buff {
	u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto, priority,
		ingress_ifindex, ifindex, tc_index, cb[5], hash, tc_classid, data, data_end;
};

struct bpf_map_def {
	u32 type, key_size, value_size, max_entries, map_flags;
};
struct bpf_map_def SEC("maps") counters = {.type = T_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4};

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

/* Accepts IPv4 TCP (whole packet), drops the rest. */
SEC("socket")
int sock_tcp(struct __sk_buff *skb)
{
	if (load_half(skb, 12) != 0x0800)
		return 0;
	u32 key = 0;
	u64 *c = bpf_map_lookup_elem(&counters, &key);
	if (c)
		*c += 1;
	if (load_byte(skb, 23) != 6)
		return 0;
	return (int)skb->len;
}

SEC("tc")
int tc_mark(struct __sk_buff *skb)
{
	u8 *data = (u8 *)(unsigned long)skb->data;
	u8 *end = (u8 *)(unsigned long)skb->data_end;
	if (data + 14 > end)
		return 2; /* TC_ACT_SHOT */
	skb->mark = skb->protocol + skb->ifindex;
	data[0] = 0xaa;
	u32 key = 1;
	u64 *c = bpf_map_lookup_elem(&counters, &key);
	if (c)
		*c += skb->len;
	return 0; /* TC_ACT_OK */
}

char _license[] SEC("license") = "GPL";
