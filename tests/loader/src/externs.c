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
