/* Accepted on the linux platform (type xdp): bpf_snprintf's format and
 * bpf_strncmp's second string are constant strings in .rodata, found
 * NUL-terminated in its bytes. Linux accepts it too. */
typedef unsigned char u8; typedef unsigned int u32; typedef unsigned long long u64;
#define SEC(n) __attribute__((section(n), used))
struct xdp_md { u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
static long (*bpf_snprintf)(char *out, u32 size, const char *fmt, u64 *data, u32 len) = (void *)165;
static long (*bpf_strncmp)(const char *s1, u32 s1_sz, const char *s2) = (void *)182;
static const char fmt[] = "len %u";
static const char word[] = "len 6";

SEC("xdp")
int strings(struct xdp_md *ctx)
{
	char out[16];
	u64 args[1] = {ctx->data_end - ctx->data};
	bpf_snprintf(out, sizeof(out), fmt, args, sizeof(args));
	return bpf_strncmp(out, sizeof(out), word) == 0 ? 1 : 2;
}
char _license[] SEC("license") = "GPL";
