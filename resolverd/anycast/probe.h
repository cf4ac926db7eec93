/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probe.h: the prober.  Sends ICMPv6 Echo Requests and hands back the source
 * of the matching Echo Reply, which for an anycast target is the unicast
 * address of the member that answered (RFC 4443 section 4.2: a node must
 * not reply from an anycast address... and Linux replies from a unicast
 * source unless net.ipv6.anycast_src_echo_reply=1).
 *
 * One non-blocking socket serves every probe: thousands may be in flight,
 * driven by a single GSource (socket readiness plus the earliest deadline),
 * so the main loop never blocks and cached answers are never delayed.
 * Replies are validated as PAPER-NOTES "Spoofing" demands: random
 * identifier and starting sequence, a 128-bit nonce per attempt, exact
 * type/code/length, and sane source addresses.
 */
#pragma once

#include <gio/gio.h>
#include <netinet/in.h>
#include <stdint.h>

#include "config.h"
#include "icmp6.h"

typedef struct Prober Prober;

typedef struct {
        gboolean replied;       /* FALSE: no valid reply after all attempts */
        struct in6_addr source; /* the reply's source, if replied */
        uint64_t rtt_usec;      /* of the answered attempt, if replied */
} ProbeResult;

/* Called exactly once per prober_start(), never from inside prober_start(). */
typedef void (*ProbeCallback)(const ProbeResult *result, gpointer user_data);

typedef struct {
        uint64_t sent;     /* echo requests sent, retries included */
        uint64_t replies;  /* valid replies accepted */
        uint64_t timeouts; /* probes that ended without a valid reply */
        uint64_t rejected; /* replies dropped by validation */
        uint64_t rejected_by[_ECHO_RESULT_MAX];
        uint64_t send_errors;
        uint64_t labelled_sent; /* of sent: flow-label (member discovery) probes */
} ProberStats;

/* Open the probe socket of @kind (auto: raw if CAP_NET_RAW is held, else a
 * ping socket) and attach to the thread-default main context.  NULL with
 * @error set if no socket could be opened; the message says why. */
Prober *prober_new(ProbeSocketKind kind, GError **error);
/* Cancels every probe in flight without calling its callback. */
void prober_free(Prober *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Prober, prober_free)

/* Per attempt timeout, attempts after the first, and the most probes in
 * flight (more wait in a queue).  Applies to probes started afterwards. */
void prober_set_params(Prober *p, uint32_t timeout_msec, uint32_t retries, uint32_t max_in_flight);

/* Which reply sources other than the target itself are accepted as its
 * member (addr_valid_reply_source()); MEMBER_SCOPE_STRICT (the default)
 * until set.  Applies to replies received afterwards. */
void prober_set_member_scope(Prober *p, MemberScope member_scope);

/* Probe @target (through @ifindex if non-zero; required for link-local).
 * @label: 0 sends with the kernel's default flow label (the path routing
 * picks for ordinary traffic); 1..prober_flow_labels(p) sends with the
 * label-th of the flow labels this prober leased, so that ECMP routers hash
 * the probe onto another path.  Labelled probes make a single attempt. */
void prober_start(Prober *p, const struct in6_addr *target, int ifindex, unsigned label,
                  ProbeCallback callback, gpointer user_data);

/* How many distinct flow labels this prober can send with: 0 on a ping
 * socket (which cannot set the flow label), else up to
 * AARP_MEMBER_PROBES_MAX leased at creation. */
unsigned prober_flow_labels(const Prober *p);

const ProberStats *prober_get_stats(const Prober *p);
void prober_reset_stats(Prober *p);
const char *prober_socket_kind(const Prober *p); /* "raw" or "ping" */
guint prober_in_flight(const Prober *p);
