/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names.h: host name resolution inside the daemon (ResolveHostname).
 *
 * The daemon never resolves through NSS (it must never re-enter
 * libnss_aarp): names come from the hosts file, then DNS through c-ares
 * driven by the GLib main loop, with the nameservers, search list and options
 * of resolv.conf (re-read when it changes).  Each nameserver address is
 * itself resolved with AARP before use; every IPv6 address of an answer goes
 * through the Resolver, all in parallel, and is replaced by its member's
 * unicast address.  IPv4 addresses pass unchanged; order is kept.
 */
#pragma once

#include <gio/gio.h>
#include <stdint.h>

#include "resolver.h"

typedef struct Names Names;

typedef struct {
        int ifindex;
        int family;          /* AF_INET or AF_INET6 */
        uint8_t address[16]; /* 4 bytes used for AF_INET */
} NameAddress;

/* Called exactly once per names_resolve(): on success @addresses (array of
 * NameAddress, at least one), @canonical and @flags (AARP_FLAG_* output bits)
 * are set and @error is NULL; on failure @error is set in the AARP_ERROR
 * domain: AARP_E_NO_SUCH_NAME, AARP_E_NO_DATA, AARP_E_TEMPORARY_FAILURE.
 * Everything passed is valid only during the call.  It may be called before
 * names_resolve() returns. */
typedef void (*NamesCallback)(GArray *addresses, const char *canonical, uint64_t flags,
                              const GError *error, gpointer user_data);

/* @resolver is borrowed and must outlive the Names.  @hosts_path and
 * @resolv_conf_path are normally "/etc/hosts" and "/etc/resolv.conf". */
Names *names_new(Resolver *resolver, const char *hosts_path, const char *resolv_conf_path,
                 GError **error);
void names_free(Names *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Names, names_free)

/* @name is already validated by names_validate(); @family is AF_UNSPEC,
 * AF_INET or AF_INET6; @flags: AARP_FLAG_NO_CACHE or 0. */
void names_resolve(Names *n, int ifindex, const char *name, int family, uint64_t flags,
                   NamesCallback callback, gpointer user_data);

/* Drop every cached name answer. */
void names_flush(Names *n);

/* TRUE if @name is a syntactically valid host name (length, labels,
 * characters); otherwise FALSE with AARP_E_INVALID_NAME set in @error. */
gboolean names_validate(const char *name, GError **error);
