/* SPDX-License-Identifier: MIT */
/* main.c - the bpfx command line: dispatch to one subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{"asm", cmd_asm, "assemble text to bytecode"},
	{"disasm", cmd_disasm, "disassemble bytecode to text"},
	{"run", cmd_run, "run a program once and print r0"},
	{"verify", cmd_verify, "verify a program"},
	{"test", cmd_test, "run data-driven test files on every engine"},
	{"bench", cmd_bench, "benchmark engines against native code"},
	{"inspect", cmd_inspect, "list the programs, maps and BTF of an ELF object"},
	{"map", cmd_map, "print the maps of an ELF object (global data)"},
	{"gen", cmd_gen, "generate a C skeleton header for an ELF object"},
	{"btf", cmd_btf, "dump BTF as a C header (vmlinux.h) or a type list"},
	{"jit", cmd_jit, "dump the JIT's machine code for a program"},
	{"conformance-plugin", cmd_conformance_plugin, "bpf_conformance plugin protocol"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfx COMMAND [ARGS...]   (bpfx COMMAND --help for details)\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-20s %s\n", commands[i].name, commands[i].summary);
}

static int (*find_command(const char *name))(int, char **)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].fn;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("bpfx %s\n", bpfx_version());
		return 0;
	}
	/* The bpf_conformance runner calls "PLUGIN [MEMORY] PLUGIN_OPTIONS...", so
	 * with --plugin_path bpfx --plugin_options conformance-plugin the memory
	 * hex comes before the subcommand: move it after. */
	if (argc >= 3 && !strcmp(argv[2], "conformance-plugin") && !find_command(argv[1])) {
		char *mem = argv[1];
		argv[1] = argv[2];
		argv[2] = mem;
	}
	int (*fn)(int, char **) = find_command(argv[1]);
	if (fn)
		return fn(argc - 1, argv + 1);
	fprintf(stderr, "bpfx: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
