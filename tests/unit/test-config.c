/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* resolved.conf parsing (resolverd/common/config.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "aarp-def.h"
#include "config.h"

static Config *parse(const char *text, GError **error) {
        return config_parse(text, strlen(text), "test.conf", error);
}

Test(config, empty_file_gives_documented_defaults) {
        g_autoptr(GError) e = NULL;
        g_autoptr(Config) c = parse("", &e);

        cr_assert_not_null(c);
        cr_assert_eq(c->probe_timeout_msec, AARP_PROBE_TIMEOUT_MSEC_DEFAULT);
        cr_assert_eq(c->probe_retries, AARP_PROBE_RETRIES_DEFAULT);
        cr_assert_eq(c->anycast_ttl_sec, 60);
        cr_assert_eq(c->unicast_ttl_sec, 300);
        cr_assert_eq(c->no_reply_ttl_sec, 30);
        cr_assert_eq(c->probe_addresses, PROBE_ADDRESSES_ALL);
        cr_assert_eq(c->member_scope, MEMBER_SCOPE_STRICT, "members of the target's own scope only, by default");
        cr_assert_eq(c->probe_socket, PROBE_SOCKET_AUTO);
        cr_assert_str_eq(c->nscd_socket, "/var/run/nscd/socket");
}

Test(config, shipped_default_file_parses_to_the_defaults) {
        g_autofree char *path = g_build_filename(g_getenv("AARP_SOURCE_ROOT"), "data", "resolved.conf", NULL);
        g_autoptr(GError) e = NULL;
        g_autoptr(Config) c = config_load(path, &e);

        cr_assert_not_null(c, "%s", e ? e->message : "");
        cr_assert_eq(c->probe_timeout_msec, AARP_PROBE_TIMEOUT_MSEC_DEFAULT);
        cr_assert_eq(c->cache_size, AARP_CACHE_SIZE_DEFAULT);
        cr_assert_eq(c->member_scope, MEMBER_SCOPE_STRICT);
}

Test(config, every_key_is_parsed) {
        g_autoptr(GError) e = NULL;
        g_autoptr(Config) c = parse("[Resolve]\n"
                                    "ProbeTimeout=250ms\n"
                                    "ProbeRetries=0\n"
                                    "AnycastTTL=2min\n"
                                    "UnicastTTL=1.5s\n"
                                    "NoReplyTTL=0\n"
                                    "CacheSize=1000\n"
                                    "ProbesInFlight=64\n"
                                    "ProbeAddresses=anycast-only\n"
                                    "AnycastPrefixes=2001:db8:a::/64 fd00:1::/48\n"
                                    "MemberScope=any\n"
                                    "ProbeSocket=ping\n"
                                    "LogLevel=debug\n"
                                    "NscdSocket=/run/unscd/socket\n",
                                    &e);

        cr_assert_not_null(c, "%s", e ? e->message : "");
        cr_assert_eq(c->probe_timeout_msec, 250);
        cr_assert_eq(c->probe_retries, 0);
        cr_assert_eq(c->anycast_ttl_sec, 120);
        cr_assert_eq(c->unicast_ttl_sec, 1);
        cr_assert_eq(c->no_reply_ttl_sec, 0);
        cr_assert_eq(c->cache_size, 1000);
        cr_assert_eq(c->probes_in_flight, 64);
        cr_assert_eq(c->probe_addresses, PROBE_ADDRESSES_ANYCAST_ONLY);
        cr_assert_eq(c->anycast_prefixes->len, 2);
        cr_assert_eq(g_array_index(c->anycast_prefixes, Prefix, 1).prefixlen, 48);
        cr_assert_eq(c->member_scope, MEMBER_SCOPE_ANY);
        cr_assert_eq(c->probe_socket, PROBE_SOCKET_PING);
        cr_assert_eq(c->log_level, G_LOG_LEVEL_DEBUG);
        cr_assert_str_eq(c->nscd_socket, "/run/unscd/socket");
}

Test(config, nscd_socket_no_turns_nscd_invalidation_off) {
        g_autoptr(GError) e = NULL;
        g_autoptr(Config) c = parse("[Resolve]\nNscdSocket=no\n", &e);

        cr_assert_not_null(c, "%s", e ? e->message : "");
        cr_assert_null(c->nscd_socket);
}

Test(config, unknown_key_is_named_with_its_line) {
        g_autoptr(GError) e = NULL;
        g_autoptr(Config) c = parse("# comment\n[Resolve]\nProbeTimeout=1s\nProbeTimout=2s\n", &e);

        cr_assert_null(c);
        cr_assert_not_null(e);
        cr_assert_str_eq(e->message, "test.conf:4: ProbeTimout: unknown key");
}

Test(config, bad_value_is_named_with_key_line_and_reason) {
        const char *cases[][2] = {
                { "[Resolve]\nProbeTimeout=fast\n", "test.conf:2: ProbeTimeout: invalid value 'fast'" },
                { "[Resolve]\n\nProbeRetries=11\n", "test.conf:3: ProbeRetries: invalid value '11'" },
                { "[Resolve]\nProbeTimeout=5ms\n", "test.conf:2: ProbeTimeout: invalid value '5ms'" },
                { "[Resolve]\nCacheSize=0\n", "test.conf:2: CacheSize: invalid value '0'" },
                { "[Resolve]\nCacheSize=-1\n", "test.conf:2: CacheSize: invalid value '-1'" },
                { "[Resolve]\nAnycastPrefixes=2001:db8::/129\n", "test.conf:2: AnycastPrefixes: invalid value" },
                { "[Resolve]\nProbeAddresses=some\n", "test.conf:2: ProbeAddresses: invalid value 'some'" },
                { "[Resolve]\nProbeSocket=udp\n", "test.conf:2: ProbeSocket: invalid value 'udp'" },
                { "[Resolve]\nMemberScope=loose\n", "test.conf:2: MemberScope: invalid value 'loose'" },
                { "[Resolve]\nAnycastTTL=2d\n", "test.conf:2: AnycastTTL: invalid value '2d'" },
                { "[Resolve]\nNscdSocket=nscd.sock\n", "test.conf:2: NscdSocket: invalid value 'nscd.sock'" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) e = NULL;
                g_autoptr(Config) c = parse(cases[i][0], &e);

                cr_assert_null(c, "case %zu accepted", i);
                cr_assert(g_str_has_prefix(e->message, cases[i][1]), "case %zu: got '%s'", i, e->message);
        }
}

Test(config, unknown_section_is_an_error) {
        g_autoptr(GError) e = NULL;
        g_autoptr(Config) c = parse("[Resolve]\n[Resolv]\nX=1\n", &e);

        cr_assert_null(c);
        cr_assert(strstr(e->message, "test.conf:2:") && strstr(e->message, "[Resolv]"), "%s", e->message);
}

Test(config, garbage_and_nul_bytes_are_errors_not_crashes) {
        g_autoptr(GError) e1 = NULL, e2 = NULL;
        const char nul[] = "[Resolve]\nProbeRetries=1\0\n";

        cr_assert_null(parse("this is not ini\n=\n[", &e1));
        cr_assert_not_null(e1);
        cr_assert_null(config_parse(nul, sizeof(nul) - 1, "nul.conf", &e2));
        cr_assert_not_null(e2);
}

Test(config, missing_file_gives_defaults) {
        g_autoptr(GError) e = NULL;
        g_autoptr(Config) c = config_load("/nonexistent/aarp/resolved.conf", &e);

        cr_assert_not_null(c);
        cr_assert_eq(c->anycast_ttl_sec, AARP_ANYCAST_TTL_SEC_DEFAULT);
}

Test(config, timespans) {
        uint64_t ms;

        cr_assert(config_parse_timespan("1", 100000, &ms) && ms == 1000);
        cr_assert(config_parse_timespan("0.5s", 100000, &ms) && ms == 500);
        cr_assert(config_parse_timespan("750ms", 100000, &ms) && ms == 750);
        cr_assert(config_parse_timespan("1min", 100000, &ms) && ms == 60000);
        cr_assert_not(config_parse_timespan("", 100000, &ms));
        cr_assert_not(config_parse_timespan("-1s", 100000, &ms));
        cr_assert_not(config_parse_timespan("1x", 100000, &ms));
        cr_assert_not(config_parse_timespan("1000s", 100000, &ms));
}

/* GetStatus shows config_foreach_key()'s pairs: every key, and values that
 * parse back to the same configuration. */
static void append_pair(const char *key, const char *value, gpointer user_data) {
        g_string_append_printf(user_data, "%s=%s\n", key, value);
}

static char *written(const Config *c) {
        GString *s = g_string_new("[Resolve]\n");

        config_foreach_key(c, append_pair, s);
        return g_string_free(s, FALSE);
}

Test(config, written_values_parse_back_to_the_same) {
        const char *text = "[Resolve]\nProbeTimeout=250ms\nAnycastTTL=1min\nMemberProbes=0\n"
                           "PublishSnapshot=no\nProbeAddresses=anycast-only\n"
                           "AnycastPrefixes=2001:db8:a::/64 2001:db8:b::1\nMemberScope=any\nProbeSocket=ping\n"
                           "LogLevel=debug\nDNSStubListener=yes\nDNSStubListenerAddress=127.0.0.99\n"
                           "DNS=2001:db8::53 192.0.2.53 fe80::1%1\nMapAnycastAnswers=yes\n";
        g_autoptr(GError) e = NULL;
        g_autoptr(Config) c = parse(text, &e);

        cr_assert_not_null(c, "%s", e ? e->message : "");
        g_autofree char *once = written(c);
        g_autoptr(Config) again = parse(once, &e);
        cr_assert_not_null(again, "%s: %s", once, e ? e->message : "");
        g_autofree char *twice = written(again);
        cr_assert_str_eq(once, twice);
        cr_assert(strstr(once, "\nProbeTimeout=250ms\n"));
        cr_assert(strstr(once, "\nAnycastTTL=60s\n"));
        cr_assert(strstr(once, "\nAnycastPrefixes=2001:db8:a::/64 2001:db8:b::1/128\n"));
        cr_assert(strstr(once, "\nLogLevel=debug\n"));
        cr_assert(strstr(once, "\nDNS=2001:db8::53 192.0.2.53 fe80::1%"));
}

Test(config, every_key_of_the_shipped_file_is_written) {
        g_autofree char *path = g_build_filename(g_getenv("AARP_SOURCE_ROOT"), "data", "resolved.conf", NULL);
        g_autofree char *data = NULL;
        g_autoptr(Config) c = config_new_default();
        g_autofree char *out = written(c);
        g_auto(GStrv) lines = NULL;
        unsigned keys = 0;

        cr_assert(g_file_get_contents(path, &data, NULL, NULL));
        lines = g_strsplit(data, "\n", -1);
        for (unsigned i = 0; lines[i]; i++) {
                char *eq = strchr(lines[i], '=');

                if (lines[i][0] != '#' || !eq || !g_ascii_isupper(lines[i][1]))
                        continue;
                g_autofree char *want = g_strdup_printf("\n%.*s=", (int) (eq - lines[i] - 1), lines[i] + 1);
                cr_assert(strstr(out, want), "%s is not written", want + 1);
                keys++;
        }
        unsigned lines_out = 0;
        for (const char *p = out; *p; p++)
                lines_out += *p == '\n';
        cr_assert_eq(lines_out, keys + 1, "as many keys as the file, after [Resolve]: %s", out);
}
