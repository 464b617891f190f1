/* SPDX-License-Identifier: MIT */
/* corpus_verify.c - runs every program of the real-world corpus through the
 * verifier's "linux" platform and compares with the Linux verdicts.
 *
 *   corpus_verify CORPUS_DIR EXPECTED_FILE [--list]
 *
 * CORPUS_DIR holds ebpf-samples/ and kernel-verdicts.tsv (see its README);
 * absent: exit 77 (skipped). Prints a per-project table (programs, kernel
 * accepted, bpfx accepted, both accepted, both rejected, disagreements, not
 * verified by the kernel) and every disagreement with bpfx's rule and
 * message. EXPECTED_FILE lists known disagreements, one "object program"
 * per line, '#' comments explaining each; the test fails only on a
 * disagreement not listed there, so the table can improve without CI going
 * red while regressions are caught. Listed entries that now agree are
 * reported (to prune the list) but do not fail. */
#include <bpfx/object.h>
#include <bpfx/verifier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXPROJ 16

struct proj {
	char name[64];
	int progs, kacc, bacc, both_acc, both_rej, disagree, kna;
};

struct expected {
	char **keys;
	int *seen;
	size_t n;
};

static void load_expected(const char *path, struct expected *ex)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	if (!f) {
		fprintf(stderr, "corpus_verify: cannot open %s (no expected differences assumed)\n", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *h = strchr(line, '#');
		if (h)
			*h = 0;
		char obj[512], prog[256];
		if (sscanf(line, "%511s %255s", obj, prog) != 2)
			continue;
		char **nk = realloc(ex->keys, (ex->n + 1) * sizeof(*nk));
		int *ns = realloc(ex->seen, (ex->n + 1) * sizeof(*ns));
		if (nk)
			ex->keys = nk;
		if (ns)
			ex->seen = ns;
		if (!nk || !ns)
			break;
		size_t len = strlen(obj) + strlen(prog) + 2;
		ex->keys[ex->n] = malloc(len);
		if (!ex->keys[ex->n])
			break;
		snprintf(ex->keys[ex->n], len, "%s %s", obj, prog);
		ex->seen[ex->n++] = 0;
	}
	fclose(f);
}

static int expected_find(const struct expected *ex, const char *obj, const char *prog)
{
	char key[1024];
	if (snprintf(key, sizeof(key), "%s %s", obj, prog) >= (int)sizeof(key))
		return -1; /* longer than any expected entry */
	for (size_t i = 0; i < ex->n; i++)
		if (!strcmp(ex->keys[i], key))
			return (int)i;
	return -1;
}

/* Map descriptions from the object's maps, by index. */
static struct bpfx_map_desc *object_maps(const bpfx_object *obj, size_t *n)
{
	size_t cnt = bpfx_object_map_count(obj);
	struct bpfx_map_desc *m = calloc(cnt ? cnt : 1, sizeof(*m));
	*n = 0;
	if (!m)
		return NULL;
	for (size_t i = 0; i < cnt; i++) {
		m[i].fd = -1;
		m[i].kind = BPFX_MAP_KIND_OTHER;
		bpfx_object_map_desc(obj, i, &m[i]);
	}
	*n = cnt;
	return m;
}

/* Runs bpfx on one program. Returns 1 accepted, 0 rejected; *why gets the
 * rule and message (malloc'd). */
static int run_bpfx(const bpfx_platform *plat, const char *path, const char *section, const char *prog,
		    const char *type, char **why, double *ms)
{
	bpfx_object *obj = NULL;
	char buf[1024];
	*ms = 0;
	int err = bpfx_object_open_file(path, NULL, &obj);
	if (err) {
		snprintf(buf, sizeof(buf), "object refused by the loader: %s", bpfx_strerror(err));
		*why = strdup(buf);
		return 0;
	}
	size_t idx;
	if (bpfx_object_find_prog(obj, !strcmp(section, "-") ? NULL : section, prog, &idx) &&
	    bpfx_object_find_prog(obj, NULL, prog, &idx)) {
		snprintf(buf, sizeof(buf), "program not found in the object");
		*why = strdup(buf);
		bpfx_object_close(obj);
		return 0;
	}
	struct bpfx_object_prog_info pi;
	bpfx_object_prog(obj, idx, &pi);
	size_t nmaps = 0;
	struct bpfx_map_desc *maps = object_maps(obj, &nmaps);
	struct bpfx_func_sig *sigs = NULL; /* global functions: verified against their BTF, as Linux does */
	size_t nsigs = 0;
	bpfx_object_prog_func_sigs(obj, idx, &sigs, &nsigs);
	struct bpfx_verify_opts vo = {.sz = sizeof(vo), .prog_type = type, .maps = maps, .nmaps = nmaps,
				      .name = prog, .funcs = sigs, .nfuncs = nsigs};
	struct bpfx_report *rep = NULL;
	err = maps ? bpfx_verify(plat, pi.insns, pi.insn_count, &vo, &rep) : BPFX_E_NOMEM;
	bpfx_free(sigs);
	int ok = err == 0;
	if (rep) {
		*ms = (double)rep->stats.time_ns / 1e6;
		if (getenv("BPFX_CORPUS_STATS")) /* per program: insns processed, states kept, peak bytes */
			printf("stats %s %s %llu %llu %llu %.3f\n", path, prog, (unsigned long long)rep->stats.insns_processed,
			       (unsigned long long)rep->stats.states_kept, (unsigned long long)rep->stats.peak_memory, *ms);
		if (!ok)
			snprintf(buf, sizeof(buf), "%s at insn %lld: %s", rep->rule ? rep->rule : "?", (long long)rep->insn,
				 rep->message ? rep->message : "");
	} else if (!ok) {
		snprintf(buf, sizeof(buf), "bpfx_verify: %s", bpfx_strerror(err));
	}
	*why = ok ? NULL : strdup(buf);
	bpfx_report_free(rep);
	free(maps);
	bpfx_object_close(obj);
	return ok;
}

static struct proj *project(struct proj *ps, int *np, const char *obj)
{
	char name[64];
	size_t n = strcspn(obj, "/");
	snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), obj);
	for (int i = 0; i < *np; i++)
		if (!strcmp(ps[i].name, name))
			return &ps[i];
	if (*np == MAXPROJ - 1) /* the last slot collects the rest */
		return &ps[*np];
	struct proj *p = &ps[(*np)++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: corpus_verify CORPUS_DIR EXPECTED_FILE\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/kernel-verdicts.tsv", argv[1]);
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("corpus_verify: %s absent: skipped\n", path);
		return 77;
	}
	struct expected ex = {0};
	load_expected(argv[2], &ex);
	bpfx_platform *plat = NULL;
	if (bpfx_platform_bundled("linux", &plat)) {
		fprintf(stderr, "corpus_verify: no linux platform\n");
		fclose(f);
		return 1;
	}
	struct proj ps[MAXPROJ];
	memset(ps, 0, sizeof(ps));
	snprintf(ps[MAXPROJ - 1].name, sizeof(ps[0].name), "(other)");
	int np = 0, unexpected = 0, stale = 0;
	char line[8192];
	double total_ms = 0;
	int lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		if (lineno++ == 0)
			continue; /* header */
		line[strcspn(line, "\r\n")] = 0;
		char *col[11] = {0};
		char *s = line;
		for (int i = 0; i < 11 && s; i++) {
			col[i] = s;
			s = strchr(s, '\t');
			if (s)
				*s++ = 0;
		}
		if (!col[6])
			continue;
		const char *obj = col[0], *sec = col[1], *prog = col[2], *type = col[3], *verdict = col[6];
		const char *detail = col[10] ? col[10] : "";
		if (!strcmp(type, "-"))
			continue; /* the kernel's loader could not even open it */
		struct proj *p = project(ps, &np, obj);
		p->progs++;
		int kacc = !strcmp(verdict, "accepted");
		int krej = !strcmp(verdict, "rejected") || !strcmp(verdict, "rejected-nolog");
		char full[4096];
		if (snprintf(full, sizeof(full), "%s/ebpf-samples/%s", argv[1], obj) >= (int)sizeof(full)) {
			fprintf(stderr, "corpus: line %d: object path too long: %s\n", lineno, obj);
			return 1;
		}
		char *why = NULL;
		double ms = 0;
		int bacc = bpfx_platform_find_prog_type(plat, type) == 0
				   ? run_bpfx(plat, full, sec, prog, type, &why, &ms)
				   : (why = strdup("program type not on the linux platform"), 0);
		total_ms += ms;
		p->kacc += kacc;
		p->bacc += bacc;
		if (!kacc && !krej) {
			p->kna++; /* libbpf failed before the verifier ran */
		} else if (kacc == bacc) {
			if (kacc)
				p->both_acc++;
			else
				p->both_rej++;
		} else {
			p->disagree++;
			int e = expected_find(&ex, obj, prog);
			if (e >= 0)
				ex.seen[e] = 1;
			else
				unexpected++;
			printf("%s %s %s (%s): kernel %s, bpfx %s%s%s\n", e >= 0 ? "  known" : "NEW    ", obj, prog, type,
			       kacc ? "accepted" : "rejected", bacc ? "accepted" : "rejected: ", bacc ? "" : why,
			       kacc ? "" : "");
			if (!kacc)
				printf("         kernel said: %s\n", detail);
		}
		free(why);
	}
	fclose(f);
	for (size_t i = 0; i < ex.n; i++)
		if (!ex.seen[i]) {
			printf("note: '%s' is listed as a known difference but now agrees (or is gone)\n", ex.keys[i]);
			stale++;
		}
	printf("\n%-18s %6s %8s %8s %9s %9s %9s %6s\n", "project", "progs", "k-acc", "b-acc", "both-acc", "both-rej",
	       "disagree", "k-n/a");
	struct proj tot = {.name = "TOTAL"};
	int last = ps[MAXPROJ - 1].progs ? MAXPROJ : np;
	for (int i = 0; i < last; i++) {
		struct proj *p = i < np || i == MAXPROJ - 1 ? &ps[i] : NULL;
		if (!p || !p->progs)
			continue;
		printf("%-18s %6d %8d %8d %9d %9d %9d %6d\n", p->name, p->progs, p->kacc, p->bacc, p->both_acc,
		       p->both_rej, p->disagree, p->kna);
		tot.progs += p->progs;
		tot.kacc += p->kacc;
		tot.bacc += p->bacc;
		tot.both_acc += p->both_acc;
		tot.both_rej += p->both_rej;
		tot.disagree += p->disagree;
		tot.kna += p->kna;
	}
	printf("%-18s %6d %8d %8d %9d %9d %9d %6d\n", tot.name, tot.progs, tot.kacc, tot.bacc, tot.both_acc,
	       tot.both_rej, tot.disagree, tot.kna);
	printf("kernel-accepted programs bpfx accepts: %d/%d; bpfx verification time %.1f ms in all\n", tot.both_acc,
	       tot.kacc, total_ms);
	printf("%d disagreement(s) not in the expected list; %d stale expected entr%s\n", unexpected, stale,
	       stale == 1 ? "y" : "ies");
	for (size_t i = 0; i < ex.n; i++)
		free(ex.keys[i]);
	free(ex.keys);
	free(ex.seen);
	bpfx_platform_destroy(plat);
	return unexpected ? 1 : 0;
}
