/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nameserver.h: one upstream DNS server's address, as resolv.conf's
 * "nameserver" lines and resolved.conf's DNS= give it.  Its own header so
 * that the configuration can hold a server list without reaching up into
 * the name engine that parses resolv.conf.
 */
#pragma once

#include <stdint.h>

typedef struct {
        int family;          /* AF_INET or AF_INET6 */
        uint8_t address[16];
        int ifindex;         /* "%scope" of an IPv6 server, else 0 */
} NameServer;
