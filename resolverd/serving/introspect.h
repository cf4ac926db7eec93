/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * introspect.h: what GetStatus and ShowCache answer, read from the engines
 * without changing anything (no cache counters, no LRU order, no expiry).
 * Transport-neutral: bus.c checks who asks and sends the result.
 */
#pragma once

#include <gio/gio.h>
#include <netinet/in.h>

#include "config.h"
#include "names.h"
#include "resolver.h"

/* The DNS stub listener as the daemon runs it. */
typedef enum {
        INTROSPECT_STUB_OFF,       /* DNSStubListener=no (at start) */
        INTROSPECT_STUB_LISTENING, /* on @address port 53 */
        INTROSPECT_STUB_FAILED,    /* asked for, but the sockets could not be had */
} IntrospectStubState;

/* GetStatus's reply, "(a(ss)ssa(sayiaytu)ss)" (a floating reference): the
 * settings of @config, the probe socket kind of @resolver, @runtime_dir,
 * the nameservers of @names (NULL: none) and DNS= with their current AARP
 * mapping, and the stub's @state and @stub_address.  All borrowed. */
GVariant *introspect_status(const Config *config, Resolver *resolver, Names *names, const char *runtime_dir,
                            IntrospectStubState state, const struct in_addr *stub_address);

/* ShowCache's reply, "(a(iaya(ayt)tu)a(siisa(iiay)tus)u)" (a floating
 * reference): every fresh entry of the address cache and of the name
 * cache (@names may be NULL), at most AARP_SHOW_CACHE_BYTES_MAX of them,
 * the rest counted in the last field. */
GVariant *introspect_cache(Resolver *resolver, Names *names);

/* The seconds left until @expiry_usec at @now_usec (monotonic), rounded up;
 * 0 once expired.  Pure, for the tests. */
guint32 introspect_seconds_left(guint64 expiry_usec, guint64 now_usec);
