/* SPDX-License-Identifier: MIT */
/*
 * btf_ext.c - the .BTF.ext section: func_info, line_info and CO-RE
 * relocation records, and their transfer into linked programs.
 *
 * Layout (all little-endian, strings are offsets into .BTF's string table):
 *   header: u16 magic 0xeb9f, u8 version 1, u8 flags, u32 hdr_len,
 *           u32 func_info_off, u32 func_info_len, u32 line_info_off,
 *           u32 line_info_len, [u32 core_relo_off, u32 core_relo_len]
 *   each part (offsets from the end of the header): u32 rec_size, then
 *   blocks { u32 sec_name_off; u32 count; count records of rec_size }.
 *   func_info  { u32 insn_off; u32 type_id }
 *   line_info  { u32 insn_off; u32 file_name_off; u32 line_off; u32 line_col }
 *   core_relo  { u32 insn_off; u32 type_id; u32 access_str_off; u32 kind }
 * insn_off is in bytes from the start of the section.
 */
#include <bpf/btf.h>
#include <stdlib.h>
#include <string.h>

#include "btf_ext.h"
#include "verifier/verifier_internal.h"

#define EXT_MAGIC 0xeb9f

struct ext_reader {
	struct bpfx_object *obj;
	const uint8_t *data;   /* part start */
	size_t len;            /* part length */
	const char *part;      /* "func_info", ... for messages */
	size_t base;           /* byte offset of the part in the section, for messages */
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

#define EFAIL(obj, ...) bpfx_fail(&(obj)->diag, BPFX_E_BTF, __VA_ARGS__)

static const char *str_at(const struct bpfx_object *obj, uint32_t off)
{
	return btf__str_by_offset(obj->btf, off);
}

/* Code section named `name`, or 0. */
static size_t code_sec_named(const struct bpfx_object *obj, const char *name)
{
	for (size_t i = 1; i < obj->nsecs; i++)
		if (obj->secs[i].kind == LDR_SEC_CODE && !strcmp(obj->secs[i].name, name))
			return i;
	return 0;
}

/* Walks the blocks of one part; calls `rec` for each record. */
typedef int (*rec_fn)(struct ext_reader *r, size_t sec, size_t insn, const uint8_t *rec,
		      size_t at);

static int walk_part(struct ext_reader *r, uint32_t min_rec, rec_fn rec)
{
	struct bpfx_object *obj = r->obj;
	if (r->len == 0)
		return 0;
	if (r->len < 4)
		return EFAIL(obj, "%s: .BTF.ext %s: %zu bytes, too short for its record size",
			     obj->name, r->part, r->len);
	uint32_t rec_size = rd32(r->data);
	if (rec_size < min_rec || rec_size % 4)
		return EFAIL(obj, "%s: .BTF.ext %s: record size %u (expected a multiple of 4, at "
			     "least %u)", obj->name, r->part, rec_size, min_rec);
	size_t at = 4;
	while (at < r->len) {
		if (r->len - at < 8)
			return EFAIL(obj, "%s: .BTF.ext %s: block header at offset %zu is cut short",
				     obj->name, r->part, r->base + at);
		uint32_t name_off = rd32(r->data + at), count = rd32(r->data + at + 4);
		const char *sname = str_at(obj, name_off);
		if (!sname)
			return EFAIL(obj, "%s: .BTF.ext %s: block at offset %zu names string %u, "
				     "outside the .BTF string table", obj->name, r->part, r->base + at,
				     name_off);
		at += 8;
		if (count == 0 || (uint64_t)count * rec_size > r->len - at)
			return EFAIL(obj, "%s: .BTF.ext %s: block for section '%s' has %u records of "
				     "%u bytes, %s", obj->name, r->part, sname, count, rec_size,
				     count ? "more than the part holds" : "none (not allowed)");
		size_t sec = code_sec_named(obj, sname);
		if (!sec)
			return EFAIL(obj, "%s: .BTF.ext %s: block names section '%s', which is not a "
				     "code section of the object", obj->name, r->part, sname);
		for (uint32_t k = 0; k < count; k++, at += rec_size) {
			uint32_t off = rd32(r->data + at);
			if (off % 8)
				return EFAIL(obj, "%s: .BTF.ext %s: record %u of section '%s': "
					     "instruction offset %u is not a multiple of 8",
					     obj->name, r->part, k, sname, off);
			if (off >= obj->secs[sec].size) {
				/* Some old clang objects carry such records; libbpf drops
				 * them silently, we say so. */
				bpfx_logf(&obj->diag, BPFX_LOG_WARN, "%s: .BTF.ext %s: record %u of "
					  "section '%s' is ignored: instruction offset %u is past its "
					  "end (%llu bytes)", obj->name, r->part, k, sname, off,
					  (unsigned long long)obj->secs[sec].size);
				continue;
			}
			int err = rec(r, sec, off / 8, r->data + at, k);
			if (err)
				return err;
		}
	}
	return 0;
}

static int grow(struct bpfx_object *obj, void **arr, size_t *cap, size_t n, size_t sz)
{
	return ldr_grow(&obj->diag, arr, cap, n + 1, sz);
}

static int on_func(struct ext_reader *r, size_t sec, size_t insn, const uint8_t *rec, size_t k)
{
	struct bpfx_object *obj = r->obj;
	struct ldr_btf_ext *e = obj->ext;
	uint32_t tid = rd32(rec + 4);
	const struct btf_type *t = btf__type_by_id(obj->btf, tid);
	if (!t || !btf_is_func(t))
		return EFAIL(obj, "%s: .BTF.ext func_info record %zu of section '%s': type %u is not "
			     "a BTF FUNC", obj->name, k, obj->secs[sec].name, tid);
	int err = grow(obj, (void **)&e->funcs, &e->fcap, e->nfuncs, sizeof(*e->funcs));
	if (err)
		return err;
	e->funcs[e->nfuncs++] = (struct ldr_ext_func){sec, insn, tid};
	return 0;
}

static int on_line(struct ext_reader *r, size_t sec, size_t insn, const uint8_t *rec, size_t k)
{
	struct bpfx_object *obj = r->obj;
	struct ldr_btf_ext *e = obj->ext;
	const char *file = str_at(obj, rd32(rec + 4)), *text = str_at(obj, rd32(rec + 8));
	if (!file || !text)
		return EFAIL(obj, "%s: .BTF.ext line_info record %zu of section '%s': %s string "
			     "offset %u is outside the .BTF string table", obj->name, k,
			     obj->secs[sec].name, file ? "line text" : "file name",
			     file ? rd32(rec + 8) : rd32(rec + 4));
	int err = grow(obj, (void **)&e->lines, &e->lcap, e->nlines, sizeof(*e->lines));
	if (err)
		return err;
	uint32_t lc = rd32(rec + 12);
	e->lines[e->nlines++] = (struct ldr_ext_line){sec, insn, file, text, lc >> 10, lc & 0x3ff};
	return 0;
}

static int on_core(struct ext_reader *r, size_t sec, size_t insn, const uint8_t *rec, size_t k)
{
	struct bpfx_object *obj = r->obj;
	struct ldr_btf_ext *e = obj->ext;
	uint32_t tid = rd32(rec + 4), kind = rd32(rec + 12);
	const char *acc = str_at(obj, rd32(rec + 8));
	if (!acc || !acc[0])
		return EFAIL(obj, "%s: .BTF.ext CO-RE record %zu of section '%s': access string "
			     "offset %u is %s", obj->name, k, obj->secs[sec].name, rd32(rec + 8),
			     acc ? "empty" : "outside the .BTF string table");
	if (!btf__type_by_id(obj->btf, tid) || tid == 0)
		return EFAIL(obj, "%s: .BTF.ext CO-RE record %zu of section '%s': type id %u does "
			     "not exist in .BTF", obj->name, k, obj->secs[sec].name, tid);
	if (kind > BPFX_CORE_TYPE_MATCHES)
		return EFAIL(obj, "%s: .BTF.ext CO-RE record %zu of section '%s': unknown "
			     "relocation kind %u", obj->name, k, obj->secs[sec].name, kind);
	int err = grow(obj, (void **)&e->cores, &e->ccap, e->ncores, sizeof(*e->cores));
	if (err)
		return err;
	e->cores[e->ncores] = (struct ldr_ext_core){sec, insn, tid, kind, acc, e->ncores};
	e->ncores++;
	return 0;
}

int ldr_btf_ext_read(struct bpfx_object *obj)
{
	if (!obj->btf_ext_sec)
		return 0;
	const struct ldr_sec *s = &obj->secs[obj->btf_ext_sec];
	if (!obj->btf) {
		bpfx_logf(&obj->diag, BPFX_LOG_WARN,
			  "%s: section '.BTF.ext' ignored: it needs a valid '.BTF'", obj->name);
		return 0;
	}
	const uint8_t *d = s->data;
	size_t len = d ? s->size : 0;
	if (len < 24)
		return EFAIL(obj, "%s: section '.BTF.ext' is %zu bytes, shorter than its header",
			     obj->name, len);
	uint16_t magic;
	memcpy(&magic, d, 2);
	if (magic != EXT_MAGIC)
		return EFAIL(obj, "%s: section '.BTF.ext' has magic 0x%04x, expected 0x%04x%s",
			     obj->name, magic, EXT_MAGIC,
			     magic == 0x9feb ? " (a big-endian object: not supported)" : "");
	if (d[2] != 1)
		return EFAIL(obj, "%s: section '.BTF.ext' has version %u, only 1 is known",
			     obj->name, d[2]);
	uint32_t hdr_len = rd32(d + 4);
	if (hdr_len < 24 || hdr_len > len || hdr_len % 4)
		return EFAIL(obj, "%s: section '.BTF.ext': header length %u is invalid (section: "
			     "%zu bytes)", obj->name, hdr_len, len);
	obj->ext = calloc(1, sizeof(*obj->ext));
	if (!obj->ext)
		return bpfx_fail(&obj->diag, BPFX_E_NOMEM, "out of memory");
	static const char *const parts[3] = {"func_info", "line_info", "CO-RE relocations"};
	static const uint32_t mins[3] = {8, 16, 16};
	const rec_fn fns[3] = {on_func, on_line, on_core};
	for (int i = 0; i < 3; i++) {
		size_t hoff = 8 + (size_t)i * 8;
		if (hoff + 8 > hdr_len)
			break; /* older header without this part */
		uint32_t off = rd32(d + hoff), plen = rd32(d + hoff + 4);
		size_t avail = len - hdr_len;
		if (off > avail || plen > avail - off || off % 4)
			return EFAIL(obj, "%s: section '.BTF.ext': %s at offset %u, %u bytes, "
				     "outside the %zu bytes after the header", obj->name, parts[i],
				     off, plen, avail);
		struct ext_reader r = {obj, d + hdr_len + off, plen, parts[i], hdr_len + off};
		int err = walk_part(&r, mins[i], fns[i]);
		if (err)
			return err;
	}
	return 0;
}

/* ---- carrying records into linked programs ------------------------------- */

static int cmp_line(const void *a, const void *b)
{
	const struct ldr_line *x = a, *y = b;
	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

static int cmp_func(const void *a, const void *b)
{
	const struct ldr_func *x = a, *y = b;
	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

/* Slot of (sec, insn) in program p, or SIZE_MAX when p does not hold it. */
size_t ldr_prog_slot(const struct bpfx_object *obj, const struct ldr_prog *p, size_t sec,
		     size_t insn)
{
	for (size_t i = 0; i < p->nsegs; i++) {
		const struct ldr_unit *u = &obj->units[p->segs[i].unit];
		if (u->sec == sec && insn >= u->start && insn < u->start + u->count)
			return p->segs[i].out_off + (insn - u->start);
	}
	return SIZE_MAX;
}

int ldr_btf_ext_link(struct bpfx_object *obj)
{
	const struct ldr_btf_ext *e = obj->ext;
	if (!e)
		return 0;
	for (size_t pi = 0; pi < obj->nprogs; pi++) {
		struct ldr_prog *p = &obj->progs[pi];
		size_t nl = 0, nf = 0;
		for (size_t i = 0; i < e->nlines; i++)
			nl += ldr_prog_slot(obj, p, e->lines[i].sec, e->lines[i].insn) != SIZE_MAX;
		for (size_t i = 0; i < e->nfuncs; i++)
			nf += ldr_prog_slot(obj, p, e->funcs[i].sec, e->funcs[i].insn) != SIZE_MAX;
		p->lines = calloc(nl ? nl : 1, sizeof(*p->lines));
		p->funcs = calloc(nf ? nf : 1, sizeof(*p->funcs));
		if (!p->lines || !p->funcs)
			return bpfx_fail(&obj->diag, BPFX_E_NOMEM, "out of memory");
		for (size_t i = 0; i < e->nlines; i++) {
			const struct ldr_ext_line *l = &e->lines[i];
			size_t at = ldr_prog_slot(obj, p, l->sec, l->insn);
			if (at != SIZE_MAX)
				p->lines[p->nlines++] = (struct ldr_line){at, l->file, l->text, l->line,
									  l->col};
		}
		for (size_t i = 0; i < e->nfuncs; i++) {
			size_t at = ldr_prog_slot(obj, p, e->funcs[i].sec, e->funcs[i].insn);
			if (at != SIZE_MAX)
				p->funcs[p->nfuncs++] = (struct ldr_func){at, e->funcs[i].type_id};
		}
		qsort(p->lines, p->nlines, sizeof(*p->lines), cmp_line);
		qsort(p->funcs, p->nfuncs, sizeof(*p->funcs), cmp_func);
	}
	return 0;
}

void ldr_btf_ext_free(struct bpfx_object *obj)
{
	for (size_t i = 0; i < obj->nprogs; i++) {
		free(obj->progs[i].lines);
		free(obj->progs[i].funcs);
	}
	if (obj->ext) {
		free(obj->ext->funcs);
		free(obj->ext->lines);
		free(obj->ext->cores);
		free(obj->ext);
		obj->ext = NULL;
	}
}

/* ---- public API ---------------------------------------------------------- */

int bpfx_object_prog_line(const bpfx_object *obj, size_t prog, size_t insn,
			  struct bpfx_object_line_info *info)
{
	if (!obj || !info)
		return BPFX_E_INVAL;
	if (prog >= obj->nprogs)
		return bpfx_fail(&obj->diag, BPFX_E_RANGE, "%s: program index %zu, the object has %zu",
				 obj->name, prog, obj->nprogs);
	const struct ldr_prog *p = &obj->progs[prog];
	if (insn >= p->count)
		return BPFX_E_NOENT;
	/* the segment (function) holding insn */
	size_t seg_start = 0;
	const char *func = "";
	for (size_t i = 0; i < p->nsegs; i++) {
		const struct ldr_unit *u = &obj->units[p->segs[i].unit];
		if (insn >= p->segs[i].out_off && insn < p->segs[i].out_off + u->count) {
			seg_start = p->segs[i].out_off;
			func = u->name;
		}
	}
	/* last line record at or before insn */
	size_t lo = 0, hi = p->nlines;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->lines[mid].insn <= insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || p->lines[lo - 1].insn < seg_start)
		return BPFX_E_NOENT;
	const struct ldr_line *l = &p->lines[lo - 1];
	*info = (struct bpfx_object_line_info){.file = l->file, .text = l->text, .func = func,
					       .line = l->line, .column = l->col, .insn = l->insn};
	return 0;
}

size_t bpfx_object_prog_line_count(const bpfx_object *obj, size_t prog)
{
	return obj && prog < obj->nprogs ? obj->progs[prog].nlines : 0;
}

size_t bpfx_object_prog_func_count(const bpfx_object *obj, size_t prog)
{
	return obj && prog < obj->nprogs ? obj->progs[prog].nfuncs : 0;
}

int bpfx_object_report_source(const bpfx_object *obj, size_t prog, struct bpfx_report *rep)
{
	if (!obj || !rep)
		return BPFX_E_INVAL;
	struct bpfx_object_line_info li;
	if (rep->insn < 0 || bpfx_object_prog_line(obj, prog, (size_t)rep->insn, &li))
		return BPFX_E_NOENT;
	int err = bpfx_report_set(rep, "source_file", li.file);
	if (!err)
		rep->source_line = (int)li.line;
	return err;
}
