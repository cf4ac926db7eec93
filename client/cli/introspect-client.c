/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * introspect-client.c: GetStatus and ShowCache read into plain structs,
 * and the Monitor loop (see introspect-client.h).  The replies' signatures
 * are checked by call_method() before anything here walks them.
 */
#include <dbus/dbus.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "bus-call.h"
#include "introspect-client.h"

/* ---- reading a reply ------------------------------------------------- */

static char *iter_string(DBusMessageIter *it) {
        const char *s = "";

        dbus_message_iter_get_basic(it, &s);
        dbus_message_iter_next(it);
        return strdup(s);
}

static uint64_t iter_u64(DBusMessageIter *it) {
        dbus_uint64_t v = 0;

        dbus_message_iter_get_basic(it, &v);
        dbus_message_iter_next(it);
        return v;
}

static uint32_t iter_u32(DBusMessageIter *it) {
        dbus_uint32_t v = 0;

        dbus_message_iter_get_basic(it, &v);
        dbus_message_iter_next(it);
        return v;
}

static int iter_i32(DBusMessageIter *it) {
        dbus_int32_t v = 0;

        dbus_message_iter_get_basic(it, &v);
        dbus_message_iter_next(it);
        return v;
}

/* An "ay" of at most @max bytes into @out; returns its length as sent. */
static size_t iter_bytes(DBusMessageIter *it, uint8_t *out, size_t max) {
        DBusMessageIter sub;
        const uint8_t *data = NULL;
        int n = 0;

        dbus_message_iter_recurse(it, &sub);
        dbus_message_iter_get_fixed_array(&sub, &data, &n);
        if (n > 0)
                memcpy(out, data, (size_t)n < max ? (size_t)n : max);
        dbus_message_iter_next(it);
        return (size_t)n;
}

static size_t array_length(DBusMessageIter *array) {
        DBusMessageIter sub;
        size_t n = 0;

        dbus_message_iter_recurse(array, &sub);
        while (dbus_message_iter_get_arg_type(&sub) != DBUS_TYPE_INVALID) {
                n++;
                dbus_message_iter_next(&sub);
        }
        return n;
}

/* Allocate @n elements of @size (at least one, so that NULL means ENOMEM). */
static void *alloc_array(size_t n, size_t size) {
        return calloc(n ? n : 1, size);
}

/* ---- GetStatus ------------------------------------------------------- */

void bus_status_free(BusStatus *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n_settings; i++) {
                free(s->settings[i].key);
                free(s->settings[i].value);
        }
        for (size_t i = 0; i < s->n_nameservers; i++)
                free(s->nameservers[i].used_by);
        free(s->settings);
        free(s->nameservers);
        free(s->probe_socket);
        free(s->runtime_dir);
        free(s->stub_state);
        free(s->stub_address);
        free(s);
}

int bus_client_get_status(BusStatus **ret) {
        DBusMessage *reply = NULL;
        DBusMessageIter it, array, entry;
        BusStatus *s;
        int r;

        r = call_method(AARP_MANAGER_INTERFACE, "GetStatus", "a(ss)ssa(sayiaytu)ss", &reply, DBUS_TYPE_INVALID);
        if (r < 0)
                return r;
        s = calloc(1, sizeof *s);
        if (!s) {
                dbus_message_unref(reply);
                return -ENOMEM;
        }
        dbus_message_iter_init(reply, &it);
        s->settings = alloc_array(array_length(&it), sizeof *s->settings);
        dbus_message_iter_recurse(&it, &array);
        while (s->settings && dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
                BusSetting *e = &s->settings[s->n_settings++];

                dbus_message_iter_recurse(&array, &entry);
                e->key = iter_string(&entry);
                e->value = iter_string(&entry);
                dbus_message_iter_next(&array);
        }
        dbus_message_iter_next(&it);
        s->probe_socket = iter_string(&it);
        s->runtime_dir = iter_string(&it);
        s->nameservers = alloc_array(array_length(&it), sizeof *s->nameservers);
        dbus_message_iter_recurse(&it, &array);
        while (s->nameservers && dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
                BusNameServer *e = &s->nameservers[s->n_nameservers++];
                size_t len;

                dbus_message_iter_recurse(&array, &entry);
                e->used_by = iter_string(&entry);
                len = iter_bytes(&entry, e->address.address, 16);
                e->address.family = len == 4 ? AF_INET : AF_INET6;
                e->address.ifindex = iter_i32(&entry);
                e->mapped = iter_bytes(&entry, e->member, 16) == 16;
                e->flags = iter_u64(&entry);
                e->ttl_sec = iter_u32(&entry);
                dbus_message_iter_next(&array);
        }
        dbus_message_iter_next(&it);
        s->stub_state = iter_string(&it);
        s->stub_address = iter_string(&it);
        dbus_message_unref(reply);
        if (!s->settings || !s->nameservers || !s->probe_socket || !s->runtime_dir || !s->stub_state ||
            !s->stub_address) {
                bus_status_free(s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

/* ---- ShowCache ------------------------------------------------------- */

void bus_cache_dump_free(BusCacheDump *d) {
        if (!d)
                return;
        for (size_t i = 0; i < d->n_addresses; i++)
                free(d->addresses[i].members);
        for (size_t i = 0; i < d->n_names; i++) {
                free(d->names[i].name);
                free(d->names[i].canonical);
                free(d->names[i].addresses);
                free(d->names[i].error);
        }
        free(d->addresses);
        free(d->names);
        free(d);
}

static int read_address_entry(DBusMessageIter *entry, BusCachedAddress *e) {
        DBusMessageIter members, member;

        e->ifindex = iter_i32(entry);
        iter_bytes(entry, e->address, 16);
        e->members = alloc_array(array_length(entry), sizeof *e->members);
        if (!e->members)
                return -ENOMEM;
        dbus_message_iter_recurse(entry, &members);
        while (dbus_message_iter_get_arg_type(&members) == DBUS_TYPE_STRUCT) {
                BusMember *m = &e->members[e->n_members++];

                dbus_message_iter_recurse(&members, &member);
                iter_bytes(&member, m->address, 16);
                m->rtt_usec = iter_u64(&member);
                dbus_message_iter_next(&members);
        }
        dbus_message_iter_next(entry);
        e->flags = iter_u64(entry);
        e->ttl_sec = iter_u32(entry);
        return 0;
}

static int read_name_entry(DBusMessageIter *entry, BusCachedName *e) {
        DBusMessageIter addresses, address;

        e->name = iter_string(entry);
        e->family = iter_i32(entry);
        e->ifindex = iter_i32(entry);
        e->canonical = iter_string(entry);
        e->addresses = alloc_array(array_length(entry), sizeof *e->addresses);
        if (!e->name || !e->canonical || !e->addresses)
                return -ENOMEM;
        dbus_message_iter_recurse(entry, &addresses);
        while (dbus_message_iter_get_arg_type(&addresses) == DBUS_TYPE_STRUCT) {
                BusAddress *a = &e->addresses[e->n_addresses++];

                dbus_message_iter_recurse(&addresses, &address);
                a->ifindex = iter_i32(&address);
                a->family = iter_i32(&address);
                iter_bytes(&address, a->address, 16);
                dbus_message_iter_next(&addresses);
        }
        dbus_message_iter_next(entry);
        e->flags = iter_u64(entry);
        e->ttl_sec = iter_u32(entry);
        e->error = iter_string(entry);
        return e->error ? 0 : -ENOMEM;
}

int bus_client_show_cache(BusCacheDump **ret) {
        DBusMessage *reply = NULL;
        DBusMessageIter it, array, entry;
        BusCacheDump *d;
        int r;

        r = call_method(AARP_MANAGER_INTERFACE, "ShowCache", "a(iaya(ayt)tu)a(siisa(iiay)tus)u", &reply,
                        DBUS_TYPE_INVALID);
        if (r < 0)
                return r;
        d = calloc(1, sizeof *d);
        if (!d) {
                dbus_message_unref(reply);
                return -ENOMEM;
        }
        dbus_message_iter_init(reply, &it);
        d->addresses = alloc_array(array_length(&it), sizeof *d->addresses);
        r = d->addresses ? 0 : -ENOMEM;
        dbus_message_iter_recurse(&it, &array);
        while (r == 0 && dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
                dbus_message_iter_recurse(&array, &entry);
                r = read_address_entry(&entry, &d->addresses[d->n_addresses++]);
                dbus_message_iter_next(&array);
        }
        dbus_message_iter_next(&it);
        d->names = alloc_array(array_length(&it), sizeof *d->names);
        if (r == 0 && !d->names)
                r = -ENOMEM;
        dbus_message_iter_recurse(&it, &array);
        while (r == 0 && dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
                dbus_message_iter_recurse(&array, &entry);
                r = read_name_entry(&entry, &d->names[d->n_names++]);
                dbus_message_iter_next(&array);
        }
        dbus_message_iter_next(&it);
        d->omitted = iter_u32(&it);
        dbus_message_unref(reply);
        if (r < 0) {
                bus_cache_dump_free(d);
                return r;
        }
        *ret = d;
        return 0;
}

/* ---- Monitor --------------------------------------------------------- */

#define NAME_OWNER_MATCH                                                                                    \
        "type='signal',sender='" DBUS_SERVICE_DBUS "',interface='" DBUS_INTERFACE_DBUS "',"             \
        "member='NameOwnerChanged',arg0='" AARP_BUS_NAME "'"

/* Call @method on @destination and wait (bounded) for its reply; 0 with
 * *@ret_reply (a method return), or a negative errno. */
static int monitor_call(DBusConnection *c, DBusMessage *m, DBusMessage **ret_reply) {
        DBusPendingCall *pending = NULL;
        DBusMessage *reply;
        int r;

        dbus_message_set_auto_start(m, FALSE);
        if (!dbus_connection_send_with_reply(c, m, &pending, (int)AARP_CLIENT_TIMEOUT_MSEC) || !pending)
                return -ECONNREFUSED;
        dbus_pending_call_block(pending);
        reply = dbus_pending_call_steal_reply(pending);
        dbus_pending_call_unref(pending);
        if (!reply)
                return -ETIMEDOUT;
        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                r = error_to_errno(reply);
                dbus_message_unref(reply);
                return r;
        }
        *ret_reply = reply;
        return 0;
}

/* The unique name of the daemon on the bus, into @owner. */
static int daemon_owner(DBusConnection *c, char *owner, size_t size) {
        DBusMessage *m, *reply = NULL;
        const char *name = AARP_BUS_NAME, *unique = NULL;
        int r;

        m = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "GetNameOwner");
        if (!m || !dbus_message_append_args(m, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID)) {
                if (m)
                        dbus_message_unref(m);
                return -ENOMEM;
        }
        r = monitor_call(c, m, &reply);
        dbus_message_unref(m);
        if (r < 0)
                return r;
        if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &unique, DBUS_TYPE_INVALID) ||
            strlen(unique) >= size)
                r = -EBADMSG;
        else
                strcpy(owner, unique);
        dbus_message_unref(reply);
        return r;
}

/* One Resolutions signal: every event to @on_event, then the drops. */
static void monitor_deliver(DBusMessage *msg, BusMonitorEventFunc on_event, BusMonitorDroppedFunc on_dropped,
                            void *user_data) {
        DBusMessageIter it, events, event, answers;

        dbus_message_iter_init(msg, &it);
        dbus_message_iter_recurse(&it, &events);
        while (dbus_message_iter_get_arg_type(&events) == DBUS_TYPE_STRUCT) {
                const char *list[AARP_ADDRESSES_MAX];
                BusMonitorEvent e = {.answers = list};

                dbus_message_iter_recurse(&events, &event);
                e.timestamp_usec = iter_u64(&event);
                e.uid = iter_u32(&event);
                dbus_message_iter_get_basic(&event, &e.method);
                dbus_message_iter_next(&event);
                dbus_message_iter_get_basic(&event, &e.query);
                dbus_message_iter_next(&event);
                dbus_message_iter_get_basic(&event, &e.error);
                dbus_message_iter_next(&event);
                dbus_message_iter_recurse(&event, &answers);
                while (dbus_message_iter_get_arg_type(&answers) == DBUS_TYPE_STRING &&
                       e.n_answers < AARP_ADDRESSES_MAX) {
                        dbus_message_iter_get_basic(&answers, &list[e.n_answers++]);
                        dbus_message_iter_next(&answers);
                }
                dbus_message_iter_next(&event);
                e.flags = iter_u64(&event);
                e.ttl_sec = iter_u32(&event);
                e.rtt_usec = iter_u64(&event);
                on_event(&e, user_data);
                dbus_message_iter_next(&events);
        }
        dbus_message_iter_next(&it);
        uint32_t dropped = iter_u32(&it);
        if (dropped > 0 && on_dropped)
                on_dropped(dropped, user_data);
}

/* 1 to go on, or why monitoring ends (-ESHUTDOWN). */
static int monitor_handle(DBusMessage *msg, const char *owner, BusMonitorEventFunc on_event,
                          BusMonitorDroppedFunc on_dropped, void *user_data) {
        const char *name = NULL, *old_owner = NULL, *new_owner = NULL;

        if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected"))
                return -ESHUTDOWN;
        if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
            dbus_message_has_sender(msg, DBUS_SERVICE_DBUS) &&
            dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &old_owner,
                                  DBUS_TYPE_STRING, &new_owner, DBUS_TYPE_INVALID) &&
            strcmp(name, AARP_BUS_NAME) == 0 && strcmp(new_owner, owner) != 0)
                return -ESHUTDOWN;
        /* The bus sets the sender: only the daemon's own signals count. */
        if (dbus_message_is_signal(msg, AARP_MANAGER_INTERFACE, AARP_MONITOR_SIGNAL) &&
            dbus_message_has_sender(msg, owner) && dbus_message_has_signature(msg, "a(tusssastut)u"))
                monitor_deliver(msg, on_event, on_dropped, user_data);
        return 1;
}

int bus_monitor_run(int stop_fd, void (*on_subscribed)(void *user_data), BusMonitorEventFunc on_event,
                    BusMonitorDroppedFunc on_dropped, void *user_data) {
        DBusError error;
        DBusConnection *c;
        DBusMessage *m, *reply = NULL;
        char owner[256];
        int r, fd = -1;

        dbus_error_init(&error);
        c = dbus_bus_get_private(DBUS_BUS_SYSTEM, &error);
        dbus_error_free(&error);
        if (!c)
                return -ECONNREFUSED;
        dbus_connection_set_exit_on_disconnect(c, FALSE);

        /* Watch for the daemon leaving before subscribing, so that no
         * moment goes unwatched. */
        dbus_bus_add_match(c, NAME_OWNER_MATCH, &error);
        if (dbus_error_is_set(&error)) {
                dbus_error_free(&error);
                r = -EPROTO;
                goto out;
        }
        r = daemon_owner(c, owner, sizeof owner);
        if (r < 0)
                goto out;
        m = dbus_message_new_method_call(AARP_BUS_NAME, AARP_OBJECT_PATH, AARP_MANAGER_INTERFACE, "Monitor");
        if (!m) {
                r = -ENOMEM;
                goto out;
        }
        r = monitor_call(c, m, &reply);
        dbus_message_unref(m);
        if (r < 0)
                goto out;
        dbus_message_unref(reply);
        if (on_subscribed)
                on_subscribed(user_data);

        if (!dbus_connection_get_unix_fd(c, &fd)) {
                r = -ESHUTDOWN;
                goto out;
        }
        for (;;) {
                DBusMessage *msg;
                struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = stop_fd, .events = POLLIN}};

                while ((msg = dbus_connection_pop_message(c))) {
                        r = monitor_handle(msg, owner, on_event, on_dropped, user_data);
                        dbus_message_unref(msg);
                        if (r <= 0)
                                goto out;
                }
                if (dbus_connection_has_messages_to_send(c))
                        p[0].events |= POLLOUT;
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto out;
                }
                if (p[1].revents) {
                        r = 0;
                        goto out;
                }
                /* FALSE once the bus connection is gone and its
                 * Disconnected message was taken. */
                if (!dbus_connection_read_write(c, 0)) {
                        r = -ESHUTDOWN;
                        goto out;
                }
        }
out:
        dbus_connection_close(c);
        dbus_connection_unref(c);
        return r;
}
