/* Accepted on the linux platform (type flow_dissector): Ethernet, then IPv4
 * or IPv6, with the addresses and ports written into flow_keys; the packet is
 * only read, the L4 ports are copied with bpf_skb_load_bytes. Linux accepts
 * it too. */
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
#define BPF_OK 0
#define BPF_DROP 2

SEC("flow_dissector")
int dissect(struct __sk_buff *skb)
{
	struct bpf_flow_keys *keys = skb->flow_keys;
	u8 *data = (u8 *)(long)skb->data, *end = (u8 *)(long)skb->data_end;
	if (data + 14 > end)
		return BPF_DROP;
	u16 proto = data[12] << 8 | data[13];
	keys->n_proto = __builtin_bswap16(proto);
	keys->nhoff = 14;
	u8 *ip = data + 14;
	if (proto == 0x0800) {
		if (ip + 20 > end)
			return BPF_DROP;
		keys->addr_proto = 0x0800;
		keys->ip_proto = ip[9];
		keys->ipv4_src = *(u32 *)(ip + 12);
		keys->ipv4_dst = *(u32 *)(ip + 16);
		keys->thoff = 14 + (ip[0] & 15) * 4;
	} else if (proto == 0x86dd) {
		if (ip + 40 > end)
			return BPF_DROP;
		keys->addr_proto = 0x86dd;
		keys->ip_proto = ip[6];
		for (int i = 0; i < 4; i++) {
			keys->ipv6_src[i] = *(u32 *)(ip + 8 + 4 * i);
			keys->ipv6_dst[i] = *(u32 *)(ip + 24 + 4 * i);
		}
		keys->thoff = 54;
	} else {
		return BPF_OK;
	}
	u16 ports[2];
	if (bpf_skb_load_bytes(skb, keys->thoff, ports, sizeof(ports)) == 0) {
		keys->sport = ports[0];
		keys->dport = ports[1];
	}
	return BPF_OK;
}
char _license[] SEC("license") = "GPL";
