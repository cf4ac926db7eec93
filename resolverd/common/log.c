/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.c: a GLib structured-log writer for a foreground service.  stderr is
 * the only sink: under systemd it is the journal (JOURNAL_STREAM is set and
 * "<N>" prefixes carry the priority), in a terminal plain lines.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

/* GLib's "message" is our notice; "info" sits between it and debug. */
static int threshold_priority = LOG_INFO;
static gboolean journal = FALSE;

static int level_to_priority(GLogLevelFlags level) {
        if (level & G_LOG_LEVEL_ERROR)
                return LOG_CRIT;
        if (level & G_LOG_LEVEL_CRITICAL)
                return LOG_ERR;
        if (level & G_LOG_LEVEL_WARNING)
                return LOG_WARNING;
        if (level & G_LOG_LEVEL_MESSAGE)
                return LOG_NOTICE;
        if (level & G_LOG_LEVEL_INFO)
                return LOG_INFO;
        return LOG_DEBUG;
}

static const char *priority_name(int p) {
        switch (p) {
        case LOG_CRIT:
                return "crit";
        case LOG_ERR:
                return "error";
        case LOG_WARNING:
                return "warning";
        case LOG_NOTICE:
                return "notice";
        case LOG_INFO:
                return "info";
        default:
                return "debug";
        }
}

static GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                               gpointer user_data) {
        const char *message = NULL;
        int p = level_to_priority(level);

        if (p > threshold_priority)
                return G_LOG_WRITER_HANDLED;

        for (gsize i = 0; i < n_fields; i++)
                if (strcmp(fields[i].key, "MESSAGE") == 0) {
                        message = fields[i].value;
                        break;
                }
        if (!message)
                return G_LOG_WRITER_HANDLED;

        if (journal)
                fprintf(stderr, "<%d>%s\n", p, message);
        else
                fprintf(stderr, "aarp-resolved: %s: %s\n", priority_name(p), message);
        fflush(stderr);
        return G_LOG_WRITER_HANDLED;
}

void log_set_threshold(GLogLevelFlags threshold) {
        threshold_priority = level_to_priority(threshold);
}

gboolean log_debug_enabled(void) {
        return threshold_priority >= LOG_DEBUG;
}

void log_setup(GLogLevelFlags threshold) {
        journal = g_getenv("JOURNAL_STREAM") != NULL;
        log_set_threshold(threshold);
        g_log_set_writer_func(writer, NULL, NULL);
}

gboolean log_parse_level(const char *s, GLogLevelFlags *ret_level) {
        static const struct {
                const char *name;
                GLogLevelFlags level;
        } table[] = {
                { "err", G_LOG_LEVEL_CRITICAL },     { "error", G_LOG_LEVEL_CRITICAL },
                { "warning", G_LOG_LEVEL_WARNING },  { "notice", G_LOG_LEVEL_MESSAGE },
                { "info", G_LOG_LEVEL_INFO },        { "debug", G_LOG_LEVEL_DEBUG },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
                if (g_ascii_strcasecmp(s, table[i].name) == 0) {
                        *ret_level = table[i].level;
                        return TRUE;
                }
        return FALSE;
}
