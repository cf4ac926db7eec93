/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aarp-resolve.c: the command-line front end of aarp-resolved, in the
 * spirit of `resolvectl query`: resolve addresses (AARP probe or cache) and
 * host names, show and reset the statistics, flush the cache.  Parsing and
 * the pure helpers are in resolve-cli.c, JSON escaping in json-out.c, the
 * D-Bus calls in bus-client.c; this file only drives them and prints.  The
 * output formats and exit codes are documented in aarp-resolve(1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aarp-build.h"
#include "aarp-def.h"
#include "bus-client.h"
#include "introspect-client.h"
#include "introspect-format.h"
#include "json-out.h"
#include "resolve-cli.h"

static const char *program = "aarp-resolve";

static void help(void) {
        printf("%s [OPTIONS...] ADDRESS|NAME...\n"
               "%s [OPTIONS...] {statistics|flush-caches|reset-statistics}\n"
               "%s [OPTIONS...] {status|show-cache|monitor}\n"
               "\n"
               "Resolve IPv6 anycast addresses to their members' unicast addresses,\n"
               "nearest first (AARP), and host names through aarp-resolved.\n"
               "\n"
               "Commands:\n"
               "  [query] ADDRESS|NAME...  Resolve addresses and host names (default)\n"
               "  statistics               Show the daemon's cache and probe counters\n"
               "  flush-caches             Drop every cached answer (root)\n"
               "  reset-statistics         Set the counters to zero (root)\n"
               "  status                   Show the settings, probe socket, nameservers, stub\n"
               "  show-cache               Show every cached mapping and name (root)\n"
               "  monitor                  Show resolutions as they happen (yours; root: all)\n"
               "\n"
               "Options:\n"
               "  -h --help                Show this help\n"
               "     --version             Show the package version\n"
               "  -i --interface=IFACE     Probe/look up through this interface (name or index)\n"
               "  -4                       Host names: IPv4 addresses only\n"
               "  -6                       Host names: IPv6 addresses only\n"
               "     --no-cache            Ignore the cache: probe afresh\n"
               "     --json                Print JSON (fields documented in aarp-resolve(1))\n"
               "\n"
               "Exit status: 0 success, 1 not found or failed, 2 bad usage or input,\n"
               "3 aarp-resolved unreachable.  See aarp-resolve(1).\n",
               program, program, program);
}

static void print_error(const char *what, const char *message) {
        if (what)
                fprintf(stderr, "%s: %s: %s\n", program, what, message);
        else
                fprintf(stderr, "%s: %s\n", program, message);
}

static const char *errno_name(int r) {
        const char *n = strerrorname_np(r < 0 ? -r : r);
        return n ? n : "EPROTO";
}

/* One failed query, in the JSON array. */
static void json_error(const char *query, int r, bool *first) {
        printf("%s\n  {\"query\": ", *first ? "" : ",");
        *first = false;
        json_write_string(stdout, query);
        printf(", \"error\": ");
        json_write_string(stdout, bus_client_strerror(r));
        printf(", \"errno\": \"%s\"}", errno_name(r));
}

static void format_ifname(int ifindex, char *buf) {
        if (ifindex <= 0 || !if_indextoname((unsigned)ifindex, buf))
                snprintf(buf, IF_NAMESIZE, "%d", ifindex);
}

/* Addresses go through ResolveAddressMembers: for an anycast address it
 * waits for member discovery and lists every member with its RTT, which
 * is what a person asking about an address wants to see; for any other
 * address it is the same one answer ResolveAddress gives. */
static int query_address(const CliOptions *o, const char *query, const CliArg *a, bool *first) {
        size_t size = a->kind == CLI_ARG_ADDRESS6 ? 16 : 4;
        int family = a->kind == CLI_ARG_ADDRESS6 ? AF_INET6 : AF_INET;
        int ifindex = a->scope_ifindex ? a->scope_ifindex : o->ifindex;
        char ifname[IF_NAMESIZE] = "";
        BusMember *members = NULL;
        uint64_t flags = 0;
        uint32_t ttl = 0;
        size_t n = 0;
        int r;

        r = bus_client_resolve_address_members(ifindex, &a->address, size,
                                               o->no_cache ? AARP_FLAG_NO_CACHE : 0, &members, &n, &flags,
                                               &ttl);
        if (r < 0) {
                print_error(query, bus_client_strerror(r));
                if (o->json)
                        json_error(query, r, first);
                return r;
        }

        if (o->json) {
                printf("%s\n  {\"query\": ", *first ? "" : ",");
                *first = false;
                json_write_string(stdout, query);
                /* "addresses": the addresses to talk to, in the order to
                 * try them, as for a name; "members" adds each one's RTT. */
                printf(", \"type\": \"address\", \"addresses\": [");
                for (size_t i = 0; i < n; i++) {
                        char text[INET6_ADDRSTRLEN];

                        inet_ntop(family, members[i].address, text, sizeof text);
                        printf("%s{\"family\": \"%s\", \"address\": \"%s\", \"ifindex\": %d}", i ? ", " : "",
                               family == AF_INET6 ? "inet6" : "inet", text, ifindex);
                }
                printf("], \"members\": ");
                json_write_members(stdout, family, members, n);
                printf(", \"kind\": \"%s\", \"anycast\": %s, \"source\": \"%s\", \"refreshing\": %s, "
                       "\"ttl_sec\": %" PRIu32 ", \"rtt_usec\": %" PRIu64 ", \"flags\": %" PRIu64 "}",
                       cli_flags_kind(flags), (flags & AARP_FLAG_ANYCAST) ? "true" : "false",
                       cli_flags_source(flags), (flags & AARP_FLAG_REFRESHING) ? "true" : "false", ttl,
                       members[0].rtt_usec, flags);
        } else {
                if (ifindex > 0)
                        format_ifname(ifindex, ifname);
                cli_print_address_answer(stdout, query, family, members, n, flags, ttl, ifname);
        }
        free(members);
        return 0;
}

static int query_name(const CliOptions *o, const char *query, bool *first) {
        BusAddress *addresses = NULL;
        char *canonical = NULL;
        uint64_t flags = 0;
        size_t n = 0;
        int r;

        r = bus_client_resolve_hostname(o->ifindex, query, o->family, o->no_cache ? AARP_FLAG_NO_CACHE : 0,
                                        &addresses, &n, &canonical, &flags);
        if (r < 0) {
                print_error(query, bus_client_strerror(r));
                if (o->json)
                        json_error(query, r, first);
                return r;
        }

        if (o->json) {
                printf("%s\n  {\"query\": ", *first ? "" : ",");
                *first = false;
                json_write_string(stdout, query);
                printf(", \"type\": \"name\", \"addresses\": [");
        }
        for (size_t i = 0; i < n; i++) {
                char text[INET6_ADDRSTRLEN];

                inet_ntop(addresses[i].family, addresses[i].address, text, sizeof text);
                if (o->json)
                        printf("%s{\"family\": \"%s\", \"address\": \"%s\", \"ifindex\": %d}", i ? ", " : "",
                               addresses[i].family == AF_INET6 ? "inet6" : "inet", text,
                               addresses[i].ifindex);
                else if (i == 0)
                        printf("%s: %s\n", query, text);
                else
                        printf("%*s%s\n", (int)strlen(query) + 2, "", text);
        }
        if (o->json) {
                printf("], \"canonical\": ");
                json_write_string(stdout, canonical);
                printf(", \"members\": null, \"kind\": \"%s\", \"anycast\": %s, \"source\": \"%s\", "
                       "\"refreshing\": %s, \"ttl_sec\": null, \"rtt_usec\": null, \"flags\": %" PRIu64 "}",
                       (flags & AARP_FLAG_ANYCAST) ? "anycast" : "unicast",
                       (flags & AARP_FLAG_ANYCAST) ? "true" : "false",
                       (flags & AARP_FLAG_FROM_CACHE) ? "cache" : "probe",
                       (flags & AARP_FLAG_REFRESHING) ? "true" : "false", flags);
        } else {
                printf("%*s-- %s, %s", (int)strlen(query) + 2, "",
                       (flags & AARP_FLAG_ANYCAST) ? "anycast" : "unicast",
                       (flags & AARP_FLAG_FROM_CACHE) ? "cache" : "probe");
                if (flags & AARP_FLAG_REFRESHING)
                        printf(", refreshing");
                if (strcmp(canonical, query) != 0)
                        printf(", canonical %s", canonical);
                putchar('\n');
        }
        free(addresses);
        free(canonical);
        return 0;
}

static int verb_query(const CliOptions *o) {
        bool first = true;
        int ret = CLI_EXIT_SUCCESS;

        if (o->json)
                putchar('[');
        for (size_t i = 0; i < o->n_args; i++) {
                const char *q = o->args[i];
                char err[128];
                CliArg a;
                int r, code;

                r = cli_classify(q, &a, err, sizeof err);
                if (r >= 0 && o->family == AF_INET && a.kind == CLI_ARG_ADDRESS6) {
                        snprintf(err, sizeof err, "an IPv6 address, but -4 was given");
                        r = -EINVAL;
                } else if (r >= 0 && o->family == AF_INET6 && a.kind == CLI_ARG_ADDRESS4) {
                        snprintf(err, sizeof err, "an IPv4 address, but -6 was given");
                        r = -EINVAL;
                }
                if (r < 0) {
                        print_error(q, err);
                        if (o->json)
                                json_error(q, r, &first);
                        if (ret < CLI_EXIT_USAGE)
                                ret = CLI_EXIT_USAGE;
                        continue;
                }

                r = a.kind == CLI_ARG_NAME ? query_name(o, q, &first) : query_address(o, q, &a, &first);
                code = cli_exit_code(r);
                if (code > ret)
                        ret = code;
                /* Nothing more can succeed without the daemon. */
                if (code == CLI_EXIT_UNREACHABLE)
                        break;
        }
        if (o->json)
                printf("\n]\n");
        return ret;
}

static int verb_statistics(const CliOptions *o) {
        BusStatistics s;
        int r;

        r = bus_client_get_statistics(&s);
        if (r < 0) {
                print_error(NULL, bus_client_strerror(r));
                return cli_exit_code(r);
        }
        static const struct {
                const char *field, *group, *label;
                size_t offset;
                bool u32;
        } rows[] = {
#define ROW(property, field, type, group, label) \
        {#field, group, label, offsetof(BusStatistics, field), sizeof(((BusStatistics *)0)->field) == 4},
                AARP_STATISTICS(ROW)
#undef ROW
        };
        const char *group = NULL;

        /* JSON keys are the fields' names, the text form the list's groups
         * and labels, both in the list's order (include/aarp-stats.h). */
        if (o->json)
                fputs("{", stdout);
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                const char *p = (const char *)&s + rows[i].offset;
                uint64_t v = 0;

                if (rows[i].u32) {
                        uint32_t v32;
                        memcpy(&v32, p, sizeof v32);
                        v = v32;
                } else
                        memcpy(&v, p, sizeof v);
                if (o->json) {
                        printf("%s\"%s\": %" PRIu64, i ? ", " : "", rows[i].field, v);
                        continue;
                }
                if (!group || strcmp(group, rows[i].group) != 0) {
                        printf("%s%s\n", group ? "\n" : "", rows[i].group);
                        group = rows[i].group;
                }
                printf("%28s: %" PRIu64 "\n", rows[i].label, v);
        }
        if (o->json)
                fputs("}\n", stdout);
        return CLI_EXIT_SUCCESS;
}

static int verb_simple(int (*call)(void)) {
        int r = call();

        if (r < 0) {
                print_error(NULL, bus_client_strerror(r));
                return cli_exit_code(r);
        }
        return CLI_EXIT_SUCCESS;
}

/* ---- status, show-cache, monitor ------------------------------------ */

static int verb_status(const CliOptions *o) {
        BusStatus *s = NULL;
        int r = bus_client_get_status(&s);

        if (r < 0) {
                print_error(NULL, bus_client_strerror(r));
                return cli_exit_code(r);
        }
        cli_print_status(stdout, s, o->json);
        bus_status_free(s);
        return CLI_EXIT_SUCCESS;
}

static int verb_show_cache(const CliOptions *o) {
        BusCacheDump *d = NULL;
        int r = bus_client_show_cache(&d);

        if (r < 0) {
                print_error(NULL, r == -EACCES ? "access denied: only root may see the caches"
                                               : bus_client_strerror(r));
                return cli_exit_code(r);
        }
        cli_print_cache(stdout, d, o->json);
        bus_cache_dump_free(d);
        return CLI_EXIT_SUCCESS;
}

static void on_monitor_subscribed(void *user_data) {
        /* To stderr, so that stdout stays one event per line; a script
         * waits for this line before it makes lookups. */
        fprintf(stderr, "%s: monitoring resolutions (%s); Ctrl-C to stop\n", program,
                getuid() == 0 ? "all users" : "your own");
        fflush(stderr);
}

static void on_monitor_event(const BusMonitorEvent *e, void *user_data) {
        const CliOptions *o = user_data;

        cli_print_monitor_event(stdout, e, o->json);
        fflush(stdout);
}

static void on_monitor_dropped(uint32_t n, void *user_data) {
        const CliOptions *o = user_data;

        cli_print_monitor_dropped(stdout, n, o->json);
        fflush(stdout);
}

/* Until SIGINT or SIGTERM (exit 0), or the daemon goes away (exit 3). */
static int verb_monitor(const CliOptions *o) {
        sigset_t mask;
        int fd, r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 || (fd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
                print_error(NULL, strerror(errno));
                return CLI_EXIT_FAILED;
        }
        r = bus_monitor_run(fd, on_monitor_subscribed, on_monitor_event, on_monitor_dropped, (void *)o);
        close(fd);
        if (r == -ESHUTDOWN) {
                print_error(NULL, "aarp-resolved went away: monitoring ended");
                return CLI_EXIT_UNREACHABLE;
        }
        if (r < 0) {
                print_error(NULL, r == -ENOBUFS ? "too many monitors running (see aarp-resolve(1))"
                                                : bus_client_strerror(r));
                return cli_exit_code(r);
        }
        return CLI_EXIT_SUCCESS;
}

int main(int argc, char **argv) {
        CliOptions o;
        char err[256];

        if (cli_parse(argc, argv, &o, err, sizeof err) < 0) {
                print_error(NULL, err);
                return CLI_EXIT_USAGE;
        }
        switch (o.verb) {
        case CLI_VERB_HELP:
                help();
                return CLI_EXIT_SUCCESS;
        case CLI_VERB_VERSION:
                printf("%s %s\n", program, PACKAGE_VERSION);
                return CLI_EXIT_SUCCESS;
        case CLI_VERB_STATISTICS:
                return verb_statistics(&o);
        case CLI_VERB_FLUSH_CACHES:
                return verb_simple(bus_client_flush_caches);
        case CLI_VERB_RESET_STATISTICS:
                return verb_simple(bus_client_reset_statistics);
        case CLI_VERB_STATUS:
                return verb_status(&o);
        case CLI_VERB_SHOW_CACHE:
                return verb_show_cache(&o);
        case CLI_VERB_MONITOR:
                return verb_monitor(&o);
        case CLI_VERB_QUERY:
        default:
                return verb_query(&o);
        }
}
