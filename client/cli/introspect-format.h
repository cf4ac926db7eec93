/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * introspect-format.h: how aarp-resolve prints status, show-cache and
 * monitor, as text and as JSON (fields documented in aarp-resolve(1)).
 * Pure: it writes to the FILE it is given and talks to nobody, so the
 * unit tests check every format, escaping included.  Strings from the
 * daemon (host names, error names) are escaped in JSON like any other.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "introspect-client.h"

/* "NoSuchName" for "org.aarp.Resolve1.Error.NoSuchName"; any other name
 * as it is. */
const char *cli_error_short_name(const char *dbus_name);

/* The daemon's status: text in sections, or one JSON object and a
 * newline. */
void cli_print_status(FILE *f, const BusStatus *s, bool json);

/* The caches: text, or one JSON object and a newline. */
void cli_print_cache(FILE *f, const BusCacheDump *d, bool json);

/* One resolution as one line (text or a JSON object), newline included. */
void cli_print_monitor_event(FILE *f, const BusMonitorEvent *e, bool json);

/* The line saying @n events were dropped (text or a JSON object). */
void cli_print_monitor_dropped(FILE *f, uint32_t n, bool json);
