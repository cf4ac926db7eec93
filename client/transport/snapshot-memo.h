/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot-memo.h: the answers this thread last read from names.snapshot,
 * in clear, so that looking the same name up again (the common case: a
 * program connecting to one service over and over) costs a string compare
 * instead of the six SipHash computations of finding and unsealing it.
 *
 * A memoised answer is used only for the file it was read from (its random
 * key, which no other file shares), so whatever makes the reader drop that
 * file (superseded, flushed, a dead daemon) drops the memo with it; and
 * only until its own expiry.  The clear text stays in the memory of the
 * thread that asked for that name, which could unseal it anyway: nothing is
 * shown to anyone who did not already know the name.  Per thread, so no
 * lock and no shared cache line on the hot path.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "aarp-snapshot.h"
#include "snapshot-reader.h"

/* The memoised answer to (@name as given, @family) from the file whose key
 * is @file_key, if it is not expired at @now (CLOCK_MONOTONIC usec): 0 and
 * *ret filled as snapshot_reader_lookup() fills it; else -ENOENT. */
int snapshot_memo_find(const uint8_t file_key[AARP_SNAPSHOT_KEY_SIZE], const char *name, int family, uint64_t now,
                       SnapshotAnswer *ret);

/* Remember @answer, just read from the file of @file_key and valid until
 * @expiry_usec.  Answers too large for a slot are not memoised. */
void snapshot_memo_store(const uint8_t file_key[AARP_SNAPSHOT_KEY_SIZE], const char *name, int family,
                         uint64_t expiry_usec, const SnapshotAnswer *answer);
