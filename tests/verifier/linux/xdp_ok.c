/* Accepted on the linux platform: Ethernet, IPv4 with a variable header length,
 * then 4 bytes of the L4 header, each proven against data_end. */
typedef unsigned char u8; typedef unsigned short u16; typedef unsigned int u32; typedef unsigned long long u64;
#define SEC(n) __attribute__((section(n), used))
struct xdp_md { u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
struct { int (*type)[2]; int (*key_size)[4]; int (*value_size)[8]; int (*max_entries)[256]; } counts SEC(".maps");
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
SEC("xdp")
int count_proto(struct xdp_md *ctx)
{
	u8 *data = (u8 *)(long)ctx->data, *end = (u8 *)(long)ctx->data_end;
	if (data + 14 > end)
		return 2;
	if (data[12] != 0x08 || data[13] != 0x00)
		return 2;
	u8 *ip = data + 14;
	if (ip + 20 > end)
		return 2;
	u32 ihl = (ip[0] & 0x0f) * 4;
	u8 *l4 = ip + ihl;
	if (l4 + 4 > end)
		return 2;
	u32 key = ip[9];
	u64 *v = bpf_map_lookup_elem(&counts, &key);
	if (v)
		*v += l4[2] | (l4[3] << 8);
	return 2;
}
char _license[] SEC("license") = "GPL";
