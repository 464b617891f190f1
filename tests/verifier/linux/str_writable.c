/* Rejected on the linux platform (BPFX-CALL-002): the format lives in .data,
 * which the program (or the host) may change, so it is not a constant string.
 * Linux rejects it too. */
typedef unsigned char u8; typedef unsigned int u32; typedef unsigned long long u64;
#define SEC(n) __attribute__((section(n), used))
struct xdp_md { u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
static long (*bpf_snprintf)(char *out, u32 size, const char *fmt, u64 *data, u32 len) = (void *)165;
char fmt[8] = "len %u";

SEC("xdp")
int strings(struct xdp_md *ctx)
{
	char out[16];
	u64 args[1] = {ctx->data_end - ctx->data};
	return bpf_snprintf(out, sizeof(out), fmt, args, sizeof(args)) > 0 ? 1 : 2;
}
char _license[] SEC("license") = "GPL";
