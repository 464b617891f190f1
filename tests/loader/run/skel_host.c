/* SPDX-License-Identifier: MIT */
/* skel_host: a host program built against `bpfx gen skeleton run_xdp.o`. */
#include <string.h>

#include "check.h"
#include "run_xdp.skel.h"

int main(void)
{
	struct run_xdp_bpf *s = NULL;
	CHECK(run_xdp_bpf__open_and_load(&s, NULL) == 0);
	if (!s)
		return check_summary("skel_host");
	CHECK(s->progs.xdp_main != NULL && s->maps.proto_count != NULL);
	CHECK_EQ_U64(s->data->bytes_seen, 7);
	CHECK_EQ_U64(s->rodata->drop_proto, 0x0608);
	unsigned char pkt[64];
	memset(pkt, 0x11, sizeof(pkt));
	pkt[12] = 0x08;
	pkt[13] = 0x00;
	struct bpfx_object_run_opts ro = {.sz = sizeof(ro), .data = pkt, .data_len = sizeof(pkt)};
	struct bpfx_run_result res;
	CHECK(run_xdp_bpf__run(s, s->prog_idx.xdp_main, &ro, &res) == 0);
	CHECK_EQ_U64(res.r0, BPFX_XDP_TX);
	CHECK_EQ_U64(s->bss->packets, 1);
	CHECK_EQ_U64(s->data->bytes_seen, 107);
	/* the host writes the program's configuration in place */
	s->rodata->drop_proto = 0x0008;
	s->data->bytes_seen = 0;
	CHECK(run_xdp_bpf__run(s, s->prog_idx.xdp_main, &ro, &res) == 0);
	CHECK_EQ_U64(res.r0, BPFX_XDP_DROP);
	CHECK_EQ_U64(s->data->bytes_seen, 100);
	uint32_t key = 0x0008;
	uint64_t v = 0;
	CHECK(bpfx_map_lookup(s->maps.proto_count, &key, &v) == 0);
	CHECK_EQ_U64(v, 2);
	run_xdp_bpf__destroy(s);
	return check_summary("skel_host");
}
