/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.h: the daemon's log output.  GLib's g_message()/g_warning()/g_debug()
 * calls are routed to stderr, one line each, with a syslog priority prefix
 * ("<6>") when stderr is the journal, so levels survive into journalctl.
 * Messages above the configured threshold are dropped.
 */
#pragma once

#include <glib.h>

/* Install the writer; @threshold is the most verbose level still logged
 * (G_LOG_LEVEL_DEBUG logs everything). */
void log_setup(GLogLevelFlags threshold);
void log_set_threshold(GLogLevelFlags threshold);
gboolean log_debug_enabled(void);

/* Parse "err", "warning", "notice", "info" or "debug". FALSE if unknown. */
gboolean log_parse_level(const char *s, GLogLevelFlags *ret_level);
