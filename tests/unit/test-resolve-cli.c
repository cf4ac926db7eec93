/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* aarp-resolve's command line: options, verbs, argument classification and
 * the exit-code table (client/resolve-cli.c). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
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
