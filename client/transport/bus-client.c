/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-client.c: the D-Bus calls to aarp-resolved (see bus-client.h):
 * building each method's arguments and reading its reply, over
 * call_method() (bus-call.c).
 */
#include <dbus/dbus.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aarp-def.h"
#include "bus-call.h"
#include "bus-client.h"
#include "bus-conn.h"
/* ResolveHostname, or with @ret_ttl_sec ResolveHostnameEx, which adds the
 * answer's TTL. */
static int resolve_hostname(int ifindex, const char *name, int family, uint64_t flags, BusAddress **ret_addresses,
                            size_t *ret_n_addresses, char **ret_canonical, uint64_t *ret_flags,
                            uint32_t *ret_ttl_sec) {
        DBusMessage *reply = NULL;
        DBusMessageIter it, array;
        BusAddress *addresses = NULL;
        const char *canonical = NULL;
        char *canonical_copy = NULL;
        dbus_int32_t ifindex32 = ifindex, family32 = family;
        dbus_uint64_t flags64 = flags, out_flags = 0;
        dbus_uint32_t ttl = 0;
        size_t n = 0, n_alloc;
        int r;

        if (!name)
                return -EINVAL;
        /* libdbus aborts the process on a string that is not UTF-8: check
         * first, and refuse what the daemon would refuse anyway. */
        if (strlen(name) > AARP_NAME_MAX + 1 || !dbus_validate_utf8(name, NULL))
                return -EILSEQ;

        r = call_method(AARP_MANAGER_INTERFACE, ret_ttl_sec ? "ResolveHostnameEx" : "ResolveHostname",
                        ret_ttl_sec ? "a(iiay)stu" : "a(iiay)st", &reply, DBUS_TYPE_INT32, &ifindex32,
                        DBUS_TYPE_STRING, &name, DBUS_TYPE_INT32, &family32, DBUS_TYPE_UINT64, &flags64,
                        DBUS_TYPE_INVALID);
        if (r < 0)
                return r;

        r = -EBADMSG;
        dbus_message_iter_init(reply, &it);
        n_alloc = (size_t)dbus_message_iter_get_element_count(&it);
        if (n_alloc == 0)
                goto finish; /* the contract promises at least one */
        addresses = calloc(n_alloc, sizeof *addresses);
        if (!addresses) {
                r = -ENOMEM;
                goto finish;
        }
        dbus_message_iter_recurse(&it, &array);
        while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT && n < n_alloc) {
                DBusMessageIter st, bytes;
                dbus_int32_t ai, af;
                const uint8_t *data = NULL;
                int size = 0;

                dbus_message_iter_recurse(&array, &st);
                dbus_message_iter_get_basic(&st, &ai);
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &af);
                dbus_message_iter_next(&st);
                dbus_message_iter_recurse(&st, &bytes);
                dbus_message_iter_get_fixed_array(&bytes, &data, &size);
                if (!((af == AF_INET && size == 4) || (af == AF_INET6 && size == 16)))
                        goto finish;
                addresses[n].ifindex = ai;
                addresses[n].family = af;
                memcpy(addresses[n].address, data, (size_t)size);
                n++;
                dbus_message_iter_next(&array);
        }
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &canonical);
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &out_flags);
        if (ret_ttl_sec) {
                dbus_message_iter_next(&it);
                dbus_message_iter_get_basic(&it, &ttl);
        }

        if (ret_canonical) {
                canonical_copy = strdup(canonical);
                if (!canonical_copy) {
                        r = -ENOMEM;
                        goto finish;
                }
                *ret_canonical = canonical_copy;
        }
        if (ret_addresses) {
                *ret_addresses = addresses;
                addresses = NULL;
        }
        if (ret_n_addresses)
                *ret_n_addresses = n;
        if (ret_flags)
                *ret_flags = out_flags;
        if (ret_ttl_sec)
                *ret_ttl_sec = ttl;
        r = 0;

finish:
        free(addresses);
        dbus_message_unref(reply);
        return r;
}

int bus_client_resolve_hostname(int ifindex, const char *name, int family, uint64_t flags,
                                BusAddress **ret_addresses, size_t *ret_n_addresses, char **ret_canonical,
                                uint64_t *ret_flags) {
        return resolve_hostname(ifindex, name, family, flags, ret_addresses, ret_n_addresses, ret_canonical,
                                ret_flags, NULL);
}

int bus_client_resolve_hostname_ttl(int ifindex, const char *name, int family, uint64_t flags,
                                    BusAddress **ret_addresses, size_t *ret_n_addresses, char **ret_canonical,
                                    uint64_t *ret_flags, uint32_t *ret_ttl_sec) {
        uint32_t ttl = 0;
        int r = resolve_hostname(ifindex, name, family, flags, ret_addresses, ret_n_addresses, ret_canonical,
                                 ret_flags, &ttl);

        /* A daemon older than ResolveHostnameEx (during an upgrade): the
         * answer without its TTL, 0, which no cache keeps. */
        if (r == -ENOSYS) {
                ttl = 0;
                r = resolve_hostname(ifindex, name, family, flags, ret_addresses, ret_n_addresses, ret_canonical,
                                     ret_flags, NULL);
        }
        if (r == 0 && ret_ttl_sec)
                *ret_ttl_sec = ttl;
        return r;
}

int bus_client_resolve_address_name(int ifindex, int family, const void *address, uint64_t flags, char **ret_names,
                                    size_t *ret_n_names, uint32_t *ret_ttl_sec) {
        DBusMessage *reply = NULL;
        DBusMessageIter it, array;
        dbus_int32_t ifindex32 = ifindex, family32 = family;
        dbus_uint64_t flags64 = flags, out_flags = 0;
        dbus_uint32_t ttl = 0;
        const uint8_t *bytes = address;
        int size = family == AF_INET ? 4 : 16;
        char *names = NULL;
        size_t n = 0, used = 0, alloc = 0;
        int r;

        if (!address || (family != AF_INET && family != AF_INET6))
                return -EINVAL;
        r = call_method(AARP_MANAGER_INTERFACE, "ResolveAddressName", "asut", &reply, DBUS_TYPE_INT32, &ifindex32,
                        DBUS_TYPE_INT32, &family32, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &bytes, size, DBUS_TYPE_UINT64,
                        &flags64, DBUS_TYPE_INVALID);
        if (r < 0)
                return r;

        r = -EBADMSG;
        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &array);
        /* The names one after the other, each with its NUL, then one more
         * NUL: one allocation for the caller to free. */
        while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRING) {
                const char *name;
                size_t len;

                dbus_message_iter_get_basic(&array, &name);
                len = strlen(name);
                if (len == 0 || len > AARP_NAME_MAX + 1)
                        goto finish;
                if (used + len + 2 > alloc) {
                        size_t want = (used + len + 2) * 2;
                        char *p = realloc(names, want);
                        if (!p) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        names = p;
                        alloc = want;
                }
                memcpy(names + used, name, len + 1);
                used += len + 1;
                n++;
                dbus_message_iter_next(&array);
        }
        if (n == 0)
                goto finish; /* the contract promises at least one */
        names[used] = '\0';
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &ttl);
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &out_flags);

        if (ret_names) {
                *ret_names = names;
                names = NULL;
        }
        if (ret_n_names)
                *ret_n_names = n;
        if (ret_ttl_sec)
                *ret_ttl_sec = ttl;
        r = 0;

finish:
        free(names);
        dbus_message_unref(reply);
        return r;
}

int bus_client_resolve_address(int ifindex, const void *address, size_t address_size, uint64_t flags,
                               void *ret_unicast, uint64_t *ret_flags, uint32_t *ret_ttl_sec,
                               uint64_t *ret_rtt_usec) {
        DBusMessage *reply = NULL;
        DBusMessageIter it, bytes;
        dbus_int32_t ifindex32 = ifindex;
        dbus_uint64_t flags64 = flags, out_flags = 0, rtt = 0;
        dbus_uint32_t ttl = 0;
        const uint8_t *data = NULL;
        int size = 0, r;

        if (!address || (address_size != 4 && address_size != 16))
                return -EINVAL;

        r = call_method(AARP_MANAGER_INTERFACE, "ResolveAddress", "aytut", &reply, DBUS_TYPE_INT32, &ifindex32,
                        DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &address, (int)address_size, DBUS_TYPE_UINT64, &flags64,
                        DBUS_TYPE_INVALID);
        if (r < 0)
                return r;

        r = -EBADMSG;
        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &bytes);
        dbus_message_iter_get_fixed_array(&bytes, &data, &size);
        if ((size_t)size != address_size)
                goto finish;
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &out_flags);
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &ttl);
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &rtt);

        if (ret_unicast)
                memcpy(ret_unicast, data, address_size);
        if (ret_flags)
                *ret_flags = out_flags;
        if (ret_ttl_sec)
                *ret_ttl_sec = ttl;
        if (ret_rtt_usec)
                *ret_rtt_usec = rtt;
        r = 0;

finish:
        dbus_message_unref(reply);
        return r;
}

int bus_client_invalidate_address(int ifindex, const void *address, const void *member, bool *ret_invalidated) {
        DBusMessage *reply = NULL;
        dbus_int32_t ifindex32 = ifindex;
        dbus_bool_t done = FALSE;
        int r;

        if (!address || !member)
                return -EINVAL;
        r = call_method(AARP_MANAGER_INTERFACE, "InvalidateAddress", "b", &reply, DBUS_TYPE_INT32, &ifindex32,
                        DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &address, 16, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &member, 16,
                        DBUS_TYPE_INVALID);
        if (r < 0)
                return r;
        r = dbus_message_get_args(reply, NULL, DBUS_TYPE_BOOLEAN, &done, DBUS_TYPE_INVALID) ? 0 : -EBADMSG;
        if (r == 0 && ret_invalidated)
                *ret_invalidated = done;
        dbus_message_unref(reply);
        return r;
}

int bus_client_resolve_address_members(int ifindex, const void *address, size_t address_size, uint64_t flags,
                                       BusMember **ret_members, size_t *ret_n_members, uint64_t *ret_flags,
                                       uint32_t *ret_ttl_sec) {
        DBusMessage *reply = NULL;
        DBusMessageIter it, array;
        BusMember *members = NULL;
        dbus_int32_t ifindex32 = ifindex;
        dbus_uint64_t flags64 = flags, out_flags = 0;
        dbus_uint32_t ttl = 0;
        size_t n = 0, n_alloc;
        int r;

        if (!address || (address_size != 4 && address_size != 16))
                return -EINVAL;

        r = call_method(AARP_MANAGER_INTERFACE, "ResolveAddressMembers", "a(ayt)tu", &reply, DBUS_TYPE_INT32,
                        &ifindex32, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &address, (int)address_size, DBUS_TYPE_UINT64,
                        &flags64, DBUS_TYPE_INVALID);
        if (r < 0)
                return r;

        r = -EBADMSG;
        dbus_message_iter_init(reply, &it);
        n_alloc = (size_t)dbus_message_iter_get_element_count(&it);
        /* The contract promises at least one (the address itself when no
         * member answers); more than the daemon keeps is not a valid reply. */
        if (n_alloc == 0 || n_alloc > AARP_MEMBERS_MAX)
                goto finish;
        members = calloc(n_alloc, sizeof *members);
        if (!members) {
                r = -ENOMEM;
                goto finish;
        }
        dbus_message_iter_recurse(&it, &array);
        while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT && n < n_alloc) {
                DBusMessageIter st, bytes;
                dbus_uint64_t rtt = 0;
                const uint8_t *data = NULL;
                int size = 0;

                dbus_message_iter_recurse(&array, &st);
                dbus_message_iter_recurse(&st, &bytes);
                dbus_message_iter_get_fixed_array(&bytes, &data, &size);
                /* Members are of the family asked about: an IPv4 query is
                 * answered with itself, an IPv6 one with IPv6 members. */
                if ((size_t)size != address_size)
                        goto finish;
                dbus_message_iter_next(&st);
                dbus_message_iter_get_basic(&st, &rtt);
                memcpy(members[n].address, data, address_size);
                members[n].rtt_usec = rtt;
                n++;
                dbus_message_iter_next(&array);
        }
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &out_flags);
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &ttl);

        if (ret_members) {
                *ret_members = members;
                members = NULL;
        }
        if (ret_n_members)
                *ret_n_members = n;
        if (ret_flags)
                *ret_flags = out_flags;
        if (ret_ttl_sec)
                *ret_ttl_sec = ttl;
        r = 0;

finish:
        free(members);
        dbus_message_unref(reply);
        return r;
}

static int call_simple(const char *method) {
        DBusMessage *reply = NULL;
        int r = call_method(AARP_MANAGER_INTERFACE, method, "", &reply, DBUS_TYPE_INVALID);

        if (r < 0)
                return r;
        dbus_message_unref(reply);
        return 0;
}

int bus_client_flush_caches(void) {
        return call_simple("FlushCaches");
}

int bus_client_reset_statistics(void) {
        return call_simple("ResetStatistics");
}

int bus_client_get_statistics(BusStatistics *ret) {
        static const struct {
                const char *name;
                size_t offset;
                int type;
        } props[] = {
#define DBUS_TYPE_OF_u DBUS_TYPE_UINT32
#define DBUS_TYPE_OF_t DBUS_TYPE_UINT64
#define P(property, field, type, group, label) {#property, offsetof(BusStatistics, field), DBUS_TYPE_OF_##type},
                AARP_STATISTICS(P)
#undef P
#undef DBUS_TYPE_OF_u
#undef DBUS_TYPE_OF_t
        };
        _Static_assert(sizeof props / sizeof props[0] <= 32, "one bit of 'seen' per statistic");
        const char *interface = AARP_MANAGER_INTERFACE;
        DBusMessage *reply = NULL;
        DBusMessageIter it, dict;
        BusStatistics s = {0};
        unsigned seen = 0;
        int r;

        if (!ret)
                return -EINVAL;
        r = call_method(DBUS_INTERFACE_PROPERTIES, "GetAll", "a{sv}", &reply, DBUS_TYPE_STRING, &interface,
                        DBUS_TYPE_INVALID);
        if (r < 0)
                return r;

        r = -EBADMSG;
        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &dict);
        while (dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY) {
                DBusMessageIter entry, variant;
                const char *key;

                dbus_message_iter_recurse(&dict, &entry);
                dbus_message_iter_get_basic(&entry, &key);
                dbus_message_iter_next(&entry);
                dbus_message_iter_recurse(&entry, &variant);
                for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
                        if (strcmp(key, props[i].name) != 0)
                                continue;
                        if (dbus_message_iter_get_arg_type(&variant) != props[i].type)
                                goto finish;
                        dbus_message_iter_get_basic(&variant, (char *)&s + props[i].offset);
                        seen |= 1u << i;
                }
                dbus_message_iter_next(&dict);
        }
        if (seen != (1u << (sizeof props / sizeof props[0])) - 1)
                goto finish;
        *ret = s;
        r = 0;
finish:
        dbus_message_unref(reply);
        return r;
}

