/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nscd.h: drop nscd's hosts cache when ours changes.
 *
 * glibc asks nscd (or unscd) before any NSS module, and nscd keeps an
 * answer of libnss_aarp for the TTL the module gave.  When the daemon drops
 * answers (a route change, FlushCaches, a member reported failed, a refresh
 * that found another member), nscd must drop them too, or programs keep
 * connecting to a member the daemon no longer names.  That is what
 * `nscd -i hosts` does: an INVALIDATE request for "hosts" on nscd's socket
 * (glibc nscd/nscd-client.h: {version 2, type 10, key length} + "hosts\0",
 * answered by an int32 status once the cache is pruned).
 *
 * nscd accepts INVALIDATE from uid 0 only (SO_PEERCRED).  So: as root the
 * daemon sends the request itself; as any other user (the packaged unit
 * runs as aarp-resolve) it rewrites $RUNTIME_DIR/nscd-invalidate, and the
 * packaged aarp-resolved-nscd.path unit runs `nscd -i hosts` as root when
 * that file is written.  Neither ever blocks the main loop: the socket is
 * non-blocking and a request has NSCD_REPLY_TIMEOUT_MSEC to be answered.
 * Requests are coalesced: while one is outstanding, further ones make one
 * more after it, never a queue.  No nscd (no socket) costs one failed
 * connect() and nothing else.
 */
#pragma once

#include <glib.h>

typedef struct NscdFlush NscdFlush;

/* Invalidate through @socket_path (nscd's socket, normally
 * /var/run/nscd/socket) when root, else by writing @trigger_path (NULL:
 * not as non-root).  Never fails; free with nscd_flush_free(). */
NscdFlush *nscd_flush_new(const char *socket_path, const char *trigger_path);
void nscd_flush_free(NscdFlush *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NscdFlush, nscd_flush_free)

/* Ask nscd to drop its hosts cache, now or right after the request in
 * flight.  NULL is a no-op. */
void nscd_flush_hosts(NscdFlush *f);

/* Requests sent and answered with success (for tests and the log). */
guint64 nscd_flush_count(const NscdFlush *f);

/* Tests: behave as root (@as_root) or not, whatever the real euid. */
void nscd_flush_set_as_root_for_test(NscdFlush *f, gboolean as_root);
