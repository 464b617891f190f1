/* SPDX-License-Identifier: MIT */
/*
 * cmd_jit.c - bpfx jit --dump: the machine code the JIT makes for a program,
 * disassembled with capstone, each block under the BPF instruction it came
 * from. Built without capstone, the command says so and exits 2.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifdef BPFX_HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

static const char usage[] =
	"usage: bpfx jit --dump PROG [--poll] [--section S] [--prog NAME] [--groups LIST]\n"
	"\n"
	"Compiles PROG (ELF object, raw bytecode, hex or assembly) with the JIT, as a\n"
	"trusted program, and prints the x86-64 code (Intel syntax, offsets from the\n"
	"start of the code), each block under the BPF instruction it was made from.\n"
	"Code before instruction 0 and after the last one (entry, exit stubs) is shown\n"
	"under its own heading.\n"
	"  --dump           print the code (the only action for now)\n"
	"  --poll           the variant runs with a budget or a cancel flag use\n"
	"                   (counts back edges and calls, polls the flag)\n"
	"  --section S, --prog NAME   pick the program of an ELF object\n"
	"  --groups LIST    conformance groups of the VM (non-ELF input; default all)\n"
	"Exit status: 0 printed, 1 the program could not be compiled, 2 bad input or\n"
	"usage, or this build has no capstone/JIT.\n";

#ifdef BPFX_HAVE_CAPSTONE
struct mark {
	size_t off;  /* code offset */
	size_t insn; /* BPF slot */
};

static int mark_cmp(const void *a, const void *b)
{
	const struct mark *x = a, *y = b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

static void print_bpf(const struct bpfx_insn *insns, size_t count, size_t i)
{
	char buf[256];
	struct bpfx_disasm_opts dopts = {.sz = sizeof(dopts)};
	if (bpfx_disasm_insn(&insns[i], count - i, &dopts, buf, sizeof(buf)) < 0 && !buf[0])
		snprintf(buf, sizeof(buf), "?");
	printf("; %4zu: %s\n", i, buf);
}

/* Prints the dump; returns the exit status. */
static int dump(const bpfx_prog *prog, const char *name, enum bpfx_jit_variant var)
{
	size_t count = 0, size = 0;
	const struct bpfx_insn *insns = bpfx_prog_insns(prog, &count);
	const uint8_t *code = bpfx_prog_jit_code_variant(prog, var, &size);
	if (!code) {
		fprintf(stderr, "bpfx jit: %s: the JIT could not compile the program (see above)\n", name);
		return 1;
	}
	/* Instruction starts (skipping lddw second halves), sorted by offset. */
	struct mark *marks = calloc(count ? count : 1, sizeof(*marks));
	if (!marks) {
		fprintf(stderr, "bpfx jit: out of memory\n");
		return 2;
	}
	size_t nm = 0;
	for (size_t i = 0; i < count;) {
		char buf[256];
		struct bpfx_disasm_opts dopts = {.sz = sizeof(dopts)};
		int n = bpfx_disasm_insn(&insns[i], count - i, &dopts, buf, sizeof(buf));
		size_t off = bpfx_prog_jit_offset_variant(prog, var, i);
		if (off != SIZE_MAX && off <= size)
			marks[nm++] = (struct mark){off, i};
		i += n == 2 ? 2 : 1;
	}
	qsort(marks, nm, sizeof(*marks), mark_cmp);
	size_t end_of_body = nm ? marks[nm - 1].off : 0;

	csh cs;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
		fprintf(stderr, "bpfx jit: capstone cannot open an x86-64 disassembler\n");
		free(marks);
		return 2;
	}
	cs_insn *ci = cs_malloc(cs);
	if (!ci) {
		fprintf(stderr, "bpfx jit: out of memory\n");
		cs_close(&cs);
		free(marks);
		return 2;
	}
	printf("; %s: %zu BPF slots, %zu bytes of x86-64 code\n", name, count, size);
	if (nm && marks[0].off > 0)
		printf("; (entry)\n");
	size_t m = 0, off = 0;
	int tail_shown = 0;
	while (off < size) {
		int had_mark = 0;
		while (m < nm && marks[m].off <= off) {
			print_bpf(insns, count, marks[m].insn);
			m++;
			had_mark = 1;
		}
		/* The last instruction's block ends where the first stub starts:
		 * after its `ret`/`jmp`, anything left is shared exit code. */
		if (!had_mark && !tail_shown && m == nm && off > end_of_body && ci->id != 0 &&
		    (ci->id == X86_INS_RET || ci->id == X86_INS_JMP || ci->id == X86_INS_UD2)) {
			printf("; (out-of-line stubs and exit)\n");
			tail_shown = 1;
		}
		const uint8_t *p = code + off;
		size_t left = size - off;
		if (code[off] == 0xcc) { /* int3 padding: one line per run */
			size_t n = 1;
			while (n < left && code[off + n] == 0xcc && !(m < nm && marks[m].off == off + n))
				n++;
			if (n > 1) {
				printf("  %6zx:  %-30s int3 (x%zu, padding)\n", off, "cc ...", n);
				off += n;
				continue;
			}
		}
		/* Stop decoding at the next mark, so blocks never straddle it. */
		if (m < nm && marks[m].off - off < left)
			left = marks[m].off - off;
		uint64_t addr = off;
		if (cs_disasm_iter(cs, &p, &left, &addr, ci)) {
			char hex[64] = "";
			size_t hl = 0;
			for (size_t k = 0; k < ci->size && hl + 4 < sizeof(hex); k++)
				hl += (size_t)snprintf(hex + hl, sizeof(hex) - hl, "%02x ", ci->bytes[k]);
			printf("  %6zx:  %-30s %s%s%s\n", off, hex, ci->mnemonic, ci->op_str[0] ? " " : "",
			       ci->op_str);
			off += ci->size;
		} else {
			ci->id = 0;
			printf("  %6zx:  %02x%-28s .byte 0x%02x\n", off, code[off], "", code[off]);
			off++;
		}
	}
	cs_free(ci, 1);
	cs_close(&cs);
	free(marks);
	return 0;
}
#endif

int cmd_jit(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"dump", no_argument, NULL, 'd'},
		{"poll", no_argument, NULL, 'P'},
		{"section", required_argument, NULL, 's'},
		{"prog", required_argument, NULL, 'p'},
		{"groups", required_argument, NULL, 'g'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *section = NULL, *progname = NULL;
	int do_dump = 0;
	enum bpfx_jit_variant var = BPFX_JIT_VARIANT_PLAIN;
	uint32_t groups = BPFX_GROUPS_ALL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'd': do_dump = 1; break;
		case 'P': var = BPFX_JIT_VARIANT_POLLING; break;
		case 's': section = optarg; break;
		case 'p': progname = optarg; break;
		case 'g':
			if (cli_parse_groups(optarg, &groups))
				return 2;
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: return cli_usage_error("jit", "unknown option");
		}
	}
	if (!do_dump)
		return cli_usage_error("jit", "nothing to do (use --dump)");
	if (optind + 1 != argc)
		return cli_usage_error("jit", optind == argc ? "PROG is missing" : "one PROG at a time");
	const char *path = argv[optind];
#ifndef BPFX_HAVE_CAPSTONE
	(void)section;
	(void)progname;
	(void)groups;
	(void)var;
	fprintf(stderr, "bpfx jit: %s: this build has no capstone (libcapstone-dev was not found at "
			"configure time), so it cannot disassemble\n", path);
	return 2;
#else
	int rc = 2;
	if (cli_is_elf(path)) {
		struct cli_object o;
		if (cli_object_load(path, NULL, 1, 0, &o))
			return 2;
		size_t idx = 0;
		if ((section || progname) && bpfx_object_find_prog(o.obj, section, progname, &idx)) {
			fprintf(stderr, "bpfx jit: %s: no program matches%s%s%s%s\n", path,
				section ? " --section " : "", section ? section : "", progname ? " --prog " : "",
				progname ? progname : "");
		} else if (!bpfx_object_prog_count(o.obj)) {
			fprintf(stderr, "bpfx jit: %s: the object contains no program\n", path);
		} else {
			struct bpfx_object_prog_info pi;
			bpfx_object_prog(o.obj, idx, &pi);
			const bpfx_prog *prog = bpfx_object_prog_handle(o.obj, idx);
			char name[512];
			snprintf(name, sizeof(name), "%s/%s", pi.section ? pi.section : "?", pi.name ? pi.name : "?");
			if (!prog)
				fprintf(stderr, "bpfx jit: %s: %s was not loaded\n", path, name);
			else
				rc = dump(prog, name, var);
		}
		cli_object_free(&o);
		return rc;
	}
	struct cli_prog p;
	if (cli_load_prog(path, CLI_FMT_AUTO, section, progname, &p))
		return 2;
	int verbose = 0;
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .groups = groups, .log = cli_log, .log_user = &verbose};
	bpfx_vm *vm = NULL;
	bpfx_prog *prog = NULL;
	struct cli_fake_mem mem;
	cli_fake_mem_init(&mem);
	if (bpfx_vm_create(&vo, &vm) || cli_register_demo_helpers(vm)) {
		fprintf(stderr, "bpfx jit: cannot create a VM\n");
		goto out;
	}
	struct bpfx_load_opts lo = {.sz = sizeof(lo), .name = p.name, .flags = BPFX_LOAD_TRUSTED,
				    .resolve = cli_fake_resolve, .resolve_user = &mem};
	if (bpfx_prog_load(vm, p.insns, p.count, &lo, &prog)) {
		fprintf(stderr, "bpfx jit: %s: the program does not load (see above)\n", path);
		goto out;
	}
	rc = dump(prog, p.name ? p.name : path, var);
out:
	bpfx_prog_destroy(prog);
	bpfx_vm_destroy(vm);
	cli_prog_free(&p);
	return rc;
#endif
}
