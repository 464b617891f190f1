/* SPDX-License-Identifier: MIT */
/*
 * cmd_bench.c - `bpfx bench`: runs the benchmark programs of bench/ on the
 * native build and on each engine, checks that every engine gives the native
 * result (r0 and the memory left behind), and prints ns per run and the
 * ratio to native, with the geometric mean per engine.
 *
 * Artifacts (see bench/CMakeLists.txt) are found in --dir, by default the
 * "bench" directory next to the bpfx binary (where the build puts them):
 * libbpfx_bench_native.so (descriptors, setup, native code, dlopen()ed) and
 * NAME.<cpu>.o, loaded through the object API (program bench_NAME), or with
 * --raw NAME.<cpu>.bin (the .text bytes, entry at instruction 0).
 */
#define _GNU_SOURCE /* readlink, dlopen flags */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../bench/bench_abi.h"
#include "cli.h"

#define MAX_COLS 6 /* engines, each maybe twice: without and with --budget */
#define DEFAULT_MIN_TIME_MS 100.0
#define DEFAULT_BATCHES 5
#define MAX_BATCHES 101

struct bench_opts {
	const char *dir;
	const char *native;
	const char *cpu;
	struct bench_col {
		enum bpfx_engine engine;
		uint64_t budget; /* 0: none */
		char name[24];   /* "jit", "jit+budget" */
	} cols[MAX_COLS];
	int ncols;
	int engines_explicit;  /* a single engine was asked for by name */
	uint64_t iterations;   /* fixed count per measurement; 0 = timed */
	double min_time_ms;
	int batches;
	uint64_t seed;
	uint64_t budget;       /* --budget: each engine also runs with it (its cost) */
	int verbose;
	int raw;               /* load NAME.<cpu>.bin instead of the ELF object */
	int csv;               /* machine-readable output */
};

/* Log sink: keeps the last message of the VM for error reports. */
struct bench_log {
	char last[512];
	int verbose;
};

static void bench_log_fn(void *user, enum bpfx_log_level level, const char *msg)
{
	struct bench_log *lg = user;
	if (level <= BPFX_LOG_WARN)
		snprintf(lg->last, sizeof(lg->last), "%s", msg);
	if (lg->verbose)
		fprintf(stderr, "bpfx: %s\n", msg);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bpfx bench [PROGS...] [options]\n"
		"\n"
		"Runs the benchmark programs natively and on each engine, checks that every\n"
		"engine returns the native r0 and leaves the same memory, and prints ns per\n"
		"run, the ratio to native and the geometric mean of the ratios.\n"
		"\n"
		"options:\n"
		"  --engine E        interp, checked, jit or all (default all; engines this\n"
		"                    build lacks are shown as n/a)\n"
		"  --iterations N    run each program exactly N times per engine (no warm-up,\n"
		"                    no minimum time): a correctness check, timings are rough\n"
		"  --min-time MS     minimum measuring time per program and engine (default %.0f)\n"
		"  --batches N       timed batches; the median is reported (default %d)\n"
		"  --cpu v3|v4       which BPF build to run (clang -mcpu; default v3)\n"
		"  --raw             load the raw bytecode NAME.CPU.bin instead of the ELF\n"
		"                    object NAME.CPU.o (no ELF loader involved)\n"
		"  --dir DIR         benchmark artifacts (default: bench/ next to this binary)\n"
		"  --native LIB      native library (default DIR/libbpfx_bench_native.so)\n"
		"  --seed N          input PRNG seed (default 1)\n"
		"  --budget N        also run each engine with a budget of N back edges +\n"
		"                    calls, in the same rounds (column E+budget), and print\n"
		"                    what budget accounting costs (geomean of E+budget / E)\n"
		"  --csv             print CSV (program,insns,native_ns,E_ns,E_ratio...)\n"
		"  --list            list the programs and exit\n"
		"  -v, --verbose     log every VM message\n"
		"\n"
		"Exit status: 0 all results agree, 1 a mismatch or a failed run, 2 bad usage or\n"
		"missing artifacts.\n",
		DEFAULT_MIN_TIME_MS, DEFAULT_BATCHES);
}

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "bpfx bench: %s: '%s' is not a number in [%" PRIu64 ", %" PRIu64 "]\n",
			opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* CPU time of this thread, not wall time: the machines that run the bench
 * are often shared, and time spent descheduled is not the engine's. */
static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* splitmix64: the input fill, seeded per program so that each program's
 * input does not depend on which others run. */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fill_input(uint8_t *mem, uint64_t len, uint64_t seed, const char *name)
{
	uint64_t s = seed;
	for (const char *p = name; *p; p++)
		s = (s ^ (uint8_t)*p) * 0x100000001b3ull;
	for (uint64_t i = 0; i < len; i += 8) {
		uint64_t v = splitmix(&s);
		size_t n = len - i < 8 ? (size_t)(len - i) : 8;
		memcpy(mem + i, &v, n);
	}
}

/* ---- What one measurement runs ---- */

struct runner {
	const struct bpfx_bench_desc *desc; /* native when prog == NULL */
	const bpfx_prog *prog;
	struct bpfx_run_opts ro;
	uint8_t *mem;
	uint64_t len;
	uint64_t expect;
	const char *engine_name;
	struct bench_log *log;
};

/* One run; 0, or -1 after printing why (run error or a different r0). */
static int run_once(struct runner *r)
{
	uint64_t r0;
	if (!r->prog) {
		r0 = r->desc->run(r->mem, r->len);
	} else {
		struct bpfx_run_result res;
		int st = bpfx_prog_run(r->prog, &r->ro, &res);
		if (st) {
			fprintf(stderr, "bpfx bench: %s on %s: run failed with %s at instruction %zu: %s\n",
				r->desc->name, r->engine_name, bpfx_status_name(st), res.insn,
				r->log->last[0] ? r->log->last : bpfx_strerror(st));
			return -1;
		}
		r0 = res.r0;
	}
	if (r0 != r->expect) {
		fprintf(stderr, "bpfx bench: %s on %s: r0 = 0x%" PRIx64 ", native gives 0x%" PRIx64 "\n",
			r->desc->name, r->engine_name, r0, r->expect);
		return -1;
	}
	return 0;
}

/* Runs `n` times; returns ns per run, or -1 on error. */
static double run_batch(struct runner *r, uint64_t n)
{
	double t0 = now_ns();
	for (uint64_t i = 0; i < n; i++)
		if (run_once(r))
			return -1;
	return (now_ns() - t0) / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/*
 * Measures ns per run of each runner: a fixed number of runs, or, per
 * runner, a warm-up that calibrates a batch to about min_time / batches, and
 * then `batches` rounds that run one batch of every runner in turn (so that
 * native and the engines see the same machine load), reporting the median
 * batch. ns[i] < 0 if runner i failed (already reported). paired[i] (i > 0)
 * is the median over the rounds of runner i's batch time over runner i-1's
 * in the same round (0 with a fixed number of runs): on a shared machine
 * whose speed drifts, a ratio of neighbours in time is steadier than a ratio
 * of medians. Returns 0 or -1.
 */
static int measure_all(struct runner *r, int n, const struct bench_opts *o, double *ns, double *paired)
{
	for (int i = 0; i < n; i++)
		paired[i] = 0;
	if (o->iterations) {
		int bad = 0;
		for (int i = 0; i < n; i++)
			if ((ns[i] = run_batch(&r[i], o->iterations)) < 0)
				bad = -1;
		return bad;
	}
	double target = o->min_time_ms * 1e6 / o->batches; /* ns per batch */
	uint64_t count[MAX_COLS + 1];
	for (int i = 0; i < n; i++) {
		/* Grow the count until a batch takes a tenth of the target. */
		uint64_t c = 1;
		double per;
		for (;;) {
			double t0 = now_ns();
			if (run_batch(&r[i], c) < 0)
				return -1;
			double dt = now_ns() - t0;
			per = dt / (double)c;
			if (dt >= target / 10 || c >= (UINT64_C(1) << 40))
				break;
			c *= 4;
		}
		count[i] = per > 0 && target / per >= 1 ? (uint64_t)(target / per) : 1;
	}
	double times[MAX_COLS + 1][MAX_BATCHES];
	for (int b = 0; b < o->batches; b++)
		for (int i = 0; i < n; i++)
			if ((times[i][b] = run_batch(&r[i], count[i])) < 0)
				return -1;
	for (int i = 1; i < n; i++) {
		double q[MAX_BATCHES];
		for (int b = 0; b < o->batches; b++)
			q[b] = times[i - 1][b] > 0 ? times[i][b] / times[i - 1][b] : 0;
		qsort(q, (size_t)o->batches, sizeof(double), cmp_double);
		paired[i] = q[o->batches / 2];
	}
	for (int i = 0; i < n; i++) {
		qsort(times[i], (size_t)o->batches, sizeof(double), cmp_double);
		ns[i] = times[i][o->batches / 2];
	}
	return 0;
}

/* ---- Artifacts ---- */

static char *default_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return strdup("bench");
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	size_t len = strlen(exe) + sizeof("/bench");
	char *d = malloc(len);
	if (d)
		snprintf(d, len, "%s/bench", exe);
	return d;
}

static char *path_join(const char *dir, const char *name, const char *suffix)
{
	size_t len = strlen(dir) + strlen(name) + strlen(suffix) + 2;
	char *p = malloc(len);
	if (p)
		snprintf(p, len, "%s/%s%s", dir, name, suffix);
	return p;
}

/* Reads NAME.<cpu>.bin. 0, or -1 after printing why. */
static int read_code(const char *dir, const char *name, const char *cpu, struct bpfx_insn **insns,
		     size_t *count)
{
	char suffix[32];
	snprintf(suffix, sizeof(suffix), ".%s.bin", cpu);
	char *path = path_join(dir, name, suffix);
	if (!path)
		return -1;
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bpfx bench: cannot open %s: %s\n", path, strerror(errno));
		free(path);
		return -1;
	}
	int rc = -1;
	long size = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		size = ftell(f);
	if (size <= 0 || size % 8 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "bpfx bench: %s: size %ld is not a positive multiple of 8\n", path, size);
		goto out;
	}
	*insns = malloc((size_t)size);
	if (!*insns || fread(*insns, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "bpfx bench: cannot read %s\n", path);
		free(*insns);
		*insns = NULL;
		goto out;
	}
	*count = (size_t)size / 8;
	rc = 0;
out:
	fclose(f);
	free(path);
	return rc;
}

/* Loads the program bench_NAME of NAME.<cpu>.o with the object API and
 * copies its linked bytecode. 0, or -1 after printing why. */
static int read_object(const char *dir, const char *name, const char *cpu, struct bench_log *lg,
		       struct bpfx_insn **insns, size_t *count)
{
	char suffix[32], entry[128];
	snprintf(suffix, sizeof(suffix), ".%s.o", cpu);
	snprintf(entry, sizeof(entry), "bench_%s", name);
	char *path = path_join(dir, name, suffix);
	if (!path)
		return -1;
	struct bpfx_object_opts oo = {.sz = sizeof(oo), .log = bench_log_fn, .log_user = lg};
	bpfx_object *obj = NULL;
	struct bpfx_object_prog_info info;
	size_t idx;
	int rc = -1;
	lg->last[0] = 0;
	int st = bpfx_object_open_file(path, &oo, &obj);
	if (!st)
		st = bpfx_object_find_prog(obj, NULL, entry, &idx);
	if (!st)
		st = bpfx_object_prog(obj, idx, &info);
	if (st) {
		fprintf(stderr, "bpfx bench: %s: cannot load program %s: %s: %s\n", path, entry,
			bpfx_status_name(st), lg->last[0] ? lg->last : bpfx_strerror(st));
		goto out;
	}
	*insns = malloc(info.insn_count * sizeof(**insns));
	if (!*insns) {
		fprintf(stderr, "bpfx bench: out of memory\n");
		goto out;
	}
	memcpy(*insns, info.insns, info.insn_count * sizeof(**insns));
	*count = info.insn_count;
	rc = 0;
out:
	bpfx_object_close(obj);
	free(path);
	return rc;
}

/* ---- Per-program work ---- */

struct row {
	const char *name;
	size_t insns;
	double native_ns;
	double ns[MAX_COLS]; /* < 0: not measured */
	double paired[MAX_COLS]; /* budget column: median over rounds of its batch / the plain
				  * column's batch of the same round (<= 0: none) */
};

static uint8_t *alloc_mem(uint64_t len)
{
	size_t sz = ((size_t)len + 63) / 64 * 64;
	return aligned_alloc(64, sz ? sz : 64);
}

/* Compares memory after an engine run with memory after the native run. */
static int check_mem(const char *prog, const char *engine, const uint8_t *got, const uint8_t *want,
		     uint64_t len)
{
	if (!memcmp(got, want, (size_t)len))
		return 0;
	uint64_t i = 0;
	while (got[i] == want[i])
		i++;
	fprintf(stderr,
		"bpfx bench: %s on %s: memory differs from native at offset %" PRIu64
		" (0x%02x, native 0x%02x)\n",
		prog, engine, i, got[i], want[i]);
	return -1;
}

/* Returns 0 ok, 1 mismatch/run failure, 2 missing artifact. `unsupported`
 * gets a bit per engine that this build lacks. */
static int bench_one(const struct bpfx_bench_desc *d, const struct bench_opts *o, bpfx_vm *vm,
		     struct bench_log *lg, struct row *row, unsigned *unsupported)
{
	int ret = 1;
	uint64_t len = d->mem_size;
	uint8_t *pristine = alloc_mem(len), *after = alloc_mem(len), *work = alloc_mem(len);
	struct bpfx_insn *insns = NULL;
	size_t count = 0;
	bpfx_prog *prog = NULL;

	row->name = d->name;
	row->native_ns = -1;
	for (int e = 0; e < MAX_COLS; e++)
		row->ns[e] = -1, row->paired[e] = 0;
	if (!pristine || !after || !work) {
		fprintf(stderr, "bpfx bench: %s: out of memory\n", d->name);
		goto out;
	}
	fill_input(pristine, len, o->seed, d->name);
	if (d->setup)
		d->setup(pristine, len);

	/* Native: the reference result, and the program's own idempotence (a
	 * second run on its output must change nothing). */
	memcpy(after, pristine, (size_t)len);
	uint64_t expect = d->run(after, len);
	memcpy(work, after, (size_t)len);
	if (d->run(work, len) != expect || memcmp(work, after, (size_t)len)) {
		fprintf(stderr, "bpfx bench: %s: the native program is not idempotent (a second run "
				"gives another result or memory); fix the program\n", d->name);
		goto out;
	}
	/* runners[0] is native, then one per engine that ran correctly. They
	 * all share `work`: every correct run leaves it as `after`. */
	struct runner runners[MAX_COLS + 1];
	int which[MAX_COLS + 1];
	int nrun = 0;
	runners[nrun] = (struct runner){.desc = d, .mem = work, .len = len, .expect = expect,
					.engine_name = "native", .log = lg};
	which[nrun++] = -1;

	if (o->raw ? read_code(o->dir, d->name, o->cpu, &insns, &count)
		   : read_object(o->dir, d->name, o->cpu, lg, &insns, &count)) {
		ret = 2;
		goto out;
	}
	row->insns = count;
	struct bpfx_load_opts lo = {.sz = sizeof(lo), .name = d->name, .flags = BPFX_LOAD_TRUSTED};
	lg->last[0] = 0;
	int st = bpfx_prog_load(vm, insns, count, &lo, &prog);
	if (st) {
		fprintf(stderr, "bpfx bench: %s: load failed with %s: %s\n", d->name, bpfx_status_name(st),
			lg->last[0] ? lg->last : bpfx_strerror(st));
		goto out;
	}

	int failed = 0;
	for (int e = 0; e < o->ncols; e++) {
		if (*unsupported & (1u << e))
			continue;
		const char *ename = o->cols[e].name;
		memcpy(work, pristine, (size_t)len);
		struct runner er = {
			.desc = d, .prog = prog, .mem = work, .len = len, .expect = expect,
			.engine_name = ename, .log = lg,
			.ro = {.sz = sizeof(er.ro), .engine = o->cols[e].engine, .ctx = work, .ctx_len = (size_t)len,
			       .budget = o->cols[e].budget},
		};
		/* First run, on fresh input: r0 and memory against native. */
		struct bpfx_run_result res;
		lg->last[0] = 0;
		st = bpfx_prog_run(prog, &er.ro, &res);
		if (st == BPFX_E_UNSUPPORTED) {
			*unsupported |= 1u << e;
			fprintf(stderr, "bpfx bench: engine %s is not available in this build: %s\n", ename,
				lg->last[0] ? lg->last : bpfx_strerror(st));
			continue;
		}
		if (st) {
			fprintf(stderr, "bpfx bench: %s on %s: run failed with %s at instruction %zu: %s\n",
				d->name, ename, bpfx_status_name(st), res.insn,
				lg->last[0] ? lg->last : bpfx_strerror(st));
			failed = 1;
			continue;
		}
		if (res.r0 != expect) {
			fprintf(stderr, "bpfx bench: %s on %s: r0 = 0x%" PRIx64 ", native gives 0x%" PRIx64 "\n",
				d->name, ename, res.r0, expect);
			failed = 1;
			continue;
		}
		if (check_mem(d->name, ename, work, after, len)) {
			failed = 1;
			continue;
		}
		runners[nrun] = er;
		which[nrun++] = e;
	}
	/* From `after`, every correct runner repeats its result exactly (and a
	 * failed engine may have left anything in `work`). */
	memcpy(work, after, (size_t)len);
	double ns[MAX_COLS + 1], paired[MAX_COLS + 1];
	if (measure_all(runners, nrun, o, ns, paired))
		failed = 1;
	for (int i = 0; i < nrun; i++) {
		if (which[i] < 0)
			row->native_ns = ns[i];
		else
			row->ns[which[i]] = ns[i];
		int e = which[i];
		if (i > 0 && e > 0 && which[i - 1] == e - 1 && o->cols[e].budget && !o->cols[e - 1].budget)
			row->paired[e] = paired[i];
	}
	ret = failed;
out:
	bpfx_prog_destroy(prog);
	free(insns);
	free(pristine);
	free(after);
	free(work);
	return ret;
}

/* ---- Output ---- */

/* Geometric mean of n positive values, without libm (the CLI does not link
 * it): the n-th root of the product, by bisection between min and max. */
static double geomean(const double *v, int n)
{
	double prod = 1, lo = v[0], hi = v[0];
	for (int i = 0; i < n; i++) {
		prod *= v[i];
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	for (int it = 0; it < 200 && hi - lo > 1e-12 * hi; it++) {
		double mid = (lo + hi) / 2, p = 1;
		for (int i = 0; i < n; i++)
			p *= mid;
		if (p < prod)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

static void print_ns(double ns, int w)
{
	if (ns < 0)
		printf(" %*s", w, "-");
	else
		printf(" %*.0f", w, ns);
}

static void print_table(const struct row *rows, int nrows, const struct bench_opts *o, unsigned unsupported)
{
	/* Column width: 12, or the header "NAME ns" if longer. */
#define W(e) ((int)strlen(o->cols[e].name) + 3 > 12 ? (int)strlen(o->cols[e].name) + 3 : 12)
	printf("%-10s %6s %12s", "program", "insns", "native ns");
	for (int e = 0; e < o->ncols; e++) {
		char h[32];
		snprintf(h, sizeof(h), "%s ns", o->cols[e].name);
		printf(" %*s %7s", W(e), h, "x");
	}
	printf("\n");
	double *ratios[MAX_COLS] = {0};
	int n[MAX_COLS] = {0};
	for (int e = 0; e < o->ncols; e++)
		ratios[e] = calloc((size_t)nrows + 1, sizeof(double));
	for (int i = 0; i < nrows; i++) {
		printf("%-10s %6zu", rows[i].name, rows[i].insns);
		print_ns(rows[i].native_ns, 12);
		for (int e = 0; e < o->ncols; e++) {
			double ns = rows[i].ns[e];
			if (unsupported & (1u << e)) {
				printf(" %*s %7s", W(e), "n/a", "");
			} else if (ns < 0 || rows[i].native_ns <= 0) {
				print_ns(-1, W(e));
				printf(" %7s", "-");
			} else {
				double ratio = ns / rows[i].native_ns;
				print_ns(ns, W(e));
				printf(" %6.2fx", ratio);
				if (ratios[e])
					ratios[e][n[e]++] = ratio;
			}
		}
		printf("\n");
	}
	printf("%-10s %6s %12s", "geomean", "", "");
	for (int e = 0; e < o->ncols; e++) {
		if (n[e])
			printf(" %*s %6.2fx", W(e), "", geomean(ratios[e], n[e]));
		else
			printf(" %*s %7s", W(e), "", (unsupported & (1u << e)) ? "n/a" : "-");
	}
	printf("\n");
	/* With --budget each engine's budget column follows its plain one: the
	 * cost of budget accounting, from the same rounds (per program, the
	 * median of the rounds' paired ratios; with --iterations, the ratio of
	 * the two times). */
	for (int e = 0; e + 1 < o->ncols; e++) {
		if (!o->cols[e + 1].budget || o->cols[e].budget || !n[e] || n[e] != n[e + 1])
			continue;
		double *q = calloc((size_t)n[e], sizeof(double));
		if (!q)
			continue;
		int m = 0;
		bool paired = true;
		for (int i = 0; i < nrows; i++) {
			if (rows[i].ns[e] <= 0 || rows[i].ns[e + 1] <= 0 || m >= n[e])
				continue;
			paired = paired && rows[i].paired[e + 1] > 0;
			q[m++] = rows[i].paired[e + 1] > 0 ? rows[i].paired[e + 1] : rows[i].ns[e + 1] / rows[i].ns[e];
		}
		double g = geomean(q, m);
		printf("budget overhead on %s: %+.1f%% (geomean over %d programs of %s / %s%s)\n",
		       bpfx_engine_name(o->cols[e].engine), (g - 1) * 100, m, o->cols[e + 1].name, o->cols[e].name,
		       paired ? ", each the median of its rounds' ratios" : "");
		for (int i = 0, k = 0; i < nrows; i++) { /* per program, in table order */
			if (rows[i].ns[e] <= 0 || rows[i].ns[e + 1] <= 0 || k >= m)
				continue;
			printf("%s%s %+.1f%%", k % 8 ? ", " : "  ", rows[i].name, (q[k] - 1) * 100);
			if (++k % 8 == 0 || k == m)
				printf("\n");
		}
		free(q);
	}
	for (int e = 0; e < o->ncols; e++)
		free(ratios[e]);
#undef W
	if (o->iterations)
		printf("(%" PRIu64 " run%s per engine: a correctness run, the timings are rough)\n",
		       o->iterations, o->iterations == 1 ? "" : "s");
}

/* One line per program: name,insns,native_ns then ns,ratio per engine
 * (empty when not measured). */
static void print_csv(const struct row *rows, int nrows, const struct bench_opts *o)
{
	printf("program,insns,native_ns");
	for (int e = 0; e < o->ncols; e++)
		printf(",%s_ns,%s_ratio", o->cols[e].name, o->cols[e].name);
	printf("\n");
	for (int i = 0; i < nrows; i++) {
		printf("%s,%zu,%.0f", rows[i].name, rows[i].insns, rows[i].native_ns);
		for (int e = 0; e < o->ncols; e++) {
			if (rows[i].ns[e] < 0 || rows[i].native_ns <= 0)
				printf(",,");
			else
				printf(",%.0f,%.3f", rows[i].ns[e], rows[i].ns[e] / rows[i].native_ns);
		}
		printf("\n");
	}
}

/* ---- Entry ---- */

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o = {.cpu = "v3", .min_time_ms = DEFAULT_MIN_TIME_MS, .batches = DEFAULT_BATCHES,
			       .seed = 1};
	const char **names = calloc((size_t)argc, sizeof(*names));
	int nnames = 0, list = 0, ret = 2;
	const char *engine = "all";
	char *dir_alloc = NULL, *native_alloc = NULL;
	void *lib = NULL;
	bpfx_vm *vm = NULL;
	struct row *rows = NULL;

	if (!names) {
		fprintf(stderr, "bpfx bench: out of memory\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int has_val = i + 1 < argc;
		uint64_t v;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			ret = 0;
			goto out;
		} else if (!strcmp(a, "--csv")) {
			o.csv = 1;
		} else if (!strcmp(a, "--list")) {
			list = 1;
		} else if (!strcmp(a, "--raw")) {
			o.raw = 1;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o.verbose = 1;
		} else if (a[0] == '-' && a[1] && !has_val) {
			if (strcmp(a, "--engine") && strcmp(a, "--iterations") && strcmp(a, "--min-time") &&
			    strcmp(a, "--batches") && strcmp(a, "--cpu") && strcmp(a, "--dir") &&
			    strcmp(a, "--native") && strcmp(a, "--seed") && strcmp(a, "--budget"))
				fprintf(stderr, "bpfx bench: unknown option '%s'\n", a);
			else
				fprintf(stderr, "bpfx bench: %s needs a value\n", a);
			goto usage_err;
		} else if (!strcmp(a, "--engine")) {
			engine = argv[++i];
		} else if (!strcmp(a, "--iterations")) {
			if (parse_u64(a, argv[++i], 1, UINT64_C(1) << 32, &o.iterations))
				goto usage_err;
		} else if (!strcmp(a, "--min-time")) {
			if (parse_u64(a, argv[++i], 1, 3600 * 1000, &v))
				goto usage_err;
			o.min_time_ms = (double)v;
		} else if (!strcmp(a, "--batches")) {
			if (parse_u64(a, argv[++i], 1, MAX_BATCHES, &v))
				goto usage_err;
			o.batches = (int)v;
		} else if (!strcmp(a, "--budget")) {
			if (parse_u64(a, argv[++i], 1, UINT64_MAX, &o.budget))
				goto usage_err;
		} else if (!strcmp(a, "--seed")) {
			if (parse_u64(a, argv[++i], 0, UINT64_MAX, &o.seed))
				goto usage_err;
		} else if (!strcmp(a, "--cpu")) {
			o.cpu = argv[++i];
			if (strcmp(o.cpu, "v3") && strcmp(o.cpu, "v4")) {
				fprintf(stderr, "bpfx bench: --cpu: '%s' is not v3 or v4\n", o.cpu);
				goto usage_err;
			}
		} else if (!strcmp(a, "--dir")) {
			o.dir = argv[++i];
		} else if (!strcmp(a, "--native")) {
			o.native = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "bpfx bench: unknown option '%s'\n", a);
			goto usage_err;
		} else {
			names[nnames++] = a;
		}
	}

	enum bpfx_engine engs[3];
	int neng = 0;
	if (!strcmp(engine, "all")) {
		engs[neng++] = BPFX_ENGINE_INTERP;
		engs[neng++] = BPFX_ENGINE_CHECKED;
		engs[neng++] = BPFX_ENGINE_JIT;
	} else {
		enum bpfx_engine e;
		if (bpfx_engine_parse(engine, &e) || e == BPFX_ENGINE_AUTO) {
			fprintf(stderr, "bpfx bench: --engine: '%s' is not interp, checked, jit or all\n", engine);
			goto usage_err;
		}
		engs[neng++] = e;
		o.engines_explicit = 1;
	}
	for (int e = 0; e < neng; e++) {
		for (int b = 0; b < (o.budget ? 2 : 1); b++) {
			struct bench_col *c = &o.cols[o.ncols++];
			c->engine = engs[e];
			c->budget = b ? o.budget : 0;
			snprintf(c->name, sizeof(c->name), "%s%s", bpfx_engine_name(engs[e]), b ? "+budget" : "");
		}
	}

	if (!o.dir) {
		o.dir = dir_alloc = default_dir();
		if (!dir_alloc) {
			fprintf(stderr, "bpfx bench: out of memory\n");
			goto out;
		}
	}
	if (!o.native) {
		o.native = native_alloc = path_join(o.dir, "libbpfx_bench_native.so", "");
		if (!native_alloc) {
			fprintf(stderr, "bpfx bench: out of memory\n");
			goto out;
		}
	}
	lib = dlopen(o.native, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr,
			"bpfx bench: cannot load the native benchmark library: %s\n"
			"  (it is built in the build's bench/ directory when BPFX_BENCH is ON and clang-19 is "
			"installed; see --dir and --native)\n",
			dlerror());
		goto out;
	}
	const struct bpfx_bench_desc *const *suite = dlsym(lib, BPFX_BENCH_SUITE_SYMBOL);
	if (!suite) {
		fprintf(stderr, "bpfx bench: %s has no symbol %s\n", o.native, BPFX_BENCH_SUITE_SYMBOL);
		goto out;
	}
	int nsuite = 0;
	for (; suite[nsuite]; nsuite++) {
		if (suite[nsuite]->abi != BPFX_BENCH_ABI) {
			fprintf(stderr, "bpfx bench: %s: program %d has ABI %u, this bpfx expects %d (rebuild)\n",
				o.native, nsuite, suite[nsuite]->abi, BPFX_BENCH_ABI);
			goto out;
		}
		if (!suite[nsuite]->name || !suite[nsuite]->run || !suite[nsuite]->mem_size ||
		    suite[nsuite]->mem_size > (UINT64_C(1) << 32)) {
			fprintf(stderr, "bpfx bench: %s: program %d has no name, no entry, or a memory size "
					"outside 1 byte .. 4 GiB\n", o.native, nsuite);
			goto out;
		}
	}
	if (list) {
		for (int i = 0; i < nsuite; i++)
			printf("%-10s %8" PRIu64 " bytes  %s\n", suite[i]->name, suite[i]->mem_size, suite[i]->what);
		ret = 0;
		goto out;
	}

	/* The programs to run: the named ones (in the given order) or all. */
	const struct bpfx_bench_desc **sel = calloc((size_t)(nnames ? nnames : nsuite), sizeof(*sel));
	if (!sel) {
		fprintf(stderr, "bpfx bench: out of memory\n");
		goto out;
	}
	int nsel = 0;
	if (nnames) {
		for (int i = 0; i < nnames; i++) {
			int k = 0;
			while (k < nsuite && strcmp(suite[k]->name, names[i]))
				k++;
			if (k == nsuite) {
				fprintf(stderr, "bpfx bench: no benchmark program '%s' (see --list)\n", names[i]);
				free(sel);
				goto out;
			}
			sel[nsel++] = suite[k];
		}
	} else {
		for (int i = 0; i < nsuite; i++)
			sel[nsel++] = suite[i];
	}

	struct bench_log lg = {.verbose = o.verbose};
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .log = bench_log_fn, .log_user = &lg};
	int st = bpfx_vm_create(&vo, &vm);
	if (st) {
		fprintf(stderr, "bpfx bench: cannot create a VM: %s\n", bpfx_strerror(st));
		free(sel);
		goto out;
	}
	rows = calloc((size_t)nsel, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "bpfx bench: out of memory\n");
		free(sel);
		goto out;
	}
	unsigned unsupported = 0;
	int worst = 0;
	for (int i = 0; i < nsel; i++) {
		int rc = bench_one(sel[i], &o, vm, &lg, &rows[i], &unsupported);
		if (rc > worst)
			worst = rc;
	}
	free(sel);
	if (o.csv)
		print_csv(rows, nsel, &o);
	else
		print_table(rows, nsel, &o, unsupported);
	ret = worst;
	if (!ret && o.engines_explicit && unsupported)
		ret = 1; /* the one engine asked for could not run */
	if (o.csv) {
		/* CSV output stays pure; the exit status tells. */
	} else if (!ret) {
		printf("all results match native\n");
	} else if (worst == 1) {
		printf("FAILED: an engine disagreed with native or a run failed (messages above)\n");
	}
	goto out;

usage_err:
	usage(stderr);
	ret = 2;
out:
	free(rows);
	bpfx_vm_destroy(vm);
	if (lib)
		dlclose(lib);
	free(dir_alloc);
	free(native_alloc);
	free(names);
	return ret;
}
