/* SPDX-License-Identifier: MIT */
#include "diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bpfx_vlogf(const struct bpfx_diag *d, enum bpfx_log_level lvl, const char *fmt, va_list ap)
{
	char buf[1024];

	if (!d || !d->log)
		return;
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf))
		memcpy(buf + sizeof(buf) - 4, "...", 4); /* say it was cut */
	d->log(d->user, lvl, buf);
}

void bpfx_logf(const struct bpfx_diag *d, enum bpfx_log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bpfx_vlogf(d, lvl, fmt, ap);
	va_end(ap);
}

int bpfx_fail(const struct bpfx_diag *d, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bpfx_vlogf(d, BPFX_LOG_ERROR, fmt, ap);
	va_end(ap);
	return code;
}

int bpfx_opts_copy(const struct bpfx_diag *d, void *dst, size_t dst_sz, const void *src,
		   const char *what)
{
	memset(dst, 0, dst_sz);
	if (!src)
		return 0;
	size_t sz = *(const size_t *)src;
	if (sz < sizeof(size_t))
		return bpfx_fail(d, BPFX_E_INVAL, "%s: .sz is %zu, smaller than the size field itself",
				 what, sz);
	if (sz > dst_sz) {
		const unsigned char *p = (const unsigned char *)src;
		for (size_t i = dst_sz; i < sz; i++)
			if (p[i])
				return bpfx_fail(d, BPFX_E_INVAL,
						 "%s: byte %zu is set but this library knows only %zu bytes "
						 "of the struct (built against a newer bpfx?)",
						 what, i, dst_sz);
		sz = dst_sz;
	}
	memcpy(dst, src, sz);
	*(size_t *)dst = dst_sz;
	return 0;
}

static const struct {
	int code;
	const char *name, *text;
} status_table[] = {
	{BPFX_OK, "BPFX_OK", "success"},
	{BPFX_E_INVAL, "BPFX_E_INVAL", "invalid argument"},
	{BPFX_E_NOMEM, "BPFX_E_NOMEM", "out of memory"},
	{BPFX_E_BAD_INSN, "BPFX_E_BAD_INSN", "malformed instruction"},
	{BPFX_E_GROUP, "BPFX_E_GROUP", "instruction outside the claimed conformance groups"},
	{BPFX_E_ASM, "BPFX_E_ASM", "assembly error"},
	{BPFX_E_MEM_FAULT, "BPFX_E_MEM_FAULT", "memory access outside every registered region"},
	{BPFX_E_BUDGET, "BPFX_E_BUDGET", "instruction budget exhausted"},
	{BPFX_E_CANCELLED, "BPFX_E_CANCELLED", "run cancelled"},
	{BPFX_E_CALL_DEPTH, "BPFX_E_CALL_DEPTH", "call depth limit exceeded"},
	{BPFX_E_NO_HELPER, "BPFX_E_NO_HELPER", "helper or kfunc not registered"},
	{BPFX_E_IO, "BPFX_E_IO", "input/output error"},
	{BPFX_E_UNSUPPORTED, "BPFX_E_UNSUPPORTED", "not supported"},
	{BPFX_E_NOENT, "BPFX_E_NOENT", "not found"},
	{BPFX_E_UNVERIFIED, "BPFX_E_UNVERIFIED", "unchecked engine needs verified code"},
	{BPFX_E_ELF, "BPFX_E_ELF", "malformed ELF object"},
	{BPFX_E_BTF, "BPFX_E_BTF", "malformed BTF"},
	{BPFX_E_REJECTED, "BPFX_E_REJECTED", "rejected by the verifier"},
	{BPFX_E_HELPER_FAIL, "BPFX_E_HELPER_FAIL", "a helper aborted the run"},
	{BPFX_E_RANGE, "BPFX_E_RANGE", "value out of range"},
	{BPFX_E_EXIST, "BPFX_E_EXIST", "already exists"},
	{BPFX_E_FULL, "BPFX_E_FULL", "no room left"},
};

const char *bpfx_status_name(int status)
{
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(status_table); i++)
		if (status_table[i].code == status)
			return status_table[i].name;
	return "BPFX_E_UNKNOWN";
}

const char *bpfx_strerror(int status)
{
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(status_table); i++)
		if (status_table[i].code == status)
			return status_table[i].text;
	return "unknown status";
}

void bpfx_free(void *ptr)
{
	free(ptr);
}

const char *bpfx_version(void)
{
	return BPFX_VERSION_STRING;
}
