/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names-syntax.h: what a host name may look like, and the two helpers every
 * part of name resolution shares: the lookup key of a name and the
 * recognition of IP literals.
 */
#pragma once

#include <glib.h>

#include "name-address.h"

/* TRUE if @name is a syntactically valid host name or an IP literal;
 * otherwise FALSE with AARP_E_INVALID_NAME set in @error.  Host names:
 * valid UTF-8, at most AARP_NAME_MAX characters plus one optional trailing
 * dot, labels of 1..AARP_LABEL_MAX bytes, made of letters, digits, '-',
 * '_' (lenient, like resolved) and non-ASCII UTF-8 (IDNA is the client's
 * job); no empty labels, spaces, control or other ASCII punctuation. */
gboolean names_validate(const char *name, GError **error);

/* The key @name is cached under: ASCII-lowercased (DNS names compare
 * case-insensitively, RFC 4343), the trailing dot kept.  "host." and "host"
 * are different questions: the absolute name is asked as is, the relative
 * one through the search list and ndots, so they may have different
 * answers and must never share an entry.  (The search list and ndots are
 * the daemon's, and a change of them flushes the caches.)  Free with
 * g_free(). */
char *names_key(const char *name);

/* The key the hosts file matches @name under: names_key() without the
 * trailing dot, since the hosts file has no search list and "host." is
 * "host" there (as in glibc's files module).  Free with g_free(). */
char *names_hosts_key(const char *name);

/* If @name is an IPv4 literal (dotted quad, inet_pton rules) or an IPv6
 * literal (optionally with "%scope", an interface name or index), fill
 * @ret and return TRUE.  A v4-mapped IPv6 literal stays AF_INET6: the
 * caller asked for that spelling.  Unknown scopes make it not a literal. */
gboolean names_parse_literal(const char *name, NameAddress *ret);

/* TRUE for fe80::/10: these need an interface index to be usable. */
gboolean names_address_is_link_local(const NameAddress *a);
