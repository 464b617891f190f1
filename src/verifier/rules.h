/* SPDX-License-Identifier: MIT */
/*
 * rules.h - the verifier's rules: stable IDs and one-line statements. Each
 * has an entry in docs/verifier-rules.md (tests/unit/test_verifier_rules.c
 * checks that the two lists agree). IDs are never renumbered or reused.
 */
#ifndef BPFX_VERIFIER_RULES_H
#define BPFX_VERIFIER_RULES_H

#define BPFX_RULES(X)                                                                                  \
	X(INSN_001, "BPFX-INSN-001", "the program must pass load-time validation")                     \
	X(INSN_002, "BPFX-INSN-002", "the instruction is not supported by this verifier or platform")  \
	X(CFG_001, "BPFX-CFG-001", "every instruction must be reachable")                              \
	X(CFG_002, "BPFX-CFG-002", "jumps must stay inside their function")                            \
	X(CFG_003, "BPFX-CFG-003", "a function must end with exit or a jump, not fall into the next")  \
	X(CFG_004, "BPFX-CFG-004", "the program must not loop forever")                                \
	X(CFG_005, "BPFX-CFG-005", "the analysis must finish within the complexity limit")             \
	X(CFG_006, "BPFX-CFG-006", "bpf-to-bpf calls must not nest deeper than 8 frames")               \
	X(REG_001, "BPFX-REG-001", "a register must be initialised before it is read")                 \
	X(REG_002, "BPFX-REG-002", "r0 must hold a value allowed by the program type at exit")         \
	X(ALU_001, "BPFX-ALU-001", "an immediate shift amount must be less than the operand width")    \
	X(ALU_002, "BPFX-ALU-002", "only addition and subtraction of scalars apply to pointers")       \
	X(ALU_003, "BPFX-ALU-003", "this kind of pointer does not allow arithmetic")                   \
	X(ALU_004, "BPFX-ALU-004", "two pointers may only be subtracted, and only within one region")  \
	X(ALU_005, "BPFX-ALU-005", "a pointer offset must stay within +/- 2^29")                       \
	X(MEM_001, "BPFX-MEM-001", "memory may only be accessed through a pointer")                    \
	X(MEM_002, "BPFX-MEM-002", "an access must lie inside the object it points into")              \
	X(MEM_003, "BPFX-MEM-003", "a packet or buffer access must be proven within its length")       \
	X(MEM_004, "BPFX-MEM-004", "a pointer that may be NULL must be checked before use")            \
	X(MEM_005, "BPFX-MEM-005", "read-only memory must not be written")                             \
	X(MEM_006, "BPFX-MEM-006", "this kind of pointer cannot be dereferenced")                      \
	X(MEM_007, "BPFX-MEM-007", "a context access must match a field of the program type")          \
	X(MEM_008, "BPFX-MEM-008", "the spin lock in a map value is touched only by the lock helpers")  \
	X(STK_001, "BPFX-STK-001", "a stack access must lie inside the 512-byte frame")                \
	X(STK_002, "BPFX-STK-002", "stack bytes must be written before they are read")                 \
	X(STK_003, "BPFX-STK-003", "the frames of a call chain must fit the combined stack limit")     \
	X(STK_004, "BPFX-STK-004", "a spilled pointer must be read back whole")                        \
	X(LEAK_001, "BPFX-LEAK-001", "unprivileged: a pointer must not be stored where the host reads") \
	X(LEAK_002, "BPFX-LEAK-002", "unprivileged: a pointer must not be returned")                   \
	X(LEAK_003, "BPFX-LEAK-003", "unprivileged: pointers must not be compared or turned into numbers") \
	X(LEAK_004, "BPFX-LEAK-004", "unprivileged: a pointer must not be passed as a number")         \
	X(CALL_001, "BPFX-CALL-001", "a called helper must exist on the platform for this program type") \
	X(CALL_002, "BPFX-CALL-002", "a helper argument must have the kind its prototype asks for")    \
	X(CALL_003, "BPFX-CALL-003", "a helper memory argument must be valid for the size passed")     \
	X(CALL_004, "BPFX-CALL-004", "the helper prototype uses a feature this verifier does not support") \
	X(CALL_005, "BPFX-CALL-005", "a called kfunc must exist on the platform")                      \
	X(CALL_006, "BPFX-CALL-006", "a function must not return a pointer to its own stack")          \
	X(CALL_007, "BPFX-CALL-007", "a callback must return a number in the range its helper allows")  \
	X(CALL_008, "BPFX-CALL-008", "a global function's arguments must match its BTF signature")     \
	X(CALL_009, "BPFX-CALL-009", "a global function must return a number")                          \
	X(CALL_010, "BPFX-CALL-010", "callx must name a helper by an id known at verification")         \
	X(REF_001, "BPFX-REF-001", "every acquired reference must be released before exit")            \
	X(REF_002, "BPFX-REF-002", "only a live acquired reference may be released")                   \
	X(REF_003, "BPFX-REF-003", "a callback must release what it acquires and keep its caller's references") \
	X(LOCK_001, "BPFX-LOCK-001", "a spin lock argument must point to the lock of a map value")   \
	X(LOCK_002, "BPFX-LOCK-002", "one spin lock at a time: taken once, released once, the same one") \
	X(LOCK_003, "BPFX-LOCK-003", "no calls and no exit while a spin lock is held")                \
	X(MAP_001, "BPFX-MAP-001", "a map reference must name a map given to the verifier")            \
	X(MAP_002, "BPFX-MAP-002", "a map value pointer needs a map with direct value access")

enum bpfx_rule {
#define BPFX_RULE_ENUM(E, ID, TITLE) BPFX_RULE_##E,
	BPFX_RULES(BPFX_RULE_ENUM)
#undef BPFX_RULE_ENUM
	BPFX_RULE__COUNT
};

struct bpfx_rule_desc {
	const char *id;
	const char *title;
};
extern const struct bpfx_rule_desc bpfx_rule_table[BPFX_RULE__COUNT];

#endif
