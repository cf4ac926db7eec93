/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netlink.h: watches the kernel's IPv6 routes and addresses.  A route change
 * can move the nearest member of an anycast group, so any change
 * invalidates the address cache (coalesced: one callback per burst).
 */
#pragma once

#include <gio/gio.h>

typedef struct NetlinkWatch NetlinkWatch;

typedef void (*NetlinkChangeCallback)(gpointer user_data);

/* Subscribe to RTMGRP_IPV6_ROUTE and RTMGRP_IPV6_IFADDR. NULL with @error
 * set if the netlink socket cannot be opened. */
NetlinkWatch *netlink_watch_new(NetlinkChangeCallback callback, gpointer user_data, GError **error);
void netlink_watch_free(NetlinkWatch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NetlinkWatch, netlink_watch_free)
