/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* aarp-resolve's command line: options, verbs, argument classification and
 * the exit-code table (client/cli/resolve-cli.c). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "resolve-cli.h"

static char err[256];

/* cli_parse() over "aarp-resolve" and the NULL-terminated arguments.
 * Static argv: CliOptions.args points into it after we return. */
static int parse(CliOptions *o, ...) {
        static char *argv[16] = {(char *)"aarp-resolve"};
        int argc = 1;
        va_list ap;

        va_start(ap, o);
        while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
                argc++;
        va_end(ap);
        return cli_parse(argc, argv, o, err, sizeof err);
}

#define PARSE(o, ...) parse((o), __VA_ARGS__, (char *)NULL)

Test(cli, plain_arguments_are_queries_with_defaults) {
        CliOptions o;

        cr_assert_eq(PARSE(&o, "2001:db8:a::1", "host.example"), 0);
        cr_assert_eq(o.verb, CLI_VERB_QUERY);
        cr_assert_eq(o.n_args, 2);
        cr_assert_str_eq(o.args[0], "2001:db8:a::1");
        cr_assert_str_eq(o.args[1], "host.example");
        cr_assert(!o.json && !o.no_cache);
        cr_assert_eq(o.family, AF_UNSPEC);
        cr_assert_eq(o.ifindex, 0);
}

Test(cli, options_may_follow_arguments) {
        CliOptions o;

        cr_assert_eq(PARSE(&o, "2001:db8:a::1", "--json", "--no-cache", "-6"), 0);
        cr_assert(o.json && o.no_cache);
        cr_assert_eq(o.family, AF_INET6);
        cr_assert_eq(o.n_args, 1);
}

Test(cli, interface_by_name_and_by_index) {
        CliOptions o;
        int lo = (int)if_nametoindex("lo");

        cr_assert_gt(lo, 0);
        cr_assert_eq(PARSE(&o, "-i", "lo", "x.example"), 0);
        cr_assert_eq(o.ifindex, lo);
        cr_assert_eq(PARSE(&o, "--interface=7", "x.example"), 0);
        cr_assert_eq(o.ifindex, 7);
}

Test(cli, unknown_interface_is_a_usage_error) {
        CliOptions o;

        cr_assert_eq(PARSE(&o, "-i", "nosuch0", "x.example"), -EINVAL);
        cr_assert_str_eq(err, "no such interface: 'nosuch0'");
        cr_assert_eq(PARSE(&o, "-i", "0", "x.example"), -EINVAL);
        cr_assert_eq(PARSE(&o, "-i", "12abc", "x.example"), -EINVAL);
}

Test(cli, unknown_option_and_missing_argument_are_named) {
        CliOptions o;

        cr_assert_eq(PARSE(&o, "--bogus", "x"), -EINVAL);
        cr_assert_str_eq(err, "unknown option '--bogus'");
        cr_assert_eq(PARSE(&o, "-z", "x"), -EINVAL);
        cr_assert_str_eq(err, "unknown option '-z'");
        cr_assert_eq(PARSE(&o, "x", "-i"), -EINVAL);
        cr_assert_str_eq(err, "option '-i' needs an argument");
}

Test(cli, no_argument_is_a_usage_error) {
        CliOptions o;
        char *argv[] = {(char *)"aarp-resolve", NULL};

        cr_assert_eq(cli_parse(1, argv, &o, err, sizeof err), -EINVAL);
        cr_assert_str_eq(err, "no address or host name given (see --help)");
}

Test(cli, verbs_are_recognised_and_take_no_arguments) {
        CliOptions o;

        cr_assert_eq(PARSE(&o, "statistics"), 0);
        cr_assert_eq(o.verb, CLI_VERB_STATISTICS);
        cr_assert_eq(PARSE(&o, "--json", "statistics"), 0);
        cr_assert(o.json);
        cr_assert_eq(PARSE(&o, "flush-caches"), 0);
        cr_assert_eq(o.verb, CLI_VERB_FLUSH_CACHES);
        cr_assert_eq(PARSE(&o, "reset-statistics"), 0);
        cr_assert_eq(o.verb, CLI_VERB_RESET_STATISTICS);
        cr_assert_eq(PARSE(&o, "statistics", "extra"), -EINVAL);
        cr_assert_eq(PARSE(&o, "--no-cache", "flush-caches"), -EINVAL);
}

Test(cli, explicit_query_verb_allows_a_host_called_like_a_verb) {
        CliOptions o;

        cr_assert_eq(PARSE(&o, "query", "statistics"), 0);
        cr_assert_eq(o.verb, CLI_VERB_QUERY);
        cr_assert_eq(o.n_args, 1);
        cr_assert_str_eq(o.args[0], "statistics");
}

Test(cli, help_and_version_win_over_errors_in_the_rest) {
        CliOptions o;

        cr_assert_eq(PARSE(&o, "--help", "statistics", "extra"), 0);
        cr_assert_eq(o.verb, CLI_VERB_HELP);
        cr_assert_eq(PARSE(&o, "--version"), 0);
        cr_assert_eq(o.verb, CLI_VERB_VERSION);
}

Test(cli, arguments_are_classified) {
        CliArg a;
        struct in6_addr want;

        cr_assert_eq(cli_classify("2001:db8:a::1", &a, err, sizeof err), 0);
        cr_assert_eq(a.kind, CLI_ARG_ADDRESS6);
        inet_pton(AF_INET6, "2001:db8:a::1", &want);
        cr_assert(IN6_ARE_ADDR_EQUAL(&a.address.in6, &want));
        cr_assert_eq(a.scope_ifindex, 0);

        cr_assert_eq(cli_classify("192.0.2.1", &a, err, sizeof err), 0);
        cr_assert_eq(a.kind, CLI_ARG_ADDRESS4);

        cr_assert_eq(cli_classify("fe80::1%lo", &a, err, sizeof err), 0);
        cr_assert_eq(a.kind, CLI_ARG_ADDRESS6);
        cr_assert_eq(a.scope_ifindex, (int)if_nametoindex("lo"));

        cr_assert_eq(cli_classify("fe80::1%nosuch0", &a, err, sizeof err), -EINVAL);
        cr_assert_eq(cli_classify("host.example.", &a, err, sizeof err), 0);
        cr_assert_eq(a.kind, CLI_ARG_NAME);
        cr_assert_eq(cli_classify("a..b", &a, err, sizeof err), -EINVAL);
        cr_assert_str_eq(err, "neither an IP address nor a valid host name");
}

Test(cli, host_name_syntax_limits) {
        char label64[65], name254[255], name253[254];

        memset(label64, 'a', 64);
        label64[64] = '\0';
        cr_assert(!cli_name_is_valid(label64));
        label64[63] = '\0';
        cr_assert(cli_name_is_valid(label64));

        memset(name253, 'a', 253);
        for (size_t i = 50; i < 253; i += 50)
                name253[i] = '.';
        name253[253] = '\0';
        cr_assert(cli_name_is_valid(name253));
        memcpy(name254, name253, 253);
        name254[253] = 'a';
        name254[254] = '\0';
        cr_assert(!cli_name_is_valid(name254));

        cr_assert(cli_name_is_valid("x."));
        cr_assert(!cli_name_is_valid("."));
        cr_assert(!cli_name_is_valid(""));
        cr_assert(!cli_name_is_valid(".x"));
        cr_assert(!cli_name_is_valid("x.."));
        cr_assert(!cli_name_is_valid("a b"));
        cr_assert(!cli_name_is_valid("a\tb"));
        cr_assert(cli_name_is_valid("b\xc3\xbc"
                                    "cher.example"));
}

Test(cli, exit_codes_follow_the_documented_table) {
        cr_assert_eq(cli_exit_code(0), CLI_EXIT_SUCCESS);
        cr_assert_eq(cli_exit_code(-ENXIO), 1);
        cr_assert_eq(cli_exit_code(-ENODATA), 1);
        cr_assert_eq(cli_exit_code(-EAGAIN), 1);
        cr_assert_eq(cli_exit_code(-EACCES), 1);
        cr_assert_eq(cli_exit_code(-EIO), 1);
        cr_assert_eq(cli_exit_code(-EINVAL), 2);
        cr_assert_eq(cli_exit_code(-EILSEQ), 2);
        cr_assert_eq(cli_exit_code(-ENODEV), 2);
        cr_assert_eq(cli_exit_code(-ECONNREFUSED), 3);
        cr_assert_eq(cli_exit_code(-ETIMEDOUT), 3);
}

Test(cli, flag_words) {
        cr_assert_str_eq(cli_flags_kind(AARP_FLAG_ANYCAST), "anycast");
        cr_assert_str_eq(cli_flags_kind(AARP_FLAG_UNICAST), "unicast");
        cr_assert_str_eq(cli_flags_kind(AARP_FLAG_NO_REPLY), "no-reply");
        cr_assert_str_eq(cli_flags_kind(AARP_FLAG_NOT_PROBED), "not-probed");
        cr_assert_str_eq(cli_flags_source(AARP_FLAG_ANYCAST | AARP_FLAG_FROM_CACHE), "cache");
        cr_assert_str_eq(cli_flags_source(AARP_FLAG_ANYCAST), "probe");
        cr_assert_str_eq(cli_flags_source(AARP_FLAG_NOT_PROBED), "none");
}

Test(cli, rtt_is_milliseconds_with_three_decimals) {
        char buf[CLI_RTT_MAX];

        cr_assert_str_eq(cli_format_rtt(0, buf), "0.000ms");
        cr_assert_str_eq(cli_format_rtt(50, buf), "0.050ms");
        cr_assert_str_eq(cli_format_rtt(412, buf), "0.412ms");
        cr_assert_str_eq(cli_format_rtt(1234567, buf), "1234.567ms");
        cr_assert_str_eq(cli_format_rtt(UINT64_MAX, buf), "18446744073709551.615ms");
}

static BusMember member6(const char *text, uint64_t rtt_usec) {
        BusMember m = {.rtt_usec = rtt_usec};

        cr_assert_eq(inet_pton(AF_INET6, text, m.address), 1);
        return m;
}

/* cli_print_address_answer() into a string the caller frees. */
static char *address_line(const char *query, int family, const BusMember *members, size_t n, uint64_t flags,
                          uint32_t ttl, const char *ifname) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        cr_assert_not_null(f);
        cli_print_address_answer(f, query, family, members, n, flags, ttl, ifname);
        fclose(f);
        return buf;
}

#define EXPECT_LINE(want, ...)                                                                              \
        do {                                                                                                \
                char *got_ = address_line(__VA_ARGS__);                                                     \
                cr_assert_str_eq(got_, want);                                                               \
                free(got_);                                                                                 \
        } while (0)

Test(cli, one_member_keeps_the_single_answer_format) {
        BusMember m = member6("2001:db8:11::2", 412);

        EXPECT_LINE("2001:db8:a::1: 2001:db8:11::2 -- anycast, probe, ttl 60s, rtt 0.412ms\n",
                    "2001:db8:a::1", AF_INET6, &m, 1, AARP_FLAG_ANYCAST, 60, NULL);
        EXPECT_LINE("2001:db8:a::1: 2001:db8:11::2 -- anycast, cache, ttl 59s, rtt 0.412ms, link eth0\n",
                    "2001:db8:a::1", AF_INET6, &m, 1, AARP_FLAG_ANYCAST | AARP_FLAG_FROM_CACHE, 59, "eth0");
        /* No reply: the address itself, no RTT; an empty interface name
         * means none. */
        m = member6("2001:db8:a::1", 0);
        EXPECT_LINE("2001:db8:a::1: 2001:db8:a::1 -- no-reply, probe, ttl 30s\n", "2001:db8:a::1", AF_INET6,
                    &m, 1, AARP_FLAG_NO_REPLY, 30, "");
}

Test(cli, several_members_each_show_their_rtt_in_the_given_order) {
        BusMember m[3] = {member6("2001:db8:11::2", 50), member6("2001:db8:12::2", 70),
                          member6("2001:db8:13::2", 1070)};

        EXPECT_LINE("2001:db8:a::1: 2001:db8:11::2 (rtt 0.050ms), 2001:db8:12::2 (rtt 0.070ms) -- anycast, "
                    "2 members, probe, ttl 60s\n",
                    "2001:db8:a::1", AF_INET6, m, 2, AARP_FLAG_ANYCAST, 60, NULL);
        EXPECT_LINE("2001:db8:a::1: 2001:db8:11::2 (rtt 0.050ms), 2001:db8:12::2 (rtt 0.070ms), "
                    "2001:db8:13::2 (rtt 1.070ms) -- anycast, 3 members, cache, ttl 5s, link 2\n",
                    "2001:db8:a::1", AF_INET6, m, 3, AARP_FLAG_ANYCAST | AARP_FLAG_FROM_CACHE, 5, "2");
        /* A member never measured (rtt 0) is listed without one. */
        m[1].rtt_usec = 0;
        EXPECT_LINE(
                "a: 2001:db8:11::2 (rtt 0.050ms), 2001:db8:12::2 -- anycast, 2 members, probe, ttl 60s\n",
                "a", AF_INET6, m, 2, AARP_FLAG_ANYCAST, 60, NULL);
}

Test(cli, refreshing_follows_the_source) {
        BusMember m[2] = {member6("2001:db8:11::2", 50), member6("2001:db8:12::2", 70)};
        uint64_t flags = AARP_FLAG_ANYCAST | AARP_FLAG_FROM_CACHE | AARP_FLAG_REFRESHING;

        EXPECT_LINE("q: 2001:db8:11::2 -- anycast, cache, refreshing, ttl 1s, rtt 0.050ms\n", "q", AF_INET6,
                    m, 1, flags, 1, NULL);
        EXPECT_LINE("q: 2001:db8:11::2 (rtt 0.050ms), 2001:db8:12::2 (rtt 0.070ms) -- anycast, 2 members, "
                    "cache, "
                    "refreshing, ttl 1s\n",
                    "q", AF_INET6, m, 2, flags, 1, NULL);
}

Test(cli, ipv4_answer_is_printed_as_ipv4) {
        BusMember m = {0};

        cr_assert_eq(inet_pton(AF_INET, "192.0.2.1", m.address), 1);
        EXPECT_LINE("192.0.2.1: 192.0.2.1 -- not-probed, none, ttl 3600s\n", "192.0.2.1", AF_INET, &m, 1,
                    AARP_FLAG_NOT_PROBED, 3600, NULL);
}
