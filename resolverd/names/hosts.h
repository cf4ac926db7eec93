/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hosts.h: the hosts file (hosts(5)) as names.c consults it before DNS.
 *
 * Format: "ADDRESS CANONICAL [ALIAS...]", '#' starts a comment anywhere.
 * Lines whose address does not parse are skipped, as are names that fail
 * names_validate(); nothing in the file can make loading fail.  Choices:
 *   - IPv6 addresses may carry "%scope" (interface name or index), which
 *     becomes the address's ifindex;
 *   - a v4-mapped IPv6 address (::ffff:a.b.c.d) is stored as the IPv4
 *     address it denotes, like glibc does for AF_INET lookups: nothing can
 *     probe it and it reaches an IPv4 host;
 *   - a name may appear on several lines; its addresses are collected in
 *     file order (no reordering by family) without duplicates.
 */
#pragma once

#include <glib.h>

#include "name-address.h"

typedef struct Hosts Hosts;

/* Parse hosts-file text.  Never fails. */
Hosts *hosts_parse(const char *text, gsize length);

/* Read and parse @path.  A missing file is an empty table (a host without
 * /etc/hosts still resolves by DNS); any other read error returns NULL and
 * sets @error. */
Hosts *hosts_load(const char *path, GError **error);

void hosts_free(Hosts *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Hosts, hosts_free)

/* Look up @name (case-insensitive, trailing dot ignored).  Returns FALSE if
 * the file does not mention the name.  Otherwise TRUE, appends to
 * @ret_addresses (GArray of NameAddress) the addresses of @family
 * (AF_UNSPEC: all) and sets @ret_canonical (newly allocated, may be NULL
 * when no address matched the family) to the first name of the first line
 * that contributed an address.  A name in the file with no address of the
 * family is the caller's NoData: the file answers for the names it lists. */
gboolean hosts_lookup(const Hosts *h, const char *name, int family, GArray *ret_addresses,
                      char **ret_canonical);

/* Number of (address, name) pairs loaded; for tests and debug logs. */
/* The names of @address (4 or 16 bytes of @family), as nss_files gives
 * them: the first line's canonical name, then its aliases, then the names
 * of later lines for the same address, each once.  Appends g_strdup'ed
 * strings to @ret_names; FALSE if no line has the address. */
gboolean hosts_lookup_address(const Hosts *h, int family, const uint8_t *address, GPtrArray *ret_names);

guint hosts_size(const Hosts *h);
