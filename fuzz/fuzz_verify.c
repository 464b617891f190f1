/* SPDX-License-Identifier: MIT */
/*
 * fuzz_verify: soundness of the verifier on arbitrary bytecode.
 *
 * The input is bytecode (8-byte slots). Programs that pass validation go to
 * the verifier on the bundled generic platform (r1 = buffer, r2 = length);
 * every program it accepts is then run on the checked interpreter over
 * buffers of several lengths. A memory fault there means the verifier
 * accepted an unsafe program: abort, so libFuzzer keeps the input.
 * Rejections must name a rule and an instruction inside the program.
 */
#include <bpfx/bpfx.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t count = size / sizeof(struct bpfx_insn);
	if (count == 0 || count > 256)
		return 0;
	struct bpfx_insn *insns = malloc(count * sizeof(*insns));
	if (!insns)
		return 0;
	memcpy(insns, data, count * sizeof(*insns));

	bpfx_vm *vm = NULL;
	bpfx_prog *prog = NULL;
	bpfx_platform *plat = NULL;
	struct bpfx_report *rep = NULL;
	if (bpfx_vm_create(NULL, &vm) || bpfx_platform_bundled("generic", &plat))
		abort();
	if (bpfx_prog_load(vm, insns, count, NULL, &prog))
		goto out; /* not valid bytecode: the validator's fuzzer covers this */

	struct bpfx_verify_opts vo = {.sz = sizeof(vo), .max_insns = 200000};
	int err = bpfx_prog_verify(prog, plat, &vo, &rep);
	if (err == 0 && rep && !rep->accepted) {
		if (!rep->rule || !bpfx_rule_title(rep->rule) || rep->insn >= (int64_t)count)
			abort(); /* every rejection cites a known rule and a real instruction */
		goto out;
	}
	if (err || !rep || !rep->accepted)
		goto out;

	/* Accepted: no run may fault, whatever the buffer's length and bytes. */
	static const size_t lens[] = {0, 1, 7, 8, 15, 64};
	uint8_t buf[64];
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(buf, (int)(0x5au + i), sizeof(buf));
		struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = BPFX_ENGINE_CHECKED,
					   .ctx = buf, .ctx_len = lens[i], .budget = 100000};
		/* Only the first lens[i] bytes are the run's memory. */
		struct bpfx_run_result res;
		bpfx_prog_run(prog, &ro, &res);
		if (res.status == BPFX_E_MEM_FAULT)
			abort();
	}
out:
	bpfx_report_free(rep);
	bpfx_prog_destroy(prog);
	bpfx_platform_destroy(plat);
	bpfx_vm_destroy(vm);
	free(insns);
	return 0;
}
