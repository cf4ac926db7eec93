/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What aarp-resolve status, show-cache and monitor print
 * (client/introspect-format.c): the text lines scripts and people read,
 * JSON that escapes whatever the daemon sent, error names shortened. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aarp-def.h"
#include "introspect-format.h"

typedef struct {
        char *buf;
        size_t size;
        FILE *f;
} Out;

static void out_open(Out *o) {
        o->buf = NULL;
        o->f = open_memstream(&o->buf, &o->size);
        cr_assert_not_null(o->f);
}

static char *out_close(Out *o) {
        fclose(o->f);
        return o->buf;
}

Test(introspect_format, error_names_are_shortened_only_for_ours) {
        cr_assert_str_eq(cli_error_short_name(AARP_ERROR_NO_SUCH_NAME), "NoSuchName");
        cr_assert_str_eq(cli_error_short_name("org.freedesktop.DBus.Error.Failed"),
                         "org.freedesktop.DBus.Error.Failed");
        cr_assert_str_eq(cli_error_short_name(AARP_ERROR_PREFIX), AARP_ERROR_PREFIX);
}

static BusMonitorEvent event(const char **answers, size_t n) {
        return (BusMonitorEvent) {
                .timestamp_usec = 1000000u * 3600u + 5000u,
                .uid = 65534,
                .method = "ResolveAddress",
                .query = "2001:db8:a::1",
                .error = "",
                .answers = answers,
                .n_answers = n,
                .flags = AARP_FLAG_ANYCAST | AARP_FLAG_FROM_CACHE,
                .ttl_sec = 42,
                .rtt_usec = 1500,
        };
}

Test(introspect_format, monitor_text_line_says_who_what_answer_source_rtt) {
        const char *answers[] = { "2001:db8:11::2" };
        BusMonitorEvent e = event(answers, 1);
        Out o;

        out_open(&o);
        cli_print_monitor_event(o.f, &e, false);
        char *s = out_close(&o);
        const char *rest = strchr(s, ' ');
        cr_assert_not_null(rest);
        cr_assert_str_eq(rest, " uid 65534 ResolveAddress 2001:db8:a::1 -> 2001:db8:11::2 "
                               "(cache, ttl 42s, anycast, rtt 1.500ms)\n");
        cr_assert(strncmp(s + 8, ".005 ", 5) == 0, "milliseconds after the time: %s", s);
        free(s);
}

Test(introspect_format, monitor_text_line_of_an_error_names_it) {
        BusMonitorEvent e = event(NULL, 0);
        Out o;

        e.method = "ResolveHostname";
        e.query = "nosuch.lab";
        e.error = AARP_ERROR_NO_SUCH_NAME;
        out_open(&o);
        cli_print_monitor_event(o.f, &e, false);
        char *s = out_close(&o);
        cr_assert(strstr(s, " uid 65534 ResolveHostname nosuch.lab -> NoSuchName\n"), "%s", s);
        free(s);
}

Test(introspect_format, monitor_json_is_one_escaped_line) {
        const char *answers[] = { "a\"b", "c\\d" };
        BusMonitorEvent e = event(answers, 2);
        Out o;

        e.query = "bad\n\"name";
        out_open(&o);
        cli_print_monitor_event(o.f, &e, true);
        char *s = out_close(&o);
        cr_assert_str_eq(s, "{\"timestamp_usec\": 3600005000, \"uid\": 65534, \"method\": \"ResolveAddress\", "
                            "\"query\": \"bad\\n\\\"name\", \"answers\": [\"a\\\"b\", \"c\\\\d\"], "
                            "\"error\": null, \"source\": \"cache\", \"flags\": 196608, \"ttl_sec\": 42, "
                            "\"rtt_usec\": 1500}\n");
        free(s);
}

Test(introspect_format, dropped_events_are_said_in_both_forms) {
        Out o;

        out_open(&o);
        cli_print_monitor_dropped(o.f, 7, true);
        cli_print_monitor_dropped(o.f, 7, false);
        char *s = out_close(&o);
        cr_assert_str_eq(s, "{\"dropped\": 7}\n(7 events dropped: this monitor fell behind)\n");
        free(s);
}

static BusStatus *status(void) {
        static BusSetting settings[] = { { "AnycastTTL", "60s" }, { "DNS", "" } };
        static BusNameServer servers[2] = {
                { .used_by = "names", .mapped = true, .flags = AARP_FLAG_ANYCAST, .ttl_sec = 30 },
                { .used_by = "names,stub" },
        };
        static BusStatus s = {
                .settings = settings, .n_settings = 2, .probe_socket = "ping", .runtime_dir = "/run/x",
                .nameservers = servers, .n_nameservers = 2, .stub_state = "off", .stub_address = "",
        };

        servers[0].address.family = AF_INET6;
        inet_pton(AF_INET6, "2001:db8:a::53", servers[0].address.address);
        inet_pton(AF_INET6, "2001:db8:11::53", servers[0].member);
        servers[1].address.family = AF_INET;
        inet_pton(AF_INET, "192.0.2.53", servers[1].address.address);
        return &s;
}

Test(introspect_format, status_text_shows_each_nameserver_and_its_member) {
        Out o;

        out_open(&o);
        cli_print_status(o.f, status(), false);
        char *s = out_close(&o);
        cr_assert(strstr(s, "              AnycastTTL: 60s\n                     DNS:\n"), "%s", s);
        cr_assert(strstr(s, "Probe socket: ICMPv6 ping socket (unprivileged)\n"), "%s", s);
        cr_assert(strstr(s, "  2001:db8:a::53 -> 2001:db8:11::53 (anycast, ttl 30s) [names]\n"), "%s", s);
        cr_assert(strstr(s, "  192.0.2.53 (IPv4: used as it is) [names,stub]\n"), "%s", s);
        cr_assert(strstr(s, "DNS stub listener: off\n"), "%s", s);
        free(s);
}

Test(introspect_format, status_json_has_every_part) {
        Out o;

        out_open(&o);
        cli_print_status(o.f, status(), true);
        char *s = out_close(&o);
        cr_assert(strncmp(s, "{\"settings\": {\"AnycastTTL\": \"60s\", \"DNS\": \"\"}, \"probe_socket\": \"ping\", "
                             "\"runtime_dir\": \"/run/x\", \"nameservers\": [{\"address\": \"2001:db8:a::53\", ",
                          strlen("{\"settings\": {\"AnycastTTL\": \"60s\", \"DNS\": \"\"}, \"probe_socket\": \"ping\", "
                                 "\"runtime_dir\": \"/run/x\", \"nameservers\": [{\"address\": \"2001:db8:a::53\", ")) == 0,
                  "%s", s);
        cr_assert(strstr(s, "\"member\": \"2001:db8:11::53\", \"kind\": \"anycast\""), "%s", s);
        cr_assert(strstr(s, "\"member\": null"), "%s", s);
        cr_assert(strstr(s, "\"stub\": {\"state\": \"off\", \"address\": null}}\n"), "%s", s);
        free(s);
}

Test(introspect_format, cache_text_lists_members_and_negative_names) {
        BusMember members[2] = { { .rtt_usec = 350 }, { .rtt_usec = 1200 } };
        BusCachedAddress a = { .members = members, .n_members = 2, .flags = AARP_FLAG_ANYCAST, .ttl_sec = 12 };
        BusCachedName names[2] = {
                { .name = "nx.lab", .family = AF_INET, .canonical = "", .error = AARP_ERROR_NO_SUCH_NAME, .ttl_sec = 5 },
                { .name = "svc.lab", .family = AF_INET6, .canonical = "real.lab", .error = "", .ttl_sec = 9,
                  .flags = AARP_FLAG_ANYCAST },
        };
        BusAddress answer = { .family = AF_INET6 };
        BusCacheDump d = { .addresses = &a, .n_addresses = 1, .names = names, .n_names = 2, .omitted = 3 };
        Out o;

        inet_pton(AF_INET6, "2001:db8:a::1", a.address);
        inet_pton(AF_INET6, "2001:db8:11::2", members[0].address);
        inet_pton(AF_INET6, "2001:db8:12::2", members[1].address);
        inet_pton(AF_INET6, "2001:db8:11::2", answer.address);
        names[1].addresses = &answer;
        names[1].n_addresses = 1;
        out_open(&o);
        cli_print_cache(o.f, &d, false);
        char *s = out_close(&o);
        cr_assert(strstr(s, "  2001:db8:a::1: 2001:db8:11::2 (rtt 0.350ms), 2001:db8:12::2 (rtt 1.200ms) -- "
                            "anycast, ttl 12s\n"), "%s", s);
        cr_assert(strstr(s, "  nx.lab A: NoSuchName, ttl 5s\n"), "%s", s);
        cr_assert(strstr(s, "  svc.lab AAAA: 2001:db8:11::2 -- anycast, canonical real.lab, ttl 9s\n"), "%s", s);
        cr_assert(strstr(s, "3 more entries left out"), "%s", s);
        free(s);

        out_open(&o);
        cli_print_cache(o.f, &d, true);
        s = out_close(&o);
        cr_assert(strstr(s, "\"error\": \"NoSuchName\""), "%s", s);
        cr_assert(strstr(s, "\"omitted\": 3}\n"), "%s", s);
        free(s);
}
