/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * name-address.h: one address of a host name's answer.  The parsers
 * (hosts file, DNS replies, literals) and the name cache produce and keep
 * it, so it lives below the name engine (names.h) that uses them.
 */
#pragma once

#include <stdint.h>

/* ifindex is non-zero only for link-local addresses (the request's
 * ifindex, or the hosts file's %scope). */
typedef struct {
        int ifindex;
        int family;          /* AF_INET or AF_INET6 */
        uint8_t address[16]; /* 4 bytes used for AF_INET */
} NameAddress;
