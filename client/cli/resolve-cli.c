/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolve-cli.c: aarp-resolve's command line (see resolve-cli.h).  Nothing
 * here talks to the daemon or prints, so the unit tests can feed it any
 * argv and inspect the result.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "resolve-cli.h"

enum {
        ARG_NO_CACHE = 0x100,
        ARG_JSON,
        ARG_VERSION,
};

/* "eth0" or "2": an interface index, or 0 if there is no such interface. */
static int parse_ifindex(const char *s) {
        char *end;
        unsigned long v;

        if (*s >= '0' && *s <= '9') {
                errno = 0;
                v = strtoul(s, &end, 10);
                if (errno != 0 || *end != '\0' || v == 0 || v > INT_MAX)
                        return 0;
                return (int)v;
        }
        return (int)if_nametoindex(s);
}

int cli_parse(int argc, char **argv, CliOptions *ret, char *err, size_t err_size) {
        static const struct option options[] = {{"help", no_argument, NULL, 'h'},
                                                {"version", no_argument, NULL, ARG_VERSION},
                                                {"interface", required_argument, NULL, 'i'},
                                                {"no-cache", no_argument, NULL, ARG_NO_CACHE},
                                                {"json", no_argument, NULL, ARG_JSON},
                                                {NULL, 0, NULL, 0}};
        static const struct {
                const char *name;
                CliVerb verb;
        } verbs[] = {
                {"query", CLI_VERB_QUERY},
                {"statistics", CLI_VERB_STATISTICS},
                {"flush-caches", CLI_VERB_FLUSH_CACHES},
                {"reset-statistics", CLI_VERB_RESET_STATISTICS},
                {"status", CLI_VERB_STATUS},
                {"show-cache", CLI_VERB_SHOW_CACHE},
                {"monitor", CLI_VERB_MONITOR},
        };
        CliOptions o = {.verb = CLI_VERB_QUERY, .family = AF_UNSPEC};
        int c;

        /* optind = 0 makes glibc's getopt start afresh (the unit tests
         * call this many times).  Arguments are permuted, so options may
         * follow the names; a host name never starts with '-'. */
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hi:46", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        o.verb = CLI_VERB_HELP;
                        break;
                case ARG_VERSION:
                        o.verb = CLI_VERB_VERSION;
                        break;
                case 'i':
                        o.ifindex = parse_ifindex(optarg);
                        if (o.ifindex <= 0) {
                                snprintf(err, err_size, "no such interface: '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                case '4':
                        o.family = AF_INET;
                        break;
                case '6':
                        o.family = AF_INET6;
                        break;
                case ARG_NO_CACHE:
                        o.no_cache = true;
                        break;
                case ARG_JSON:
                        o.json = true;
                        break;
                case ':':
                        snprintf(err, err_size, "option '%s' needs an argument", argv[optind - 1]);
                        return -EINVAL;
                default:
                        if (optopt)
                                snprintf(err, err_size, "unknown option '-%c'", optopt);
                        else
                                snprintf(err, err_size, "unknown option '%s'", argv[optind - 1]);
                        return -EINVAL;
                }
        }
        /* --help and --version win over everything else, as usual. */
        if (o.verb == CLI_VERB_HELP || o.verb == CLI_VERB_VERSION) {
                *ret = o;
                return 0;
        }

        o.args = argv + optind;
        o.n_args = (size_t)(argc - optind);
        if (o.n_args > 0)
                for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
                        if (strcmp(o.args[0], verbs[i].name) == 0) {
                                o.verb = verbs[i].verb;
                                o.args++;
                                o.n_args--;
                                break;
                        }

        if (o.verb == CLI_VERB_QUERY && o.n_args == 0) {
                snprintf(err, err_size, "no address or host name given (see --help)");
                return -EINVAL;
        }
        if (o.verb != CLI_VERB_QUERY && o.n_args > 0) {
                snprintf(err, err_size, "'%s' takes no arguments", argv[optind]);
                return -EINVAL;
        }
        if (o.verb != CLI_VERB_QUERY && (o.no_cache || o.family != AF_UNSPEC || o.ifindex != 0)) {
                snprintf(err, err_size, "--no-cache, -i, -4 and -6 apply to queries only");
                return -EINVAL;
        }
        *ret = o;
        return 0;
}

bool cli_name_is_valid(const char *name) {
        size_t len = strlen(name), label = 0;

        if (len > 0 && name[len - 1] == '.')
                len--;
        if (len == 0 || len > AARP_NAME_MAX)
                return false;
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char)name[i];

                if (ch == '.') {
                        if (label == 0)
                                return false;
                        label = 0;
                        continue;
                }
                /* Bytes >= 0x80 are allowed: the daemon takes UTF-8 names
                 * (and the client library checks the encoding). */
                if (ch <= ' ' || ch == 0x7f || ch == '%' || ch == '/' || ch == '\\')
                        return false;
                if (++label > AARP_LABEL_MAX)
                        return false;
        }
        /* "x.." : after the one allowed trailing dot, an empty label. */
        return label > 0;
}

int cli_classify(const char *arg, CliArg *ret, char *err, size_t err_size) {
        CliArg a = {0};
        char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
        const char *pct = strchr(arg, '%');

        if (pct && strlen(arg) < sizeof buf) {
                memcpy(buf, arg, (size_t)(pct - arg));
                buf[pct - arg] = '\0';
                if (inet_pton(AF_INET6, buf, &a.address.in6) == 1) {
                        a.kind = CLI_ARG_ADDRESS6;
                        a.scope_ifindex = parse_ifindex(pct + 1);
                        if (a.scope_ifindex <= 0) {
                                snprintf(err, err_size, "no such interface: '%s'", pct + 1);
                                return -EINVAL;
                        }
                        *ret = a;
                        return 0;
                }
        }
        if (inet_pton(AF_INET6, arg, &a.address.in6) == 1) {
                a.kind = CLI_ARG_ADDRESS6;
        } else if (inet_pton(AF_INET, arg, &a.address.in) == 1) {
                a.kind = CLI_ARG_ADDRESS4;
        } else if (cli_name_is_valid(arg)) {
                a.kind = CLI_ARG_NAME;
        } else {
                snprintf(err, err_size, "neither an IP address nor a valid host name");
                return -EINVAL;
        }
        *ret = a;
        return 0;
}

int cli_exit_code(int r) {
        switch (r < 0 ? -r : r) {
        case 0:
                return CLI_EXIT_SUCCESS;
        case ECONNREFUSED:
        case ETIMEDOUT:
                return CLI_EXIT_UNREACHABLE;
        case EINVAL:
        case EILSEQ:
        case ENODEV:
        case EAFNOSUPPORT:
        case EADDRNOTAVAIL:
        case EOPNOTSUPP:
                return CLI_EXIT_USAGE;
        default:
                return CLI_EXIT_FAILED;
        }
}

const char *cli_flags_kind(uint64_t flags) {
        if (flags & AARP_FLAG_NOT_PROBED)
                return "not-probed";
        if (flags & AARP_FLAG_NO_REPLY)
                return "no-reply";
        if (flags & AARP_FLAG_ANYCAST)
                return "anycast";
        return "unicast";
}

const char *cli_flags_source(uint64_t flags) {
        if (flags & AARP_FLAG_FROM_CACHE)
                return "cache";
        if (flags & AARP_FLAG_NOT_PROBED)
                return "none";
        return "probe";
}

char *cli_format_rtt(uint64_t usec, char buf[static CLI_RTT_MAX]) {
        snprintf(buf, CLI_RTT_MAX, "%" PRIu64 ".%03" PRIu64 "ms", usec / 1000, usec % 1000);
        return buf;
}

void cli_print_address_answer(FILE *f, const char *query, int family, const BusMember *members, size_t n,
                              uint64_t flags, uint32_t ttl_sec, const char *ifname) {
        char text[INET6_ADDRSTRLEN], rtt[CLI_RTT_MAX];

        fprintf(f, "%s: ", query);
        for (size_t i = 0; i < n; i++) {
                if (!inet_ntop(family, members[i].address, text, sizeof text))
                        snprintf(text, sizeof text, "?");
                fprintf(f, "%s%s", i ? ", " : "", text);
                /* With several members the RTTs are what orders them, so
                 * each gets its own; a member never measured shows none. */
                if (n > 1 && members[i].rtt_usec > 0)
                        fprintf(f, " (rtt %s)", cli_format_rtt(members[i].rtt_usec, rtt));
        }
        fprintf(f, " -- %s", cli_flags_kind(flags));
        if (n > 1)
                fprintf(f, ", %zu members", n);
        fprintf(f, ", %s", cli_flags_source(flags));
        if (flags & AARP_FLAG_REFRESHING)
                fputs(", refreshing", f);
        fprintf(f, ", ttl %" PRIu32 "s", ttl_sec);
        if (n == 1 && members[0].rtt_usec > 0)
                fprintf(f, ", rtt %s", cli_format_rtt(members[0].rtt_usec, rtt));
        if (ifname && *ifname)
                fprintf(f, ", link %s", ifname);
        fputc('\n', f);
}
