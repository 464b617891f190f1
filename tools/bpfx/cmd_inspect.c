/* SPDX-License-Identifier: MIT */
/* cmd_inspect.c - `bpfx inspect OBJ [--json]`: what an ELF object holds. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void inspect_log(void *user, enum bpfx_log_level level, const char *msg)
{
	int verbose = user ? *(int *)user : 0;
	if (level <= BPFX_LOG_WARN || verbose)
		fprintf(stderr, "bpfx: %s\n", msg);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static const char *origin_name(enum bpfx_map_origin o)
{
	switch (o) {
	case BPFX_MAP_LEGACY: return "legacy";
	case BPFX_MAP_IPROUTE2: return "iproute2";
	case BPFX_MAP_BTF: return "btf";
	case BPFX_MAP_DATA: return "data";
	}
	return "?";
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfx inspect OBJECT.o [--json] [-v] [--core-target BTF]\n"
		   "Lists the programs (section, name, type, instructions after linking), maps,\n"
		   "global data, externs, license and BTF presence of a BPF ELF object, and its\n"
		   "CO-RE relocations resolved against BTF (raw BTF or an ELF with .BTF; default\n"
		   "/sys/kernel/btf/vmlinux).\n"
		   "Exit status: 0 listed, 2 unreadable or malformed object.\n");
}

static void print_json(bpfx_object *obj, const struct bpfx_object_info *oi)
{
	printf("{\"object\":");
	json_str(stdout, oi->name);
	printf(",\"license\":");
	json_str(stdout, oi->license);
	if (oi->has_version)
		printf(",\"version\":%u", oi->kern_version);
	printf(",\"btf\":%s,\"btf_ext\":%s,\"programs\":[", oi->has_btf ? "true" : "false",
	       oi->has_btf_ext ? "true" : "false");
	for (size_t i = 0; i < bpfx_object_prog_count(obj); i++) {
		struct bpfx_object_prog_info p;
		bpfx_object_prog(obj, i, &p);
		printf("%s{\"section\":", i ? "," : "");
		json_str(stdout, p.section);
		printf(",\"name\":");
		json_str(stdout, p.name);
		printf(",\"type\":");
		json_str(stdout, p.type);
		printf(",\"insn_count\":%zu}", p.insn_count);
	}
	printf("],\"maps\":[");
	for (size_t i = 0; i < bpfx_object_map_count(obj); i++) {
		struct bpfx_object_map_info m;
		bpfx_object_map(obj, i, &m);
		printf("%s{\"name\":", i ? "," : "");
		json_str(stdout, m.name);
		printf(",\"section\":");
		json_str(stdout, m.section);
		printf(",\"origin\":\"%s\",\"type\":", origin_name(m.origin));
		json_str(stdout, m.type_name);
		printf(",\"type_id\":%u,\"key_size\":%u,\"value_size\":%u,\"max_entries\":%u,"
		       "\"flags\":%u",
		       m.type, m.key_size, m.value_size, m.max_entries, m.flags);
		if (m.inner_map != BPFX_NO_MAP)
			printf(",\"inner_map\":%zu", m.inner_map);
		if (m.origin == BPFX_MAP_DATA)
			printf(",\"readonly\":%s", m.readonly ? "true" : "false");
		printf("}");
	}
	printf("],\"externs\":[");
	for (size_t i = 0; i < bpfx_object_extern_count(obj); i++) {
		struct bpfx_object_extern_info e;
		bpfx_object_extern(obj, i, &e);
		printf("%s{\"name\":", i ? "," : "");
		json_str(stdout, e.name);
		printf(",\"kind\":\"%s\",\"weak\":%s", e.is_func ? "func" : e.map != BPFX_NO_MAP ? "kconfig" : "var",
		       e.weak ? "true" : "false");
		if (e.map != BPFX_NO_MAP)
			printf(",\"map\":%zu,\"offset\":%u,\"size\":%u", e.map, e.offset, e.size);
		printf("}");
	}
	printf("],\"core_relocs\":[");
	for (size_t i = 0; i < bpfx_object_core_reloc_count(obj); i++) {
		struct bpfx_object_core_reloc_info c;
		bpfx_object_core_reloc(obj, i, &c);
		printf("%s{\"prog\":%zu,\"insn\":%zu,\"kind\":", i ? "," : "", c.prog, c.insn);
		json_str(stdout, c.kind_name);
		printf(",\"spec\":");
		json_str(stdout, c.spec);
		printf(",\"ok\":%s,\"local\":%llu,\"value\":%llu,\"error\":", c.ok ? "true" : "false",
		       (unsigned long long)c.local_value, (unsigned long long)c.value);
		json_str(stdout, c.error);
		printf("}");
	}
	printf("]}\n");
}

/* CO-RE relocations and their results. */
static void print_core(bpfx_object *obj)
{
	size_t n = bpfx_object_core_reloc_count(obj);
	if (!n)
		return;
	struct bpfx_object_core_reloc_info c;
	bpfx_object_core_reloc(obj, 0, &c);
	printf("\nCO-RE relocations (%zu, target: %s):\n", n, c.target[0] ? c.target : "none");
	printf("  %-4s %-6s %-15s %-50s %s\n", "PROG", "INSN", "KIND", "ACCESS", "RESULT");
	for (size_t i = 0; i < n; i++) {
		bpfx_object_core_reloc(obj, i, &c);
		printf("  %-4zu %-6zu %-15s %-50s ", c.prog, c.insn, c.kind_name, c.spec);
		if (c.ok)
			printf("%llu -> %llu\n", (unsigned long long)c.local_value,
			       (unsigned long long)c.value);
		else
			printf("POISONED: %s\n", c.error);
	}
}

static void print_text(bpfx_object *obj, const struct bpfx_object_info *oi)
{
	printf("object:  %s\nlicense: %s\n", oi->name, oi->license[0] ? oi->license : "(none)");
	if (oi->has_version)
		printf("version: 0x%x\n", oi->kern_version);
	printf("BTF:     %s%s\n", oi->has_btf ? "yes" : "no", oi->has_btf_ext ? " (+ .BTF.ext)" : "");
	size_t np = bpfx_object_prog_count(obj);
	printf("\nprograms (%zu):\n", np);
	if (np)
		printf("  %-32s %-28s %-18s %s\n", "SECTION", "NAME", "TYPE", "INSNS");
	for (size_t i = 0; i < np; i++) {
		struct bpfx_object_prog_info p;
		bpfx_object_prog(obj, i, &p);
		printf("  %-32s %-28s %-18s %zu\n", p.section, p.name, p.type[0] ? p.type : "-",
		       p.insn_count);
	}
	size_t nm = bpfx_object_map_count(obj), nd = 0;
	for (size_t i = 0; i < nm; i++) {
		struct bpfx_object_map_info m;
		bpfx_object_map(obj, i, &m);
		nd += m.origin == BPFX_MAP_DATA;
	}
	printf("\nmaps (%zu):\n", nm - nd);
	if (nm - nd)
		printf("  %-3s %-28s %-18s %8s %8s %10s %8s  %s\n", "#", "NAME", "TYPE", "KEY", "VALUE",
		       "ENTRIES", "FLAGS", "DEFINED BY");
	for (size_t i = 0; i < nm; i++) {
		struct bpfx_object_map_info m;
		bpfx_object_map(obj, i, &m);
		if (m.origin == BPFX_MAP_DATA)
			continue;
		char tbuf[32];
		if (!m.type_name[0])
			snprintf(tbuf, sizeof(tbuf), "type %u", m.type);
		printf("  %-3zu %-28s %-18s %8u %8u %10u %8x  %s", i, m.name,
		       m.type_name[0] ? m.type_name : tbuf, m.key_size, m.value_size, m.max_entries,
		       m.flags, origin_name(m.origin));
		if (m.inner_map != BPFX_NO_MAP)
			printf(", inner map #%zu", m.inner_map);
		printf("\n");
	}
	printf("\nglobal data (%zu):\n", nd);
	for (size_t i = 0; i < nm; i++) {
		struct bpfx_object_map_info m;
		bpfx_object_map(obj, i, &m);
		if (m.origin == BPFX_MAP_DATA)
			printf("  %-3zu %-28s %8zu bytes%s%s\n", i, m.section, m.data_size,
			       m.readonly ? ", read-only" : "", m.data ? "" : ", zero-filled");
	}
	size_t ne = bpfx_object_extern_count(obj);
	if (ne) {
		printf("\nexterns (%zu):\n", ne);
		for (size_t i = 0; i < ne; i++) {
			struct bpfx_object_extern_info e;
			bpfx_object_extern(obj, i, &e);
			printf("  %-3zu %-28s %s%s", i, e.name, e.is_func ? "function" : "variable",
			       e.weak ? ", weak" : "");
			if (e.map != BPFX_NO_MAP)
				printf(", kconfig: map #%zu bytes %u..%u", e.map, e.offset,
				       e.offset + e.size);
			printf("\n");
		}
	}
	print_core(obj);
}

int cmd_inspect(int argc, char **argv)
{
	const char *path = NULL;
	const char *core_target = NULL;
	int json = 0, verbose = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--core-target") && i + 1 < argc)
			core_target = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			verbose = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "bpfx inspect: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else if (path) {
			fprintf(stderr, "bpfx inspect: one object at a time ('%s' and '%s')\n", path,
				argv[i]);
			return 2;
		} else
			path = argv[i];
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	struct bpfx_object_opts opts = {.sz = sizeof(opts), .log = inspect_log, .log_user = &verbose,
					.core_target_path = core_target};
	bpfx_object *obj;
	int err = bpfx_object_open_file(path, &opts, &obj);
	if (err) {
		fprintf(stderr, "bpfx inspect: %s: %s\n", path, bpfx_strerror(err));
		return 2;
	}
	struct bpfx_object_info oi;
	bpfx_object_get_info(obj, &oi);
	if (json)
		print_json(obj, &oi);
	else
		print_text(obj, &oi);
	bpfx_object_close(obj);
	return 0;
}
