/* SPDX-License-Identifier: MIT */
/* cmd_verify.c - bpfx verify: run the static verifier on a program. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: bpfx verify PROG [--platform generic] [--type NAME] [--json] [--log brief|full]\n"
	"                   [--unpriv] [--max-insns N] [--demo-helpers] [--section S] [--prog NAME]\n"
	"\n"
	"Verifies PROG (assembly in either dialect, raw bytecode, hex text, or a program of\n"
	"an ELF object, whose maps are described to the verifier) and prints the verdict: the rule broken (see docs/verifier-rules.md),\n"
	"the instruction, the abstract state involved and the branch decisions that led there.\n"
	"  --platform P    generic (default: r1 = buffer, r2 = length) or linux (xdp,\n"
	"                  socket_filter, sched_cls/act, kprobe, tracepoint, perf_event,\n"
	"                  raw_tracepoint, cgroup_*, sock_ops, sk_skb, sk_msg, lwt_*)\n"
	"  --type NAME     program type of the platform (default: the ELF program's, or the\n"
	"                  platform's first)\n"
	"  --json          print the report as JSON\n"
	"  --log L         brief (default): the report; full: also every instruction analysed\n"
	"  --unpriv        unprivileged rules (no pointer leaks or pointer comparisons)\n"
	"  --max-insns N   complexity limit (default 1000000 instructions processed)\n"
	"  --demo-helpers  make the CLI's demo helpers callable (see bpfx run --help)\n"
	"Exit status: 0 accepted, 1 rejected, 2 bad input or usage.\n";

/* Map descriptions for the verifier from an ELF object's maps (by index, as
 * the loader's lddw map_idx references them). */
static int elf_maps(const char *path, struct bpfx_map_desc **out, size_t *n, bpfx_object **objp)
{
	unsigned char magic[4] = {0};
	FILE *f = fopen(path, "rb");
	*out = NULL;
	*n = 0;
	*objp = NULL;
	if (!f)
		return 0; /* cli_load_prog reports unreadable files */
	size_t got = fread(magic, 1, 4, f);
	fclose(f);
	if (got != 4 || memcmp(magic, "\x7f" "ELF", 4))
		return 0;
	bpfx_object *obj = NULL;
	if (bpfx_object_open_file(path, NULL, &obj))
		return 0;
	size_t cnt = bpfx_object_map_count(obj);
	struct bpfx_map_desc *m = cnt ? calloc(cnt, sizeof(*m)) : NULL;
	if (cnt && !m) {
		bpfx_object_close(obj);
		return -1;
	}
	for (size_t i = 0; i < cnt; i++) {
		m[i].fd = -1;
		bpfx_object_map_desc(obj, i, &m[i]); /* (a map it cannot describe stays blank) */
	}
	*objp = obj;
	*out = m;
	*n = cnt;
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"platform", required_argument, NULL, 'P'}, {"type", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},           {"log", required_argument, NULL, 'l'},
		{"unpriv", no_argument, NULL, 'u'},         {"max-insns", required_argument, NULL, 'm'},
		{"demo-helpers", no_argument, NULL, 'd'},   {"section", required_argument, NULL, 's'},
		{"prog", required_argument, NULL, 'p'},     {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *platform = "generic", *section = NULL, *progname = NULL;
	struct bpfx_verify_opts vo = {.sz = sizeof(vo), .log_level = BPFX_VLOG_NONE};
	int json = 0, full = 0, demo = 0, c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'P': platform = optarg; break;
		case 't': vo.prog_type = optarg; break;
		case 'j': json = 1; break;
		case 'l':
			if (!strcmp(optarg, "full"))
				full = 1;
			else if (strcmp(optarg, "brief"))
				return cli_usage_error(argv[0], "--log takes brief or full, not '%s'", optarg);
			break;
		case 'u': vo.flags |= BPFX_VERIFY_UNPRIV; break;
		case 'm': {
			char *end;
			unsigned long long v = strtoull(optarg, &end, 0);
			if (!*optarg || *end || v == 0)
				return cli_usage_error(argv[0], "--max-insns takes a positive number, not '%s'", optarg);
			vo.max_insns = v;
			break;
		}
		case 'd': demo = 1; break;
		case 's': section = optarg; break;
		case 'p': progname = optarg; break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':': return cli_usage_error(argv[0], "option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error(argv[0], "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(argv[0], optind >= argc ? "missing program file" : "too many arguments");

	bpfx_platform *plat = NULL;
	int err = bpfx_platform_bundled(platform, &plat);
	if (err) {
		fprintf(stderr, "bpfx verify: unknown platform '%s' (known: generic, linux)\n", platform);
		return 2;
	}
	if (demo) {
		bpfx_vm *vm = NULL;
		struct bpfx_vm_opts vmo = {.sz = sizeof(vmo)};
		if (bpfx_vm_create(&vmo, &vm) || cli_register_demo_helpers(vm) || bpfx_platform_add_vm_funcs(plat, vm)) {
			fprintf(stderr, "bpfx verify: cannot set up the demo helpers\n");
			bpfx_vm_destroy(vm);
			bpfx_platform_destroy(plat);
			return 2;
		}
		bpfx_vm_destroy(vm);
	}

	struct cli_prog p;
	if (cli_load_prog(argv[optind], CLI_FMT_AUTO, section, progname, &p)) {
		bpfx_platform_destroy(plat);
		return 2;
	}
	struct bpfx_map_desc *maps = NULL;
	bpfx_object *obj = NULL;
	if (elf_maps(argv[optind], &maps, &vo.nmaps, &obj)) {
		fprintf(stderr, "bpfx verify: out of memory\n");
		cli_prog_free(&p);
		bpfx_platform_destroy(plat);
		return 2;
	}
	vo.maps = maps;
	if (obj && !vo.prog_type) { /* the program type libbpf would infer, if the platform has it */
		size_t idx = 0;
		struct bpfx_object_prog_info pi;
		if ((!section && !progname) || bpfx_object_find_prog(obj, section, progname, &idx) == 0)
			if (bpfx_object_prog(obj, idx, &pi) == 0 && pi.type && *pi.type &&
			    bpfx_platform_find_prog_type(plat, pi.type) == 0)
				vo.prog_type = pi.type;
	}
	int verbose = 0;
	vo.log = cli_log;
	vo.log_user = &verbose;
	vo.log_level = full ? BPFX_VLOG_FULL : BPFX_VLOG_NONE;
	vo.name = p.name;
	size_t src_idx = 0; /* ELF: BTF signatures of its functions; a rejection cites file:line */
	int have_idx = obj && ((!section && !progname) || bpfx_object_find_prog(obj, section, progname, &src_idx) == 0);
	struct bpfx_func_sig *sigs = NULL;
	if (have_idx)
		bpfx_object_prog_func_sigs(obj, src_idx, &sigs, &vo.nfuncs);
	vo.funcs = sigs;
	struct bpfx_report *rep = NULL;
	err = bpfx_verify(plat, p.insns, p.count, &vo, &rep);
	bpfx_free(sigs);
	int rc = err == 0 ? 0 : err == BPFX_E_REJECTED ? 1 : 2;
	if (rep && have_idx)
		bpfx_object_report_source(obj, src_idx, rep);
	if (rep) {
		char *text = NULL;
		if (full && !json)
			fputs(rep->log, stdout);
		if ((json ? bpfx_report_json(rep, &text) : bpfx_report_text(rep, &text)) == 0) {
			fputs(text, stdout);
			if (json)
				fputc('\n', stdout);
		}
		bpfx_free(text);
		bpfx_report_free(rep);
	} else {
		fprintf(stderr, "bpfx verify: %s: %s\n", argv[optind], bpfx_strerror(err));
	}
	free(maps);
	bpfx_object_close(obj);
	cli_prog_free(&p);
	bpfx_platform_destroy(plat);
	return rc;
}
