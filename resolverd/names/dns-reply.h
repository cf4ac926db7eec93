/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dns-reply.h: what names.c needs out of a DNS reply: the addresses with
 * the smallest TTL on the way to them (CNAMEs included), the canonical
 * name, and for negative replies the RFC 2308 negative TTL from the SOA.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

/* Parse an A (@type ns_t_a) or AAAA reply.  Appends NameAddress entries
 * (ifindex 0) to @ret_addresses in answer order; sets @ret_ttl_sec to the
 * smallest TTL of the addresses and the CNAMEs leading to them and
 * @ret_canonical (newly allocated) to the owner name of the addresses.
 * Returns the number of addresses appended (0: no data of that type). */
guint dns_reply_parse_addresses(const unsigned char *abuf, int alen, int type,
                                GArray *ret_addresses, uint32_t *ret_ttl_sec,
                                char **ret_canonical);

/* The negative-caching TTL of a reply (RFC 2308 §5: the smaller of the SOA
 * record's TTL and its MINIMUM field), or G_MAXUINT32 if the authority
 * section holds no SOA. */
uint32_t dns_reply_negative_ttl(const unsigned char *abuf, int alen);

/* At most this many names from one PTR reply. */
#define DNS_REPLY_PTR_MAX 16u

/* Parse a PTR reply: appends (g_strdup'ed) the valid host names of the
 * answer section's PTR records to @ret_names, without duplicates, and sets
 * @ret_ttl_sec to the smallest of their TTLs (G_MAXUINT32 if none).  Returns
 * how many were added; a malformed reply gives what was read before the
 * damage. */
guint dns_reply_parse_ptr(const unsigned char *abuf, int alen, GPtrArray *ret_names, uint32_t *ret_ttl_sec);
