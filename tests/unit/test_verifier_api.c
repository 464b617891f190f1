/* SPDX-License-Identifier: MIT */
/* test_verifier_api.c - the verifier's public API: platforms, argument
 * checking, reports (text, JSON, logs), bpfx_prog_verify with the VM, and
 * identical verdicts from several threads at once. */
#include <bpfx/bpfx.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static struct bpfx_insn *as(const char *text, size_t *n)
{
	struct bpfx_insn *p = NULL;
	struct bpfx_asm_opts o = {.sz = sizeof(o)};
	struct bpfx_asm_error e;
	if (bpfx_asm(text, strlen(text), &o, &p, n, &e)) {
		fprintf(stderr, "asm: line %d: %s\n", e.line, e.msg);
		return NULL;
	}
	return p;
}

static char logbuf[65536];
static void logcb(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	(void)lvl;
	size_t n = strlen(logbuf);
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

static const char *good = "if r2 < 8 goto out\n r0 = *(u64 *)(r1 + 0)\n exit\nout:\n r0 = 0\n exit\n";
static const char *bad = "if r2 < 4 goto out\n r0 = *(u64 *)(r1 + 0)\n exit\nout:\n r0 = 0\n exit\n";

static void test_args(bpfx_platform *p)
{
	size_t n;
	struct bpfx_insn *g = as(good, &n);
	struct bpfx_report *r = (void *)1;
	CHECK(bpfx_verify(NULL, g, n, NULL, &r) == BPFX_E_INVAL && r == NULL);
	struct bpfx_verify_opts o = {.sz = 4};
	CHECK(bpfx_verify(p, g, n, &o, NULL) == BPFX_E_INVAL);
	o = (struct bpfx_verify_opts){.sz = sizeof(o), .prog_type = "nope", .log = logcb};
	logbuf[0] = 0;
	CHECK(bpfx_verify(p, g, n, &o, NULL) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(logbuf, "no program type 'nope'");
	o = (struct bpfx_verify_opts){.sz = sizeof(o), .nmaps = 2};
	CHECK(bpfx_verify(p, g, n, &o, NULL) == BPFX_E_INVAL);
	CHECK(bpfx_verify(p, g, n, NULL, NULL) == 0); /* no opts, no report */
	/* a bigger struct from a newer caller: zero tail is fine, non-zero is not */
	struct {
		struct bpfx_verify_opts o;
		uint64_t extra;
	} big = {{.sz = sizeof(big)}, 0};
	CHECK(bpfx_verify(p, g, n, &big.o, NULL) == 0);
	big.extra = 1;
	CHECK(bpfx_verify(p, g, n, &big.o, NULL) == BPFX_E_INVAL);
	bpfx_free(g);
}

static void test_reports(bpfx_platform *p)
{
	size_t n;
	struct bpfx_insn *b = as(bad, &n);
	struct bpfx_report *r = NULL;
	struct bpfx_verify_opts o = {.sz = sizeof(o), .log = logcb, .log_level = BPFX_VLOG_FULL};
	logbuf[0] = 0;
	CHECK(bpfx_verify(p, b, n, &o, &r) == BPFX_E_REJECTED);
	CHECK(r && !r->accepted);
	if (r) {
		CHECK(!strcmp(r->rule, "BPFX-MEM-003"));
		CHECK(r->insn == 1);
		CHECK_STR_CONTAINS(r->insn_text, "r0 = *(u64 *)(r1");
		CHECK_STR_CONTAINS(r->message, "only the first 4 bytes");
		CHECK_STR_CONTAINS(r->state, "r1 = pkt");
		CHECK(!strcmp(r->path, "0:fallthrough"));
		CHECK_STR_CONTAINS(r->log, "0: if r2 < 0x4 goto");
		CHECK(r->stats.insns_processed == 2);
		CHECK(r->source_file == NULL && r->source_line == 0);
		char *j = NULL, *t = NULL;
		CHECK(bpfx_report_json(r, &j) == 0);
		CHECK_STR_CONTAINS(j, "\"rule\": \"BPFX-MEM-003\"");
		CHECK_STR_CONTAINS(j, "\"verdict\": \"rejected\"");
		CHECK_STR_CONTAINS(j, "\"state\": \"r0 = uninit\\nr1 = pkt");
		CHECK(bpfx_report_text(r, &t) == 0);
		CHECK_STR_CONTAINS(t, "REJECTED BPFX-MEM-003");
		bpfx_free(j);
		bpfx_free(t);
		CHECK(!strcmp(bpfx_rule_title("BPFX-MEM-003"), r->rule_title));
	}
	CHECK_STR_CONTAINS(logbuf, "REJECTED BPFX-MEM-003 at insn 1");
	bpfx_report_free(r);
	bpfx_free(b);

	/* malformed bytecode: BPFX-INSN-001 naming the instruction */
	struct bpfx_insn junk[2] = {{.code = 0xb7, .dst = 0}, {.code = 0xff}};
	r = NULL;
	CHECK(bpfx_verify(p, junk, 2, NULL, &r) == BPFX_E_BAD_INSN);
	CHECK(r && !r->accepted && !strcmp(r->rule, "BPFX-INSN-001") && r->insn == 1);
	bpfx_report_free(r);

	CHECK(bpfx_rule_title("BPFX-NOPE-001") == NULL);
	size_t k = 0;
	while (bpfx_rule_id(k))
		k++;
	CHECK(k >= 40);
}

static uint64_t h_twice(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	return r1 * 2;
}

static void test_platform(void)
{
	bpfx_platform *p = NULL;
	CHECK(bpfx_platform_bundled("linux-someday", &p) == BPFX_E_NOENT && !p);
	CHECK(bpfx_platform_bundled("linux", &p) == 0 && p);
	CHECK(bpfx_platform_find_prog_type(p, "xdp") == 0);
	CHECK(bpfx_platform_find_prog_type(p, "kprobe") == 0);
	CHECK(bpfx_platform_find_prog_type(p, "nope") == BPFX_E_NOENT);
	bpfx_platform_destroy(p);
	p = NULL;
	struct bpfx_platform_opts po = {.sz = sizeof(po), .name = "custom", .log = logcb};
	CHECK(bpfx_platform_create(&po, &p) == 0);
	struct bpfx_ctx_field f = {.offset = 20, .size = 8, .access = BPFX_FIELD_READ};
	struct bpfx_prog_type t = {.sz = sizeof(t), .name = "t", .ctx_kind = BPFX_CTX_STRUCT, .ctx_size = 24,
				   .fields = &f, .nfields = 1};
	logbuf[0] = 0;
	CHECK(bpfx_platform_add_prog_type(p, &t) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(logbuf, "does not fit");
	f.offset = 16;
	CHECK(bpfx_platform_add_prog_type(p, &t) == 0);
	CHECK(bpfx_platform_add_prog_type(p, &t) == BPFX_E_INVAL); /* duplicate */
	struct bpfx_func_proto wrong = {.ret = BPFX_RET__COUNT};
	CHECK(bpfx_platform_add_helper(p, 1, "x", &wrong) == BPFX_E_INVAL);
	/* helpers from a VM */
	bpfx_vm *vm = NULL;
	struct bpfx_vm_opts vo = {.sz = sizeof(vo)};
	CHECK(bpfx_vm_create(&vo, &vm) == 0);
	struct bpfx_func_proto one = {.ret = BPFX_RET_INTEGER, .args = {BPFX_ARG_SCALAR}};
	CHECK(bpfx_vm_register_helper(vm, 42, "h42", h_twice, &one) == 0);
	CHECK(bpfx_platform_add_vm_funcs(p, vm) == 0);
	size_t n;
	struct bpfx_insn *c = as(" r1 = *(u64 *)(r1 + 16)\n call 42\n exit\n", &n);
	struct bpfx_report *r = NULL;
	CHECK(bpfx_verify(p, c, n, NULL, &r) == 0);
	bpfx_report_free(r);
	bpfx_free(c);
	bpfx_vm_destroy(vm);
	CHECK(!strcmp(bpfx_platform_name(p), "custom"));
	bpfx_platform_destroy(p);
}

static void test_prog_verify(bpfx_platform *generic)
{
	bpfx_vm *vm = NULL;
	struct bpfx_vm_opts vo = {.sz = sizeof(vo)};
	CHECK(bpfx_vm_create(&vo, &vm) == 0);
	struct bpfx_func_proto sc = {.ret = BPFX_RET_INTEGER, .args = {BPFX_ARG_SCALAR}};
	CHECK(bpfx_vm_register_helper(vm, 9, "twice", h_twice, &sc) == 0);
	bpfx_platform *p = NULL;
	CHECK(bpfx_platform_bundled("generic", &p) == 0);
	CHECK(bpfx_platform_add_vm_funcs(p, vm) == 0);
	size_t n;
	struct bpfx_insn *code =
		as(" if r2 < 8 goto out\n r1 = *(u32 *)(r1 + 4)\n call 9\n exit\nout:\n r0 = 0\n exit\n", &n);
	bpfx_prog *prog = NULL;
	struct bpfx_load_opts lo = {.sz = sizeof(lo)};
	CHECK(bpfx_prog_load(vm, code, n, &lo, &prog) == 0);
	uint8_t buf[8] = {0, 0, 0, 0, 21, 0, 0, 0};
	struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = BPFX_ENGINE_INTERP, .ctx = buf, .ctx_len = 8};
	struct bpfx_run_result res;
	CHECK(bpfx_prog_run(prog, &ro, &res) == BPFX_E_UNVERIFIED);
	CHECK(bpfx_prog_verify(prog, generic, NULL, NULL) == BPFX_E_REJECTED); /* no helper 9 there */
	CHECK(bpfx_prog_run(prog, &ro, &res) == BPFX_E_UNVERIFIED);
	CHECK(bpfx_prog_verify(prog, p, NULL, NULL) == 0);
	CHECK(bpfx_prog_run(prog, &ro, &res) == 0);
	CHECK_EQ_U64(res.r0, 42);
	bpfx_prog_destroy(prog);
	bpfx_platform_destroy(p);
	bpfx_vm_destroy(vm);
	bpfx_free(code);
}

/* ---- the same verdicts from several threads ---- */

struct job {
	const bpfx_platform *p;
	char *out[4];
};

static const char *progs[4];

static void *worker(void *arg)
{
	struct job *j = arg;
	for (int round = 0; round < 20; round++)
		for (int k = 0; k < 4; k++) {
			size_t n;
			struct bpfx_insn *c = as(progs[k], &n);
			struct bpfx_report *r = NULL;
			bpfx_verify(j->p, c, n, NULL, &r);
			if (r) {
				r->stats.time_ns = 0;
				char *js = NULL;
				bpfx_report_json(r, &js);
				if (round == 0)
					j->out[k] = js;
				else {
					if (!js || strcmp(js, j->out[k]))
						j->out[k][0] = '!'; /* mismatch marker */
					bpfx_free(js);
				}
			}
			bpfx_report_free(r);
			bpfx_free(c);
		}
	return NULL;
}

static void test_threads(bpfx_platform *p)
{
	progs[0] = good;
	progs[1] = bad;
	progs[2] = " r0 = 0\nloop:\n r0 += 1\n if r0 < 50 goto loop\n exit\n";
	progs[3] = " *(u64 *)(r10 - 8) = r1\n r0 = *(u32 *)(r10 - 8)\n exit\n";
	struct job jobs[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		memset(&jobs[i], 0, sizeof(jobs[i]));
		jobs[i].p = p;
		CHECK(pthread_create(&th[i], NULL, worker, &jobs[i]) == 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int k = 0; k < 4; k++)
		for (int i = 0; i < 4; i++) {
			CHECK(jobs[i].out[k] && jobs[i].out[k][0] == '{');
			CHECK(jobs[i].out[k] && jobs[0].out[k] && !strcmp(jobs[i].out[k], jobs[0].out[k]));
		}
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 4; k++)
			bpfx_free(jobs[i].out[k]);
}

int main(void)
{
	bpfx_platform *p = NULL;
	CHECK(bpfx_platform_bundled("generic", &p) == 0);
	if (!p)
		return check_summary("test_verifier_api");
	test_args(p);
	test_reports(p);
	test_platform();
	test_prog_verify(p);
	test_threads(p);
	bpfx_platform_destroy(p);
	return check_summary("test_verifier_api");
}
