/* Rejected on the linux platform (BPFX-CALL-003): the "string" passed to
 * bpf_strncmp is 4 bytes of .rodata with no NUL after them. Linux rejects it
 * too (string is not zero-terminated). */
typedef unsigned char u8; typedef unsigned int u32; typedef unsigned long long u64;
#define SEC(n) __attribute__((section(n), used))
struct xdp_md { u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
static long (*bpf_strncmp)(const char *s1, u32 s1_sz, const char *s2) = (void *)182;
static const char word[4] = "abcd";

SEC("xdp")
int strings(struct xdp_md *ctx)
{
	char in[8] = "abcd";
	in[0] = ctx->ingress_ifindex;
	return bpf_strncmp(in, sizeof(in), word) == 0 ? 1 : 2;
}
char _license[] SEC("license") = "GPL";
