/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netlink.c: rtnetlink multicast listener (see netlink.h).
 *
 * Only messages from the kernel (nl_pid 0) count: any local process may
 * send to our socket, and must not be able to flush the cache at will.  On
 * overrun (ENOBUFS) we have lost events, so we invalidate as well.
 */
#include <errno.h>
#include <glib-unix.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink.h"

struct NetlinkWatch {
        int fd;
        guint watch_id;
        NetlinkChangeCallback callback;
        gpointer user_data;
};

static gboolean on_readable(int fd, GIOCondition cond, gpointer user_data) {
        NetlinkWatch *w = user_data;
        gboolean changed = FALSE;

        for (;;) {
                uint8_t buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
                struct sockaddr_nl from = { 0 };
                socklen_t fromlen = sizeof(from);
                ssize_t len = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *) &from, &fromlen);

                if (len < 0) {
                        if (errno == ENOBUFS) {
                                changed = TRUE; /* lost events: assume the worst */
                                continue;
                        }
                        if (errno != EAGAIN && errno != EINTR)
                                g_warning("netlink: recvfrom: %s", g_strerror(errno));
                        break;
                }
                if (from.nl_family != AF_NETLINK || from.nl_pid != 0)
                        continue;

                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) len);
                     h = NLMSG_NEXT(h, len)) {
                        switch (h->nlmsg_type) {
                        case RTM_NEWROUTE:
                        case RTM_DELROUTE:
                        case RTM_NEWADDR:
                        case RTM_DELADDR:
                                changed = TRUE;
                                break;
                        default:
                                break;
                        }
                }
        }
        if (changed)
                w->callback(w->user_data);
        return G_SOURCE_CONTINUE;
}

NetlinkWatch *netlink_watch_new(NetlinkChangeCallback callback, gpointer user_data, GError **error) {
        struct sockaddr_nl sa = {
                .nl_family = AF_NETLINK,
                .nl_groups = RTMGRP_IPV6_ROUTE | RTMGRP_IPV6_IFADDR,
        };
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
        NetlinkWatch *w;

        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                            "cannot watch routes on netlink: %s", g_strerror(errno));
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        w = g_new0(NetlinkWatch, 1);
        w->fd = fd;
        w->callback = callback;
        w->user_data = user_data;
        w->watch_id = g_unix_fd_add(fd, G_IO_IN, on_readable, w);
        return w;
}

void netlink_watch_free(NetlinkWatch *w) {
        if (!w)
                return;
        g_source_remove(w->watch_id);
        close(w->fd);
        g_free(w);
}
