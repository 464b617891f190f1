/* SPDX-License-Identifier: MIT */
/*
 * helpers.c - the standard helpers (bpfx/helpers.h): Linux helper ids and
 * semantics, for user space. Each helper validates what it touches in a
 * checked run; see the header for the rules.
 */
#define _GNU_SOURCE
#include <bpfx/helpers.h>
#include <bpfx/maps.h>

#include <ctype.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "../maps/maps_internal.h"
#include "../vm/vm_internal.h"

/* Linux errno values, as helpers return them to programs. */
#define L_ENOENT 2
#define L_E2BIG 7
#define L_EAGAIN 11
#define L_ENOMEM 12
#define L_EBUSY 16
#define L_EEXIST 17
#define L_EINVAL 22
#define L_ERANGE 34
#define L_EOPNOTSUPP 95

#define NEG(e) ((uint64_t)(int64_t)-(e))
#define U64(p) ((uint64_t)(uintptr_t)(p))
#define PTR(x) ((void *)(uintptr_t)(x))

static uint64_t errno_of(int status)
{
	switch (status) {
	case 0: return 0;
	case BPFX_E_NOENT: return NEG(L_ENOENT);
	case BPFX_E_EXIST: return NEG(L_EEXIST);
	case BPFX_E_FULL: return NEG(L_E2BIG);
	case BPFX_E_RANGE: return NEG(L_E2BIG);
	case BPFX_E_NOMEM: return NEG(L_ENOMEM);
	case BPFX_E_UNSUPPORTED: return NEG(L_EOPNOTSUPP);
	default: return NEG(L_EINVAL);
	}
}

static const char *pname(const bpfx_run *run)
{
	return run->prog->name ? run->prog->name : "(unnamed program)";
}

/* Ends the run with `code` (unless it has already ended). */
static void end_run(bpfx_run *run, int code)
{
	run->stop = 1;
	if (!run->status)
		run->status = code;
	if (run->jit) { /* JIT code reads its own copy after each helper */
		run->jr.stop = 1;
		run->jr.stop_status = run->status;
		run->jr.stop_r0 = 0;
	}
}

/* Checked runs: [p, p+len) must lie in one region of the run. */
static bool mem_ok(bpfx_run *run, const void *p, uint64_t len, int write, const char *helper, const char *what)
{
	if (!run->checked || len == 0)
		return true;
	int r = bpfx_run_find_region(run, U64(p), len, write);
	if (r == 0)
		return true;
	bpfx_fail(run->diag, BPFX_E_MEM_FAULT, "%s: helper %s: %s [0x%llx, +%llu) is %s", pname(run), helper, what,
		  (unsigned long long)U64(p), (unsigned long long)len,
		  r == 2 ? "read-only memory" : "outside the run's memory");
	run->fault_addr = U64(p);
	run->fault_len = (size_t)len;
	end_run(run, BPFX_E_MEM_FAULT);
	return false;
}

/* A map this program may use: in checked runs, one loaded by one of its map
 * lddw instructions, or an inner map currently held by one of those. */
static bpfx_map *arg_map(bpfx_run *run, uint64_t r, const char *helper)
{
	bpfx_map *m = PTR(r);
	if (!run->checked) {
		if (m && m->magic == BPFX_MAP_MAGIC)
			return m;
	} else {
		const bpfx_prog *p = run->prog;
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < p->count; i++) {
				int op = p->ops[i];
				if (op != BPFX_OP_LDDW_MAP_FD && op != BPFX_OP_LDDW_MAP_IDX)
					continue;
				bpfx_map *q = PTR(p->code[i].imm);
				if (pass == 0 && q == m)
					return m;
				if (pass == 1 && q && q->magic == BPFX_MAP_MAGIC &&
				    (q->type == BPFX_MAP_TYPE_ARRAY_OF_MAPS || q->type == BPFX_MAP_TYPE_HASH_OF_MAPS) &&
				    bpfx_map_holds_inner(q, m))
					return m;
			}
	}
	bpfx_fail(run->diag, BPFX_E_INVAL, "%s: helper %s: 0x%llx is not a map this program loaded", pname(run),
		  helper, (unsigned long long)r);
	end_run(run, BPFX_E_INVAL);
	return NULL;
}

/* ------------------------------------------------------------- maps --- */

static uint64_t h_map_lookup(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	bpfx_map *m = arg_map(run, r1, "map_lookup_elem");
	if (!m || !mem_ok(run, PTR(r2), m->key_size, 0, "map_lookup_elem", "key"))
		return 0;
	return U64(bpfx_map_lookup_ptr(m, PTR(r2)));
}

static uint64_t h_map_update(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	bpfx_map *m = arg_map(run, r1, "map_update_elem");
	if (!m || !mem_ok(run, PTR(r2), m->key_size, 0, "map_update_elem", "key") ||
	    !mem_ok(run, PTR(r3), m->value_size, 0, "map_update_elem", "value"))
		return 0;
	if (m->type == BPFX_MAP_TYPE_ARRAY_OF_MAPS || m->type == BPFX_MAP_TYPE_HASH_OF_MAPS ||
	    m->type == BPFX_MAP_TYPE_PROG_ARRAY)
		return NEG(L_EINVAL);
	return errno_of(bpfx_map_update_cpu(m, PTR(r2), PTR(r3), r4, bpfx_map_current_cpu(m)));
}

static uint64_t h_map_delete(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	bpfx_map *m = arg_map(run, r1, "map_delete_elem");
	if (!m || !mem_ok(run, PTR(r2), m->key_size, 0, "map_delete_elem", "key"))
		return 0;
	return errno_of(bpfx_map_delete(m, PTR(r2)));
}

static uint64_t h_map_push(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	bpfx_map *m = arg_map(run, r1, "map_push_elem");
	if (!m || !mem_ok(run, PTR(r2), m->value_size, 0, "map_push_elem", "value"))
		return 0;
	return errno_of(bpfx_map_push(m, PTR(r2), r3));
}

static uint64_t h_map_pop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	bpfx_map *m = arg_map(run, r1, "map_pop_elem");
	if (!m || !mem_ok(run, PTR(r2), m->value_size, 1, "map_pop_elem", "value"))
		return 0;
	return errno_of(bpfx_map_pop(m, PTR(r2)));
}

static uint64_t h_map_peek(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	bpfx_map *m = arg_map(run, r1, "map_peek_elem");
	/* a bloom filter's peek reads the value; a queue's writes it */
	int write = m && m->type != BPFX_MAP_TYPE_BLOOM_FILTER;
	if (!m || !mem_ok(run, PTR(r2), m->value_size, write, "map_peek_elem", "value"))
		return 0;
	return errno_of(bpfx_map_peek(m, PTR(r2)));
}

static uint64_t h_for_each(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	bpfx_map *m = arg_map(run, r1, "for_each_map_elem");
	if (!m)
		return 0;
	if (r4)
		return NEG(L_EINVAL);
	if (!bpfx_map_is_array(m->type) && !(bpfx_map_is_hash(m->type) && m->type != BPFX_MAP_TYPE_HASH_OF_MAPS))
		return NEG(L_EINVAL);
	uint32_t cpu = bpfx_map_current_cpu(m);
	uint64_t n = 0;
	for (uint32_t i = 0; i < m->max_entries; i++) {
		void *k, *v;
		if (!bpfx_map_elem_at(m, i, cpu, &k, &v))
			continue;
		n++;
		uint64_t r0 = 0;
		if (bpfx_run_callback(run, r2, r1, U64(k), U64(v), r3, 0, &r0) || run->stop)
			return 0;
		if (r0 == 1)
			break;
	}
	return n;
}

/* ---------------------------------------------------------- ringbuf --- */

static uint64_t h_rb_output(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	bpfx_map *m = arg_map(run, r1, "ringbuf_output");
	if (!m || !mem_ok(run, PTR(r2), r3, 0, "ringbuf_output", "data"))
		return 0;
	if (m->type != BPFX_MAP_TYPE_RINGBUF || (r4 & ~3ull))
		return NEG(L_EINVAL);
	int err = bpfx_ringbuf_output(m, PTR(r2), r3);
	return err == BPFX_E_FULL ? NEG(L_EAGAIN) : errno_of(err);
}

static uint64_t h_rb_reserve(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	bpfx_map *m = arg_map(run, r1, "ringbuf_reserve");
	if (!m || m->type != BPFX_MAP_TYPE_RINGBUF || r3)
		return 0;
	return U64(bpfx_ringbuf_reserve(m, r2));
}

/* The ring buffer whose data area holds `data`, among the program's maps. */
static bool rb_record_ok(bpfx_run *run, void *data, const char *helper)
{
	if (!run->checked)
		return data != NULL;
	const bpfx_prog *p = run->prog;
	for (size_t i = 0; i < p->count; i++) {
		int op = p->ops[i];
		if (op != BPFX_OP_LDDW_MAP_FD && op != BPFX_OP_LDDW_MAP_IDX)
			continue;
		bpfx_map *q = PTR(p->code[i].imm);
		if (q && q->magic == BPFX_MAP_MAGIC && q->type == BPFX_MAP_TYPE_RINGBUF &&
		    bpfx_ringbuf_is_record(q, data))
			return true;
	}
	bpfx_fail(run->diag, BPFX_E_INVAL, "%s: helper %s: 0x%llx is not a reserved ring buffer record", pname(run),
		  helper, (unsigned long long)U64(data));
	end_run(run, BPFX_E_INVAL);
	return false;
}

static void rb_commit(void *data, uint32_t set)
{
	uint32_t *h = (uint32_t *)data - 2;
	uint32_t len = __atomic_load_n(&h[0], __ATOMIC_ACQUIRE);
	__atomic_store_n(&h[0], (len & ~BPFX_RB_BUSY) | set, __ATOMIC_RELEASE);
}

static uint64_t h_rb_submit(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	if (rb_record_ok(run, PTR(r1), "ringbuf_submit"))
		rb_commit(PTR(r1), 0);
	return 0;
}

static uint64_t h_rb_discard(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	if (rb_record_ok(run, PTR(r1), "ringbuf_discard"))
		rb_commit(PTR(r1), BPFX_RB_DISCARD);
	return 0;
}

static uint64_t h_rb_query(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	bpfx_map *m = arg_map(run, r1, "ringbuf_query");
	return m ? bpfx_ringbuf_query(m, r2) : 0;
}

static uint64_t h_perf_output(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	bpfx_map *m = arg_map(run, r2, "perf_event_output");
	if (!m || !mem_ok(run, PTR(r4), r5, 0, "perf_event_output", "data"))
		return 0;
	if (m->type != BPFX_MAP_TYPE_PERF_EVENT_ARRAY)
		return NEG(L_EINVAL);
	return errno_of(bpfx_perf_event_output(m, r3, PTR(r4), r5));
}

static uint64_t h_tail_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	bpfx_map *m = arg_map(run, r2, "tail_call");
	if (!m)
		return 0;
	if (m->type != BPFX_MAP_TYPE_PROG_ARRAY)
		return NEG(L_EINVAL);
	/* Out of range or empty: -ENOENT and the program goes on (as in Linux). */
	const bpfx_prog *target = r3 > UINT32_MAX ? NULL : bpfx_map_get_prog(m, (uint32_t)r3);
	if (!target)
		return NEG(L_ENOENT);
	/* Refused (limit of 33 reached, nested frame, engine): an error and the
	 * program goes on; accepted: the program ends when this returns. */
	return errno_of(bpfx_run_tail_call(run, target));
}

/* ----------------------------------------------------- environment --- */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t h_ktime(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static uint64_t h_ktime_boot(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	return clock_ns(CLOCK_BOOTTIME);
}

static uint64_t h_prandom(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	return arc4random();
}

static uint64_t h_cpu(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	int c = sched_getcpu();
	return c < 0 ? 0 : (uint64_t)c;
}

static uint64_t h_pid_tgid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	return ((uint64_t)(uint32_t)getpid() << 32) | (uint32_t)gettid();
}

static uint64_t h_uid_gid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	return ((uint64_t)(uint32_t)getgid() << 32) | (uint32_t)getuid();
}

static uint64_t h_comm(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	if (!mem_ok(run, PTR(r1), r2, 1, "get_current_comm", "buffer"))
		return 0;
	if (!r1 || !r2)
		return NEG(L_EINVAL);
	char name[17] = {0};
	if (prctl(PR_GET_NAME, name, 0, 0, 0))
		name[0] = 0;
	size_t n = strlen(name);
	if (n > r2 - 1)
		n = (size_t)r2 - 1;
	memset(PTR(r1), 0, (size_t)r2);
	memcpy(PTR(r1), name, n);
	return 0;
}

/* ------------------------------------------------------- strings --- */

/* Length of the NUL-terminated string at p if it lies (with its NUL) in
 * the run's memory, else -1. Any run, checked or not: printf arguments are
 * plain scalars to the verifier. */
static long safe_strlen(bpfx_run *run, const char *p, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (bpfx_run_find_region(run, U64(p + i), 1, 0) != 0)
			return -1;
		if (p[i] == 0)
			return (long)i;
	}
	return -1;
}

/* A PTR_TO_CONST_STR argument: NUL-terminated; checked runs check memory. */
static bool const_str_ok(bpfx_run *run, const char *s, const char *helper)
{
	if (!run->checked)
		return s != NULL;
	if (safe_strlen(run, s, 1u << 16) >= 0)
		return true;
	bpfx_fail(run->diag, BPFX_E_MEM_FAULT, "%s: helper %s: 0x%llx is not a NUL-terminated string in the run's memory",
		  pname(run), helper, (unsigned long long)U64(s));
	run->fault_addr = U64(s);
	run->fault_len = 1;
	end_run(run, BPFX_E_MEM_FAULT);
	return false;
}

struct outbuf {
	char *buf;
	size_t cap, len; /* len counts everything produced, even past cap */
};

static void out_add(struct outbuf *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->cap)
			o->buf[o->len] = s[i];
}

/* The printf subset of bpf_trace_printk / bpf_snprintf. Returns 0 or -EINVAL
 * (unknown conversion, too many arguments). Strings are read only where
 * the run may read. */
static int bpf_format(bpfx_run *run, struct outbuf *o, const char *fmt, const uint64_t *args, size_t nargs)
{
	size_t ai = 0;
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			out_add(o, f, 1);
			continue;
		}
		if (f[1] == '%') {
			out_add(o, "%", 1);
			f++;
			continue;
		}
		char spec[32];
		size_t sl = 0;
		spec[sl++] = '%';
		f++;
		while (*f && strchr("-+ #0", *f) && sl < 8)
			spec[sl++] = *f++;
		for (int d = 0; isdigit((unsigned char)*f) && d < 3; d++)
			spec[sl++] = *f++;
		if (*f == '.') {
			spec[sl++] = *f++;
			for (int d = 0; isdigit((unsigned char)*f) && d < 3; d++)
				spec[sl++] = *f++;
		}
		if (isdigit((unsigned char)*f))
			return -L_EINVAL;
		int bits = 32;
		if (f[0] == 'l' && f[1] == 'l')
			bits = 64, f += 2;
		else if (*f == 'l' || *f == 'z')
			bits = 64, f++;
		else if (f[0] == 'h' && f[1] == 'h')
			bits = 8, f += 2;
		else if (*f == 'h')
			bits = 16, f++;
		char c = *f;
		if (!c || !strchr("diuxXocsp", c))
			return -L_EINVAL;
		if (ai >= nargs)
			return -L_EINVAL;
		uint64_t a = args[ai++];
		char tmp[600];
		int n;
		if (c == 's') {
			spec[sl++] = 's';
			spec[sl] = 0;
			long len = safe_strlen(run, PTR(a), 512);
			const char *s = len >= 0 ? (const char *)PTR(a) : "(fault)";
			n = snprintf(tmp, sizeof(tmp), spec, s);
		} else if (c == 'p') {
			/* %p, %px, %pK: the address in hex */
			if (f[1] == 'x' || f[1] == 'K')
				f++;
			n = snprintf(tmp, sizeof(tmp), "0x%llx", (unsigned long long)a);
		} else if (c == 'c') {
			spec[sl++] = 'c';
			spec[sl] = 0;
			n = snprintf(tmp, sizeof(tmp), spec, (int)(unsigned char)a);
		} else {
			if (bits < 64)
				a &= (1ull << bits) - 1;
			bool sign = c == 'd' || c == 'i';
			if (sign && bits < 64 && (a >> (bits - 1)) & 1)
				a |= ~0ull << bits;
			spec[sl++] = 'l';
			spec[sl++] = 'l';
			spec[sl++] = c;
			spec[sl] = 0;
			if (sign)
				n = snprintf(tmp, sizeof(tmp), spec, (long long)a);
			else
				n = snprintf(tmp, sizeof(tmp), spec, (unsigned long long)a);
		}
		if (n > 0)
			out_add(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
	}
	if (o->cap)
		o->buf[o->len < o->cap ? o->len : o->cap - 1] = 0;
	return 0;
}

static uint64_t h_trace_printk(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	if (!mem_ok(run, PTR(r1), r2, 0, "trace_printk", "format"))
		return 0;
	const char *fmt = PTR(r1);
	if (!fmt || !r2 || fmt[r2 - 1] != 0)
		return NEG(L_EINVAL);
	char line[512];
	struct outbuf o = {line, sizeof(line), 0};
	uint64_t args[3] = {r3, r4, r5};
	if (bpf_format(run, &o, fmt, args, 3))
		return NEG(L_EINVAL);
	size_t n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = 0;
	bpfx_logf(run->diag, BPFX_LOG_INFO, "trace_printk: %s", line);
	return o.len < sizeof(line) ? o.len : sizeof(line) - 1;
}

static uint64_t h_snprintf(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	if (!mem_ok(run, PTR(r1), r2, 1, "snprintf", "output") || !const_str_ok(run, PTR(r3), "snprintf") ||
	    !mem_ok(run, PTR(r4), r5, 0, "snprintf", "data"))
		return 0;
	if (r5 % 8 || r5 > 12 * 8 || (r5 && !r4) || (r2 && !r1))
		return NEG(L_EINVAL);
	uint64_t args[12];
	memcpy(args, PTR(r4), (size_t)r5);
	struct outbuf o = {PTR(r1), (size_t)r2, 0};
	if (bpf_format(run, &o, PTR(r3), args, (size_t)r5 / 8))
		return NEG(L_EINVAL);
	return o.len + 1;
}

static uint64_t h_strncmp(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	if (!mem_ok(run, PTR(r1), r2, 0, "strncmp", "s1") || !const_str_ok(run, PTR(r3), "strncmp"))
		return 0;
	int c = strncmp(PTR(r1), PTR(r3), (size_t)r2);
	return c < 0 ? (uint64_t)-1 : c > 0;
}

/* Linux's bpf_strtol/strtoul: leading spaces, an optional '-', digits in
 * `base` (0 = auto: 0x -> 16, 0 -> 8, else 10). Returns characters used. */
static int64_t parse_ull(const char *buf, size_t len, uint64_t flags, uint64_t *val, bool *neg)
{
	if (flags & ~0x1full)
		return -L_EINVAL;
	unsigned base = (unsigned)flags;
	if (base != 0 && base != 8 && base != 10 && base != 16)
		return -L_EINVAL;
	size_t i = 0;
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	*neg = i < len && buf[i] == '-';
	if (*neg)
		i++;
	if (i >= len)
		return -L_EINVAL;
	if (base == 0 || base == 16) {
		if (i + 2 < len && buf[i] == '0' && (buf[i + 1] | 0x20) == 'x' && isxdigit((unsigned char)buf[i + 2])) {
			base = 16;
			i += 2;
		} else if (base == 0) {
			base = buf[i] == '0' ? 8 : 10;
		}
	}
	uint64_t v = 0;
	size_t start = i;
	for (; i < len; i++) {
		int c = (unsigned char)buf[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		if ((unsigned)d >= base)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -L_ERANGE;
		v = v * base + (uint64_t)d;
	}
	if (i == start)
		return -L_EINVAL;
	*val = v;
	return (int64_t)i;
}

static uint64_t h_strtol(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	if (!mem_ok(run, PTR(r1), r2, 0, "strtol", "buffer") || !mem_ok(run, PTR(r4), 8, 1, "strtol", "result"))
		return 0;
	uint64_t v;
	bool neg;
	int64_t n = parse_ull(PTR(r1), (size_t)r2, r3, &v, &neg);
	if (n < 0)
		return (uint64_t)n;
	int64_t res;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return NEG(L_ERANGE);
		res = (int64_t)(0 - v);
	} else {
		if (v > (uint64_t)INT64_MAX)
			return NEG(L_ERANGE);
		res = (int64_t)v;
	}
	memcpy(PTR(r4), &res, 8);
	return (uint64_t)n;
}

static uint64_t h_strtoul(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	if (!mem_ok(run, PTR(r1), r2, 0, "strtoul", "buffer") || !mem_ok(run, PTR(r4), 8, 1, "strtoul", "result"))
		return 0;
	uint64_t v;
	bool neg;
	int64_t n = parse_ull(PTR(r1), (size_t)r2, r3, &v, &neg);
	if (n < 0)
		return (uint64_t)n;
	if (neg)
		return NEG(L_EINVAL);
	memcpy(PTR(r4), &v, 8);
	return (uint64_t)n;
}

/* -------------------------------------------------- control flow --- */

static uint64_t h_loop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	if (r4)
		return NEG(L_EINVAL);
	if (r1 > (1u << 23))
		return NEG(L_E2BIG);
	uint64_t i;
	for (i = 0; i < r1; i++) {
		uint64_t r0 = 0;
		if (bpfx_run_callback(run, r2, i, r3, 0, 0, 0, &r0) || run->stop)
			return 0;
		if (r0 == 1)
			return i + 1;
	}
	return i;
}

static uint64_t h_spin_lock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	if (!mem_ok(run, PTR(r1), 4, 1, "spin_lock", "lock"))
		return 0;
	if (!r1 || (r1 & 3)) {
		bpfx_fail(run->diag, BPFX_E_INVAL, "%s: helper spin_lock: lock address 0x%llx is not 4-byte aligned",
			  pname(run), (unsigned long long)r1);
		end_run(run, BPFX_E_INVAL);
		return 0;
	}
	uint32_t *l = PTR(r1);
	for (unsigned spins = 0; __atomic_exchange_n(l, 1u, __ATOMIC_ACQUIRE); spins++) {
		while (__atomic_load_n(l, __ATOMIC_RELAXED)) {
			if (++spins % 64 == 0) {
				/* a lock never released (a checked program may forget
				 * to unlock) must not hang a cancellable run */
				if (run->cancel && __atomic_load_n(run->cancel, __ATOMIC_RELAXED)) {
					bpfx_fail(run->diag, BPFX_E_CANCELLED,
						  "%s: cancelled while waiting in spin_lock at 0x%llx", pname(run),
						  (unsigned long long)r1);
					end_run(run, BPFX_E_CANCELLED);
					return 0;
				}
				sched_yield();
			}
		}
	}
	return 0;
}

static uint64_t h_spin_unlock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	if (!mem_ok(run, PTR(r1), 4, 1, "spin_unlock", "lock"))
		return 0;
	if (!r1 || (r1 & 3)) {
		bpfx_fail(run->diag, BPFX_E_INVAL, "%s: helper spin_unlock: lock address 0x%llx is not 4-byte aligned",
			  pname(run), (unsigned long long)r1);
		end_run(run, BPFX_E_INVAL);
		return 0;
	}
	__atomic_store_n((uint32_t *)PTR(r1), 0u, __ATOMIC_RELEASE);
	return 0;
}

/* -------------------------------------------------------- the table --- */

#define A(x) BPFX_ARG_##x
#define R(x) BPFX_RET_##x

struct std_helper {
	uint32_t id;
	const char *name;
	bpfx_helper_fn fn;
	struct bpfx_func_proto proto;
	bool env;   /* depends on the environment (BPFX_STD_NO_ENV leaves it out) */
};

static const struct std_helper std_helpers[] = {
	{1, "map_lookup_elem", h_map_lookup, {R(MAP_VALUE_OR_NULL), {A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY)}, 0}, false},
	{2, "map_update_elem", h_map_update,
	 {R(INTEGER), {A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(PTR_TO_MAP_VALUE), A(ANYTHING)}, 0}, false},
	{3, "map_delete_elem", h_map_delete, {R(INTEGER), {A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY)}, 0}, false},
	{5, "ktime_get_ns", h_ktime, {R(INTEGER), {0}, 0}, true},
	{6, "trace_printk", h_trace_printk,
	 {R(INTEGER), {A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(ANYTHING), A(ANYTHING)}, 0}, false},
	{7, "get_prandom_u32", h_prandom, {R(INTEGER), {0}, 0}, true},
	{8, "get_smp_processor_id", h_cpu, {R(INTEGER), {0}, 0}, true},
	{12, "tail_call", h_tail_call, {R(INTEGER), {A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING)}, BPFX_PROTO_MAY_STOP},
	 false},
	{14, "get_current_pid_tgid", h_pid_tgid, {R(INTEGER), {0}, 0}, true},
	{15, "get_current_uid_gid", h_uid_gid, {R(INTEGER), {0}, 0}, true},
	{16, "get_current_comm", h_comm, {R(INTEGER), {A(PTR_TO_UNINIT_MEM), A(CONST_SIZE)}, 0}, true},
	{25, "perf_event_output", h_perf_output,
	 {R(INTEGER), {A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO)}, 0},
	 false},
	{87, "map_push_elem", h_map_push, {R(INTEGER), {A(CONST_MAP_PTR), A(PTR_TO_MAP_VALUE), A(ANYTHING)}, 0}, false},
	{88, "map_pop_elem", h_map_pop, {R(INTEGER), {A(CONST_MAP_PTR), A(PTR_TO_UNINIT_MAP_VALUE)}, 0}, false},
	{89, "map_peek_elem", h_map_peek, {R(INTEGER), {A(CONST_MAP_PTR), A(PTR_TO_UNINIT_MAP_VALUE)}, 0}, false},
	{93, "spin_lock", h_spin_lock, {R(VOID), {A(PTR_TO_SPIN_LOCK)}, 0}, false},
	{94, "spin_unlock", h_spin_unlock, {R(VOID), {A(PTR_TO_SPIN_LOCK)}, 0}, false},
	{105, "strtol", h_strtol, {R(INTEGER), {A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(PTR_TO_LONG)}, 0}, false},
	{106, "strtoul", h_strtoul, {R(INTEGER), {A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(PTR_TO_LONG)}, 0}, false},
	{125, "ktime_get_boot_ns", h_ktime_boot, {R(INTEGER), {0}, 0}, true},
	{130, "ringbuf_output", h_rb_output,
	 {R(INTEGER), {A(CONST_MAP_PTR), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING)}, 0}, false},
	{131, "ringbuf_reserve", h_rb_reserve,
	 {R(ACQUIRED_MEM_OR_NULL), {A(CONST_MAP_PTR), A(CONST_ALLOC_SIZE_OR_ZERO), A(ANYTHING)}, 0}, false},
	{132, "ringbuf_submit", h_rb_submit, {R(VOID), {A(RELEASE_REF), A(ANYTHING)}, 0}, false},
	{133, "ringbuf_discard", h_rb_discard, {R(VOID), {A(RELEASE_REF), A(ANYTHING)}, 0}, false},
	{134, "ringbuf_query", h_rb_query, {R(INTEGER), {A(CONST_MAP_PTR), A(ANYTHING)}, 0}, false},
	{164, "for_each_map_elem", h_for_each,
	 {R(INTEGER), {A(CONST_MAP_PTR), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL), A(ANYTHING)}, 0}, false},
	{165, "snprintf", h_snprintf,
	 {R(INTEGER),
	  {A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(PTR_TO_CONST_STR), A(PTR_TO_MEM_OR_NULL),
	   A(CONST_SIZE_OR_ZERO)},
	  0},
	 false},
	{181, "loop", h_loop,
	 {R(INTEGER), {A(ANYTHING), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL), A(ANYTHING)}, 0}, false},
	{182, "strncmp", h_strncmp, {R(INTEGER), {A(PTR_TO_MEM), A(CONST_SIZE), A(PTR_TO_CONST_STR)}, 0}, false},
};

int bpfx_helpers_register_std(bpfx_vm *vm, const struct bpfx_std_helpers_opts *opts)
{
	if (!vm)
		return BPFX_E_INVAL;
	struct bpfx_std_helpers_opts o;
	int err = bpfx_opts_copy(&vm->diag, &o, sizeof(o), opts, "bpfx_std_helpers_opts");
	if (err)
		return err;
	if (o.flags & ~BPFX_STD_NO_ENV)
		return bpfx_fail(&vm->diag, BPFX_E_INVAL, "bpfx_std_helpers_opts: unknown flags 0x%x",
				 o.flags & ~BPFX_STD_NO_ENV);
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(std_helpers); i++) {
		const struct std_helper *h = &std_helpers[i];
		if (h->env && (o.flags & BPFX_STD_NO_ENV))
			continue;
		if ((err = bpfx_vm_register_helper(vm, h->id, h->name, h->fn, &h->proto)))
			return err;
	}
	return 0;
}
