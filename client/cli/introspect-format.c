/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * introspect-format.c: the text and JSON of aarp-resolve status,
 * show-cache and monitor (see introspect-format.h).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "aarp-def.h"
#include "introspect-format.h"
#include "json-out.h"
#include "resolve-cli.h"

const char *cli_error_short_name(const char *dbus_name) {
        size_t n = strlen(AARP_ERROR_PREFIX);

        if (strncmp(dbus_name, AARP_ERROR_PREFIX, n) == 0 && dbus_name[n])
                return dbus_name + n;
        return dbus_name;
}

static const char *address_text(int family, const void *address, char text[static INET6_ADDRSTRLEN]) {
        if (!inet_ntop(family, address, text, INET6_ADDRSTRLEN))
                strcpy(text, "?");
        return text;
}

/* ---- status ---------------------------------------------------------- */

static void nameserver_text(FILE *f, const BusNameServer *ns) {
        char text[INET6_ADDRSTRLEN];

        fprintf(f, "  %s", address_text(ns->address.family, ns->address.address, text));
        if (ns->address.ifindex > 0)
                fprintf(f, "%%%d", ns->address.ifindex);
        if (ns->mapped)
                fprintf(f, " -> %s (%s, ttl %" PRIu32 "s)", address_text(AF_INET6, ns->member, text),
                        cli_flags_kind(ns->flags), ns->ttl_sec);
        else if (ns->address.family == AF_INET)
                fputs(" (IPv4: used as it is)", f);
        else
                fputs(" (no mapping cached: not probed, or not asked yet)", f);
        fprintf(f, " [%s]\n", ns->used_by);
}

static void nameserver_json(FILE *f, const BusNameServer *ns) {
        char text[INET6_ADDRSTRLEN];

        fprintf(f, "{\"address\": \"%s\", \"ifindex\": %d, \"used_by\": ",
                address_text(ns->address.family, ns->address.address, text), ns->address.ifindex);
        json_write_string(f, ns->used_by);
        if (ns->mapped)
                fprintf(f, ", \"member\": \"%s\", \"kind\": \"%s\", \"flags\": %" PRIu64 ", \"ttl_sec\": %" PRIu32 "}",
                        address_text(AF_INET6, ns->member, text), cli_flags_kind(ns->flags), ns->flags, ns->ttl_sec);
        else
                fputs(", \"member\": null, \"kind\": null, \"flags\": 0, \"ttl_sec\": 0}", f);
}

void cli_print_status(FILE *f, const BusStatus *s, bool json) {
        if (json) {
                fputs("{\"settings\": {", f);
                for (size_t i = 0; i < s->n_settings; i++) {
                        fputs(i ? ", " : "", f);
                        json_write_string(f, s->settings[i].key);
                        fputs(": ", f);
                        json_write_string(f, s->settings[i].value);
                }
                fputs("}, \"probe_socket\": ", f);
                json_write_string(f, s->probe_socket);
                fputs(", \"runtime_dir\": ", f);
                json_write_string(f, s->runtime_dir);
                fputs(", \"nameservers\": [", f);
                for (size_t i = 0; i < s->n_nameservers; i++) {
                        fputs(i ? ", " : "", f);
                        nameserver_json(f, &s->nameservers[i]);
                }
                fputs("], \"stub\": {\"state\": ", f);
                json_write_string(f, s->stub_state);
                fputs(", \"address\": ", f);
                if (*s->stub_address)
                        json_write_string(f, s->stub_address);
                else
                        fputs("null", f);
                fputs("}}\n", f);
                return;
        }
        fputs("Settings in force:\n", f);
        for (size_t i = 0; i < s->n_settings; i++)
                fprintf(f, "%24s:%s%s\n", s->settings[i].key, *s->settings[i].value ? " " : "",
                        s->settings[i].value);
        fprintf(f, "\nProbe socket: %s\n", strcmp(s->probe_socket, "raw") == 0 ? "raw ICMPv6 socket (CAP_NET_RAW)"
                                          : strcmp(s->probe_socket, "ping") == 0 ? "ICMPv6 ping socket (unprivileged)"
                                                                                : s->probe_socket);
        fprintf(f, "Runtime directory: %s\n", s->runtime_dir);
        fputs("\nUpstream nameservers (each mapped to its member with AARP):\n", f);
        if (s->n_nameservers == 0)
                fputs("  none\n", f);
        for (size_t i = 0; i < s->n_nameservers; i++)
                nameserver_text(f, &s->nameservers[i]);
        fputs("\nDNS stub listener: ", f);
        if (strcmp(s->stub_state, "listening") == 0)
                fprintf(f, "listening on %s (UDP and TCP)\n", s->stub_address);
        else if (strcmp(s->stub_state, "failed") == 0)
                fputs("failed (DNSStubListener=yes, but its sockets could not be had: see the daemon's log)\n", f);
        else
                fprintf(f, "%s\n", s->stub_state);
}

/* ---- show-cache ------------------------------------------------------ */

static const char *family_type(int family) {
        return family == AF_INET6 ? "AAAA" : family == AF_INET ? "A" : "ANY";
}

static void address_entry_text(FILE *f, const BusCachedAddress *e) {
        char text[INET6_ADDRSTRLEN], rtt[CLI_RTT_MAX];

        fprintf(f, "  %s", address_text(AF_INET6, e->address, text));
        if (e->ifindex > 0)
                fprintf(f, "%%%d", e->ifindex);
        fputs(":", f);
        for (size_t i = 0; i < e->n_members; i++)
                fprintf(f, "%s %s (rtt %s)", i ? "," : "", address_text(AF_INET6, e->members[i].address, text),
                        cli_format_rtt(e->members[i].rtt_usec, rtt));
        fprintf(f, " -- %s, ttl %" PRIu32 "s\n", cli_flags_kind(e->flags), e->ttl_sec);
}

static void address_entry_json(FILE *f, const BusCachedAddress *e) {
        char text[INET6_ADDRSTRLEN];

        fprintf(f, "{\"address\": \"%s\", \"ifindex\": %d, \"members\": ", address_text(AF_INET6, e->address, text),
                e->ifindex);
        json_write_members(f, AF_INET6, e->members, e->n_members);
        fprintf(f, ", \"kind\": \"%s\", \"flags\": %" PRIu64 ", \"ttl_sec\": %" PRIu32 "}", cli_flags_kind(e->flags),
                e->flags, e->ttl_sec);
}

static void name_entry_text(FILE *f, const BusCachedName *e) {
        char text[INET6_ADDRSTRLEN];

        fprintf(f, "  %s %s", e->name, family_type(e->family));
        if (e->ifindex > 0)
                fprintf(f, " (ifindex %d)", e->ifindex);
        if (*e->error) {
                fprintf(f, ": %s, ttl %" PRIu32 "s\n", cli_error_short_name(e->error), e->ttl_sec);
                return;
        }
        fputs(":", f);
        for (size_t i = 0; i < e->n_addresses; i++)
                fprintf(f, "%s %s", i ? "," : "", address_text(e->addresses[i].family, e->addresses[i].address, text));
        fprintf(f, " -- %s", (e->flags & AARP_FLAG_ANYCAST) ? "anycast" : "unicast");
        if (*e->canonical && strcmp(e->canonical, e->name) != 0)
                fprintf(f, ", canonical %s", e->canonical);
        fprintf(f, ", ttl %" PRIu32 "s\n", e->ttl_sec);
}

static void name_entry_json(FILE *f, const BusCachedName *e) {
        char text[INET6_ADDRSTRLEN];

        fputs("{\"name\": ", f);
        json_write_string(f, e->name);
        fprintf(f, ", \"type\": \"%s\", \"ifindex\": %d, \"canonical\": ", family_type(e->family), e->ifindex);
        json_write_string(f, e->canonical);
        fputs(", \"addresses\": [", f);
        for (size_t i = 0; i < e->n_addresses; i++)
                fprintf(f, "%s{\"family\": \"%s\", \"address\": \"%s\", \"ifindex\": %d}", i ? ", " : "",
                        e->addresses[i].family == AF_INET6 ? "inet6" : "inet",
                        address_text(e->addresses[i].family, e->addresses[i].address, text), e->addresses[i].ifindex);
        fprintf(f, "], \"flags\": %" PRIu64 ", \"ttl_sec\": %" PRIu32 ", \"error\": ", e->flags, e->ttl_sec);
        if (*e->error)
                json_write_string(f, cli_error_short_name(e->error));
        else
                fputs("null", f);
        fputc('}', f);
}

void cli_print_cache(FILE *f, const BusCacheDump *d, bool json) {
        if (json) {
                fputs("{\"addresses\": [", f);
                for (size_t i = 0; i < d->n_addresses; i++) {
                        fputs(i ? ", " : "", f);
                        address_entry_json(f, &d->addresses[i]);
                }
                fputs("], \"names\": [", f);
                for (size_t i = 0; i < d->n_names; i++) {
                        fputs(i ? ", " : "", f);
                        name_entry_json(f, &d->names[i]);
                }
                fprintf(f, "], \"omitted\": %" PRIu32 "}\n", d->omitted);
                return;
        }
        fprintf(f, "Anycast mappings and probed addresses (%zu):\n", d->n_addresses);
        for (size_t i = 0; i < d->n_addresses; i++)
                address_entry_text(f, &d->addresses[i]);
        fprintf(f, "\nHost names (%zu):\n", d->n_names);
        for (size_t i = 0; i < d->n_names; i++)
                name_entry_text(f, &d->names[i]);
        if (d->omitted > 0)
                fprintf(f, "\n%" PRIu32 " more entries left out (the reply is bounded)\n", d->omitted);
}

/* ---- monitor --------------------------------------------------------- */

void cli_print_monitor_event(FILE *f, const BusMonitorEvent *e, bool json) {
        char rtt[CLI_RTT_MAX];

        if (json) {
                fprintf(f, "{\"timestamp_usec\": %" PRIu64 ", \"uid\": %" PRIu32 ", \"method\": ", e->timestamp_usec,
                        e->uid);
                json_write_string(f, e->method);
                fputs(", \"query\": ", f);
                json_write_string(f, e->query);
                fputs(", \"answers\": [", f);
                for (size_t i = 0; i < e->n_answers; i++) {
                        fputs(i ? ", " : "", f);
                        json_write_string(f, e->answers[i]);
                }
                fputs("], \"error\": ", f);
                if (*e->error)
                        json_write_string(f, cli_error_short_name(e->error));
                else
                        fputs("null", f);
                fprintf(f, ", \"source\": \"%s\", \"flags\": %" PRIu64 ", \"ttl_sec\": %" PRIu32
                           ", \"rtt_usec\": %" PRIu64 "}\n",
                        *e->error ? "none" : cli_flags_source(e->flags), e->flags, e->ttl_sec, e->rtt_usec);
                return;
        }

        time_t sec = (time_t)(e->timestamp_usec / 1000000u);
        struct tm tm;
        char when[16] = "?";

        if (localtime_r(&sec, &tm))
                strftime(when, sizeof when, "%H:%M:%S", &tm);
        fprintf(f, "%s.%03u uid %" PRIu32 " %s %s -> ", when, (unsigned)(e->timestamp_usec / 1000u % 1000u), e->uid,
                e->method, e->query);
        if (*e->error) {
                fprintf(f, "%s\n", cli_error_short_name(e->error));
                return;
        }
        for (size_t i = 0; i < e->n_answers; i++)
                fprintf(f, "%s%s", i ? ", " : "", e->answers[i]);
        if (e->n_answers == 0)
                fputs("(nothing)", f);
        fprintf(f, " (%s, ttl %" PRIu32 "s", cli_flags_source(e->flags), e->ttl_sec);
        if (e->flags & AARP_FLAG_ANYCAST)
                fputs(", anycast", f);
        if (e->rtt_usec > 0)
                fprintf(f, ", rtt %s", cli_format_rtt(e->rtt_usec, rtt));
        fputs(")\n", f);
}

void cli_print_monitor_dropped(FILE *f, uint32_t n, bool json) {
        if (json)
                fprintf(f, "{\"dropped\": %" PRIu32 "}\n", n);
        else
                fprintf(f, "(%" PRIu32 " events dropped: this monitor fell behind)\n", n);
}
