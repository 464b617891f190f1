/* Rejected on the linux platform (BPFX-MEM-005): flow_dissector programs
 * may only read the packet. Linux rejects it too. */
typedef unsigned char u8; typedef unsigned short u16; typedef unsigned int u32; typedef unsigned long long u64;
#define SEC(n) __attribute__((section(n), used))
struct bpf_flow_keys {
	u16 nhoff, thoff, addr_proto;
	u8 is_frag, is_first_frag, is_encap, ip_proto;
	u16 n_proto, sport, dport;
	union {
		struct { u32 ipv4_src, ipv4_dst; };
		struct { u32 ipv6_src[4], ipv6_dst[4]; };
	};
	u32 flags, flow_label;
};
struct __sk_buff {
	u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto, priority;
	u32 ingress_ifindex, ifindex, tc_index, cb[5], hash, tc_classid, data, data_end, napi_id;
	u32 family, remote_ip4, local_ip4, remote_ip6[4], local_ip6[4], remote_port, local_port, data_meta;
	union { struct bpf_flow_keys *flow_keys; u64 :64; } __attribute__((aligned(8)));
	u64 tstamp;
	u32 wire_len, gso_segs;
	union { void *sk; u64 :64; } __attribute__((aligned(8)));
	u32 gso_size; u8 tstamp_type; u32 :24; u64 hwtstamp;
};
static long (*bpf_skb_load_bytes)(const void *skb, u32 off, void *to, u32 len) = (void *)26;
SEC("flow_dissector")
int dissect(struct __sk_buff *skb)
{
	u8 *data = (u8 *)(long)skb->data, *end = (u8 *)(long)skb->data_end;
	if (data + 14 > end)
		return 2;
	data[0] = 0xff;
	skb->flow_keys->nhoff = 14;
	return 0;
}
char _license[] SEC("license") = "GPL";
