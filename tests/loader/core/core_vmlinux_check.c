/* SPDX-License-Identifier: MIT */
/*
 * core_vmlinux_check: every CO-RE relocation of core_vmlinux.o, resolved
 * against this machine's /sys/kernel/btf/vmlinux, must give the offset and
 * size that the BTF itself gives for the same field path (looked up here by
 * name with libbpf's BTF API). Exit 77 when the kernel has no BTF.
 * usage: core_vmlinux_check OBJ_DIR
 */
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/object.h>

#include "check.h"

static char lastlog[4096];
static void logfn(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	if (lvl <= BPFX_LOG_WARN)
		snprintf(lastlog, sizeof(lastlog), "%s", msg);
}

static const struct btf_type *skip(const struct btf *b, __u32 *id)
{
	const struct btf_type *t = btf__type_by_id(b, *id);
	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		*id = t->type;
		t = btf__type_by_id(b, *id);
	}
	return t;
}

/* Member `name` of composite `id` (through anonymous members): bit offset and type. */
static int member(const struct btf *b, __u32 id, const char *name, __u64 *bits, __u32 *type)
{
	const struct btf_type *t = skip(b, &id);
	if (!t || !btf_is_composite(t))
		return -1;
	for (__u16 i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *mn = btf__name_by_offset(b, m->name_off);
		__u64 sub = 0;
		if (mn[0] && !strcmp(mn, name)) {
			*bits = btf_member_bit_offset(t, i);
			*type = m->type;
			return 0;
		}
		if (!mn[0] && member(b, m->type, name, &sub, type) == 0) {
			*bits = btf_member_bit_offset(t, i) + sub;
			return 0;
		}
	}
	return -1;
}

/* "struct task_struct.se.vruntime (0:5:0)" / "...comm[2] (...)": offset and size in vmlinux. */
static int expected(const struct btf *b, const char *spec, __u64 *off, __u64 *size)
{
	char buf[256];
	if (strncmp(spec, "struct ", 7))
		return -1;
	snprintf(buf, sizeof(buf), "%s", spec + 7);
	char *sp = strchr(buf, ' ');
	if (sp)
		*sp = 0;
	char *save = NULL, *tok = strtok_r(buf, ".", &save);
	__s32 root = btf__find_by_name_kind(b, tok, BTF_KIND_STRUCT);
	if (root <= 0)
		return -1;
	__u32 id = (__u32)root;
	__u64 bits = 0;
	while ((tok = strtok_r(NULL, ".", &save))) {
		char *br = strchr(tok, '[');
		long idx = -1;
		if (br) {
			idx = strtol(br + 1, NULL, 10);
			*br = 0;
		}
		__u64 mb;
		__u32 mt;
		if (member(b, id, tok, &mb, &mt))
			return -1;
		bits += mb;
		id = mt;
		if (idx >= 0) {
			const struct btf_type *t = skip(b, &id);
			if (!t || !btf_is_array(t))
				return -1;
			id = btf_array(t)->type;
			bits += (__u64)idx * (__u64)btf__resolve_size(b, id) * 8;
		}
	}
	*off = bits / 8;
	*size = (__u64)btf__resolve_size(b, id);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		printf("no /sys/kernel/btf/vmlinux: skipped\n");
		return 77;
	}
	struct btf *vm = btf__parse_raw("/sys/kernel/btf/vmlinux");
	CHECK(vm != NULL);
	if (!vm)
		return check_summary("core_vmlinux_check");
	char path[1024];
	snprintf(path, sizeof(path), "%s/core_vmlinux.o", argv[1]);
	struct bpfx_object_opts oo = {.sz = sizeof(oo), .log = logfn};
	bpfx_object *obj = NULL;
	int err = bpfx_object_open_file(path, &oo, &obj);
	if (err)
		fprintf(stderr, "open: %s\n", lastlog);
	CHECK(err == 0);
	size_t n = obj ? bpfx_object_core_reloc_count(obj) : 0, offs = 0, sizes = 0;
	CHECK(n >= 20);
	int seen[3] = {0};
	for (size_t i = 0; i < n; i++) {
		struct bpfx_object_core_reloc_info c;
		CHECK(bpfx_object_core_reloc(obj, i, &c) == 0);
		CHECK(c.ok);
		CHECK(!strcmp(c.target, "vmlinux"));
		__u64 off = 0, size = 0;
		int ok = expected(vm, c.spec, &off, &size) == 0;
		if (!ok)
			fprintf(stderr, "cannot look up '%s' in vmlinux\n", c.spec);
		CHECK(ok);
		seen[0] += !!strstr(c.spec, "task_struct");
		seen[1] += !!strstr(c.spec, "sk_buff");
		seen[2] += !!strstr(c.spec, "struct file.");
		if (c.kind == BPFX_CORE_FIELD_BYTE_OFFSET) {
			CHECK_EQ_U64(c.value, off);
			offs++;
		} else if (c.kind == BPFX_CORE_FIELD_BYTE_SIZE) {
			CHECK_EQ_U64(c.value, size);
			sizes++;
		}
		/* the linked instruction carries the value */
		struct bpfx_object_prog_info pi;
		CHECK(bpfx_object_prog(obj, c.prog, &pi) == 0);
		const struct bpfx_insn *in = &pi.insns[c.insn];
		__u64 have = (in->code & 7) == 1 ? (__u64)(__s64)in->off : (__u64)(__u32)in->imm;
		CHECK_EQ_U64(have, c.value);
	}
	CHECK(seen[0] && seen[1] && seen[2]);
	printf("%zu relocations: %zu offsets, %zu sizes match vmlinux\n", n, offs, sizes);
	bpfx_object_close(obj);
	btf__free(vm);
	return check_summary("core_vmlinux_check");
}
