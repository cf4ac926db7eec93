/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shim.c: libaarp-run.so, the paper's shim between an unmodified program
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
 * call goes through unchanged.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

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
} real;

static pthread_once_t real_once = PTHREAD_ONCE_INIT;

/* Everything below is guarded by state_lock. */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static ShimCache cache;
static ShimSockets sockets;

/* Set once some socket got a rewrite: until then the receive paths do not
 * even take the lock. */
static atomic_bool have_sockets;

/* Set while this thread is inside the shim's own daemon lookup: the D-Bus
 * client's socket calls then go straight to libc. */
static __thread int in_shim;

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
#undef R
}

static void atfork_child(void) {
        /* The lock may have been held by a thread that does not exist in
         * the child; the data it guarded is consistent enough to keep
         * (worst case one half-written cache entry, which just misses). */
        state_lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
}

static void init(void) {
        resolve_real();
        (void)pthread_atfork(NULL, NULL, atfork_child);
}

static void ensure_init(void) {
        (void)pthread_once(&real_once, init);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Not for raw sockets or ICMPv6 ping sockets: rewriting a ping's
 * destination would hide the very anycast behaviour it looks at. */
static bool socket_is_eligible(int fd) {
        int type = 0, protocol = 0;
        socklen_t len = sizeof type;

        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
                return false;
        if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
                return false;
        len = sizeof protocol;
        if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) == 0 && protocol == IPPROTO_ICMPV6)
                return false;
        return true;
}

/* Look @a up: in the cache, else with one call to the daemon.  True with
 * the member in *ret_unicast if the destination should be rewritten. */
static bool lookup(const struct in6_addr *a, uint32_t scope, struct in6_addr *ret_unicast) {
        ShimMapping m;
        uint64_t now = now_usec(), flags = 0;
        uint32_t ttl = 0;
        struct in6_addr u;
        int r;

        pthread_mutex_lock(&state_lock);
        if (shim_cache_lookup(&cache, a, scope, now, &m)) {
                pthread_mutex_unlock(&state_lock);
                if (m.rewrite)
                        *ret_unicast = m.unicast;
                return m.rewrite;
        }
        pthread_mutex_unlock(&state_lock);

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

        pthread_mutex_lock(&state_lock);
        shim_cache_insert(&cache, &m, now);
        pthread_mutex_unlock(&state_lock);

        if (m.rewrite)
                *ret_unicast = m.unicast;
        return m.rewrite;
}

static void remember_socket(int fd, const struct in6_addr *anycast, const struct in6_addr *unicast) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return;
        pthread_mutex_lock(&state_lock);
        if (shim_sockets_add(&sockets, fd, st.st_dev, st.st_ino, anycast, unicast) == 0)
                atomic_store(&have_sockets, true);
        pthread_mutex_unlock(&state_lock);
}

/* If @sa (@len bytes) is an AF_INET6 destination to rewrite on @fd, fill
 * *@out with the member's address (port, flow info and scope kept) and
 * return true.  errno is left as it was. */
static bool map_destination(int fd, const struct sockaddr *sa, socklen_t len, struct sockaddr_in6 *out) {
        struct in6_addr u;
        int saved_errno = errno;
        bool rewrite = false;

        if (in_shim || !sa || len < (socklen_t)sizeof(struct sockaddr_in6) || sa->sa_family != AF_INET6)
                return false;
        /* memcpy: the caller's buffer need not be aligned for sockaddr_in6. */
        memcpy(out, sa, sizeof *out);
        if (!shim_address_is_candidate(&out->sin6_addr, out->sin6_scope_id))
                return false;
        if (lookup(&out->sin6_addr, out->sin6_scope_id, &u) && socket_is_eligible(fd)) {
                remember_socket(fd, &out->sin6_addr, &u);
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
        struct stat st;
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
        pthread_mutex_lock(&state_lock);
        found = shim_sockets_lookup(&sockets, fd, &sin6.sin6_addr, &anycast, &dev, &ino);
        pthread_mutex_unlock(&state_lock);
        if (found) {
                /* A closed and reused descriptor is another socket: only
                 * the one we rewrote for gets the anycast address back. */
                if (fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino) {
                        memcpy((char *)sa + offsetof(struct sockaddr_in6, sin6_addr), &anycast,
                               sizeof anycast);
                } else {
                        pthread_mutex_lock(&state_lock);
                        shim_sockets_forget(&sockets, fd);
                        pthread_mutex_unlock(&state_lock);
                }
        }
        errno = saved_errno;
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
        pthread_mutex_lock(&state_lock);
        shim_cache_clear(&cache);
        pthread_mutex_unlock(&state_lock);
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
        if (r >= 0 && msg && msg->msg_name && !in_shim)
                unmap_source(fd, msg->msg_name, msg->msg_namelen, cap);
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
        struct stat st;
        bool known = false;
        int r;

        ensure_init();
        r = real.getsockopt(fd, level, optname, optval, optlen);
        if (r < 0 || in_shim || level != SOL_SOCKET || optname != SO_ERROR || !optval || !optlen ||
            *optlen < (socklen_t)sizeof(int) || !member_failed(*(int *)optval) || !atomic_load(&have_sockets))
                return r;
        pthread_mutex_lock(&state_lock);
        if (fd >= 0 && (size_t)fd < sockets.size && sockets.by_fd[fd].n_pairs > 0 && fstat(fd, &st) == 0 &&
            st.st_dev == sockets.by_fd[fd].dev && st.st_ino == sockets.by_fd[fd].ino) {
                pair = sockets.by_fd[fd].pairs[sockets.by_fd[fd].n_pairs - 1];
                known = true;
        }
        pthread_mutex_unlock(&state_lock);
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
