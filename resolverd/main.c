/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c: aarp-resolved's entry point: options, logging, and the Daemon
 * object (daemon.h), which owns everything else.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "aarp-def.h"
#include "daemon.h"
#include "log.h"

#include "aarp-build.h"

/* libnss_aarp looks this symbol up (the executable is linked with
 * export_dynamic) to know it runs inside the daemon, which must never
 * resolve through its own NSS module. */
__attribute__((visibility("default"), used)) const int aarp_resolved_self_marker = 1;

int main(int argc, char **argv) {
        g_autofree char *config_path = NULL, *log_level = NULL;
        gboolean version = FALSE;
        GOptionEntry entries[] = {
                { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
                  "Configuration file (default " AARP_CONFIG_FILE_DEFAULT ")", "PATH" },
                { "log-level", 'l', 0, G_OPTION_ARG_STRING, &log_level,
                  "Log threshold: err, warning, notice, info, debug (overrides LogLevel=)", "LEVEL" },
                { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
                { NULL },
        };
        g_autoptr(GOptionContext) ctx = g_option_context_new("- AARP anycast address resolver daemon");
        g_autoptr(GError) error = NULL;
        g_autoptr(Daemon) d = NULL;
        GLogLevelFlags forced_level = 0;
        const char *runtime_dir;

        setlocale(LC_ALL, "");
        /* Children (none today) and any library that might reach NSS must
         * never come back into libnss_aarp. */
        g_setenv("AARP_NSS_BYPASS", "1", TRUE);

        g_option_context_add_main_entries(ctx, entries, NULL);
        g_option_context_set_summary(ctx, "Resolves IPv6 anycast addresses to the unicast address of their\n"
                                          "nearest member by ICMPv6 echo, caches the answers and serves\n"
                                          "them on D-Bus as " AARP_BUS_NAME ".");
        if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
                fprintf(stderr, "aarp-resolved: %s\n", error->message);
                return 2;
        }
        if (version) {
                printf("aarp-resolved %s\n", PACKAGE_VERSION);
                return 0;
        }
        if (argc > 1) {
                fprintf(stderr, "aarp-resolved: unexpected argument '%s'\n", argv[1]);
                return 2;
        }
        if (log_level && !log_parse_level(log_level, &forced_level)) {
                fprintf(stderr, "aarp-resolved: unknown log level '%s'\n", log_level);
                return 2;
        }
        log_setup(forced_level ? forced_level : G_LOG_LEVEL_INFO);

        runtime_dir = g_getenv(AARP_RUNTIME_DIR_ENV);
        if (!runtime_dir || !*runtime_dir)
                runtime_dir = AARP_RUNTIME_DIR_DEFAULT;
        d = daemon_new(config_path ? config_path : AARP_CONFIG_FILE_DEFAULT, forced_level, runtime_dir, &error);
        if (!d) {
                g_critical("%s", error->message);
                return EXIT_FAILURE;
        }
        return daemon_run(d);
}
