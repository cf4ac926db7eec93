/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reverse.h: reverse lookups (address -> host names) in DNS: a PTR query
 * for the address's in-addr.arpa or ip6.arpa name, sent to the same
 * nameservers as forward lookups, themselves resolved with AARP (upstream.h).
 * names.c asks the hosts file first and comes here for the rest.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "names.h"
#include "upstream.h"

typedef struct Reverse Reverse;

/* @upstream is borrowed and must outlive the Reverse. */
Reverse *reverse_new(Upstream *upstream);
/* Lookups in flight complete first with AARP_E_TEMPORARY_FAILURE. */
void reverse_free(Reverse *r);

/* Look @address (4 or 16 bytes of @family) up; @callback runs exactly once,
 * at the latest after @timeout_msec, and never before this returns. */
void reverse_lookup(Reverse *r, int family, const uint8_t *address, unsigned timeout_msec,
                    NamesAddressNameCallback callback, gpointer user_data);

/* The PTR query name of @address: "4.3.2.1.in-addr.arpa" or 32 nibbles
 * under "ip6.arpa". */
char *reverse_ptr_name(int family, const uint8_t *address);
