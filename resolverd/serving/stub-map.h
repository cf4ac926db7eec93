/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-map.h: MapAnycastAnswers= for the stub listener.  Each AAAA record
 * of an answer goes through the Resolver; those it finds anycast get their
 * nearest member's unicast address instead, and then AD is cleared: the
 * rewritten records no longer match their signatures.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "resolver.h"
#include "stub-peer.h"

typedef struct StubMap StubMap;

/* Called once with the (possibly rewritten) reply, valid during the call. */
typedef void (*StubMapCallback)(uint8_t *reply, size_t len, gpointer user_data);

/* Map the AAAA records of @reply (copied) for the user @who.  Fresh probes
 * are charged to @who in @budget; past it an address stays as published.
 * *@ret_map is set to the job's handle (for stub_map_cancel()) before any
 * callback can run, and never written after: the callback may run before
 * this returns and free whatever holds *@ret_map. */
void stub_map_start(Resolver *resolver, StubPeers *budget, uint64_t who, const uint8_t *reply,
                    size_t len, StubMapCallback callback, gpointer user_data, StubMap **ret_map);

/* The callback will not be called; resources go when the Resolver's
 * callbacks are done. */
void stub_map_cancel(StubMap *m);
