/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shim.c: libaarp-run.so, the shim between an unmodified program
 * and the socket API, loaded with LD_PRELOAD by aarp-run(1).
 *
 * glibc parses a numeric host without consulting NSS, so a program handed
 * an anycast literal (telnet 2001:db8:a::1) never reaches libnss_aarp.  We
 * interpose the calls that name a destination - connect, sendto, sendmsg,
 * sendmmsg (MSG_FASTOPEN included) - and replace an AF_INET6 anycast
 * destination A with its nearest member's unicast address U, as the daemon
 * resolved it; and on that socket we put A back where the kernel reports U
 * - recvfrom, recvmsg, recvmmsg, getpeername - so that programs which check
 * who answered (DNS clients, ftp's passive mode reconnecting to the peer)
 * accept the reply.
 *
 * Rules: only AF_INET6 stream/datagram sockets are touched (never AF_UNIX:
 * the D-Bus client's own socket goes through connect() too, and a
 * thread-local guard stops any recursion), errno and blocking behaviour are
 * those of the real call, answers are cached in-process for the daemon's
 * TTL (no IPC per datagram), and when the daemon cannot be reached the
 * call goes through unchanged.  The calls stay async-signal-safe where
 * POSIX says they are: a signal handler that interrupts the shim's own
 * locked sections or daemon lookup on its thread never waits for them (see
 * in_shim below); its calls pass through untouched instead.
 *
 * Per descriptor number we remember whether the socket may be rewritten
 * and a generation (ShimFds), so that sendto()/recvfrom() on a socket we
 * already know make no system call of their own (the budget is at most
 * 1 us per sendto: BENCHMARKS.md, bench-shim).  What makes that safe is that we also interpose every
 * libc call by which a program closes a descriptor or makes one name
 * another file - close, close_range, closefrom, dup, dup2, dup3,
 * fcntl(F_DUPFD*), socket, socketpair, accept, accept4, and descriptors
 * received with SCM_RIGHTS - and each starts a new generation for the
 * numbers it touches.  See "What interposition cannot see" below for the
 * one case this misses, and why we accept it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aarp-def.h"
#include "bus-client.h"
#include "shim-cache.h"

#define SHIM_EXPORT __attribute__((visibility("default")))

/* The real functions, called with plain pointers.  Our definitions below
 * use glibc's transparent unions (__SOCKADDR_ARG, __CONST_SOCKADDR_ARG) to
 * match its declarations under _GNU_SOURCE exactly. */
typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);
typedef ssize_t (*sendto_fn)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);
typedef int (*sendmmsg_fn)(int, struct mmsghdr *, unsigned int, int);
typedef ssize_t (*recvfrom_fn)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
typedef ssize_t (*recvmsg_fn)(int, struct msghdr *, int);
typedef int (*recvmmsg_fn)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
typedef int (*getpeername_fn)(int, struct sockaddr *, socklen_t *);
typedef int (*getsockopt_fn)(int, int, int, void *, socklen_t *);
typedef int (*close_fn)(int);
typedef int (*close_range_fn)(unsigned int, unsigned int, int);
typedef void (*closefrom_fn)(int);
typedef int (*dup_fn)(int);
typedef int (*dup2_fn)(int, int);
typedef int (*dup3_fn)(int, int, int);
typedef int (*fcntl_fn)(int, int, ...);
typedef int (*socket_fn)(int, int, int);
typedef int (*socketpair_fn)(int, int, int, int[2]);
typedef int (*accept_fn)(int, struct sockaddr *, socklen_t *);
typedef int (*accept4_fn)(int, struct sockaddr *, socklen_t *, int);

static struct {
        connect_fn connect;
        sendto_fn sendto;
        sendmsg_fn sendmsg;
        sendmmsg_fn sendmmsg;
        recvfrom_fn recvfrom;
        recvmsg_fn recvmsg;
        recvmmsg_fn recvmmsg;
        getpeername_fn getpeername;
        getsockopt_fn getsockopt;
        close_fn close;
        close_range_fn close_range; /* NULL before glibc 2.34 */
        closefrom_fn closefrom;     /* NULL before glibc 2.34 */
        dup_fn dup;
        dup2_fn dup2;
        dup3_fn dup3;
        fcntl_fn fcntl;
        fcntl_fn fcntl64; /* NULL before glibc 2.28 */
        socket_fn socket;
        socketpair_fn socketpair;
        accept_fn accept;
        accept4_fn accept4;
} real;

static pthread_once_t real_once = PTHREAD_ONCE_INIT;

/* Everything below is guarded by state_lock, taken only through
 * state_enter()/state_leave(). */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static ShimCache cache;
static ShimSockets sockets;

/* Lock-free (shim-cache.h): close() and the other descriptor calls update
 * it without state_lock, so they stay safe in signal handlers and in a
 * child forked while another thread held the lock. */
static ShimFds fds;

/* Set once some socket got a rewrite: until then the receive paths do not
 * even take the lock. */
static atomic_bool have_sockets;

/* Non-zero while this thread is inside a part of the shim that no call
 * may enter again: its own daemon lookup (the D-Bus client's socket calls
 * then go straight to libc) and every section that holds state_lock.  A
 * call made while it is set can only come from that code or from a signal
 * handler that interrupted it on this thread; the interposed calls then
 * pass through untouched (a send goes to the address given, a receive
 * reports what the kernel said), because waiting for state_lock would wait
 * for the interrupted code, which cannot go on until the handler returns:
 * sendto(), recvfrom() and the rest are async-signal-safe and must stay so
 * under aarp-run.  Initial-exec: a plain load from a signal handler, no
 * allocation on a thread's first access (the shim is preloaded, so its TLS
 * is static anyway). */
static __thread volatile sig_atomic_t in_shim __attribute__((tls_model("initial-exec")));

/* Take state_lock, marking the thread first so that a signal handler
 * arriving at any point from here to state_leave() sees the mark (it is
 * set before the lock is held and cleared after it is released).  False,
 * taking nothing, if this thread is already inside the shim: the caller
 * then leaves the state alone. */
static bool state_enter(void) {
        if (in_shim)
                return false;
        in_shim++;
        atomic_signal_fence(memory_order_seq_cst);
        pthread_mutex_lock(&state_lock);
        return true;
}

static void state_leave(void) {
        pthread_mutex_unlock(&state_lock);
        atomic_signal_fence(memory_order_seq_cst);
        in_shim--;
}

static void resolve_real(void) {
/* Through a void * lvalue: ISO C has no object-to-function pointer
 * conversion, POSIX guarantees this one works (dlsym(3)). */
#define R(name) (*(void **)&real.name = dlsym(RTLD_NEXT, #name))
        R(connect);
        R(sendto);
        R(sendmsg);
        R(sendmmsg);
        R(recvfrom);
        R(recvmsg);
        R(recvmmsg);
        R(getpeername);
        R(getsockopt);
        R(close);
        R(close_range);
        R(closefrom);
        R(dup);
        R(dup2);
        R(dup3);
        R(fcntl);
        R(fcntl64);
        R(socket);
        R(socketpair);
        R(accept);
        R(accept4);
#undef R
}

/* The process whose descriptors the per-fd table describes.  A child made
 * with vfork() (or clone(CLONE_VM)) shares our memory but not our
 * descriptors, and runs no atfork handler: its close()s before exec must
 * not touch our table (a JVM's child closes every descriptor). */
static pid_t table_owner;

static bool table_ours(void) {
        return getpid() == __atomic_load_n(&table_owner, __ATOMIC_RELAXED);
}

static void atfork_child(void) {
        /* The lock may have been held by a thread that does not exist in
         * the child; the data it guarded is consistent enough to keep
         * (worst case one half-written cache entry, which just misses). */
        state_lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
        /* A fork()ed child has a copy of the table and its own
         * descriptors: the copy is its own. */
        __atomic_store_n(&table_owner, getpid(), __ATOMIC_RELAXED);
}

static void init(void) {
        resolve_real();
        __atomic_store_n(&table_owner, getpid(), __ATOMIC_RELAXED);
        (void)pthread_atfork(NULL, NULL, atfork_child);
}

static void ensure_init(void) {
        (void)pthread_once(&real_once, init);
}

/* Resolve at load time too: then a close() from a signal handler finds
 * pthread_once() already done (a plain load) rather than running init. */
__attribute__((constructor)) static void load(void) {
        ensure_init();
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Not for raw sockets or ICMPv6 ping sockets: rewriting a ping's
 * destination would hide the very anycast behaviour it looks at. */
static ShimFdKind kind_of(int type, int protocol) {
        type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
                return SHIM_FD_INELIGIBLE;
        return protocol == IPPROTO_ICMPV6 ? SHIM_FD_INELIGIBLE : SHIM_FD_ELIGIBLE;
}

/* Ask the kernel (two system calls): SHIM_FD_UNKNOWN if @fd is no socket
 * or not open, which is not worth remembering (the call fails anyway). */
static ShimFdKind socket_kind(int fd) {
        int type = 0, protocol = 0;
        socklen_t len = sizeof type;

        if (real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
                return SHIM_FD_UNKNOWN;
        len = sizeof protocol;
        if (real.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) < 0)
                protocol = 0;
        return kind_of(type, protocol);
}

/* What interposition cannot see.  The ShimFds state of a number goes stale
 * only if a program both closes a socket and gets a new one on the same
 * number without any call above: through syscall(2), io_uring, or libc's
 * internal calls (fclose() of an fdopen()ed socket closes it inside libc;
 * rresvport() creates one inside libc).  One of the two alone is harmless:
 * the interposed other one starts a new generation.  Both, and the new
 * socket then used with the interposed send/receive calls, would mean a
 * rewrite decided for the old socket (a ping socket's destination
 * rewritten, or a member's address reported as the anycast address).
 * Checking with fstat() per call, as the shim did before, closes that gap
 * at 0.3-0.4 us per call, a third of the whole budget; we do not pay it,
 * as no program we know does both.  Descriptors beyond the table keep the
 * fstat() check (socket_identity()). */

/* The identity recorded with @fd's pairs and compared on receive: the
 * generation from @state if @tracked, else (st_dev, st_ino) - one fstat().
 * False if @fd cannot be looked at. */
static bool socket_identity(int fd, bool tracked, unsigned state, dev_t *ret_dev, ino_t *ret_ino) {
        struct stat st;

        if (tracked) {
                *ret_dev = 0;
                *ret_ino = shim_fd_generation(state);
                return true;
        }
        if (fstat(fd, &st) < 0)
                return false;
        *ret_dev = st.st_dev;
        *ret_ino = st.st_ino;
        return true;
}

/* Whether @fd may be rewritten: from the table, else from the kernel (and
 * then remembered).  The state the answer belongs to in *ret_state. */
static bool socket_is_eligible(int fd, bool *ret_tracked, unsigned *ret_state) {
        ShimFdKind kind;

        *ret_state = 0;
        *ret_tracked = shim_fds_get(&fds, fd, ret_state);
        if (*ret_tracked && shim_fd_kind(*ret_state) != SHIM_FD_UNKNOWN)
                return shim_fd_kind(*ret_state) == SHIM_FD_ELIGIBLE;
        kind = socket_kind(fd);
        /* If the number was reused meanwhile this records nothing, and the
         * pairs recorded under the old generation never match. */
        if (*ret_tracked && kind != SHIM_FD_UNKNOWN)
                (void)shim_fds_set_kind(&fds, fd, *ret_state, kind);
        return kind == SHIM_FD_ELIGIBLE;
}

/* Look @a up: in the cache, else with one call to the daemon.  True with
 * the member in *ret_unicast if the destination should be rewritten. */
static bool lookup(const struct in6_addr *a, uint32_t scope, struct in6_addr *ret_unicast) {
        ShimMapping m;
        uint64_t now = now_usec(), flags = 0;
        uint32_t ttl = 0;
        struct in6_addr u;
        int r;

        if (!state_enter())
                return false;
        if (shim_cache_lookup(&cache, a, scope, now, &m)) {
                state_leave();
                if (m.rewrite)
                        *ret_unicast = m.unicast;
                return m.rewrite;
        }
        state_leave();

        /* Not under the lock: a lookup can take a probe's time, and other
         * threads must not wait for it.  Two threads missing on the same
         * address both ask; the daemon shares one probe between them. */
        in_shim++;
        r = bus_client_resolve_address((int)scope, a, sizeof *a, 0, &u, &flags, &ttl, NULL);
        in_shim--;

        m = (ShimMapping){.anycast = *a, .scope = scope};
        if (r < 0) {
                /* Unreachable or refused: pass through, and do not ask again
                 * for a while. */
                ttl = SHIM_UNREACHABLE_TTL_SEC;
        } else if ((flags & AARP_FLAG_ANYCAST) && !(flags & AARP_FLAG_NOT_PROBED) &&
                   !IN6_ARE_ADDR_EQUAL(&u, a)) {
                m.rewrite = true;
                m.unicast = u;
        }
        m.expires_usec = now + (uint64_t)ttl * 1000000u;

        if (state_enter()) {
                shim_cache_insert(&cache, &m, now);
                state_leave();
        }

        if (m.rewrite)
                *ret_unicast = m.unicast;
        return m.rewrite;
}

static void remember_socket(int fd, bool tracked, unsigned state, const struct in6_addr *anycast,
                            const struct in6_addr *unicast) {
        dev_t dev;
        ino_t ino;

        if (!socket_identity(fd, tracked, state, &dev, &ino))
                return;
        if (!state_enter())
                return;
        if (shim_sockets_add(&sockets, fd, dev, ino, anycast, unicast) == 0)
                atomic_store(&have_sockets, true);
        state_leave();
}

/* Whether @fd is still the socket whose identity was recorded as
 * @dev/@ino: no system call for tracked descriptors. */
static bool socket_is_same(int fd, dev_t dev, ino_t ino) {
        unsigned state = 0;
        bool tracked = shim_fds_get(&fds, fd, &state);
        dev_t now_dev;
        ino_t now_ino;

        return socket_identity(fd, tracked, state, &now_dev, &now_ino) && now_dev == dev && now_ino == ino;
}

/* If @sa (@len bytes) is an AF_INET6 destination to rewrite on @fd, fill
 * *@out with the member's address (port, flow info and scope kept) and
 * return true.  errno is left as it was. */
static bool map_destination(int fd, const struct sockaddr *sa, socklen_t len, struct sockaddr_in6 *out) {
        struct in6_addr u;
        int saved_errno = errno;
        bool rewrite = false, tracked;
        unsigned state;

        if (in_shim || !sa || len < (socklen_t)sizeof(struct sockaddr_in6) || sa->sa_family != AF_INET6)
                return false;
        /* memcpy: the caller's buffer need not be aligned for sockaddr_in6. */
        memcpy(out, sa, sizeof *out);
        if (!shim_address_is_candidate(&out->sin6_addr, out->sin6_scope_id))
                return false;
        if (lookup(&out->sin6_addr, out->sin6_scope_id, &u) && socket_is_eligible(fd, &tracked, &state)) {
                remember_socket(fd, tracked, state, &out->sin6_addr, &u);
                out->sin6_addr = u;
                rewrite = true;
        }
        errno = saved_errno;
        return rewrite;
}

/* The reverse: if the kernel reported the member @sa (@len valid bytes, in
 * a buffer of @cap bytes) on a socket we rewrote for, put the anycast
 * address there. */
static void unmap_source(int fd, void *sa, socklen_t len, socklen_t cap) {
        struct sockaddr_in6 sin6;
        struct in6_addr anycast;
        dev_t dev;
        ino_t ino;
        bool found;
        int saved_errno;

        if (!atomic_load(&have_sockets) || !sa || len < (socklen_t)sizeof sin6 ||
            cap < (socklen_t)sizeof sin6)
                return;
        memcpy(&sin6, sa, sizeof sin6);
        if (sin6.sin6_family != AF_INET6)
                return;

        saved_errno = errno;
        if (!state_enter())
                return;
        found = shim_sockets_lookup(&sockets, fd, &sin6.sin6_addr, &anycast, &dev, &ino);
        state_leave();
        if (found) {
                /* A closed and reused descriptor is another socket: only
                 * the one we rewrote for gets the anycast address back. */
                if (socket_is_same(fd, dev, ino)) {
                        memcpy((char *)sa + offsetof(struct sockaddr_in6, sin6_addr), &anycast,
                               sizeof anycast);
                } else if (state_enter()) {
                        shim_sockets_forget(&sockets, fd);
                        state_leave();
                }
        }
        errno = saved_errno;
}

/* Descriptors that arrived in @msg's SCM_RIGHTS messages are new files on
 * their numbers.  Costs nothing without control data. */
static void reset_passed_fds(const struct msghdr *msg) {
        if (!msg || !msg->msg_control || msg->msg_controllen == 0)
                return;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
                size_t n;

                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0))
                        continue;
                n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < n; i++) {
                        int fd;

                        memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
                        if (table_ours())
                                shim_fds_reset(&fds, fd, SHIM_FD_UNKNOWN);
                }
        }
}

/* A connection to member @mapped of @sa's anycast address failed: tell the
 * daemon (InvalidateAddress), so that the next lookup gets a member that
 * still answers, and forget our own mapping so the next connect asks
 * again.  Only failures that say "this member is gone" count, and only
 * synchronous ones (a non-blocking connect's later error is not seen). */
static bool member_failed(int error) {
        return error == ECONNREFUSED || error == ETIMEDOUT || error == EHOSTUNREACH || error == ENETUNREACH;
}

static void report(uint32_t scope, const struct in6_addr *anycast, const struct in6_addr *member) {
        int saved_errno = errno;

        in_shim++;
        (void)bus_client_invalidate_address((int)scope, anycast, member, NULL);
        in_shim--;
        if (state_enter()) {
                shim_cache_clear(&cache);
                state_leave();
        }
        errno = saved_errno;
}

static void report_failed_member(const struct sockaddr *sa, const struct sockaddr_in6 *mapped, int error) {
        struct sockaddr_in6 orig;
        int saved_errno = errno;

        if (!member_failed(error))
                return;
        memcpy(&orig, sa, sizeof orig);
        report(orig.sin6_scope_id, &orig.sin6_addr, &mapped->sin6_addr);
        errno = saved_errno;
}

SHIM_EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len) {
        const struct sockaddr *sa = addr.__sockaddr__;
        struct sockaddr_in6 mapped;
        int r;

        ensure_init();
        if (map_destination(fd, sa, len, &mapped)) {
                r = real.connect(fd, (const struct sockaddr *)&mapped, sizeof mapped);
                if (r < 0)
                        report_failed_member(sa, &mapped, errno);
                return r;
        }
        return real.connect(fd, sa, len);
}

SHIM_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG addr,
                           socklen_t len) {
        const struct sockaddr *sa = addr.__sockaddr__;
        struct sockaddr_in6 mapped;

        ensure_init();
        if (map_destination(fd, sa, len, &mapped))
                return real.sendto(fd, buf, n, flags, (const struct sockaddr *)&mapped, sizeof mapped);
        return real.sendto(fd, buf, n, flags, sa, len);
}

SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
        struct sockaddr_in6 mapped;

        ensure_init();
        if (msg && map_destination(fd, msg->msg_name, msg->msg_namelen, &mapped)) {
                /* A copy: the caller's msghdr is const and may be reused. */
                struct msghdr copy = *msg;

                copy.msg_name = &mapped;
                copy.msg_namelen = sizeof mapped;
                return real.sendmsg(fd, &copy, flags);
        }
        return real.sendmsg(fd, msg, flags);
}

SHIM_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags) {
        struct mmsghdr *copy = NULL;
        struct sockaddr_in6 *names = NULL;
        int saved_errno, r;

        ensure_init();
        if (!vec || vlen == 0 || in_shim)
                return real.sendmmsg(fd, vec, vlen, flags);
        /* The kernel sends at most UIO_MAXIOV (1024) per call. */
        if (vlen > 1024)
                vlen = 1024;

        saved_errno = errno;
        for (unsigned i = 0; i < vlen; i++) {
                struct sockaddr_in6 mapped;

                if (!map_destination(fd, vec[i].msg_hdr.msg_name, vec[i].msg_hdr.msg_namelen, &mapped))
                        continue;
                if (!copy) {
                        copy = malloc(vlen * sizeof *copy);
                        names = malloc(vlen * sizeof *names);
                        if (!copy || !names) {
                                /* Fail open, like an unreachable daemon. */
                                free(copy);
                                free(names);
                                errno = saved_errno;
                                return real.sendmmsg(fd, vec, vlen, flags);
                        }
                        memcpy(copy, vec, vlen * sizeof *copy);
                }
                names[i] = mapped;
                copy[i].msg_hdr.msg_name = &names[i];
                copy[i].msg_hdr.msg_namelen = sizeof names[i];
        }
        errno = saved_errno;
        if (!copy)
                return real.sendmmsg(fd, vec, vlen, flags);

        r = real.sendmmsg(fd, copy, vlen, flags);
        saved_errno = errno;
        for (int i = 0; i < r; i++)
                vec[i].msg_len = copy[i].msg_len;
        free(copy);
        free(names);
        errno = saved_errno;
        return r;
}

SHIM_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, __SOCKADDR_ARG addr, socklen_t *len) {
        struct sockaddr *sa = addr.__sockaddr__;
        socklen_t cap = len ? *len : 0;
        ssize_t r;

        ensure_init();
        r = real.recvfrom(fd, buf, n, flags, sa, len);
        if (r >= 0 && sa && len && !in_shim)
                unmap_source(fd, sa, *len, cap);
        return r;
}

SHIM_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
        socklen_t cap = msg ? msg->msg_namelen : 0;
        ssize_t r;

        ensure_init();
        r = real.recvmsg(fd, msg, flags);
        if (r >= 0 && msg) {
                reset_passed_fds(msg);
                if (msg->msg_name && !in_shim)
                        unmap_source(fd, msg->msg_name, msg->msg_namelen, cap);
        }
        return r;
}

SHIM_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
                         struct timespec *timeout) {
        socklen_t caps[64];
        unsigned n_caps = vlen < 64 ? vlen : 64;
        int r;

        ensure_init();
        /* The kernel overwrites msg_namelen: remember the buffer sizes of
         * the first entries (a bound that keeps this on the stack; later
         * entries are assumed to have the first one's size). */
        for (unsigned i = 0; vec && i < n_caps; i++)
                caps[i] = vec[i].msg_hdr.msg_namelen;
        r = real.recvmmsg(fd, vec, vlen, flags, timeout);
        for (int i = 0; i < r; i++)
                reset_passed_fds(&vec[i].msg_hdr);
        if (in_shim)
                return r;
        for (int i = 0; i < r; i++)
                if (vec[i].msg_hdr.msg_name)
                        unmap_source(fd, vec[i].msg_hdr.msg_name, vec[i].msg_hdr.msg_namelen,
                                     (unsigned)i < n_caps ? caps[i] : caps[0]);
        return r;
}

/* A non-blocking connect (curl, GLib, browsers) learns its failure from
 * SO_ERROR: report the member there too, if the socket is one whose
 * destination we rewrote. */
SHIM_EXPORT int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen) {
        ShimSocketPair pair;
        dev_t dev = 0;
        ino_t ino = 0;
        bool known = false;
        int r;

        ensure_init();
        r = real.getsockopt(fd, level, optname, optval, optlen);
        if (r < 0 || in_shim || level != SOL_SOCKET || optname != SO_ERROR || !optval || !optlen ||
            *optlen < (socklen_t)sizeof(int) || !member_failed(*(int *)optval) || !atomic_load(&have_sockets))
                return r;
        if (!state_enter())
                return r;
        if (fd >= 0 && (size_t)fd < sockets.size && sockets.by_fd[fd].n_pairs > 0) {
                pair = sockets.by_fd[fd].pairs[sockets.by_fd[fd].n_pairs - 1];
                dev = sockets.by_fd[fd].dev;
                ino = sockets.by_fd[fd].ino;
                known = true;
        }
        state_leave();
        if (known) {
                int saved_errno = errno;

                known = socket_is_same(fd, dev, ino);
                errno = saved_errno;
        }
        if (known)
                report(0, &pair.anycast, &pair.unicast);
        return r;
}

SHIM_EXPORT int getpeername(int fd, __SOCKADDR_ARG addr, socklen_t *len) {
        struct sockaddr *sa = addr.__sockaddr__;
        socklen_t cap = len ? *len : 0;
        int r;

        ensure_init();
        r = real.getpeername(fd, sa, len);
        if (r == 0 && sa && len && !in_shim)
                unmap_source(fd, sa, *len, cap);
        return r;
}

/* The descriptor calls: each starts a new generation for the numbers it
 * closes or fills, after the real call (before it, a send racing with the
 * close could record the old socket under the new generation).  Atomics
 * only, no lock: close() is async-signal-safe and must stay so. */

SHIM_EXPORT int close(int fd) {
        int r, saved_errno;

        ensure_init();
        r = real.close(fd);
        saved_errno = errno;
        /* Also on EINTR: Linux has released the number then. */
        if (table_ours())
                shim_fds_reset(&fds, fd, SHIM_FD_UNKNOWN);
        errno = saved_errno;
        return r;
}

SHIM_EXPORT int close_range(unsigned int first, unsigned int last, int flags) {
        int r;

        ensure_init();
        if (!real.close_range) {
                errno = ENOSYS;
                return -1;
        }
        r = real.close_range(first, last, flags);
        /* CLOSE_RANGE_CLOEXEC closes nothing now; exec starts afresh. */
        if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC) && table_ours())
                shim_fds_reset_range(&fds, first, last);
        return r;
}

SHIM_EXPORT void closefrom(int lowfd) {
        ensure_init();
        if (real.closefrom)
                real.closefrom(lowfd);
        if (lowfd >= 0 && table_ours())
                shim_fds_reset_range(&fds, (unsigned)lowfd, ~0u);
}

static int new_fd(int fd, ShimFdKind kind) {
        if (fd >= 0 && table_ours())
                shim_fds_reset(&fds, fd, kind);
        return fd;
}

SHIM_EXPORT int dup(int fd) {
        ensure_init();
        return new_fd(real.dup(fd), SHIM_FD_UNKNOWN);
}

SHIM_EXPORT int dup2(int fd, int fd2) {
        ensure_init();
        if (fd == fd2) /* changes nothing, the socket keeps its state */
                return real.dup2(fd, fd2);
        return new_fd(real.dup2(fd, fd2), SHIM_FD_UNKNOWN);
}

SHIM_EXPORT int dup3(int fd, int fd2, int flags) {
        ensure_init();
        return new_fd(real.dup3(fd, fd2, flags), SHIM_FD_UNKNOWN);
}

/* fcntl is variadic: the argument is passed on as a pointer-sized value,
 * exactly as glibc's own fcntl() reads it (va_arg(ap, void *)) for every
 * command; the Linux ABIs pass an int in a register or slot of that size.
 * Named shim_* with an assembler name: under _FILE_OFFSET_BITS=64 glibc's
 * header renames fcntl to fcntl64, and we interpose both symbols. */
int shim_fcntl(int fd, int cmd, ...) __asm__("fcntl");
int shim_fcntl64(int fd, int cmd, ...) __asm__("fcntl64");

static int do_fcntl(fcntl_fn fn, int fd, int cmd, void *arg) {
        int r = fn(fd, cmd, arg);

        if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
                return new_fd(r, SHIM_FD_UNKNOWN);
        return r;
}

SHIM_EXPORT int shim_fcntl(int fd, int cmd, ...) {
        va_list ap;
        void *arg;

        va_start(ap, cmd);
        arg = va_arg(ap, void *);
        va_end(ap);
        ensure_init();
        return do_fcntl(real.fcntl, fd, cmd, arg);
}

SHIM_EXPORT int shim_fcntl64(int fd, int cmd, ...) {
        va_list ap;
        void *arg;

        va_start(ap, cmd);
        arg = va_arg(ap, void *);
        va_end(ap);
        ensure_init();
        return do_fcntl(real.fcntl64 ? real.fcntl64 : real.fcntl, fd, cmd, arg);
}

SHIM_EXPORT int socket(int domain, int type, int protocol) {
        ensure_init();
        /* The kind is known from the arguments: not even the first send
         * needs to ask the kernel. */
        return new_fd(real.socket(domain, type, protocol), kind_of(type, protocol));
}

SHIM_EXPORT int socketpair(int domain, int type, int protocol, int sv[2]) {
        int r;

        ensure_init();
        r = real.socketpair(domain, type, protocol, sv);
        if (r == 0) {
                new_fd(sv[0], kind_of(type, protocol));
                new_fd(sv[1], kind_of(type, protocol));
        }
        return r;
}

SHIM_EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *len) {
        ensure_init();
        return new_fd(real.accept(fd, addr.__sockaddr__, len), SHIM_FD_UNKNOWN);
}

SHIM_EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *len, int flags) {
        ensure_init();
        return new_fd(real.accept4(fd, addr.__sockaddr__, len, flags), SHIM_FD_UNKNOWN);
}
