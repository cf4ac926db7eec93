/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probe.c: ICMPv6 echo probing (see probe.h).
 *
 * Data structures, all O(1) per event:
 *  - by_sequence: sequence number -> Attempt, for every attempt of every
 *    probe in flight (a late reply to an earlier attempt still counts).
 *  - deadlines: probes in flight ordered by deadline.  Every attempt has the
 *    same timeout, so appending at send time keeps the queue sorted.
 *  - sendq: probes waiting for the socket to accept them (EAGAIN).
 *  - waiting: probes beyond the in-flight limit.
 * One GSource watches the socket and wakes at the head deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "aarp-def.h"
#include "log.h"
#include "probe.h"

#define ATTEMPTS_MAX 11 /* 1 + ProbeRetries (at most 10) */

/* Flow label manager (linux/in6.h, which clashes with netinet/in.h). */
#ifndef IPV6_FLOWLABEL_MGR
#define IPV6_FLOWLABEL_MGR 32
#endif
#ifndef IPV6_FLOWINFO_SEND
#define IPV6_FLOWINFO_SEND 33
#endif
struct flowlabel_req {
        struct in6_addr flr_dst;
        uint32_t flr_label;
        uint8_t flr_action;
        uint8_t flr_share;
        uint16_t flr_flags;
        uint16_t flr_expires;
        uint16_t flr_linger;
        uint32_t flr_pad;
};
#define FL_ACTION_GET 0
#define FL_FLAG_CREATE 1
#define FL_FLAG_EXCL 2
#define FL_SHARE_EXCL 1
#define FLOWLABEL_MASK 0x000fffffu
/* Labels below this stay valid with net.ipv6.flowlabel_state_ranges=1. */
#define FLOWLABEL_STATEFUL_MAX 0x0007ffffu
#define SOCKET_BUFFER_SIZE (4 * 1024 * 1024)

typedef struct Probe Probe;

typedef struct {
        Probe *probe;
        EchoFields fields;
        uint64_t sent_usec;
        gboolean registered;
} Attempt;

struct Probe {
        Prober *prober;
        struct in6_addr target;
        int ifindex;
        ProbeCallback callback;
        gpointer user_data;
        uint32_t timeout_msec;
        unsigned attempts_total, attempts_used;
        Attempt attempts[ATTEMPTS_MAX];
        uint64_t deadline_usec;
        uint32_t flowinfo; /* network byte order, 0: kernel default */
        GList link; /* in exactly one of: waiting, sendq, deadlines; or none */
        GQueue *queue;
        gboolean failed; /* hard send error: give up at the next deadline */
};

typedef struct {
        GSource source;
        Prober *prober;
} ProberSource;

struct Prober {
        int fd;
        gboolean raw;
        uint16_t identifier;
        uint16_t next_sequence;
        uint32_t timeout_msec, retries, max_in_flight;
        MemberScope member_scope; /* which reply sources may be members */
        guint in_flight, background_in_flight;
        GHashTable *by_sequence; /* GUINT_TO_POINTER(seq) -> Attempt* */
        GQueue deadlines, sendq, waiting;
        GQueue waiting_background; /* labelled (discovery) probes: after every first probe */
        ProberSource *source;
        gpointer fd_tag;
        ProberStats stats;
        uint8_t random_pool[4096];
        size_t random_left;
        uint32_t labels[AARP_MEMBER_PROBES_MAX]; /* leased, network byte order */
        unsigned n_labels;
};

static void random_bytes(Prober *p, void *buf, size_t n) {
        /* getrandom() per probe would be one syscall per nonce: draw from a
         * pool refilled 4 KiB at a time from the kernel CSPRNG. */
        if (p->random_left < n) {
                ssize_t r = getrandom(p->random_pool, sizeof(p->random_pool), 0);
                if (r != (ssize_t) sizeof(p->random_pool))
                        g_error("getrandom() failed: %s", g_strerror(errno)); /* cannot happen after boot */
                p->random_left = sizeof(p->random_pool);
        }
        memcpy(buf, p->random_pool + sizeof(p->random_pool) - p->random_left, n);
        memset(p->random_pool + sizeof(p->random_pool) - p->random_left, 0, n);
        p->random_left -= n;
}

static void queue_move(Probe *pr, GQueue *to) {
        if (pr->queue)
                g_queue_unlink(pr->queue, &pr->link);
        pr->queue = to;
        if (to)
                g_queue_push_tail_link(to, &pr->link);
}

static void update_source(Prober *p) {
        Probe *head = p->deadlines.head ? p->deadlines.head->data : NULL;

        g_source_set_ready_time(&p->source->source, head ? (gint64) head->deadline_usec : -1);
        g_source_modify_unix_fd(&p->source->source, p->fd_tag,
                                G_IO_IN | (p->sendq.length > 0 ? G_IO_OUT : 0));
}

static uint16_t sequence_next(Prober *p) {
        /* The in-flight limit keeps well under 65536 attempts registered, so
         * this finds a free sequence number quickly. */
        while (g_hash_table_contains(p->by_sequence, GUINT_TO_POINTER(p->next_sequence)))
                p->next_sequence++;
        return p->next_sequence++;
}

static void attempt_prepare(Probe *pr) {
        Prober *p = pr->prober;
        Attempt *a = &pr->attempts[pr->attempts_used++];

        a->probe = pr;
        a->fields.identifier = p->identifier;
        a->fields.sequence = sequence_next(p);
        random_bytes(p, a->fields.nonce, sizeof(a->fields.nonce));
        a->registered = TRUE;
        g_hash_table_insert(p->by_sequence, GUINT_TO_POINTER(a->fields.sequence), a);
        queue_move(pr, &p->sendq);
}

/* 0 sent, -EAGAIN try later, other negative errno: give up on this probe. */
static int attempt_send(Probe *pr) {
        Prober *p = pr->prober;
        Attempt *a = &pr->attempts[pr->attempts_used - 1];
        uint8_t buf[ICMP6_ECHO_PACKET_SIZE];
        struct sockaddr_in6 sa = {
                .sin6_family = AF_INET6,
                .sin6_addr = pr->target,
        };
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        } control = { 0 };
        struct iovec iov = { .iov_base = buf, .iov_len = 0 };
        struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1 };

        iov.iov_len = icmp6_echo_request_build(&a->fields, buf);
        sa.sin6_flowinfo = pr->flowinfo;
        if (IN6_IS_ADDR_LINKLOCAL(&pr->target))
                sa.sin6_scope_id = (uint32_t) pr->ifindex;
        else if (pr->ifindex > 0) {
                /* RFC 3542 6.1: IPV6_PKTINFO with an ifindex pins the
                 * outgoing interface for a global destination. */
                struct cmsghdr *cm;
                struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned) pr->ifindex };

                mh.msg_control = control.buf;
                mh.msg_controllen = sizeof(control.buf);
                cm = CMSG_FIRSTHDR(&mh);
                cm->cmsg_level = IPPROTO_IPV6;
                cm->cmsg_type = IPV6_PKTINFO;
                cm->cmsg_len = CMSG_LEN(sizeof(pi));
                memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
        }

        /* Stamp before sending: on a fast path (veth) the reply can be
         * queued before sendmsg() even returns. */
        a->sent_usec = (uint64_t) g_get_monotonic_time();
        if (sendmsg(p->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return -EAGAIN;
                if (errno == ENOBUFS)
                        return 0; /* dropped locally: like a lost packet, retried on timeout */
                return -errno;
        }
        p->stats.sent++;
        if (pr->flowinfo)
                p->stats.labelled_sent++;
        return 0;
}

static void probe_finish(Probe *pr, const ProbeResult *result) {
        Prober *p = pr->prober;

        for (unsigned i = 0; i < pr->attempts_used; i++)
                if (pr->attempts[i].registered)
                        g_hash_table_remove(p->by_sequence,
                                            GUINT_TO_POINTER(pr->attempts[i].fields.sequence));
        queue_move(pr, NULL);
        p->in_flight--;
        if (pr->flowinfo)
                p->background_in_flight--;
        if (result->replied)
                p->stats.replies++;
        else
                p->stats.timeouts++;
        pr->callback(result, pr->user_data);
        g_free(pr);
}

/* Echo requests sent per dispatch at most.  A burst of thousands would
 * otherwise hold the main loop for all its sendmsg() calls (each also runs
 * the local network stack), and cached answers would wait behind it; the
 * rest go out in the next iterations (the socket stays writable, so
 * G_IO_OUT fires again at once). */
#define SENDS_PER_DISPATCH 64u
#define REPLIES_PER_DISPATCH 64u /* the same bound on reading (handle_readable) */

static void flush_sendq(Prober *p) {
        for (unsigned sends = 0; p->sendq.head && sends < SENDS_PER_DISPATCH; sends++) {
                Probe *pr = p->sendq.head->data;
                int r = attempt_send(pr);

                if (r == -EAGAIN)
                        break;
                if (r < 0) {
                        /* No route, unreachable, ...: fail-open at once (the
                         * caller returns the address itself with NO_REPLY),
                         * but from the timer, never re-entrantly. */
                        p->stats.send_errors++;
                        g_debug("probe: cannot send to target: %s", g_strerror(-r));
                        pr->failed = TRUE;
                        pr->deadline_usec = 0;
                        queue_move(pr, NULL);
                        g_queue_push_head_link(&p->deadlines, &pr->link);
                        pr->queue = &p->deadlines;
                        continue;
                }
                pr->deadline_usec = (uint64_t) g_get_monotonic_time() + (uint64_t) pr->timeout_msec * 1000;
                queue_move(pr, &p->deadlines);
        }
}

static void start_waiting(Prober *p) {
        /* A lookup that waits for its first probe never queues behind
         * member discovery of addresses already answered, and discovery
         * gets at most a quarter of the slots: its replies must not crowd
         * first probes' replies out of the socket's receive buffer. */
        while (p->in_flight < p->max_in_flight) {
                Probe *pr;

                if (p->waiting.head)
                        pr = p->waiting.head->data;
                else if (p->waiting_background.head && p->background_in_flight < MAX(p->max_in_flight / 4, 1u))
                        pr = p->waiting_background.head->data;
                else
                        break;
                if (pr->flowinfo)
                        p->background_in_flight++;

                p->in_flight++;
                attempt_prepare(pr); /* moves it to sendq */
        }
}

static void handle_deadlines(Prober *p, uint64_t now) {
        while (p->deadlines.head) {
                Probe *pr = p->deadlines.head->data;

                if (pr->deadline_usec > now)
                        break;
                if (!pr->failed && pr->attempts_used < pr->attempts_total) {
                        attempt_prepare(pr);
                        continue;
                }
                if (!pr->failed && log_debug_enabled()) {
                        /* The timeout this probe armed, as configured when it
                         * started: what an administrator (and a test) checks
                         * after changing ProbeTimeout, free of scheduling delay. */
                        char a[INET6_ADDRSTRLEN];

                        g_debug("probe %s%%%d: no reply to %u attempt%s of %" G_GUINT32_FORMAT " ms",
                                inet_ntop(AF_INET6, &pr->target, a, sizeof(a)), pr->ifindex,
                                pr->attempts_used, pr->attempts_used == 1 ? "" : "s", pr->timeout_msec);
                }
                ProbeResult r = { .replied = FALSE };
                probe_finish(pr, &r);
        }
}

static void handle_packet(Prober *p, const uint8_t *buf, size_t len, gboolean truncated,
                          const struct sockaddr_in6 *from) {
        EchoFields f;
        EchoResult r = truncated ? ECHO_BAD_LENGTH : icmp6_echo_reply_parse(buf, len, &f);
        Attempt *a = NULL;

        if (r == ECHO_OK) {
                a = g_hash_table_lookup(p->by_sequence, GUINT_TO_POINTER(f.sequence));
                if (p->raw && f.identifier != p->identifier)
                        r = ECHO_BAD_IDENTIFIER;
                else if (!a)
                        r = ECHO_UNKNOWN_SEQUENCE;
                else
                        r = icmp6_echo_reply_match(&f, &a->fields, p->raw);
        }
        if (r == ECHO_OK) {
                Probe *pr = a->probe;
                unsigned scope = IN6_IS_ADDR_LINKLOCAL(&from->sin6_addr) ? from->sin6_scope_id : 0;

                if (!addr_valid_reply_source(&from->sin6_addr, scope, &pr->target, MEMBER_SCOPE_ANY) ||
                    (IN6_IS_ADDR_LINKLOCAL(&pr->target) && scope != (unsigned) pr->ifindex))
                        r = ECHO_BAD_SOURCE;
                else if (!addr_valid_reply_source(&from->sin6_addr, scope, &pr->target, p->member_scope))
                        r = ECHO_BAD_MEMBER_SCOPE;
        }
        if (r != ECHO_OK) {
                p->stats.rejected++;
                p->stats.rejected_by[r]++;
                if (G_UNLIKELY(p->stats.rejected_by[r] <= 10 || p->stats.rejected_by[r] % 1000 == 0)) {
                        char s[INET6_ADDRSTRLEN];
                        g_message("probe: rejected echo reply from %s: %s (%" G_GUINT64_FORMAT " so far)",
                                  inet_ntop(AF_INET6, &from->sin6_addr, s, sizeof(s)),
                                  echo_result_to_string(r), p->stats.rejected_by[r]);
                }
                return;
        }

        ProbeResult res = {
                .replied = TRUE,
                .source = from->sin6_addr,
                .rtt_usec = (uint64_t) g_get_monotonic_time() - a->sent_usec,
        };
        probe_finish(a->probe, &res);
}

static void handle_readable(Prober *p) {
        /* Bounded batch so a flood of (forged or real) replies cannot
         * starve the rest of the main loop - each real one may answer
         * callers and start discovery; the source fires again if more is
         * queued. */
        for (unsigned n = 0; n < REPLIES_PER_DISPATCH; n++) {
                uint8_t buf[1500];
                struct sockaddr_in6 from = { 0 };
                struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
                struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1 };
                ssize_t len = recvmsg(p->fd, &mh, MSG_DONTWAIT);

                if (len < 0) {
                        if (errno != EAGAIN && errno != EINTR)
                                g_warning("probe: recvmsg: %s", g_strerror(errno));
                        return;
                }
                if (mh.msg_namelen < sizeof(from) || from.sin6_family != AF_INET6) {
                        p->stats.rejected++;
                        p->stats.rejected_by[ECHO_BAD_SOURCE]++;
                        continue;
                }
                handle_packet(p, buf, (size_t) len, (mh.msg_flags & MSG_TRUNC) != 0, &from);
        }
}

static gboolean source_dispatch(GSource *source, GSourceFunc cb, gpointer user_data) {
        Prober *p = ((ProberSource *) source)->prober;
        GIOCondition cond = g_source_query_unix_fd(source, p->fd_tag);

        if (cond & (G_IO_IN | G_IO_ERR))
                handle_readable(p);
        handle_deadlines(p, (uint64_t) g_get_monotonic_time());
        start_waiting(p);
        flush_sendq(p);
        update_source(p);
        return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = {
        .dispatch = source_dispatch,
};

static int open_raw(GError **error) {
        int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
        struct icmp6_filter filter;

        if (fd < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                            "cannot open raw ICMPv6 socket (needs CAP_NET_RAW): %s", g_strerror(errno));
                return -1;
        }
        /* RFC 3542 3.2: let only Echo Replies reach us. */
        ICMP6_FILTER_SETBLOCKALL(&filter);
        ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
        if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter)) < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "ICMP6_FILTER: %s",
                            g_strerror(errno));
                close(fd);
                return -1;
        }
        return fd;
}

static int open_ping(uint16_t *ret_identifier, GError **error) {
        int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
        struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
        socklen_t len = sizeof(sa);

        if (fd < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                            "cannot open ICMPv6 ping socket (is our group in net.ipv4.ping_group_range?): %s",
                            g_strerror(errno));
                return -1;
        }
        /* The kernel picks a free identifier at bind time and demultiplexes
         * replies by it; we learn it for the log only. */
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            getsockname(fd, (struct sockaddr *) &sa, &len) < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "ping socket bind: %s",
                            g_strerror(errno));
                close(fd);
                return -1;
        }
        *ret_identifier = ntohs(sa.sin6_port);
        return fd;
}

/* Lease distinct random flow labels for member discovery.  Labels are a
 * per-namespace resource shared with other programs, so a taken one is
 * skipped; fewer labels only means fewer discovery probes. */
static void lease_flow_labels(Prober *p) {
        int on = 1;

        if (setsockopt(p->fd, IPPROTO_IPV6, IPV6_FLOWINFO_SEND, &on, sizeof(on)) < 0) {
                g_info("flow labels unavailable (IPV6_FLOWINFO_SEND: %s): no member discovery",
                       g_strerror(errno));
                return;
        }
        for (unsigned tries = 0; p->n_labels < AARP_MEMBER_PROBES_MAX && tries < 4 * AARP_MEMBER_PROBES_MAX;
             tries++) {
                struct flowlabel_req req = {
                        /* The kernel wants some destination for a lease
                         * but checks it only when sending to ::; the
                         * label serves every target. */
                        .flr_dst = IN6ADDR_LOOPBACK_INIT,
                        .flr_action = FL_ACTION_GET,
                        .flr_share = FL_SHARE_EXCL,
                        .flr_flags = FL_FLAG_CREATE | FL_FLAG_EXCL,
                };
                uint32_t label;

                random_bytes(p, &label, sizeof(label));
                label &= FLOWLABEL_STATEFUL_MAX;
                if (label == 0)
                        continue;
                req.flr_label = htonl(label);
                if (setsockopt(p->fd, IPPROTO_IPV6, IPV6_FLOWLABEL_MGR, &req, sizeof(req)) < 0) {
                        if (errno == EEXIST || errno == EPERM)
                                continue; /* taken by someone else */
                        g_info("cannot lease flow labels: %s: no member discovery", g_strerror(errno));
                        return;
                }
                p->labels[p->n_labels++] = htonl(label);
        }
}

static void set_buffers(int fd) {
        int size = SOCKET_BUFFER_SIZE;

        /* Thousands of probes at once need room; FORCE works with
         * CAP_NET_ADMIN, plain SO_*BUF is capped by the sysctl otherwise. */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

Prober *prober_new(ProbeSocketKind kind, GError **error) {
        g_autoptr(GError) raw_error = NULL;
        Prober *p;
        int fd = -1;
        uint16_t identifier = 0;
        gboolean raw = FALSE;

        if (kind == PROBE_SOCKET_RAW || kind == PROBE_SOCKET_AUTO) {
                fd = open_raw(kind == PROBE_SOCKET_RAW ? error : &raw_error);
                raw = fd >= 0;
                if (fd < 0 && kind == PROBE_SOCKET_RAW)
                        return NULL;
        }
        if (fd < 0) {
                fd = open_ping(&identifier, error);
                if (fd < 0) {
                        if (raw_error)
                                g_prefix_error(error, "%s; ", raw_error->message);
                        return NULL;
                }
        }
        set_buffers(fd);

        p = g_new0(Prober, 1);
        p->fd = fd;
        p->raw = raw;
        p->member_scope = MEMBER_SCOPE_STRICT;
        p->by_sequence = g_hash_table_new(g_direct_hash, g_direct_equal);
        g_queue_init(&p->deadlines);
        g_queue_init(&p->sendq);
        g_queue_init(&p->waiting);
        g_queue_init(&p->waiting_background);
        random_bytes(p, &p->next_sequence, sizeof(p->next_sequence));
        if (raw)
                random_bytes(p, &p->identifier, sizeof(p->identifier));
        else
                p->identifier = identifier;
        prober_set_params(p, AARP_PROBE_TIMEOUT_MSEC_DEFAULT, AARP_PROBE_RETRIES_DEFAULT,
                          AARP_PROBES_IN_FLIGHT_DEFAULT);
        /* Ping sockets ignore sin6_flowinfo; only raw sockets can steer. */
        if (raw)
                lease_flow_labels(p);

        p->source = (ProberSource *) g_source_new(&source_funcs, sizeof(ProberSource));
        p->source->prober = p;
        g_source_set_name(&p->source->source, "aarp prober");
        p->fd_tag = g_source_add_unix_fd(&p->source->source, fd, G_IO_IN);
        g_source_attach(&p->source->source, g_main_context_get_thread_default());
        return p;
}

static void free_queue(GQueue *q) {
        while (q->head) {
                Probe *pr = q->head->data;
                g_queue_unlink(q, &pr->link);
                g_free(pr);
        }
}

void prober_free(Prober *p) {
        if (!p)
                return;
        g_source_destroy(&p->source->source);
        g_source_unref(&p->source->source);
        free_queue(&p->deadlines);
        free_queue(&p->sendq);
        free_queue(&p->waiting);
        free_queue(&p->waiting_background);
        g_hash_table_destroy(p->by_sequence);
        close(p->fd);
        g_free(p);
}

void prober_set_member_scope(Prober *p, MemberScope member_scope) {
        p->member_scope = member_scope;
}

void prober_set_params(Prober *p, uint32_t timeout_msec, uint32_t retries, uint32_t max_in_flight) {
        p->timeout_msec = MAX(timeout_msec, 1u);
        p->retries = MIN(retries, ATTEMPTS_MAX - 1u);
        /* Each probe may hold up to ATTEMPTS_MAX sequence numbers. */
        p->max_in_flight = CLAMP(max_in_flight, 1u, 60000u / (p->retries + 1));
}

void prober_start(Prober *p, const struct in6_addr *target, int ifindex, unsigned label,
                  ProbeCallback callback, gpointer user_data) {
        Probe *pr = g_new0(Probe, 1);

        g_return_if_fail(label <= p->n_labels);
        if (label > 0)
                pr->flowinfo = p->labels[label - 1];

        pr->prober = p;
        pr->target = *target;
        pr->ifindex = ifindex;
        pr->callback = callback;
        pr->user_data = user_data;
        pr->timeout_msec = p->timeout_msec;
        /* A discovery probe is one sample of one path: no retries. */
        pr->attempts_total = label > 0 ? 1 : p->retries + 1;
        pr->link.data = pr;
        queue_move(pr, label > 0 ? &p->waiting_background : &p->waiting);
        /* Sending happens from the source's dispatch, in this same loop
         * iteration's batch: callers never see a callback re-entrantly,
         * and a burst of requests leaves in one go. */
        g_source_set_ready_time(&p->source->source, 0);
}

const ProberStats *prober_get_stats(const Prober *p) {
        return &p->stats;
}

void prober_reset_stats(Prober *p) {
        memset(&p->stats, 0, sizeof(p->stats));
}

const char *prober_socket_kind(const Prober *p) {
        return p->raw ? "raw" : "ping";
}

unsigned prober_flow_labels(const Prober *p) {
        return p->n_labels;
}

guint prober_in_flight(const Prober *p) {
        return p->in_flight;
}
