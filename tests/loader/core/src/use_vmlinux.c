/* SPDX-License-Identifier: MIT */
/* use_vmlinux.c - compiled against the header `bpfx btf dump` wrote from this
 * machine's vmlinux: the header must be valid C and keep CO-RE relocations. */
#include "vmlinux.h"

__attribute__((section("kprobe/x"), used)) long long f(struct task_struct *t)
{
	return t->pid + t->se.vruntime;
}
