/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-peer.h: who sent a query to the stub listener, and each sender's
 * budget.
 *
 * The listener is on loopback, so every client's source address is the
 * same 127.0.0.1: a limit per source address would let one user's flood
 * deny every other user.  Senders are told apart by user instead: the
 * owner of the local socket a datagram or connection came from, asked of
 * the kernel with one NETLINK_SOCK_DIAG lookup (SO_PEERCRED knows only
 * AF_UNIX peers).  For UDP the answer is remembered for a second per
 * source port, so a flood from one socket costs one lookup a second.  Without sock_diag (udp_diag not
 * available) the source address and port stand in for the user.
 */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

typedef struct StubPeers StubPeers;

/* @rate queries per second with bursts of @burst per user; root is not
 * limited by rate (it is still bounded by the pending limit). */
StubPeers *stub_peers_new(uint32_t rate, uint32_t burst);
void stub_peers_free(StubPeers *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StubPeers, stub_peers_free)

/* The user who owns the UDP socket at @from that sent a datagram to our
 * socket at @to.  A value above G_MAXUINT32 stands for an unknown user
 * (the source port then), never equal to a real uid. */
uint64_t stub_peers_udp_sender(StubPeers *p, const struct sockaddr_in *from,
                               const struct sockaddr_in *to);

/* The same for the client end of an accepted TCP connection. */
uint64_t stub_peers_tcp_sender(StubPeers *p, const struct sockaddr_in *from,
                               const struct sockaddr_in *to);

/* Take one query from @who's budget: FALSE if it is spent. */
gboolean stub_peers_charge(StubPeers *p, uint64_t who, gint64 now_usec);

/* Sock_diag lookups made (for tests and the log). */
uint64_t stub_peers_lookups(const StubPeers *p);
