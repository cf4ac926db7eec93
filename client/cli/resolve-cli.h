/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolve-cli.h: the pure parts of aarp-resolve - command-line parsing,
 * classifying each argument as an address or a host name, the words used
 * for answer flags and the exit-code table - kept apart from the D-Bus
 * calls and the output so that unit tests can exercise them alone.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bus-client.h"

/* Exit codes of aarp-resolve (documented in aarp-resolve(1)).  When several
 * arguments fail differently the highest code wins. */
enum {
        CLI_EXIT_SUCCESS = 0,
        /* not found, no data, temporary failure, refused by the daemon,
         * access denied */
        CLI_EXIT_FAILED = 1,
        /* bad option, bad argument, unknown interface, invalid name */
        CLI_EXIT_USAGE = 2,
        /* aarp-resolved not running or not answering */
        CLI_EXIT_UNREACHABLE = 3,
};

typedef enum CliVerb {
        CLI_VERB_QUERY,
        CLI_VERB_STATISTICS,
        CLI_VERB_FLUSH_CACHES,
        CLI_VERB_RESET_STATISTICS,
        CLI_VERB_STATUS,
        CLI_VERB_SHOW_CACHE,
        CLI_VERB_MONITOR,
        CLI_VERB_HELP,
        CLI_VERB_VERSION,
} CliVerb;

typedef struct CliOptions {
        CliVerb verb;
        bool json;
        bool no_cache;
        int family;  /* AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6) */
        int ifindex; /* -i; 0: any */
        char **args; /* the query arguments, pointing into argv */
        size_t n_args;
} CliOptions;

typedef enum CliArgKind {
        CLI_ARG_ADDRESS6,
        CLI_ARG_ADDRESS4,
        CLI_ARG_NAME,
} CliArgKind;

typedef struct CliArg {
        CliArgKind kind;
        union {
                struct in6_addr in6;
                struct in_addr in;
        } address;
        int scope_ifindex; /* from "fe80::1%eth0"; 0 if none */
} CliArg;

/* Parse argv with getopt_long (it may be called again: optind is reset).
 * Returns 0 and fills *@ret, or -EINVAL and writes a one-line reason (no
 * program name, no newline) into @err.  Interfaces given to -i are looked
 * up with if_nametoindex() unless numeric. */
int cli_parse(int argc, char **argv, CliOptions *ret, char *err, size_t err_size);

/* Classify @arg: an IPv6 literal (optionally "%IFACE" or "%INDEX"), an IPv4
 * literal, or a host name.  Returns 0 and fills *@ret, or -EINVAL (neither
 * an address nor a valid host name, or an unknown scope) with a reason in
 * @err. */
int cli_classify(const char *arg, CliArg *ret, char *err, size_t err_size);

/* True if @name is a syntactically valid host name: 1-253 characters
 * without a trailing dot (one allowed), labels of 1-63 characters, no
 * control characters, spaces or '%'. */
bool cli_name_is_valid(const char *name);

/* The exit code for a failed call returning @r (negative errno). */
int cli_exit_code(int r);

/* "anycast", "unicast", "no-reply" or "not-probed": what the answer's
 * output @flags say the address was. */
const char *cli_flags_kind(uint64_t flags);

/* "cache", "probe" or "none": where the answer came from. */
const char *cli_flags_source(uint64_t flags);

/* Longest text cli_format_rtt() writes, with the NUL: "18446744073709551.615ms". */
#define CLI_RTT_MAX 24

/* @usec as milliseconds with three decimals ("0.050ms") into @buf, which
 * holds CLI_RTT_MAX bytes.  Returns @buf. */
char *cli_format_rtt(uint64_t usec, char buf[static CLI_RTT_MAX]);

/* Print the one-line text answer for the address query @query: its @n
 * (>= 1) @members of @family (AF_INET6 or AF_INET), nearest first, the
 * output @flags, @ttl_sec and @ifname (NULL or "" when no interface was
 * given), ending in a newline:
 *
 *   Q: U -- anycast, probe, ttl 60s, rtt 0.050ms[, link IF]
 *   Q: U1 (rtt 0.050ms), U2 (rtt 0.070ms) -- anycast, 2 members, probe, ttl 60s[, link IF]
 *
 * One member keeps the format of answers before member discovery, so that
 * scripts reading it see no change for ordinary addresses.  ", refreshing"
 * follows the source when the cache entry is being re-probed
 * (AARP_FLAG_REFRESHING). */
void cli_print_address_answer(FILE *f, const char *query, int family, const BusMember *members, size_t n,
                              uint64_t flags, uint32_t ttl_sec, const char *ifname);
