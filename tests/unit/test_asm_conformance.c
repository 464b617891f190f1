/* SPDX-License-Identifier: MIT */
/*
 * test_asm_conformance.c - every "-- asm" section of the bpf_conformance
 * suite assembles; where the test also has a "-- raw" section the bytes
 * match it; and every program round-trips through the disassembler in both
 * dialects. Reads the suite from the fetched mirror (a bare git directory)
 * with `git show`; skips when the mirror is not there.
 * BPFX_CONFORMANCE_GIT overrides the mirror location.
 */
#include <bpfx/asm.h>
#include <stdlib.h>
#include <stdbool.h>
#include <unistd.h>

#include "check.h"

#define DEFAULT_GIT "/work/.mirror/Alan-Jowett+bpf_conformance/repo"

static char *run(const char *cmd, size_t *len)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t k;
	while (buf && (k = fread(buf + n, 1, cap - n - 1, p)) > 0) {
		n += k;
		if (n + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	int st = pclose(p);
	if (!buf || st != 0) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* Finds the section "-- name" and returns its body (up to the next "-- "). */
static bool section(const char *text, const char *name, const char **body, size_t *len)
{
	char hdr[64];
	snprintf(hdr, sizeof(hdr), "-- %s\n", name);
	const char *s = text;
	while (s && *s) {
		if (!strncmp(s, hdr, strlen(hdr))) {
			s += strlen(hdr);
			const char *e = s;
			while (*e && strncmp(e, "-- ", 3)) {
				const char *nl = strchr(e, '\n');
				e = nl ? nl + 1 : e + strlen(e);
			}
			*body = s;
			*len = (size_t)(e - s);
			return true;
		}
		const char *nl = strchr(s, '\n');
		s = nl ? nl + 1 : NULL;
	}
	return false;
}

static bool roundtrip(const struct bpfx_insn *x, size_t n, enum bpfx_dialect dia, uint32_t flags)
{
	struct bpfx_disasm_opts o = {.sz = sizeof(o), .dialect = dia, .flags = flags};
	struct bpfx_asm_opts ao = {.sz = sizeof(ao), .dialect = dia};
	char *text;
	struct bpfx_insn *y = NULL;
	size_t m = 0;
	struct bpfx_asm_error e;
	if (bpfx_disasm(x, n, &o, &text))
		return false;
	int r = bpfx_asm(text, strlen(text), &ao, &y, &m, &e);
	bool ok = r == 0 && m == n && !memcmp(x, y, n * sizeof(*x));
	if (!ok)
		fprintf(stderr, "  round trip (dialect %d, flags %u) failed: %d:%d %s\n%s", dia, flags, e.line, e.col,
			e.msg, text);
	bpfx_free(text);
	bpfx_free(y);
	return ok;
}

int main(void)
{
	const char *git = getenv("BPFX_CONFORMANCE_GIT");
	if (!git)
		git = DEFAULT_GIT;
	char cmd[1024];
	size_t len;
	snprintf(cmd, sizeof(cmd), "git --git-dir='%s' ls-tree --name-only HEAD tests/ 2>/dev/null", git);
	char *list = access(git, R_OK) == 0 ? run(cmd, &len) : NULL;
	if (!list) {
		printf("test_asm_conformance: SKIPPED (no bpf_conformance mirror at %s)\n", git);
		return 0;
	}
	int files = 0, assembled = 0, raw_checked = 0, round_tripped = 0;
	for (char *name = strtok(list, "\n"); name; name = strtok(NULL, "\n")) {
		size_t nl = strlen(name);
		if (nl < 5 || strcmp(name + nl - 5, ".data"))
			continue;
		files++;
		snprintf(cmd, sizeof(cmd), "git --git-dir='%s' show 'HEAD:%s'", git, name);
		size_t tl;
		char *text = run(cmd, &tl);
		CHECK(text != NULL);
		if (!text)
			continue;
		const char *body;
		size_t blen;
		bool has_asm = section(text, "asm", &body, &blen);
		CHECK(has_asm);
		if (!has_asm) {
			free(text);
			continue;
		}
		struct bpfx_asm_opts o = {.sz = sizeof(o), .filename = name};
		struct bpfx_insn *x = NULL;
		size_t n = 0;
		struct bpfx_asm_error e;
		int r = bpfx_asm(body, blen, &o, &x, &n, &e);
		if (r)
			fprintf(stderr, "%s:%d:%d: %s\n", name, e.line, e.col, e.msg);
		CHECK(r == 0);
		if (r == 0) {
			assembled++;
			const char *raw;
			size_t rlen;
			if (section(text, "raw", &raw, &rlen)) {
				size_t k = 0;
				bool same = true;
				for (const char *p = raw; p < raw + rlen;) {
					char *end;
					uint64_t w = strtoull(p, &end, 16);
					if (end == p)
						break;
					uint64_t got = 0;
					if (k < n)
						memcpy(&got, &x[k], 8);
					same = same && k < n && got == w;
					k++;
					p = end;
					while (p < raw + rlen && (*p == '\n' || *p == ' '))
						p++;
				}
				same = same && k == n;
				if (!same)
					fprintf(stderr, "%s: bytes differ from the raw section\n", name);
				CHECK(same);
				raw_checked++;
			}
			bool ok = roundtrip(x, n, BPFX_DIALECT_LLVM, 0) &&
				  roundtrip(x, n, BPFX_DIALECT_CONFORMANCE, BPFX_DISASM_LABELS) &&
				  roundtrip(x, n, BPFX_DIALECT_LLVM, BPFX_DISASM_LABELS | BPFX_DISASM_INDEX | BPFX_DISASM_BYTES);
			CHECK(ok);
			round_tripped += ok;
		}
		bpfx_free(x);
		free(text);
	}
	free(list);
	printf("conformance suite: %d files, %d assembled, %d raw sections matched, %d round-tripped\n", files,
	       assembled, raw_checked, round_tripped);
	CHECK(files >= 300);
	return check_summary("test_asm_conformance");
}
