/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-sockets.h: the stub listener's sockets and its resolv.conf.
 *
 * Port 53 is privileged and the daemon runs with CAP_NET_RAW alone, so
 * under systemd the sockets come from aarp-resolved-stub.socket by socket
 * activation (the sd_listen_fds() protocol, read by hand: LISTEN_PID must
 * be ours, LISTEN_FDS sockets start at fd 3).  Otherwise (the daemon run
 * as root, or with CAP_NET_BIND_SERVICE) they are bound here.
 */
#pragma once

#include <glib.h>
#include <netinet/in.h>

/* Non-blocking, close-on-exec UDP and TCP sockets on @address port 53:
 * passed ones that match, else new ones.  FALSE with @error if either
 * cannot be had (both are closed then). */
gboolean stub_sockets_open(struct in_addr address, int *ret_udp, int *ret_tcp, GError **error);

/* Write @dir/stub-resolv.conf (atomically: a temporary file renamed into
 * place) naming @address as the only nameserver. */
gboolean stub_write_resolv_conf(const char *dir, struct in_addr address, GError **error);
