/* SPDX-License-Identifier: MIT */
/* kernel_speed.c - verification time, bpfx against the Linux verifier, on
 * the programs of the real-world corpus that Linux accepted.
 *
 *   verifier_kernel_speed CORPUS_DIR [REPEAT]
 *
 * For each accepted program of CORPUS_DIR/kernel-verdicts.tsv: opens the
 * object with bpfx's loader, creates its maps in the kernel, patches the map
 * references to their fds, and loads the program with BPF_PROG_LOAD at
 * log_level 4 (statistics only) - load only, never attached; the fd is
 * closed at once. The kernel's "verification time N usec" is read from the
 * log; bpfx_verify runs on the same program with the linux platform. Each
 * side is measured REPEAT times (default 3) and the fastest kept. Prints
 * per-program and per-project ratios (bpfx time / kernel time) and their
 * geometric means. Each kernel load happens in a child process, so a kernel
 * fault would only end that child. Programs the kernel refuses here are
 * skipped with the reason. Needs root: exit 77 otherwise, or without the
 * corpus. Run by scripts/verifier-speed.sh; not part of the default ctest.
 */
#define _GNU_SOURCE
#include <bpfx/object.h>
#include <bpfx/verifier.h>
#include <errno.h>
#include <linux/bpf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static const struct {
	const char *name;
	uint32_t type;
} prog_types[] = {
	{"socket_filter", BPF_PROG_TYPE_SOCKET_FILTER},
	{"kprobe", BPF_PROG_TYPE_KPROBE},
	{"sched_cls", BPF_PROG_TYPE_SCHED_CLS},
	{"sched_act", BPF_PROG_TYPE_SCHED_ACT},
	{"tracepoint", BPF_PROG_TYPE_TRACEPOINT},
	{"xdp", BPF_PROG_TYPE_XDP},
	{"perf_event", BPF_PROG_TYPE_PERF_EVENT},
	{"cgroup_skb", BPF_PROG_TYPE_CGROUP_SKB},
	{"cgroup_sock", BPF_PROG_TYPE_CGROUP_SOCK},
	{"lwt_in", BPF_PROG_TYPE_LWT_IN},
	{"lwt_out", BPF_PROG_TYPE_LWT_OUT},
	{"lwt_xmit", BPF_PROG_TYPE_LWT_XMIT},
	{"sock_ops", BPF_PROG_TYPE_SOCK_OPS},
	{"sk_skb", BPF_PROG_TYPE_SK_SKB},
	{"sk_msg", BPF_PROG_TYPE_SK_MSG},
	{"raw_tracepoint", BPF_PROG_TYPE_RAW_TRACEPOINT},
	{"cgroup_sock_addr", BPF_PROG_TYPE_CGROUP_SOCK_ADDR},
};

static int create_map(const struct bpfx_object_map_info *mi, int inner_fd)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	if (mi->origin == BPFX_MAP_DATA) {
		a.map_type = BPF_MAP_TYPE_ARRAY;
		a.key_size = 4;
		a.value_size = (uint32_t)(mi->data_size ? mi->data_size : 1);
		a.max_entries = 1;
		a.map_flags = mi->readonly ? BPF_F_RDONLY_PROG : 0;
	} else {
		a.map_type = mi->type;
		a.key_size = mi->key_size;
		a.value_size = mi->value_size;
		a.max_entries = mi->max_entries;
		a.map_flags = mi->flags;
		if (mi->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
			a.key_size = 4;
			a.value_size = 4;
			if (!a.max_entries)
				a.max_entries = 64;
		}
		if (mi->type == BPF_MAP_TYPE_RINGBUF)
			a.key_size = a.value_size = 0;
		a.inner_map_fd = inner_fd > 0 ? (uint32_t)inner_fd : 0;
	}
	int fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
	if (fd >= 0 && mi->origin == BPFX_MAP_DATA && mi->data) {
		uint32_t key = 0;
		union bpf_attr u;
		memset(&u, 0, sizeof(u));
		u.map_fd = (uint32_t)fd;
		u.key = (uint64_t)(uintptr_t)&key;
		u.value = (uint64_t)(uintptr_t)mi->data;
		sys_bpf(BPF_MAP_UPDATE_ELEM, &u);
		if (mi->readonly) {
			memset(&u, 0, sizeof(u));
			u.map_fd = (uint32_t)fd;
			sys_bpf(BPF_MAP_FREEZE, &u);
		}
	}
	return fd;
}

/* Loads in a child; returns the kernel's verification time in usec, or -1
 * with *why set. */
static long kernel_time(const struct bpf_insn *insns, size_t n, uint32_t type, char *why, size_t whylen)
{
	int pfd[2];
	if (pipe(pfd)) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		static char log[1 << 16];
		static const char license[] = "GPL";
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.prog_type = type;
		a.insns = (uint64_t)(uintptr_t)insns;
		a.insn_cnt = (uint32_t)n;
		a.license = (uint64_t)(uintptr_t)license;
		a.log_level = 4;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = sizeof(log);
		int fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
		char out[512];
		const char *t = strstr(log, "verification time ");
		if (fd >= 0 && t)
			snprintf(out, sizeof(out), "%ld", strtol(t + 18, NULL, 10));
		else
			snprintf(out, sizeof(out), "refused: %s", fd >= 0 ? "no time in the log" : strerror(errno));
		if (fd >= 0)
			close(fd);
		ssize_t w = write(pfd[1], out, strlen(out) + 1);
		(void)w;
		_exit(0);
	}
	close(pfd[1]);
	char buf[512] = {0};
	ssize_t got = read(pfd[0], buf, sizeof(buf) - 1);
	close(pfd[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (got <= 0 || !WIFEXITED(status)) {
		snprintf(why, whylen, "the loading process died");
		return -1;
	}
	if (!strncmp(buf, "refused", 7)) {
		snprintf(why, whylen, "%s", buf);
		return -1;
	}
	return strtol(buf, NULL, 10);
}

struct proj {
	char name[64];
	int n;
	double logsum, ktot, btot;
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: verifier_kernel_speed CORPUS_DIR [REPEAT]\n");
		return 2;
	}
	int repeat = argc > 2 ? atoi(argv[2]) : 3;
	if (repeat < 1)
		repeat = 1;
	if (geteuid() != 0) {
		printf("kernel_speed: SKIP: needs root (BPF_PROG_LOAD)\n");
		return 77;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/kernel-verdicts.tsv", argv[1]);
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("kernel_speed: SKIP: %s absent\n", path);
		return 77;
	}
	bpfx_platform *plat = NULL;
	if (bpfx_platform_bundled("linux", &plat)) {
		fclose(f);
		return 1;
	}
	struct proj ps[16];
	int np = 0, skipped = 0;
	memset(ps, 0, sizeof(ps));
	char line[8192];
	int lineno = 0;
	printf("%-60s %10s %10s %8s\n", "program", "kernel-us", "bpfx-us", "ratio");
	while (fgets(line, sizeof(line), f)) {
		if (lineno++ == 0)
			continue;
		line[strcspn(line, "\r\n")] = 0;
		char *col[11] = {0}, *s = line;
		for (int i = 0; i < 11 && s; i++) {
			col[i] = s;
			s = strchr(s, '\t');
			if (s)
				*s++ = 0;
		}
		if (!col[6] || strcmp(col[6], "accepted"))
			continue;
		const char *objname = col[0], *sec = col[1], *prog = col[2], *tname = col[3];
		uint32_t ktype = 0;
		for (size_t i = 0; i < sizeof(prog_types) / sizeof(prog_types[0]); i++)
			if (!strcmp(prog_types[i].name, tname))
				ktype = prog_types[i].type;
		char label[512];
		if (snprintf(label, sizeof(label), "%s:%s", objname, prog) >= (int)sizeof(label))
			strcpy(label + sizeof(label) - 4, "..."); /* a label for the table only */
		if (!ktype || bpfx_platform_find_prog_type(plat, tname)) {
			printf("%-60s skipped: program type %s not handled here\n", label, tname);
			skipped++;
			continue;
		}
		char full[4096];
		if (snprintf(full, sizeof(full), "%s/ebpf-samples/%s", argv[1], objname) >= (int)sizeof(full)) {
			printf("%-60s skipped: object path too long\n", label);
			skipped++;
			continue;
		}
		bpfx_object *obj = NULL;
		size_t idx;
		if (bpfx_object_open_file(full, NULL, &obj) ||
		    (bpfx_object_find_prog(obj, !strcmp(sec, "-") ? NULL : sec, prog, &idx) &&
		     bpfx_object_find_prog(obj, NULL, prog, &idx))) {
			printf("%-60s skipped: bpfx's loader refuses the object\n", label);
			bpfx_object_close(obj);
			skipped++;
			continue;
		}
		struct bpfx_object_prog_info pi;
		bpfx_object_prog(obj, idx, &pi);
		size_t nm = bpfx_object_map_count(obj);
		int *fds = calloc(nm ? nm : 1, sizeof(int));
		struct bpfx_map_desc *md = calloc(nm ? nm : 1, sizeof(*md));
		struct bpf_insn *ki = malloc((pi.insn_count ? pi.insn_count : 1) * sizeof(*ki));
		char why[512] = "";
		int ok = fds && md && ki;
		/* maps: inner-map prototypes first */
		for (int pass = 0; ok && pass < 2; pass++)
			for (size_t i = 0; ok && i < nm; i++) {
				struct bpfx_object_map_info mi;
				if (bpfx_object_map(obj, i, &mi)) {
					ok = 0;
					break;
				}
				int outer = mi.inner_map != BPFX_NO_MAP && mi.inner_map < nm;
				if (outer != pass)
					continue;
				bpfx_object_map_desc(obj, i, &md[i]); /* as bpfx verify describes it */
				fds[i] = create_map(&mi, outer ? fds[mi.inner_map] : -1);
				if (fds[i] < 0) {
					snprintf(why, sizeof(why), "map '%s' (type %u): %s", mi.name, mi.type, strerror(errno));
					ok = 0;
				}
			}
		if (ok) {
			memcpy(ki, pi.insns, pi.insn_count * sizeof(*ki));
			for (size_t i = 0; i + 1 < pi.insn_count; i++) {
				if (ki[i].code != (BPF_LD | BPF_DW | BPF_IMM))
					continue;
				if (ki[i].src_reg == BPFX_LDDW_MAP_IDX || ki[i].src_reg == BPFX_LDDW_MAP_VALUE_IDX) {
					uint32_t m = (uint32_t)ki[i].imm;
					if (m >= nm) {
						ok = 0;
						break;
					}
					ki[i].src_reg = ki[i].src_reg == BPFX_LDDW_MAP_IDX ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_VALUE;
					ki[i].imm = fds[m];
				}
				i++;
			}
		}
		long kus = -1;
		for (int r = 0; ok && r < repeat; r++) {
			long t = kernel_time(ki, pi.insn_count, ktype, why, sizeof(why));
			if (t < 0) {
				ok = 0;
				break;
			}
			if (kus < 0 || t < kus)
				kus = t;
		}
		double bus = -1;
		for (int r = 0; ok && r < repeat; r++) {
			struct bpfx_verify_opts vo = {.sz = sizeof(vo), .prog_type = tname, .maps = md, .nmaps = nm};
			struct bpfx_report *rep = NULL;
			int err = bpfx_verify(plat, pi.insns, pi.insn_count, &vo, &rep);
			double t = rep ? (double)rep->stats.time_ns / 1e3 : -1;
			bpfx_report_free(rep);
			if (err) {
				snprintf(why, sizeof(why), "bpfx rejects it (see verifier/corpus)");
				ok = 0;
				break;
			}
			if (bus < 0 || t < bus)
				bus = t;
		}
		for (size_t i = 0; fds && i < nm; i++)
			if (fds[i] > 0)
				close(fds[i]);
		free(fds);
		free(md);
		free(ki);
		bpfx_object_close(obj);
		if (!ok) {
			printf("%-60s skipped: %s\n", label, why);
			skipped++;
			continue;
		}
		double k = kus > 0 ? (double)kus : 1.0; /* the kernel reports whole usec */
		double b = bus > 0.001 ? bus : 0.001;
		printf("%-60s %10ld %10.1f %8.3f\n", label, kus, bus, b / k);
		char pname[64];
		size_t pl = strcspn(objname, "/");
		snprintf(pname, sizeof(pname), "%.*s", (int)(pl < 63 ? pl : 63), objname);
		int j;
		for (j = 0; j < np; j++)
			if (!strcmp(ps[j].name, pname))
				break;
		if (j == np && np < 15)
			snprintf(ps[np++].name, sizeof(ps[0].name), "%s", pname);
		if (j >= np)
			j = np - 1;
		ps[j].n++;
		ps[j].logsum += log(b / k);
		ps[j].ktot += (double)kus;
		ps[j].btot += bus;
	}
	fclose(f);
	bpfx_platform_destroy(plat);
	printf("\n%-18s %6s %12s %12s %14s\n", "project", "progs", "kernel-us", "bpfx-us", "geomean ratio");
	struct proj tot = {.name = "ALL"};
	for (int j = 0; j < np; j++) {
		printf("%-18s %6d %12.0f %12.1f %14.3f\n", ps[j].name, ps[j].n, ps[j].ktot, ps[j].btot,
		       exp(ps[j].logsum / ps[j].n));
		tot.n += ps[j].n;
		tot.logsum += ps[j].logsum;
		tot.ktot += ps[j].ktot;
		tot.btot += ps[j].btot;
	}
	if (tot.n)
		printf("%-18s %6d %12.0f %12.1f %14.3f\n", tot.name, tot.n, tot.ktot, tot.btot, exp(tot.logsum / tot.n));
	printf("ratio = bpfx time / kernel time (below 1: bpfx faster); %d program(s) skipped\n", skipped);
	return 0;
}
