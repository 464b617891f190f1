/* SPDX-License-Identifier: MIT */
/* cmd_run.c - bpfx run: run a program once and print r0. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The source line of a failing instruction, from the object's line info. */
static void cli_print_source(const bpfx_object *obj, size_t prog, size_t insn)
{
	struct bpfx_object_line_info li;
	if (bpfx_object_prog_line(obj, prog, insn, &li) == 0)
		fprintf(stderr, "bpfx run:   at %s:%u:%u (%s): %s\n", li.file, li.line, li.column,
			li.func, li.text);
	for (size_t i = 0; i < bpfx_object_core_reloc_count(obj); i++) {
		struct bpfx_object_core_reloc_info c;
		if (bpfx_object_core_reloc(obj, i, &c) == 0 && c.prog == prog && c.insn == insn && !c.ok)
			fprintf(stderr, "bpfx run:   poisoned CO-RE relocation (%s of %s): %s\n",
				c.kind_name, c.spec, c.error);
	}
}

static const char usage[] =
	"usage: bpfx run PROG [--mem FILE | --mem-hex HEX] [--packet-hex HEX]\n"
	"                [--engine auto|interp|checked|jit] [--groups LIST] [--budget N]\n"
	"                [--section S] [--prog NAME] [--trust] [-v]\n"
	"       bpfx run OBJ.o [--type T] [--packet FILE | --packet-hex HEX | --mem...]\n"
	"                [--section S | --prog NAME] [--engine E] [--trust] [--show-maps]\n"
	"\n"
	"Runs PROG (assembly, hex, raw bytecode or an ELF program) once and prints r0 in\n"
	"hex as the last line of stdout. r1 points to a copy of the memory, r2 is its length.\n"
	"  --mem FILE         memory contents, raw bytes\n"
	"  --mem-hex HEX      memory contents as hex bytes (\"01 02 ff\")\n"
	"  --packet-hex HEX   what LD_ABS/LD_IND read (default: the memory)\n"
	"  --engine E         auto (default), interp, checked or jit\n"
	"  --groups LIST      conformance groups the VM claims (default: all)\n"
	"  --budget N         stop after N back edges + calls, calls to leaf functions\n"
	"                     excepted (BPFX_E_BUDGET)\n"
	"  --section S, --prog NAME   pick the program of an ELF object\n"
	"  --trust            vouch for the code: lets interp/jit run it without a verifier\n"
	"  -v                 print every log message\n"
	"Errors (status, instruction, message) go to stderr, exit status 1.\n"
	"\n"
	"ELF objects are loaded whole (docs/objects.md): their maps are created, global\n"
	"data initialised, programs verified when possible (else run on the checked engine)\n"
	"and given the context of their type:\n"
	"  --type T           program type: xdp, socket, sched_cls, ... (default: the section's)\n"
	"  --packet FILE      the packet, raw bytes (--packet-hex: as hex) for xdp and skb types;\n"
	"                     other types get it (or --mem) as a buffer in r1/r2\n"
	"  --packets FILE     one packet per line in hex ('#' comments): one run per packet,\n"
	"                     each printed as 'packet N (LEN bytes): [VERDICT] r0'\n"
	"  --show-maps        print every map's contents after the run\n"
	"Prints the verdict (XDP_* name for xdp), the packet after the run in hex, skb mark,\n"
	"and r0 as the last line.\n";

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return BPFX_E_INVAL;
	*out = v;
	return 0;
}

/* --packets FILE: one packet per line in hex; one run per packet. */
static int run_packets(struct cli_object *o, size_t idx, const struct bpfx_object_prog_info *pi,
		       enum bpfx_ctx_type ct, enum bpfx_engine engine, uint64_t budget, const char *file,
		       uint64_t *last_r0)
{
	unsigned char *text = NULL;
	size_t tlen = 0, n = 0;
	if (cli_read_file(file, &text, &tlen))
		return 2;
	int rc = 0;
	uint64_t r0 = 0;
	char *save = NULL;
	for (char *line = strtok_r((char *)text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *h = line;
		while (*h == ' ' || *h == '\t')
			h++;
		if (!*h || *h == '#')
			continue;
		unsigned char *pkt = NULL;
		size_t len = 0;
		n++;
		if (cli_parse_hex(h, &pkt, &len) || !len) {
			fprintf(stderr, "bpfx run: %s: packet %zu: not a hex packet\n", file, n);
			free(pkt);
			rc = 2;
			break;
		}
		struct bpfx_object_run_opts ro = {.sz = sizeof(ro), .engine = engine, .data = pkt,
						  .data_len = len, .budget = budget, .ifindex = 1};
		struct bpfx_run_result res;
		int err = bpfx_object_run(o->obj, idx, &ro, &res);
		free(pkt);
		if (err) {
			fprintf(stderr, "bpfx run: %s/%s: packet %zu: %s at insn %zu\n", pi->section, pi->name, n,
				bpfx_status_name(err), res.insn);
			cli_print_source(o->obj, idx, res.insn);
			rc = 1;
			break;
		}
		const char *v = ct == BPFX_CTX_TYPE_XDP ? bpfx_xdp_action_name(res.r0) : NULL;
		printf("packet %zu (%zu bytes): %s%s0x%" PRIx64 "\n", n, len, v ? v : "", v ? " " : "", res.r0);
		r0 = res.r0;
	}
	free(text);
	if (!rc && !n) {
		fprintf(stderr, "bpfx run: %s: no packets\n", file);
		rc = 2;
	}
	*last_r0 = r0;
	return rc;
}

/* An ELF object loaded whole: maps, global data, the context of its type. */
static int run_object(const char *path, const char *section, const char *progname, const char *type,
		      enum bpfx_engine engine, int trust, int verbose, uint64_t budget, int show_maps,
		      unsigned char *data, size_t len, const char *packets)
{
	struct cli_object o;
	int rc = 2;
	if (cli_object_load(path, type, trust, verbose, &o))
		goto out;
	size_t idx = 0;
	if ((section || progname) && bpfx_object_find_prog(o.obj, section, progname, &idx)) {
		fprintf(stderr, "bpfx run: %s: no program matches%s%s%s%s\n", path, section ? " --section " : "",
			section ? section : "", progname ? " --prog " : "", progname ? progname : "");
		goto out;
	}
	if (!bpfx_object_prog_count(o.obj)) {
		fprintf(stderr, "bpfx run: %s: the object contains no program\n", path);
		goto out;
	}
	struct bpfx_object_prog_info pi;
	bpfx_object_prog(o.obj, idx, &pi);
	enum bpfx_ctx_type ct = bpfx_object_prog_ctx_type(o.obj, idx);
	if (packets) {
		uint64_t r0 = 0;
		rc = run_packets(&o, idx, &pi, ct, engine, budget, packets, &r0);
		if (!rc && show_maps)
			cli_dump_maps(stdout, o.obj, NULL);
		if (!rc)
			printf("0x%" PRIx64 "\n", r0);
		goto out;
	}
	unsigned char empty[1] = {0};
	struct bpfx_object_run_opts ro = {.sz = sizeof(ro), .engine = engine, .data = data ? data : empty,
					  .data_len = data ? len : 0, .budget = budget, .ifindex = 1};
	struct bpfx_run_result res;
	int err = bpfx_object_run(o.obj, idx, &ro, &res);
	if (err) {
		fprintf(stderr, "bpfx run: %s/%s: %s at insn %zu\n", pi.section, pi.name, bpfx_status_name(err),
			res.insn);
		cli_print_source(o.obj, idx, res.insn);
		if (err == BPFX_E_UNVERIFIED)
			fprintf(stderr, "bpfx run: the %s engine runs only verified or trusted code; pass --trust "
				"to vouch for this program, or use --engine checked\n", bpfx_engine_name(engine));
		rc = 1;
		goto out;
	}
	if (ct == BPFX_CTX_TYPE_XDP) {
		const char *v = bpfx_xdp_action_name(res.r0);
		printf("verdict: %s\n", v ? v : "(not an XDP action)");
	}
	if (ct == BPFX_CTX_TYPE_SKB)
		printf("mark: %u\n", ro.mark_out);
	if (ct != BPFX_CTX_TYPE_GENERIC && data) {
		if (ro.data_off || ro.data_len_out != len)
			printf("packet (now bytes %zu..%zu of the input):\n", ro.data_off, ro.data_off + ro.data_len_out);
		else
			printf("packet:\n");
		cli_print_hex(stdout, data + ro.data_off, ro.data_len_out, "  ");
	}
	if (show_maps)
		cli_dump_maps(stdout, o.obj, NULL);
	printf("0x%" PRIx64 "\n", res.r0);
	rc = 0;
out:
	cli_object_free(&o);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"mem", required_argument, NULL, 'm'},     {"mem-hex", required_argument, NULL, 'M'},
		{"packet-hex", required_argument, NULL, 'P'}, {"engine", required_argument, NULL, 'e'},
		{"groups", required_argument, NULL, 'g'},  {"budget", required_argument, NULL, 'b'},
		{"section", required_argument, NULL, 's'}, {"prog", required_argument, NULL, 'p'},
		{"trust", no_argument, NULL, 't'},         {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},          {"type", required_argument, NULL, 'T'},
		{"packet", required_argument, NULL, 'k'},  {"show-maps", no_argument, NULL, 'S'},
		{"packets", required_argument, NULL, 'K'},
		{NULL, 0, NULL, 0},
	};
	const char *mem_file = NULL, *mem_hex = NULL, *pkt_hex = NULL, *section = NULL, *progname = NULL;
	enum bpfx_engine engine = BPFX_ENGINE_AUTO;
	uint32_t groups = BPFX_GROUPS_ALL;
	uint64_t budget = 0;
	int trust = 0, verbose = 0, show_maps = 0, c, rc = 1;
	const char *type = NULL, *pkt_file = NULL, *pkts_file = NULL;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hv", opts, NULL)) != -1) {
		switch (c) {
		case 'm': mem_file = optarg; break;
		case 'M': mem_hex = optarg; break;
		case 'P': pkt_hex = optarg; break;
		case 'e':
			if (cli_parse_engine(optarg, &engine))
				return 2;
			break;
		case 'g':
			if (cli_parse_groups(optarg, &groups))
				return 2;
			break;
		case 'b':
			if (parse_u64(optarg, &budget))
				return cli_usage_error(argv[0], "--budget: '%s' is not a non-negative number", optarg);
			break;
		case 's': section = optarg; break;
		case 'p': progname = optarg; break;
		case 't': trust = 1; break;
		case 'T': type = optarg; break;
		case 'k': pkt_file = optarg; break;
		case 'K': pkts_file = optarg; break;
		case 'S': show_maps = 1; break;
		case 'v': verbose = 1; break;
		case 'h':
			fputs(usage, stdout);
			fputs(cli_demo_helpers_help, stdout);
			fputs(cli_fake_mem_help, stdout);
			return 0;
		case ':': return cli_usage_error(argv[0], "option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error(argv[0], "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(argv[0], optind >= argc ? "missing program file" : "too many arguments");
	if (mem_file && mem_hex)
		return cli_usage_error(argv[0], "--mem and --mem-hex exclude each other");

	if (pkt_file && pkt_hex)
		return cli_usage_error(argv[0], "--packet and --packet-hex exclude each other");
	int elf = cli_is_elf(argv[optind]);
	if (!elf && (type || pkt_file || pkts_file || show_maps))
		return cli_usage_error(argv[0], "--type, --packet(s) and --show-maps apply only to ELF objects");
	if (pkts_file && (pkt_file || pkt_hex || mem_file || mem_hex))
		return cli_usage_error(argv[0], "--packets excludes --packet, --packet-hex and --mem");

	unsigned char *mem = NULL, *pkt = NULL;
	size_t mem_len = 0, pkt_len = 0;
	struct cli_prog p = {0};
	struct cli_logbuf log = {.echo = verbose};
	if (mem_file && cli_read_file(mem_file, &mem, &mem_len))
		return 2;
	if (mem_hex && cli_parse_hex(mem_hex, &mem, &mem_len)) {
		fprintf(stderr, "bpfx run: bad --mem-hex value\n");
		return 2;
	}
	if (pkt_hex && cli_parse_hex(pkt_hex, &pkt, &pkt_len)) {
		fprintf(stderr, "bpfx run: bad --packet-hex value\n");
		rc = 2;
		goto out;
	}
	if (pkt_file && cli_read_file(pkt_file, &pkt, &pkt_len)) {
		rc = 2;
		goto out;
	}
	if (elf) {
		if (pkt && mem) {
			rc = cli_usage_error(argv[0], "give either a packet or --mem, not both");
			goto out;
		}
		rc = run_object(argv[optind], section, progname, type, engine, trust, verbose, budget, show_maps,
				pkt ? pkt : mem, pkt ? pkt_len : mem_len, pkts_file);
		goto out;
	}
	if (cli_load_prog(argv[optind], CLI_FMT_AUTO, section, progname, &p)) {
		rc = 2;
		goto out;
	}
	struct cli_exec e = {.insns = p.insns, .count = p.count, .name = p.name, .groups = groups,
			     .engine = engine, .trusted = trust, .mem = mem_len ? mem : NULL,
			     .mem_len = mem_len, .packet = pkt, .packet_len = pkt_len, .budget = budget,
			     .log = &log};
	int err = cli_exec_run(&e);
	if (err) {
		char last[1024];
		cli_logbuf_last(&log, last, sizeof(last));
		if (e.loaded)
			fprintf(stderr, "bpfx run: %s: %s at insn %zu: %s\n", p.name, bpfx_status_name(err),
				e.res.insn, last[0] ? last : bpfx_strerror(err));
		else
			fprintf(stderr, "bpfx run: %s: %s while loading: %s\n", p.name, bpfx_status_name(err),
				last[0] ? last : bpfx_strerror(err));
		if (err == BPFX_E_UNVERIFIED)
			fprintf(stderr, "bpfx run: the %s engine runs only verified or trusted code; pass --trust "
				"to vouch for this program, or use --engine checked\n",
				bpfx_engine_name(engine));
		goto out;
	}
	printf("0x%" PRIx64 "\n", e.res.r0);
	rc = 0;
out:
	cli_logbuf_free(&log);
	cli_prog_free(&p);
	free(mem);
	free(pkt);
	return rc;
}
