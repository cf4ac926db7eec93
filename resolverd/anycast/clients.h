/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * clients.h: per-user limits, so that one local user can neither turn the
 * daemon into a network scanner nor hold all of its memory.
 *
 * Keyed by uid (a user opening many connections is still one user).  Each
 * user has a token bucket for probes (every echo request the user's
 * requests cause: cache misses, NO_CACHE, invalidations, and the refreshes
 * and member discovery that follow from them) and a count of
 * requests in flight.  root is exempt: it can send packets itself anyway.
 * Pure bookkeeping with the time passed in, so it is unit-testable.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct Clients Clients;

/* @rate fresh probes per second and @burst tokens per user (rate 0: no
 * limit); @max_in_flight requests per user (0: no limit). */
Clients *clients_new(uint32_t rate, uint32_t burst, uint32_t max_in_flight);
void clients_free(Clients *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Clients, clients_free)
void clients_set_limits(Clients *c, uint32_t rate, uint32_t burst, uint32_t max_in_flight);

/* Take one fresh-probe token for @uid at @now_usec.  FALSE: over the rate. */
gboolean clients_take_probe(Clients *c, uid_t uid, uint64_t now_usec);

/* Take @n tokens at once, or none (FALSE) if fewer are left. */
gboolean clients_take_probes(Clients *c, uid_t uid, unsigned n, uint64_t now_usec);

/* Take up to @n tokens: as many as @uid has left, returned (all @n for
 * root or without a limit).  For probes that can be cut short without
 * failing the request: background refreshes, member discovery. */
unsigned clients_take_probes_up_to(Clients *c, uid_t uid, unsigned n, uint64_t now_usec);

/* Start a request for @uid; FALSE if the user already has the maximum in
 * flight.  Every TRUE must be paired with clients_end_request(). */
gboolean clients_begin_request(Clients *c, uid_t uid);
void clients_end_request(Clients *c, uid_t uid);

uint64_t clients_rejected(const Clients *c); /* requests refused by either limit */

/* A non-root user reported @member as failed (InvalidateAddress): leave it
 * out of the answers that user gets until @until_usec.  Other users'
 * answers are unaffected, so nobody can steer anyone else's traffic.  At
 * most a few hundred reports per user are kept; the oldest goes first. */
void clients_avoid(Clients *c, uid_t uid, const void *member16, uint64_t until_usec);

/* TRUE if @uid reported @member16 and the report has not expired. */
gboolean clients_avoids(Clients *c, uid_t uid, const void *member16, uint64_t now_usec);

/* TRUE if @uid has any live report: callers skip filtering otherwise. */
gboolean clients_has_avoid_list(Clients *c, uid_t uid);
