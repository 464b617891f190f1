/* SPDX-License-Identifier: MIT */
/*
 * elf.c - reads the ELF container of a BPF object with libelf and checks
 * everything later passes rely on: header fields, section bounds and names,
 * the symbol table and the headers of relocation sections. Nothing here
 * interprets the BPF contents.
 */
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

int ldr_grow(const struct bpfx_diag *d, void **arr, size_t *cap, size_t need, size_t sz)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 8;
	while (n < need)
		n *= 2;
	void *p = realloc(*arr, n * sz);
	if (!p)
		return bpfx_fail(d, BPFX_E_NOMEM, "out of memory growing a table to %zu entries", n);
	*arr = p;
	*cap = n;
	return 0;
}

const char *ldr_sym_name(const struct bpfx_object *obj, size_t sym)
{
	if (sym >= obj->nsyms)
		return "?";
	const struct ldr_sym *s = &obj->syms[sym];
	if (s->name[0])
		return s->name;
	if (s->type == STT_SECTION && s->shndx < obj->nsecs)
		return obj->secs[s->shndx].name;
	return "";
}

static enum ldr_sec_kind classify(const char *name, uint32_t type, uint64_t flags)
{
	switch (type) {
	case SHT_SYMTAB:
		return LDR_SEC_SYMTAB;
	case SHT_STRTAB:
		return LDR_SEC_STRTAB;
	case SHT_REL:
	case SHT_RELA:
		return LDR_SEC_REL;
	case SHT_NOBITS:
		if (!strcmp(name, ".bss") || !strncmp(name, ".bss.", 5))
			return LDR_SEC_BSS;
		return LDR_SEC_OTHER;
	case SHT_PROGBITS:
		break;
	default:
		return LDR_SEC_OTHER;
	}
	if (flags & SHF_EXECINSTR)
		return LDR_SEC_CODE;
	if (!strcmp(name, "license"))
		return LDR_SEC_LICENSE;
	if (!strcmp(name, "version"))
		return LDR_SEC_VERSION;
	if (!strcmp(name, "maps") || !strncmp(name, "maps/", 5))
		return LDR_SEC_MAPS;
	if (!strcmp(name, ".maps"))
		return LDR_SEC_BTF_MAPS;
	if (!strcmp(name, ".BTF"))
		return LDR_SEC_BTF;
	if (!strcmp(name, ".BTF.ext"))
		return LDR_SEC_BTF_EXT;
	if (!strcmp(name, ".data") || !strncmp(name, ".data.", 6))
		return LDR_SEC_DATA;
	if (!strcmp(name, ".rodata") || !strncmp(name, ".rodata.", 8))
		return LDR_SEC_RODATA;
	return LDR_SEC_OTHER;
}

static int read_header(struct bpfx_object *obj)
{
	const struct bpfx_diag *d = &obj->diag;
	const unsigned char *id = obj->image;

	if (obj->image_len < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG))
		return bpfx_fail(d, BPFX_E_ELF, "%s: not an ELF file (no \\177ELF magic)", obj->name);
	if (id[EI_CLASS] != ELFCLASS64)
		return bpfx_fail(d, BPFX_E_ELF, "%s: ELF class %u, BPF objects are ELF64", obj->name,
				 id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return bpfx_fail(d, BPFX_E_ELF,
				 "%s: ELF data encoding %u, only little-endian objects (bpfel) are supported",
				 obj->name, id[EI_DATA]);
	if (obj->image_len < sizeof(Elf64_Ehdr))
		return bpfx_fail(d, BPFX_E_ELF, "%s: truncated ELF header (%zu bytes)", obj->name,
				 obj->image_len);

	obj->elf = elf_memory((char *)obj->image, obj->image_len);
	if (!obj->elf || elf_kind(obj->elf) != ELF_K_ELF)
		return bpfx_fail(d, BPFX_E_ELF, "%s: libelf cannot read it: %s", obj->name,
				 elf_errmsg(-1));
	GElf_Ehdr eh;
	if (!gelf_getehdr(obj->elf, &eh))
		return bpfx_fail(d, BPFX_E_ELF, "%s: bad ELF header: %s", obj->name, elf_errmsg(-1));
	/* Very old clang left e_machine at EM_NONE; libbpf accepts that too. */
	if (eh.e_machine != EM_BPF && eh.e_machine != EM_NONE)
		return bpfx_fail(d, BPFX_E_ELF, "%s: e_machine is %u, not EM_BPF (247)", obj->name,
				 eh.e_machine);
	if (eh.e_type != ET_REL)
		return bpfx_fail(d, BPFX_E_ELF, "%s: e_type is %u, a BPF object is relocatable (ET_REL)",
				 obj->name, eh.e_type);
	obj->em_none = eh.e_machine == EM_NONE;
	if (eh.e_version != EV_CURRENT)
		return bpfx_fail(d, BPFX_E_ELF, "%s: e_version is %u", obj->name, eh.e_version);
	if (eh.e_shoff == 0)
		return bpfx_fail(d, BPFX_E_ELF, "%s: no section header table", obj->name);
	if (eh.e_shentsize != sizeof(Elf64_Shdr))
		return bpfx_fail(d, BPFX_E_ELF, "%s: e_shentsize is %u, expected %zu", obj->name,
				 eh.e_shentsize, sizeof(Elf64_Shdr));
	return 0;
}

/* "GCC: (Debian 12.2.0-14) 12.2.0" in .comment -> 12; 0 when absent. */
static int gcc_major(const char *c, size_t len)
{
	for (size_t i = 0; i + 6 <= len; i++) {
		if (memcmp(c + i, "GCC: (", 6))
			continue;
		size_t j = i + 6;
		while (j < len && c[j] != ')' && c[j])
			j++;
		if (j + 1 >= len || c[j] != ')' || c[j + 1] != ' ')
			return 0;
		int v = 0;
		for (j += 2; j < len && c[j] >= '0' && c[j] <= '9' && v < 1000; j++)
			v = v * 10 + (c[j] - '0');
		return v;
	}
	return 0;
}

static int read_sections(struct bpfx_object *obj)
{
	const struct bpfx_diag *d = &obj->diag;
	size_t shnum, shstrndx;

	if (elf_getshdrnum(obj->elf, &shnum) || shnum == 0)
		return bpfx_fail(d, BPFX_E_ELF,
				 "%s: the section header table is unreadable (outside the file or "
				 "corrupt): %s",
				 obj->name, elf_errmsg(-1));
	GElf_Ehdr eh;
	gelf_getehdr(obj->elf, &eh);
	if (eh.e_shoff > obj->image_len || shnum > (obj->image_len - eh.e_shoff) / sizeof(Elf64_Shdr))
		return bpfx_fail(d, BPFX_E_ELF,
				 "%s: section header table (%zu entries at offset 0x%llx) goes past the "
				 "end of the file (%zu bytes)",
				 obj->name, shnum, (unsigned long long)eh.e_shoff, obj->image_len);
	if (elf_getshdrstrndx(obj->elf, &shstrndx) || shstrndx == 0 || shstrndx >= shnum)
		return bpfx_fail(d, BPFX_E_ELF, "%s: no valid section-name table (e_shstrndx)",
				 obj->name);

	obj->secs = calloc(shnum, sizeof(*obj->secs));
	if (!obj->secs)
		return bpfx_fail(d, BPFX_E_NOMEM, "out of memory for %zu sections", shnum);
	obj->nsecs = shnum;
	obj->symtab_sec = obj->text_sec = obj->maps_sec = obj->btf_maps_sec = 0;
	obj->btf_sec = obj->btf_ext_sec = 0;

	for (size_t i = 0; i < shnum; i++) {
		struct ldr_sec *s = &obj->secs[i];
		s->map = BPFX_NO_MAP;
		s->name = "";
		if (i == 0)
			continue;
		Elf_Scn *scn = elf_getscn(obj->elf, i);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh))
			return bpfx_fail(d, BPFX_E_ELF, "%s: section [%zu]: unreadable header: %s",
					 obj->name, i, elf_errmsg(-1));
		const char *name = elf_strptr(obj->elf, shstrndx, sh.sh_name);
		if (!name)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: section [%zu]: name offset 0x%x is outside the section-name "
					 "table",
					 obj->name, i, sh.sh_name);
		if (!name[0])
			return bpfx_fail(d, BPFX_E_ELF, "%s: section [%zu] has an empty name", obj->name,
					 i);
		s->name = name;
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->size = sh.sh_size;
		s->link = sh.sh_link;
		s->info = sh.sh_info;
		s->entsize = sh.sh_entsize;
		s->kind = classify(name, sh.sh_type, sh.sh_flags);
		if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
			continue;
		if (sh.sh_offset > obj->image_len || sh.sh_size > obj->image_len - sh.sh_offset)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: section [%zu] '%s': bytes 0x%llx..0x%llx are past the end of "
					 "the file (%zu bytes)",
					 obj->name, i, name, (unsigned long long)sh.sh_offset,
					 (unsigned long long)(sh.sh_offset + sh.sh_size), obj->image_len);
		if (sh.sh_size == 0)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf || data->d_size != sh.sh_size)
			return bpfx_fail(d, BPFX_E_ELF, "%s: section [%zu] '%s': unreadable contents: %s",
					 obj->name, i, name, elf_errmsg(-1));
		s->data = data->d_buf;
	}

	for (size_t i = 1; i < shnum; i++) {
		struct ldr_sec *s = &obj->secs[i];
		if (!strcmp(s->name, ".comment") && s->data)
			obj->gcc_major = gcc_major((const char *)s->data, s->size);
		switch (s->kind) {
		case LDR_SEC_SYMTAB:
			if (obj->symtab_sec)
				return bpfx_fail(d, BPFX_E_ELF,
						 "%s: two symbol tables (sections [%zu] and [%zu])",
						 obj->name, obj->symtab_sec, i);
			obj->symtab_sec = i;
			break;
		case LDR_SEC_CODE:
			if (s->size % sizeof(struct bpfx_insn))
				return bpfx_fail(d, BPFX_E_ELF,
						 "%s: code section [%zu] '%s' is %llu bytes, not a whole "
						 "number of 8-byte instructions",
						 obj->name, i, s->name, (unsigned long long)s->size);
			if (!strcmp(s->name, ".text"))
				obj->text_sec = i;
			/* The file gives no alignment guarantee: work on a copy. */
			if (s->size) {
				s->insns = malloc(s->size);
				if (!s->insns)
					return bpfx_fail(d, BPFX_E_NOMEM, "out of memory");
				memcpy(s->insns, s->data, s->size);
			}
			break;
		case LDR_SEC_MAPS:
			if (!obj->maps_sec)
				obj->maps_sec = i; /* the first; there may be several "maps/x" */
			break;
		case LDR_SEC_BTF_MAPS:
			obj->btf_maps_sec = i;
			break;
		case LDR_SEC_BTF:
			obj->btf_sec = i;
			break;
		case LDR_SEC_BTF_EXT:
			obj->btf_ext_sec = i;
			break;
		default:
			break;
		}
	}
	return 0;
}

static int read_symbols(struct bpfx_object *obj)
{
	const struct bpfx_diag *d = &obj->diag;
	if (!obj->symtab_sec)
		return 0; /* possible for trivial objects; programs fall back to sections */
	struct ldr_sec *st = &obj->secs[obj->symtab_sec];
	if (st->entsize != sizeof(Elf64_Sym) || st->size % sizeof(Elf64_Sym))
		return bpfx_fail(d, BPFX_E_ELF,
				 "%s: symbol table [%zu]: entry size %llu and size %llu do not describe "
				 "an array of %zu-byte symbols",
				 obj->name, obj->symtab_sec, (unsigned long long)st->entsize,
				 (unsigned long long)st->size, sizeof(Elf64_Sym));
	if (st->link == 0 || st->link >= obj->nsecs || obj->secs[st->link].kind != LDR_SEC_STRTAB)
		return bpfx_fail(d, BPFX_E_ELF,
				 "%s: symbol table [%zu]: sh_link %llu is not a string table section",
				 obj->name, obj->symtab_sec, (unsigned long long)st->link);
	size_t n = st->size / sizeof(Elf64_Sym);
	if (n == 0)
		return 0;
	obj->syms = calloc(n, sizeof(*obj->syms));
	if (!obj->syms)
		return bpfx_fail(d, BPFX_E_NOMEM, "out of memory for %zu symbols", n);
	obj->nsyms = n;
	Elf_Data *data = elf_getdata(elf_getscn(obj->elf, obj->symtab_sec), NULL);
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		if (!data || !gelf_getsym(data, (int)i, &sym))
			return bpfx_fail(d, BPFX_E_ELF, "%s: symbol %zu: unreadable: %s", obj->name, i,
					 elf_errmsg(-1));
		const char *name = elf_strptr(obj->elf, st->link, sym.st_name);
		if (!name)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: symbol %zu: name offset 0x%x is outside the string table "
					 "[%llu]",
					 obj->name, i, sym.st_name, (unsigned long long)st->link);
		struct ldr_sym *s = &obj->syms[i];
		s->name = name;
		s->value = sym.st_value;
		s->size = sym.st_size;
		s->shndx = sym.st_shndx;
		s->bind = GELF_ST_BIND(sym.st_info);
		s->type = GELF_ST_TYPE(sym.st_info);
		s->vis = GELF_ST_VISIBILITY(sym.st_other);
		if (i == 0)
			continue;
		if (s->shndx == SHN_XINDEX)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: symbol %zu '%s': extended section indexes are not supported",
					 obj->name, i, name);
		if (s->shndx >= SHN_LORESERVE)
			continue; /* SHN_ABS, SHN_COMMON: checked where used */
		if (s->shndx >= obj->nsecs)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: symbol %zu '%s': section index %u, the object has %zu "
					 "sections",
					 obj->name, i, name, s->shndx, obj->nsecs);
		if (s->shndx == SHN_UNDEF)
			continue;
		const struct ldr_sec *sec = &obj->secs[s->shndx];
		if (sec->kind == LDR_SEC_OTHER || sec->kind == LDR_SEC_BTF ||
		    sec->kind == LDR_SEC_BTF_EXT)
			continue; /* debug sections: symbols there are not used */
		if (s->value > sec->size || s->size > sec->size - s->value)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: symbol %zu '%s': bytes 0x%llx..0x%llx are outside section "
					 "[%u] '%s' (%llu bytes)",
					 obj->name, i, name, (unsigned long long)s->value,
					 (unsigned long long)(s->value + s->size), s->shndx, sec->name,
					 (unsigned long long)sec->size);
	}
	return 0;
}

static int check_rel_headers(struct bpfx_object *obj)
{
	const struct bpfx_diag *d = &obj->diag;
	for (size_t i = 1; i < obj->nsecs; i++) {
		struct ldr_sec *s = &obj->secs[i];
		if (s->kind != LDR_SEC_REL)
			continue;
		size_t esz = s->type == SHT_REL ? sizeof(Elf64_Rel) : sizeof(Elf64_Rela);
		if (s->entsize != esz || s->size % esz)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: relocation section [%zu] '%s': entry size %llu / size %llu, "
					 "expected %zu-byte entries",
					 obj->name, i, s->name, (unsigned long long)s->entsize,
					 (unsigned long long)s->size, esz);
		if (s->info == 0 || s->info >= obj->nsecs)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: relocation section [%zu] '%s': sh_info %llu is not a section",
					 obj->name, i, s->name, (unsigned long long)s->info);
		if (s->size && (!obj->symtab_sec || s->link != obj->symtab_sec))
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: relocation section [%zu] '%s': sh_link %llu is not the symbol "
					 "table",
					 obj->name, i, s->name, (unsigned long long)s->link);
		struct ldr_sec *target = &obj->secs[s->info];
		/* Compilers and linkers name it ".rel" / ".rela" + the target's
		 * name; a mismatch means a corrupt sh_info or a renamed section. */
		const char *pfx = s->type == SHT_REL ? ".rel" : ".rela";
		size_t pl = strlen(pfx);
		if (strncmp(s->name, pfx, pl) || strcmp(s->name + pl, target->name))
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: relocation section [%zu] '%s' applies to section [%llu] "
					 "'%s' (sh_info); its name says otherwise",
					 obj->name, i, s->name, (unsigned long long)s->info, target->name);
		if (target->kind == LDR_SEC_REL || target->kind == LDR_SEC_SYMTAB)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: relocation section [%zu] '%s' applies to section [%llu] '%s', "
					 "which cannot be relocated",
					 obj->name, i, s->name, (unsigned long long)s->info, target->name);
		if (target->rel)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: section [%llu] '%s' has two relocation sections ([%zu] and "
					 "[%zu])",
					 obj->name, (unsigned long long)s->info, target->name, target->rel,
					 i);
		target->rel = i;
	}
	return 0;
}

int ldr_elf_rels(struct bpfx_object *obj, size_t rel, struct ldr_rel **out, size_t *n)
{
	const struct bpfx_diag *d = &obj->diag;
	const struct ldr_sec *rs = &obj->secs[rel];
	const struct ldr_sec *target = &obj->secs[rs->info];
	bool rela = rs->type == SHT_RELA;
	size_t count = rs->size / (rela ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel));

	*out = NULL;
	*n = 0;
	if (!count)
		return 0;
	struct ldr_rel *r = calloc(count, sizeof(*r));
	if (!r)
		return bpfx_fail(d, BPFX_E_NOMEM, "out of memory for %zu relocations", count);
	Elf_Data *data = elf_getdata(elf_getscn(obj->elf, rel), NULL);
	for (size_t i = 0; i < count; i++) {
		GElf_Rel er;
		GElf_Rela era;
		bool ok;
		if (rela) {
			ok = data && gelf_getrela(data, (int)i, &era);
			er.r_offset = era.r_offset;
			er.r_info = era.r_info;
			r[i].addend = era.r_addend;
		} else {
			ok = data && gelf_getrel(data, (int)i, &er);
		}
		if (!ok) {
			free(r);
			return bpfx_fail(d, BPFX_E_ELF, "%s: relocation section '%s': entry %zu unreadable",
					 obj->name, rs->name, i);
		}
		r[i].offset = er.r_offset;
		r[i].type = (uint32_t)GELF_R_TYPE(er.r_info);
		r[i].sym = GELF_R_SYM(er.r_info);
		int err = 0;
		if (r[i].sym >= obj->nsyms || (r[i].sym == 0 && r[i].type != 0))
			err = bpfx_fail(d, BPFX_E_ELF,
					"%s: relocation section '%s': entry %zu refers to symbol %zu, the "
					"symbol table has %zu",
					obj->name, rs->name, i, r[i].sym, obj->nsyms);
		else if (r[i].offset >= target->size)
			err = bpfx_fail(d, BPFX_E_ELF,
					"%s: relocation section '%s': entry %zu (symbol '%s') at offset "
					"0x%llx is outside section '%s' (%llu bytes)",
					obj->name, rs->name, i, ldr_sym_name(obj, r[i].sym),
					(unsigned long long)r[i].offset, target->name,
					(unsigned long long)target->size);
		if (err) {
			free(r);
			return err;
		}
	}
	*out = r;
	*n = count;
	return 0;
}

int ldr_elf_read(struct bpfx_object *obj)
{
	int err;
	if ((err = read_header(obj)) || (err = read_sections(obj)) || (err = read_symbols(obj)) ||
	    (err = check_rel_headers(obj)))
		return err;
	return 0;
}
