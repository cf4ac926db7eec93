/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * json-out.h: the few JSON writing helpers aarp-resolve --json needs.  The
 * only delicate part is string escaping (host names given on the command
 * line can hold quotes, backslashes, control characters or invalid UTF-8),
 * so it lives here alone and is unit-tested.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "bus-client.h"

/* Write @s as a JSON string literal, quotes included: '"' and '\\' are
 * escaped, control characters become \n, \t, ... or \u00XX, and bytes that
 * are not valid UTF-8 become U+FFFD, so the output always parses. */
void json_write_string(FILE *f, const char *s);

/* Write the @n members (of @family, AF_INET6 or AF_INET) as the JSON array
 * aarp-resolve --json documents: [{"address": "U", "rtt_usec": N}, ...],
 * in the given (nearest first) order; "[]" for none. */
void json_write_members(FILE *f, int family, const BusMember *members, size_t n);
