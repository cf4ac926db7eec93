/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pack.h: laying out a ResolveHostname answer in the caller's buffer, the
 * way glibc's NSS interface wants it (struct gaih_addrtuple chains for
 * getaddrinfo, struct hostent for the gethostbyname family).
 *
 * Pure functions without I/O or global state, so that the exact buffer
 * boundaries, alignment and filtering are unit-tested on their own.
 */
#pragma once

#include <netdb.h>
#include <nss.h>
#include <stddef.h>

#include "bus-client.h"

/* Pack the addresses of @addresses[0..@n) whose family matches @family
 * (AF_UNSPEC: all) into @buffer (@buflen bytes, any alignment) as a chain
 * of struct gaih_addrtuple in answer order; every tuple's name points to one
 * copy of @name inside @buffer.  IPv6 link-local addresses get their
 * ifindex as scope id, everything else 0.
 *
 * Returns 0 and sets *ret_first to the first tuple (inside @buffer);
 * -ENODATA if no address matches @family; -ERANGE if @buflen is too small
 * (*ret_needed, if not NULL, is then set to the size that fits at this
 * buffer address); -EINVAL on bad arguments.  Nothing but @buffer and the
 * ret_ values is written. */
int pack_addrtuples(const char *name, const BusAddress *addresses, size_t n, int family, char *buffer,
                    size_t buflen, struct gaih_addrtuple **ret_first, size_t *ret_needed);

/* Fill @host for @family (AF_INET or AF_INET6 only: the other family's
 * addresses are left out) with the addresses of @addresses[0..@n), h_name
 * a copy of @name and no aliases; everything @host points to lives in
 * @buffer (@buflen bytes, any alignment).
 *
 * Returns 0 (and sets *ret_canonical, if not NULL, to h_name); -ENODATA if
 * no address has @family; -ERANGE if @buflen is too small (*ret_needed as
 * for pack_addrtuples()); -EAFNOSUPPORT for any other @family; -EINVAL on
 * bad arguments. */
int pack_hostent(const char *name, const BusAddress *addresses, size_t n, int family, char *buffer,
                 size_t buflen, struct hostent *host, char **ret_canonical, size_t *ret_needed);

/* Fill @host for a reverse lookup: h_name is the first of the @n_names
 * NUL-terminated @names (one after the other, as
 * bus_client_resolve_address_name() returns them), h_aliases the others,
 * h_addr_list the one @address of @family.  Errors as pack_hostent(). */
int pack_hostent_names(const char *names, size_t n_names, int family, const void *address, char *buffer,
                       size_t buflen, struct hostent *host, size_t *ret_needed);
