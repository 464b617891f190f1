/* SPDX-License-Identifier: MIT */
/* report.c - the verifier's report: building, freeing, text and JSON; the
 * rule table; a small string builder. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "verifier_internal.h"

const struct bpfx_rule_desc bpfx_rule_table[BPFX_RULE__COUNT] = {
#define BPFX_RULE_ROW(E, ID, TITLE) [BPFX_RULE_##E] = {ID, TITLE},
	BPFX_RULES(BPFX_RULE_ROW)
#undef BPFX_RULE_ROW
};

const char *bpfx_rule_title(const char *rule)
{
	if (!rule)
		return NULL;
	for (size_t i = 0; i < BPFX_RULE__COUNT; i++)
		if (!strcmp(bpfx_rule_table[i].id, rule))
			return bpfx_rule_table[i].title;
	return NULL;
}

const char *bpfx_rule_id(size_t i)
{
	return i < BPFX_RULE__COUNT ? bpfx_rule_table[i].id : NULL;
}

/* ---- string builder ---- */

static int vsb_grow(struct vsb *sb, size_t need)
{
	if (sb->oom)
		return -1;
	if (sb->len + need + 1 <= sb->cap)
		return 0;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + need + 1)
		cap *= 2;
	char *s = realloc(sb->s, cap);
	if (!s) {
		sb->oom = 1;
		return -1;
	}
	sb->s = s;
	sb->cap = cap;
	return 0;
}

void bpfx_vsb_puts(struct vsb *sb, const char *s)
{
	size_t n = strlen(s);
	if (sb->limit && sb->len + n > sb->limit) {
		sb->cut = 1;
		return;
	}
	if (vsb_grow(sb, n))
		return;
	memcpy(sb->s + sb->len, s, n + 1);
	sb->len += n;
}

void bpfx_vsb_printf(struct vsb *sb, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(buf)) {
		bpfx_vsb_puts(sb, buf);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		sb->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	bpfx_vsb_puts(sb, big);
	free(big);
}

char *bpfx_vsb_take(struct vsb *sb)
{
	char *s = sb->s;
	if (!s || sb->oom) {
		free(s);
		s = malloc(1);
		if (s)
			*s = 0;
	}
	sb->s = NULL;
	sb->len = sb->cap = 0;
	return s;
}

/* ---- reports ---- */

enum { RS_MESSAGE, RS_INSN_TEXT, RS_STATE, RS_PATH, RS_LOG, RS_SOURCE, RS__N };
static const char *const rs_names[RS__N] = {"message", "insn_text", "state", "path", "log", "source_file"};

struct vreport {
	struct bpfx_report pub; /* first: the public pointer is the wrapper's */
	char *owned[RS__N];
};

static const char empty[] = "";

struct bpfx_report *bpfx_report_new(void)
{
	struct vreport *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->pub.insn = -1;
	r->pub.message = r->pub.insn_text = r->pub.state = r->pub.path = r->pub.log = empty;
	return &r->pub;
}

int bpfx_report_set(struct bpfx_report *pub, const char *field, const char *value)
{
	struct vreport *r = (struct vreport *)pub;
	for (int i = 0; i < RS__N; i++) {
		if (strcmp(rs_names[i], field))
			continue;
		size_t n = strlen(value ? value : "") + 1;
		char *c = malloc(n);
		if (!c)
			return BPFX_E_NOMEM;
		memcpy(c, value ? value : "", n);
		free(r->owned[i]);
		r->owned[i] = c;
		switch (i) {
		case RS_MESSAGE: pub->message = c; break;
		case RS_INSN_TEXT: pub->insn_text = c; break;
		case RS_STATE: pub->state = c; break;
		case RS_PATH: pub->path = c; break;
		case RS_LOG: pub->log = c; break;
		default: pub->source_file = c; break;
		}
		return 0;
	}
	return BPFX_E_INVAL;
}

void bpfx_report_free(struct bpfx_report *pub)
{
	struct vreport *r = (struct vreport *)pub;
	if (!r)
		return;
	for (int i = 0; i < RS__N; i++)
		free(r->owned[i]);
	free(r);
}

static void json_str(struct vsb *sb, const char *s)
{
	bpfx_vsb_puts(sb, "\"");
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			bpfx_vsb_printf(sb, "\\%c", c);
		else if (c == '\n')
			bpfx_vsb_puts(sb, "\\n");
		else if (c == '\t')
			bpfx_vsb_puts(sb, "\\t");
		else if (c < 0x20)
			bpfx_vsb_printf(sb, "\\u%04x", c);
		else {
			char one[2] = {(char)c, 0};
			bpfx_vsb_puts(sb, one);
		}
	}
	bpfx_vsb_puts(sb, "\"");
}

int bpfx_report_json(const struct bpfx_report *r, char **json)
{
	if (!r || !json)
		return BPFX_E_INVAL;
	struct vsb sb = {0};
	bpfx_vsb_printf(&sb, "{\"verdict\": \"%s\", \"rule\": ", r->accepted ? "accepted" : "rejected");
	if (r->rule)
		json_str(&sb, r->rule);
	else
		bpfx_vsb_puts(&sb, "null");
	bpfx_vsb_puts(&sb, ", \"rule_title\": ");
	if (r->rule_title)
		json_str(&sb, r->rule_title);
	else
		bpfx_vsb_puts(&sb, "null");
	bpfx_vsb_puts(&sb, ", \"message\": ");
	json_str(&sb, r->message);
	bpfx_vsb_printf(&sb, ", \"insn\": %lld, \"insn_text\": ", (long long)r->insn);
	json_str(&sb, r->insn_text);
	bpfx_vsb_puts(&sb, ", \"source\": ");
	if (r->source_file) {
		bpfx_vsb_puts(&sb, "{\"file\": ");
		json_str(&sb, r->source_file);
		bpfx_vsb_printf(&sb, ", \"line\": %d}", r->source_line);
	} else {
		bpfx_vsb_puts(&sb, "null");
	}
	bpfx_vsb_puts(&sb, ", \"state\": ");
	json_str(&sb, r->state);
	bpfx_vsb_puts(&sb, ", \"path\": ");
	json_str(&sb, r->path);
	const struct bpfx_verify_stats *st = &r->stats;
	bpfx_vsb_printf(&sb,
			", \"stats\": {\"insns_processed\": %llu, \"states_kept\": %llu, \"states_pruned\": %llu, "
			"\"peak_states\": %llu, \"peak_memory\": %llu, \"time_ns\": %llu, \"max_stack\": %u, "
			"\"subprogs\": %u}}",
			(unsigned long long)st->insns_processed, (unsigned long long)st->states_kept,
			(unsigned long long)st->states_pruned, (unsigned long long)st->peak_states,
			(unsigned long long)st->peak_memory, (unsigned long long)st->time_ns, st->max_stack,
			st->subprogs);
	if (sb.oom) {
		free(sb.s);
		return BPFX_E_NOMEM;
	}
	*json = bpfx_vsb_take(&sb);
	return *json ? 0 : BPFX_E_NOMEM;
}

int bpfx_report_text(const struct bpfx_report *r, char **text)
{
	if (!r || !text)
		return BPFX_E_INVAL;
	struct vsb sb = {0};
	if (r->accepted) {
		bpfx_vsb_puts(&sb, "ACCEPTED\n");
	} else {
		bpfx_vsb_printf(&sb, "REJECTED %s (%s)\n", r->rule ? r->rule : "?",
				r->rule_title ? r->rule_title : "");
		if (r->insn >= 0)
			bpfx_vsb_printf(&sb, "  at insn %lld: %s\n", (long long)r->insn, r->insn_text);
		if (r->source_file)
			bpfx_vsb_printf(&sb, "  source: %s:%d\n", r->source_file, r->source_line);
		bpfx_vsb_printf(&sb, "  %s\n", r->message);
		if (*r->state) {
			bpfx_vsb_puts(&sb, "  state:\n");
			const char *s = r->state;
			while (*s) {
				const char *e = strchr(s, '\n');
				size_t n = e ? (size_t)(e - s) : strlen(s);
				bpfx_vsb_printf(&sb, "    %.*s\n", (int)n, s);
				s += n + (e ? 1 : 0);
			}
		}
		if (*r->path)
			bpfx_vsb_printf(&sb, "  path: %s\n", r->path);
	}
	const struct bpfx_verify_stats *st = &r->stats;
	bpfx_vsb_printf(&sb,
			"  stats: %llu insns processed, %llu states kept, %llu pruned, peak %llu states / %llu "
			"bytes, stack %u bytes, %u functions, %.3f ms\n",
			(unsigned long long)st->insns_processed, (unsigned long long)st->states_kept,
			(unsigned long long)st->states_pruned, (unsigned long long)st->peak_states,
			(unsigned long long)st->peak_memory, st->max_stack, st->subprogs, st->time_ns / 1e6);
	if (sb.oom) {
		free(sb.s);
		return BPFX_E_NOMEM;
	}
	*text = bpfx_vsb_take(&sb);
	return *text ? 0 : BPFX_E_NOMEM;
}
