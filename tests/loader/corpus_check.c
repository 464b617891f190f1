/* SPDX-License-Identifier: MIT */
/*
 * corpus_check - opens every object of the shared real-world corpus and
 * compares our program list with kernel-verdicts.tsv (what libbpf / a raw
 * loader loaded into Linux 6.18): same programs (section + name), same
 * instruction count after subprogram linking, and the same program type
 * where the type came from libbpf's section-name rules. Every file under
 * invalid/ must be refused by `bpfx inspect` with exit code 2 and a message.
 *
 * Differences are failures unless listed in the expected-differences file:
 *   OBJECT<TAB>SECTION<TAB>PROGRAM<TAB>reason     one program row
 *   OBJECT<TAB>*<TAB>*<TAB>reason                 every row of the object
 *   OBJECT<TAB>accepted<TAB>-<TAB>reason          an invalid/ file we open
 * usage: corpus_check CORPUS_DIR BPFX_CLI EXPECTED_FILE
 * Exit: 0 all as expected, 1 unexpected differences, 77 no corpus.
 */
#define _GNU_SOURCE
#include <bpfx/bpfx.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXF 12

struct row {
	char *f[MAXF];
	int nf;
	int seen;
};

static struct row *rows;
static size_t nrows;
static struct row *expect;
static size_t nexpect;

static int split(char *line, char **f, int max, char sep)
{
	int n = 0;
	line[strcspn(line, "\r\n")] = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == sep) {
			*p = 0;
			f[n++] = p + 1;
		}
	return n;
}

static int load_table(const char *path, struct row **out, size_t *n, int skip_comments)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	while (getline(&line, &cap, f) > 0) {
		if (skip_comments && (line[0] == '#' || line[0] == '\n'))
			continue;
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 256;
			*out = realloc(*out, alloc * sizeof(**out));
		}
		struct row *r = &(*out)[(*n)++];
		memset(r, 0, sizeof(*r));
		r->nf = split(strdup(line), r->f, MAXF, '\t');
	}
	free(line);
	fclose(f);
	return 0;
}

/* Is (object, section, program) listed? Marks the entry used. */
static const char *expected(const char *obj, const char *sec, const char *prog)
{
	for (size_t i = 0; i < nexpect; i++) {
		struct row *e = &expect[i];
		if (e->nf < 4 || strcmp(e->f[0], obj))
			continue;
		if ((!strcmp(e->f[1], "*") && strcmp(sec, "accepted")) ||
		    (!strcmp(e->f[1], sec) && !strcmp(e->f[2], prog))) {
			e->seen = 1;
			return e->f[3];
		}
	}
	return NULL;
}

struct proj {
	char name[64];
	int objects, rows, match, expected, unexpected;
};
static struct proj projs[32];
static int nprojs;

static struct proj *proj_of(const char *obj)
{
	char name[64];
	size_t l = strcspn(obj, "/");
	snprintf(name, sizeof(name), "%.*s", (int)l, obj);
	for (int i = 0; i < nprojs; i++)
		if (!strcmp(projs[i].name, name))
			return &projs[i];
	struct proj *p = &projs[nprojs++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

static int unexpected_total;

static void differ(struct proj *p, const char *obj, const char *sec, const char *prog,
		   const char *what)
{
	const char *why = expected(obj, sec, prog);
	if (why) {
		p->expected++;
		printf("  expected: %s [%s] %s: %s (%s)\n", obj, sec, prog, what, why);
	} else {
		p->unexpected++;
		unexpected_total++;
		printf("  UNEXPECTED: %s [%s] %s: %s\n", obj, sec, prog, what);
	}
}

static char lastmsg[1024];
static void keep_log(void *user, enum bpfx_log_level level, const char *msg)
{
	(void)user;
	if (level == BPFX_LOG_ERROR)
		snprintf(lastmsg, sizeof(lastmsg), "%s", msg);
}

/* Runs `cli inspect --json path`; returns the exit code (or 128+signal) and
 * whether stderr said something. */
static int run_cli(const char *cli, const char *path, int *said)
{
	int fds[2];
	fflush(stdout);
	if (pipe(fds))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		execl(cli, cli, "inspect", "--json", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	char buf[4096];
	ssize_t got, total = 0;
	while ((got = read(fds[0], buf, sizeof(buf))) > 0)
		total += got;
	close(fds[0]);
	int st;
	waitpid(pid, &st, 0);
	*said = total > 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void check_object(const char *corpus, const char *cli, const char *obj)
{
	struct proj *p = proj_of(obj);
	char path[4096];
	snprintf(path, sizeof(path), "%s/ebpf-samples/%s", corpus, obj);
	p->objects++;
	int invalid = !strncmp(obj, "invalid/", 8);

	size_t first = nrows, last = 0, nlive = 0;
	for (size_t i = 0; i < nrows; i++)
		if (!strcmp(rows[i].f[0], obj)) {
			if (first == nrows)
				first = i;
			last = i + 1;
			if (strcmp(rows[i].f[6], "open-failed"))
				nlive++;
		}

	if (invalid) {
		int said = 0, rc = run_cli(cli, path, &said);
		if (rc == 2 && said) {
			p->match++;
			return;
		}
		if (rc != 0) {
			char what[128];
			snprintf(what, sizeof(what), "bpfx inspect exited %d%s", rc,
				 said ? "" : " without a message");
			differ(p, obj, "refused", "-", what);
			return;
		}
		if (!expected(obj, "accepted", "-")) {
			differ(p, obj, "refused", "-", "opened, but every invalid/ file must be refused");
			return;
		}
		p->expected++;
		/* A listed, well-formed one: compare its programs like the rest. */
	}

	struct bpfx_object_opts opts = {.sz = sizeof(opts), .log = keep_log};
	bpfx_object *o = NULL;
	lastmsg[0] = 0;
	int err = bpfx_object_open_file(path, &opts, &o);
	if (err) {
		if (nlive) {
			char what[1200];
			snprintf(what, sizeof(what), "refused: %s", lastmsg);
			differ(p, obj, "*", "*", what);
		} else {
			p->match++; /* libbpf could not open it either */
		}
		return;
	}
	size_t np = bpfx_object_prog_count(o);
	int *used = calloc(np + 1, sizeof(int));
	for (size_t i = first; i < last; i++) {
		struct row *r = &rows[i];
		if (strcmp(r->f[0], obj) || !strcmp(r->f[6], "open-failed"))
			continue;
		p->rows++;
		const char *sec = r->f[1], *name = r->f[2];
		size_t k;
		char what[256];
		if (bpfx_object_find_prog(o, sec, name, &k)) {
			differ(p, obj, sec, name, "program not found");
			continue;
		}
		used[k] = 1;
		struct bpfx_object_prog_info pi;
		bpfx_object_prog(o, k, &pi);
		long want = strtol(r->f[9], NULL, 10);
		int ok = 1;
		if ((long)pi.insn_count != want) {
			snprintf(what, sizeof(what), "insn_cnt %zu, Linux loaded %ld", pi.insn_count, want);
			differ(p, obj, sec, name, what);
			ok = 0;
		}
		int libbpf_typed = !strcmp(r->f[4], "libbpf") || !strcmp(r->f[4], "libbpf-name");
		if (libbpf_typed && strcmp(pi.type, r->f[3])) {
			snprintf(what, sizeof(what), "type '%s', libbpf said '%s'", pi.type, r->f[3]);
			differ(p, obj, sec, name, what);
			ok = 0;
		}
		p->match += ok;
	}
	if (nlive)
		for (size_t k = 0; k < np; k++)
			if (!used[k]) {
				struct bpfx_object_prog_info pi;
				bpfx_object_prog(o, k, &pi);
				differ(p, obj, pi.section, pi.name, "extra program, not in the table");
			}
	free(used);
	bpfx_object_close(o);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: corpus_check CORPUS_DIR BPFX_CLI EXPECTED_FILE\n");
		return 2;
	}
	const char *corpus = argv[1];
	char path[4096];
	snprintf(path, sizeof(path), "%s/kernel-verdicts.tsv", corpus);
	if (load_table(path, &rows, &nrows, 0)) {
		printf("corpus not found at %s: skipped\n", corpus);
		return 77;
	}
	if (load_table(argv[3], &expect, &nexpect, 1)) {
		fprintf(stderr, "cannot read %s\n", argv[3]);
		return 2;
	}
	/* Objects named in the table (after the header), then invalid/ files. */
	char **objs = calloc(nrows + 64, sizeof(char *));
	size_t nobjs = 0;
	for (size_t i = 1; i < nrows; i++) {
		if (rows[i].nf < 10) {
			fprintf(stderr, "kernel-verdicts.tsv line %zu: %d fields\n", i + 1, rows[i].nf);
			return 2;
		}
		if (!nobjs || strcmp(objs[nobjs - 1], rows[i].f[0]))
			objs[nobjs++] = rows[i].f[0];
	}
	size_t ntable_objs = nobjs;
	snprintf(path, sizeof(path), "%s/ebpf-samples/invalid", corpus);
	DIR *dir = opendir(path);
	struct dirent *de;
	while (dir && (de = readdir(dir)) && nobjs < nrows + 64) {
		if (de->d_name[0] == '.')
			continue;
		char *name;
		if (asprintf(&name, "invalid/%s", de->d_name) < 0)
			return 2;
		int dup = 0;
		for (size_t i = 0; i < nobjs; i++)
			dup |= !strcmp(objs[i], name);
		if (dup)
			free(name);
		else
			objs[nobjs++] = name;
	}
	if (dir)
		closedir(dir);

	for (size_t i = 0; i < nobjs; i++)
		check_object(corpus, argv[2], objs[i]);

	printf("\n%-18s %8s %9s %9s %9s %11s\n", "project", "objects", "programs", "matching",
	       "expected", "UNEXPECTED");
	struct proj t = {.name = "total"};
	for (int i = 0; i < nprojs; i++) {
		struct proj *p = &projs[i];
		printf("%-18s %8d %9d %9d %9d %11d\n", p->name, p->objects, p->rows, p->match,
		       p->expected, p->unexpected);
		t.objects += p->objects;
		t.rows += p->rows;
		t.match += p->match;
		t.expected += p->expected;
		t.unexpected += p->unexpected;
	}
	printf("%-18s %8d %9d %9d %9d %11d\n", t.name, t.objects, t.rows, t.match, t.expected,
	       t.unexpected);
	printf("(programs: table rows compared; matching: rows with the same program, insn count "
	       "and type, plus invalid/ files refused)\n");
	for (size_t i = 0; i < nexpect; i++)
		if (!expect[i].seen)
			printf("note: expected difference not seen (stale entry?): %s %s %s\n",
			       expect[i].f[0], expect[i].nf > 1 ? expect[i].f[1] : "",
			       expect[i].nf > 2 ? expect[i].f[2] : "");
	for (size_t i = ntable_objs; i < nobjs; i++)
		free(objs[i]);
	free(objs);
	for (size_t i = 0; i < nrows; i++)
		free(rows[i].f[0]);
	for (size_t i = 0; i < nexpect; i++)
		free(expect[i].f[0]);
	free(rows);
	free(expect);
	return unexpected_total ? 1 : 0;
}
