/* Rejected on the linux platform (BPFX-MEM-002): the access at offset 70000
 * is past the context (4096 bytes unless the host sets another size; Linux
 * allows offsets below 65535 and rejects this one too). */
typedef unsigned char u8; typedef unsigned int u32; typedef unsigned long long u64;
#define SEC(n) __attribute__((section(n), used))
struct args {
	u32 op, n;
	u8 pad[70000 - 8];
	u64 far;
};

SEC("syscall")
int run(struct args *a)
{
	a->far = a->op;
	return 0;
}
char _license[] SEC("license") = "GPL";
