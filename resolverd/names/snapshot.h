/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot.h: publishes finished host name answers as a read-only file in
 * the runtime directory (format: include/aarp-snapshot.h), so that
 * libnss_aarp answers cached names without a round trip to the daemon.
 *
 * What it reveals: the file is readable by every user, so it holds no
 * name in clear (include/aarp-snapshot.h): an answer is found by a keyed
 * hash of the name and its contents are sealed with a key derived from
 * the name, so a reader finds and reads only answers to names it asks for.
 * Whoever guesses a name can still test whether someone looked it up
 * recently (as by asking the daemon and seeing FROM_CACHE, or by timing a
 * lookup); nscd's shared cache shows every name in clear, resolved's cache
 * is shown to root only.  Visible without a guess: how many answers, their
 * sealed sizes, the file's times.  It holds no user ids, only positive
 * answers, at most SNAPSHOT_ENTRIES_MAX names, and can be turned off
 * (PublishSnapshot=no).
 */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <stdint.h>

typedef struct Snapshot Snapshot;

/* Publish into @runtime_dir.  Writes are coalesced: at most one new file per
 * SNAPSHOT_DELAY_MSEC.  NULL with @error if the directory is unusable. */
Snapshot *snapshot_new(const char *runtime_dir, GError **error);
/* Marks the current file superseded and removes it. */
void snapshot_free(Snapshot *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Snapshot, snapshot_free)

/* Add or replace the answer for (@name, @family): @addresses is a GArray of
 * NameAddress (names.h), @canonical the canonical name, valid @ttl_sec.
 * @sources (GArray of struct in6_addr, or NULL) are the IPv6 addresses it
 * was mapped from, for snapshot_invalidate_address(). */
void snapshot_put(Snapshot *s, const char *name, int family, const GArray *addresses, const char *canonical,
                  const GArray *sources, uint32_t ttl_sec);

/* Forget the answers mapped from @address; if there were any, readers see
 * the current file superseded at once and a new one follows. */
void snapshot_invalidate_address(Snapshot *s, const struct in6_addr *address);

/* Forget every answer; readers see the current file superseded at once. */
void snapshot_flush(Snapshot *s);

/* Write any pending change now (tests, shutdown). */
void snapshot_sync(Snapshot *s);
