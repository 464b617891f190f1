/* Accepted on the linux platform (type syscall): the context is the caller's
 * argument buffer, read and written at fixed offsets; the result goes back
 * into it. bpf_kallsyms_lookup_name reads a name from the stack and writes its
 * 8-byte result there. Linux accepts it too. */
typedef unsigned char u8; typedef unsigned int u32; typedef unsigned long long u64;
#define SEC(n) __attribute__((section(n), used))
struct args {
	u32 op, n;
	u64 values[8];
	char name[16];
	u64 result, addr;
};
static long (*bpf_kallsyms_lookup_name)(const char *name, int size, int flags, u64 *res) = (void *)179;

SEC("syscall")
int run(struct args *a)
{
	u64 sum = 0;
	u32 n = a->n;
#pragma unroll
	for (u32 i = 0; i < 8; i++) /* constant offsets: Linux refuses variable ones into the context */
		if (i < n)
			sum += a->values[i];
	a->result = a->op == 1 ? sum : 0;
	char name[16];
	__builtin_memcpy(name, a->name, sizeof(name)); /* Linux passes no context memory to helpers */
	name[15] = 0;
	u64 addr = 0;
	if (bpf_kallsyms_lookup_name(name, sizeof(name), 0, &addr) == 0)
		a->addr = addr;
	return 0;
}
char _license[] SEC("license") = "GPL";
