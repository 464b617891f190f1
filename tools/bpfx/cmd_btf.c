/* SPDX-License-Identifier: MIT */
/*
 * cmd_btf.c - `bpfx btf dump [FILE] [--format c|raw]`: BTF as a C header
 * (vmlinux.h style, through libbpf's btf_dump) or as a type listing.
 * FILE: raw BTF (/sys/kernel/btf/vmlinux, pahole -J output) or an ELF file
 * with a .BTF section; default /sys/kernel/btf/vmlinux.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfx btf dump [FILE] [--format c|raw]\n"
		   "Prints the types of FILE (raw BTF, or an ELF object or binary with .BTF;\n"
		   "default /sys/kernel/btf/vmlinux): --format c (default) writes a header like\n"
		   "vmlinux.h whose structs keep CO-RE relocations (preserve_access_index);\n"
		   "--format raw lists every type with its id, kind, name and size.\n"
		   "Exit status: 0 printed, 2 unreadable file or bad usage.\n");
}

static void print_fn(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

static const char *nm(const struct btf *btf, __u32 off)
{
	const char *s = btf__name_by_offset(btf, off);
	return s ? s : "";
}

static const char *const kinds[] = {
	"UNKNOWN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE",
	"CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG",
	"TYPE_TAG", "ENUM64",
};

static void dump_raw(const struct btf *btf)
{
	__u32 n = btf__type_cnt(btf);
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		__u16 k = btf_kind(t);
		const char *name = btf__name_by_offset(btf, t->name_off);
		printf("[%u] %s '%s'", id, k < sizeof(kinds) / sizeof(kinds[0]) ? kinds[k] : "?",
		       name ? name : "");
		switch (k) {
		case BTF_KIND_INT: case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64: case BTF_KIND_FLOAT: case BTF_KIND_DATASEC:
			printf(" size=%u", t->size);
			break;
		case BTF_KIND_ARRAY:
			printf(" type=%u nelems=%u", btf_array(t)->type, btf_array(t)->nelems);
			break;
		case BTF_KIND_FWD: case BTF_KIND_FUNC_PROTO:
			break;
		default:
			printf(" type=%u", t->type);
		}
		if (btf_is_composite(t)) {
			printf(" vlen=%u\n", btf_vlen(t));
			for (__u16 i = 0; i < btf_vlen(t); i++) {
				const struct btf_member *m = &btf_members(t)[i];
				printf("\t'%s' type=%u bits_offset=%u", nm(btf, m->name_off),
				       m->type, btf_member_bit_offset(t, i));
				if (btf_member_bitfield_size(t, i))
					printf(" bitfield_size=%u", btf_member_bitfield_size(t, i));
				printf("\n");
			}
		} else if (btf_is_enum(t)) {
			printf(" vlen=%u\n", btf_vlen(t));
			for (__u16 i = 0; i < btf_vlen(t); i++)
				printf("\t'%s' val=%d\n", nm(btf, btf_enum(t)[i].name_off),
				       btf_enum(t)[i].val);
		} else {
			printf("\n");
		}
	}
}

static int dump_c(const struct btf *btf)
{
	struct btf_dump *d = btf_dump__new(btf, print_fn, stdout, NULL);
	if (!d) {
		fprintf(stderr, "bpfx btf dump: libbpf's btf_dump: %s\n", strerror(errno));
		return 2;
	}
	printf("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n"
	       "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
	       "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n"
	       "#endif\n\n");
	__u32 n = btf__type_cnt(btf);
	int err = 0;
	for (__u32 id = 1; id < n && !err; id++)
		err = btf_dump__dump_type(d, id);
	btf_dump__free(d);
	if (err) {
		fprintf(stderr, "bpfx btf dump: type dump failed: %s\n", strerror(-err));
		return 2;
	}
	printf("\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n"
	       "#endif /* __VMLINUX_H__ */\n");
	return 0;
}

int cmd_btf(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "dump")) {
		fprintf(stderr, "bpfx btf: unknown action '%s' (only 'dump')\n", argv[1]);
		usage(stderr);
		return 2;
	}
	const char *path = NULL, *format = "c";
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--format") && i + 1 < argc)
			format = argv[++i];
		else if (!strncmp(argv[i], "--format=", 9))
			format = argv[i] + 9;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "bpfx btf dump: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else if (path) {
			fprintf(stderr, "bpfx btf dump: one file at a time ('%s' and '%s')\n", path, argv[i]);
			return 2;
		} else
			path = argv[i];
	}
	if (strcmp(format, "c") && strcmp(format, "raw")) {
		fprintf(stderr, "bpfx btf dump: --format '%s': expected c or raw\n", format);
		return 2;
	}
	if (!path)
		path = "/sys/kernel/btf/vmlinux";
	struct btf *btf = btf__parse(path, NULL);
	if (!btf) {
		fprintf(stderr, "bpfx btf dump: %s: not raw BTF nor an ELF file with a valid .BTF "
			"section (%s)\n", path, strerror(errno));
		return 2;
	}
	int rc = 0;
	if (!strcmp(format, "raw"))
		dump_raw(btf);
	else
		rc = dump_c(btf);
	btf__free(btf);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "bpfx btf dump: write error\n");
		rc = 2;
	}
	return rc;
}
