/* SPDX-License-Identifier: MIT */
/* Symbols left for the host to resolve: a kfunc and a ksym variable. */
#include "bpf_test.h"

extern int bpf_test_kfunc(int x) __attribute__((section(".ksyms")));
extern const int some_kernel_var __attribute__((section(".ksyms"), weak));

SEC("syscall")
int call_extern(void *ctx)
{
	return bpf_test_kfunc(3) + (int)(long)&some_kernel_var;
}

char _license[] SEC("license") = "GPL";

/* Kconfig values, placed by the host in the ".kconfig" map. */
extern unsigned int LINUX_KERNEL_VERSION __attribute__((section(".kconfig")));
extern unsigned char CONFIG_BPF_SYSCALL __attribute__((section(".kconfig"), weak));

SEC("xdp")
int use_kconfig(struct xdp_md *ctx)
{
	return LINUX_KERNEL_VERSION > 0x50000 && CONFIG_BPF_SYSCALL ? 2 : 1;
}
