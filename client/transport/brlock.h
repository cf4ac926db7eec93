/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * brlock.h: a "big reader" lock for state that every lookup reads and
 * that changes a few times a second at most (the snapshot mapping).
 *
 * A pthread rwlock makes every reader write the lock's one counter, so two
 * threads looking up at once bounce its cache line between their CPUs on
 * every lookup.  Here a reader writes only a flag on a cache line of its
 * own (one of BRLOCK_SLOTS, taken by a thread at its first read), and a
 * writer raises a flag and waits until no reader is inside.  A thread
 * without a slot (more threads than slots), or arriving while a writer is
 * active, is told to use the caller's fallback lock instead; writers
 * hold that fallback lock exclusively as well.  Readers never block here.
 */
#pragma once

#include <stdbool.h>

#define BRLOCK_SLOTS 64

/* Enter a read section: true and the slot to pass to brlock_read_end(),
 * or false (writer active, no slot): use the fallback lock. */
bool brlock_read_begin(int *ret_slot);
void brlock_read_end(int slot);

/* Exclude every reader (the caller holds the fallback lock exclusively,
 * so writers are already one at a time), and let them in again. */
void brlock_write_begin(void);
void brlock_write_end(void);

/* In a fork()ed child: the other threads' sections ended with them. */
void brlock_reset_after_fork(void);
