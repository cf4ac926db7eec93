/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daemon.h: aarp-resolved as one object.  It owns the configuration, the
 * anycast engine (Resolver), the name engine (Names), the published
 * snapshot, the serving layer (Bus, the DNS stub listener) and the route
 * watch, creates them in dependency order, rewires them on SIGHUP and on
 * network changes, and tears them down in the order their callbacks need.
 */
#pragma once

#include <glib.h>

typedef struct Daemon Daemon;

/* Load @config_path and build everything; NULL with @error (already
 * worded for the log) if any required part cannot start.  @forced_level:
 * a --log-level that overrides LogLevel= (0: none).  @runtime_dir holds
 * io.socket and names.snapshot. */
Daemon *daemon_new(const char *config_path, GLogLevelFlags forced_level, const char *runtime_dir,
                   GError **error);

/* Serve until SIGTERM or SIGINT (EXIT_SUCCESS) or a fatal error such as a
 * lost bus (EXIT_FAILURE); SIGHUP reloads the configuration. */
int daemon_run(Daemon *d);

void daemon_free(Daemon *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Daemon, daemon_free)
