/* SPDX-License-Identifier: MIT */
/* util.c - shared CLI helpers (placeholder until the CLI lands). */
#include "cli.h"
