/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p2p.h: the peer-to-peer D-Bus socket ($AARP_RUNTIME_DIR/io.socket), served
 * in the main loop without GDBus's worker thread.
 *
 * Every lookup of libnss_aarp crosses this socket, so it is the hot path:
 * GDBusServer would hand each call from its worker thread to the main loop
 * and the reply back (two cross-thread wake-ups per call); here a call is
 * read, answered (from the cache: synchronously) and written in one main
 * loop iteration.  This file is transport only: SASL EXTERNAL (checked
 * against SO_PEERCRED), message framing, bounded buffers and limits.  Each
 * whole message is offered raw to the P2PFastDispatch first (bus-peer.c takes
 * ResolveAddress and ResolveHostname calls there through wire.h, without
 * GDBusMessage),
 * then parsed with GDBusMessage for the P2PDispatch.  What a call means is
 * the serving layer's business (bus-peer.c).
 */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

/* The largest message a peer may send; a longer one closes the connection
 * unanswered, as any message io.socket refuses does.  Our calls are under
 * 1 KiB. */
#define P2P_MESSAGE_SIZE_MAX (64u * 1024u)

typedef struct P2PServer P2PServer;
typedef struct P2PPeer P2PPeer;

/* Called for every method call; @call is borrowed.  The handler answers
 * with p2p_peer_send() now or later (take a reference for later: while one
 * is held the connection is not closed as idle). */
typedef void (*P2PDispatch)(P2PPeer *peer, GDBusMessage *call, gpointer user_data);

/* Called first with every whole message's bytes (@len of them, borrowed:
 * copy what is kept).  TRUE if it handled the message; FALSE hands it on,
 * parsed, to the P2PDispatch.  The hot calls are answered here without
 * GDBusMessage (see wire.h). */
typedef gboolean (*P2PFastDispatch)(P2PPeer *peer, const guint8 *message, gsize len, gpointer user_data);

/* Listen on @path (replacing a stale socket), mode 0666.  @fast may be
 * NULL.  NULL with @error on failure. */
P2PServer *p2p_server_new(const char *path, P2PFastDispatch fast, P2PDispatch dispatch, gpointer user_data,
                          GError **error);
/* Closes every connection; peers still referenced stay valid (closed). */
void p2p_server_free(P2PServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(P2PServer, p2p_server_free)

P2PPeer *p2p_peer_ref(P2PPeer *p);
void p2p_peer_unref(P2PPeer *p);
/* The peer's uid, from SO_PEERCRED at accept time. */
uid_t p2p_peer_uid(const P2PPeer *p);

/* Queue @message (serial assigned here) for the peer.  A closed peer
 * drops it.  A peer that does not read its replies is not read either once
 * they pass a bound, and is disconnected when they pass a higher one or do
 * not drain for a while (see p2p.c). */
void p2p_peer_send(P2PPeer *p, GDBusMessage *message);
/* The same for a message already serialized little-endian (wire.h); its
 * serial field is overwritten. */
void p2p_peer_send_blob(P2PPeer *p, guint8 *blob, gsize len);
