/* SPDX-License-Identifier: MIT */
/*
 * fuzz_btf: .BTF (libbpf's parser), our .BTF.ext parser, the transfer of its
 * records into a linked program, line lookups and CO-RE resolution with the
 * same BTF as local and target; the same .BTF as a verifier platform's BTF
 * (bpfx_platform_set_btf), with programs loading and storing through a
 * BTF pointer to its first struct at offsets taken from the code bytes.
 * Input: u32 btf_len, u32 ext_len, .BTF bytes, .BTF.ext bytes, then code:
 * section "prog" (64 slots) and ".text" (64 slots), zero-padded; the
 * program is "prog" linked with ".text" appended.
 * Seeds: fuzz/seeds/fuzz_btf (from a clang object with CO-RE and line info).
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <bpfx/bpfx.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/btf_ext.h"
#include "loader/loader.h"

#define SLOTS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *user, enum bpfx_log_level level, const char *msg)
{
	(void)user, (void)level, (void)msg;
}

#define I(c, d, s, o, i) {(c), (d), (s), (o), (i)}

/* The verifier's reader of the same bytes: the first struct type as the
 * context's BTF pointer, then a pointer member's load and a store at
 * offsets from the code bytes (any verdict, no crash). */
static void verifier_btf(const uint8_t *btf_data, uint32_t blen, const uint8_t *code, size_t clen)
{
	uint8_t o[4] = {0};
	memcpy(o, code, clen < 4 ? clen : 4);
	int16_t a = (int16_t)(o[0] | (o[1] & 1) << 8), b = (int16_t)(o[2] % 64);
	const struct bpfx_insn load[] = {
		I(0x79, 2, 1, 0, 0), I(0x15, 2, 0, 4, 0), I(0x79, 3, 2, a, 0), I(0x15, 3, 0, 2, 0),
		I(0x61, 0, 3, b, 0), I(0x95, 0, 0, 0, 0), I(0xb7, 0, 0, 0, 0), I(0x95, 0, 0, 0, 0),
	};
	const struct bpfx_insn store[] = {
		I(0x79, 2, 1, 0, 0), I(0x15, 2, 0, 1, 0), I((o[3] & 1) ? 0x7a : 0x62, 2, 0, a, 1),
		I(0xb7, 0, 0, 0, 0), I(0x95, 0, 0, 0, 0),
	};
	bpfx_platform *p;
	struct bpfx_platform_opts po = {.sz = sizeof(po), .log = quiet};
	if (bpfx_platform_create(&po, &p))
		return;
	uint32_t id = 0;
	if (bpfx_platform_set_btf(p, btf_data, blen) == 0) {
		bpfx_platform_btf_find(p, "task", &id);
		for (id = 1; id < 256; id++) {
			struct bpfx_ctx_field f = {.offset = 0, .size = 8, .access = BPFX_FIELD_READ,
						   .kind = BPFX_FIELD_BTF_PTR, .target = id};
			struct bpfx_prog_type t = {.sz = sizeof(t), .name = "bt", .ctx_kind = BPFX_CTX_STRUCT,
						   .ctx_size = 8, .fields = &f, .nfields = 1};
			if (bpfx_platform_add_prog_type(p, &t) == 0)
				break;
		}
	}
	if (id && id < 256 && bpfx_platform_set_btf_writable(p, id) == 0) {
		struct bpfx_verify_opts vo = {.sz = sizeof(vo), .prog_type = "bt", .log = quiet};
		struct bpfx_report *r = NULL;
		bpfx_verify(p, load, sizeof(load) / sizeof(load[0]), &vo, &r);
		bpfx_report_free(r);
		r = NULL;
		bpfx_verify(p, store, sizeof(store) / sizeof(store[0]), &vo, &r);
		bpfx_report_free(r);
	}
	bpfx_platform_destroy(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init) {
		libbpf_set_print(NULL); /* malformed BTF makes libbpf print */
		init = 1;
	}
	if (size < 8)
		return 0;
	uint32_t blen, elen;
	memcpy(&blen, data, 4);
	memcpy(&elen, data + 4, 4);
	if (blen > size - 8 || elen > size - 8 - blen)
		return 0;
	const uint8_t *btf_data = data + 8, *ext = btf_data + blen, *code = ext + elen;
	size_t clen = size - 8 - blen - elen;
	verifier_btf(btf_data, blen, code, clen);
	struct btf *btf = btf__new(btf_data, blen);
	if (!btf)
		return 0;

	static const struct bpfx_insn zero[2 * SLOTS];
	struct bpfx_insn *text = calloc(2 * SLOTS, sizeof(struct bpfx_insn));
	struct bpfx_insn *linked = calloc(2 * SLOTS, sizeof(struct bpfx_insn));
	uint8_t *ext_copy = malloc(elen ? elen : 1);
	struct bpfx_object obj;
	memset(&obj, 0, sizeof(obj));
	struct ldr_sec secs[4];
	memset(secs, 0, sizeof(secs));
	struct ldr_unit units[2];
	struct ldr_seg segs[2] = {{0, 0}, {1, SLOTS}};
	struct ldr_prog prog;
	memset(&prog, 0, sizeof(prog));
	if (!text || !linked || !ext_copy)
		goto out;
	memcpy(text, zero, sizeof(zero));
	memcpy(text, code, clen < sizeof(zero) ? clen : sizeof(zero));
	memcpy(linked, text, sizeof(zero));
	if (elen)
		memcpy(ext_copy, ext, elen);

	secs[1] = (struct ldr_sec){.name = "prog", .size = SLOTS * 8, .kind = LDR_SEC_CODE,
				   .insns = text, .data = (const uint8_t *)text};
	secs[2] = (struct ldr_sec){.name = ".text", .size = SLOTS * 8, .kind = LDR_SEC_CODE,
				   .insns = text + SLOTS, .data = (const uint8_t *)(text + SLOTS)};
	secs[3] = (struct ldr_sec){.name = ".BTF.ext", .size = elen, .kind = LDR_SEC_BTF_EXT,
				   .data = elen ? ext_copy : NULL};
	units[0] = (struct ldr_unit){.sec = 1, .start = 0, .count = SLOTS, .name = "prog", .is_main = true};
	units[1] = (struct ldr_unit){.sec = 2, .start = 0, .count = SLOTS, .name = "sub"};
	prog = (struct ldr_prog){.unit = 0, .type = "", .insns = linked, .count = 2 * SLOTS,
				 .segs = segs, .nsegs = 2};
	obj.name = "fuzz";
	obj.secs = secs;
	obj.nsecs = 4;
	obj.btf_ext_sec = 3;
	obj.btf = btf;
	obj.units = units;
	obj.nunits = 2;
	obj.progs = &prog;
	obj.nprogs = 1;

	struct bpfx_object_opts opts = {.sz = sizeof(opts), .core_target_data = btf_data,
					.core_target_size = blen};
	if (!ldr_btf_ext_read(&obj) && !ldr_btf_ext_link(&obj) && !ldr_core_apply(&obj, &opts)) {
		struct bpfx_object_line_info li;
		for (size_t i = 0; i < 2 * SLOTS; i += 7)
			if (bpfx_object_prog_line(&obj, 0, i, &li) == 0 && (!li.file || !li.text))
				abort();
		for (size_t i = 0; i < bpfx_object_core_reloc_count(&obj); i++) {
			struct bpfx_object_core_reloc_info ci;
			if (bpfx_object_core_reloc(&obj, i, &ci) || ci.insn >= prog.count)
				abort();
		}
	}
	ldr_core_free(&obj);
	ldr_btf_ext_free(&obj);
out:
	free(text);
	free(linked);
	free(ext_copy);
	btf__free(btf);
	return 0;
}
