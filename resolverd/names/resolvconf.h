/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolvconf.h: the parts of resolv.conf(5) names.c uses: nameservers,
 * search list and the ndots/timeout/attempts/rotate/edns0 options.
 *
 * We parse the file ourselves instead of letting c-ares read it because
 * every nameserver address is resolved with AARP before c-ares may use it.
 * Semantics follow glibc: at most 3 nameservers (MAXNS), the last "search"
 * or "domain" line wins, options are clamped to glibc's maxima, unknown
 * keywords and options are ignored, and a file without nameservers means
 * the local host (127.0.0.1).  '#' and ';' start a comment anywhere.
 * Environment overrides (LOCALDOMAIN, RES_OPTIONS) are not honoured: the
 * daemon's environment is not the user's.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "nameserver.h"

#define RESOLV_CONF_SERVERS_MAX 3u   /* glibc MAXNS */
#define RESOLV_CONF_SEARCH_MAX  32u
#define RESOLV_CONF_NDOTS_MAX   15u  /* glibc RES_MAXNDOTS */
#define RESOLV_CONF_TIMEOUT_MAX 30u  /* glibc RES_MAXRETRANS */
#define RESOLV_CONF_ATTEMPTS_MAX 5u  /* glibc RES_MAXRETRY */

typedef struct {
        GArray *servers;     /* of NameServer, 1..RESOLV_CONF_SERVERS_MAX */
        GPtrArray *search;   /* of char *, without trailing dots, may be empty */
        unsigned ndots;      /* default 1 */
        unsigned timeout_sec;/* default 5 */
        unsigned attempts;   /* default 2 */
        gboolean rotate;
        gboolean edns0;
} ResolvConf;

/* Parse resolv.conf text.  Never fails: bad lines are skipped. */
ResolvConf *resolv_conf_parse(const char *text, gsize length);

/* Read and parse @path; a missing file gives the defaults (like glibc).
 * Other read errors return NULL with @error set. */
ResolvConf *resolv_conf_load(const char *path, GError **error);

void resolv_conf_free(ResolvConf *rc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ResolvConf, resolv_conf_free)
