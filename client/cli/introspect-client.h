/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * introspect-client.h: GetStatus, ShowCache and Monitor from the client
 * side (aarp-resolve status, show-cache, monitor).
 *
 * GetStatus and ShowCache are ordinary calls (call_method(), either
 * transport).  Monitor needs a connection of its own to the system bus
 * that stays open and receives signals, which the request/reply transport
 * of bus-conn.c does not do, so it uses libdbus's DBusConnection: fine in
 * a command-line tool, never linked into the NSS module.
 *
 * Errors are the negative errno values of bus-client.h, plus -ESHUTDOWN:
 * the daemon left the bus (stopped) while monitoring.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus-client.h"

typedef struct BusSetting {
        char *key, *value;
} BusSetting;

typedef struct BusNameServer {
        char *used_by;       /* "names", "names,stub" or "stub" */
        BusAddress address;  /* the nameserver as configured */
        bool mapped;         /* a fresh AARP mapping is cached: */
        uint8_t member[16];  /* its member (IPv6) */
        uint64_t flags;      /* ANYCAST, UNICAST or NO_REPLY */
        uint32_t ttl_sec;    /* time left */
} BusNameServer;

typedef struct BusStatus {
        BusSetting *settings;
        size_t n_settings;
        char *probe_socket, *runtime_dir;
        BusNameServer *nameservers;
        size_t n_nameservers;
        char *stub_state, *stub_address;
} BusStatus;

/* GetStatus.  0 and a new *@ret (free with bus_status_free()), or a
 * negative errno. */
int bus_client_get_status(BusStatus **ret);
void bus_status_free(BusStatus *s);

typedef struct BusCachedAddress {
        int ifindex;
        uint8_t address[16];
        BusMember *members;
        size_t n_members;
        uint64_t flags;
        uint32_t ttl_sec;
} BusCachedAddress;

typedef struct BusCachedName {
        char *name;
        int family, ifindex;
        char *canonical;
        BusAddress *addresses;
        size_t n_addresses;
        uint64_t flags;
        uint32_t ttl_sec;
        char *error; /* "" for an answer, else a D-Bus error name */
} BusCachedName;

typedef struct BusCacheDump {
        BusCachedAddress *addresses;
        size_t n_addresses;
        BusCachedName *names;
        size_t n_names;
        uint32_t omitted;
} BusCacheDump;

/* ShowCache (root only: -EACCES otherwise).  0 and a new *@ret (free with
 * bus_cache_dump_free()), or a negative errno. */
int bus_client_show_cache(BusCacheDump **ret);
void bus_cache_dump_free(BusCacheDump *d);

/* One event of a Resolutions signal; everything is borrowed for the call. */
typedef struct BusMonitorEvent {
        uint64_t timestamp_usec; /* CLOCK_REALTIME */
        uint32_t uid;
        const char *method, *query, *error; /* error: "" on success */
        const char **answers;
        size_t n_answers;
        uint64_t flags;
        uint32_t ttl_sec;
        uint64_t rtt_usec;
} BusMonitorEvent;

typedef void (*BusMonitorEventFunc)(const BusMonitorEvent *event, void *user_data);
/* @n events were dropped for this monitor (it fell behind). */
typedef void (*BusMonitorDroppedFunc)(uint32_t n, void *user_data);

/* Subscribe with Monitor on the system bus and call @on_event for each
 * resolution reported, until @stop_fd becomes readable (returns 0), the
 * daemon leaves the bus or the bus goes away (-ESHUTDOWN), or a failure
 * (negative errno: -ECONNREFUSED when the daemon is not on the bus,
 * -ENOBUFS for too many monitors).  @on_subscribed (may be NULL) runs once
 * the subscription is in place. */
int bus_monitor_run(int stop_fd, void (*on_subscribed)(void *user_data), BusMonitorEventFunc on_event,
                    BusMonitorDroppedFunc on_dropped, void *user_data);
