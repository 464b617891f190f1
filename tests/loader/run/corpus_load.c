/* SPDX-License-Identifier: MIT */
/* corpus_load: every corpus object the loader opens must either load with
 * bpfx_object_load or be refused with a message (no crash). Prints counts.
 * usage: corpus_load CORPUS_DIR (exit 77 without it) */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpfx/bpfx.h>
#include <bpfx/helpers.h>
#include <bpfx/object.h>

static size_t opened, loaded, refused, silent;
static char lastlog[1024];
static int logged;
static int verbose;

static void logfn(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	if (lvl == BPFX_LOG_ERROR && !logged) { /* the first message is the cause */
		snprintf(lastlog, sizeof(lastlog), "%s", msg);
		logged = 1;
	}
}

static int visit(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	size_t n = strlen(path);
	if (flag != FTW_F || n < 2 || strcmp(path + n - 2, ".o") || strstr(path, "/invalid/"))
		return 0;
	struct bpfx_object_opts oo = {.sz = sizeof(oo), .log = logfn};
	bpfx_object *obj;
	if (bpfx_object_open_file(path, &oo, &obj))
		return 0;
	opened++;
	bpfx_vm *vm;
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .log = logfn};
	if (bpfx_vm_create(&vo, &vm) || bpfx_helpers_register_std(vm, NULL) ||
	    bpfx_object_register_ctx_helpers(vm)) {
		bpfx_object_close(obj);
		return 1;
	}
	logged = 0;
	lastlog[0] = 0;
	struct bpfx_object_load_opts lo = {.sz = sizeof(lo), .default_type = NULL};
	int err = bpfx_object_load(obj, vm, &lo);
	if (!err) {
		loaded++;
	} else if (logged) {
		refused++;
		if (verbose)
			printf("refused %s: %s\n", path, lastlog);
	} else {
		silent++;
		printf("SILENT REFUSAL %s: %s\n", path, bpfx_status_name(err));
	}
	bpfx_object_close(obj);
	bpfx_vm_destroy(vm);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	verbose = argc > 2;
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/ebpf-samples", argv[1]);
	FILE *f = fopen(dir, "r");
	if (!f) {
		printf("no corpus at %s: skipped\n", dir);
		return 77;
	}
	fclose(f);
	if (nftw(dir, visit, 16, FTW_PHYS))
		return 1;
	printf("corpus: %zu objects opened, %zu loaded, %zu refused with a message, %zu without\n", opened,
	       loaded, refused, silent);
	return silent ? 1 : 0;
}
