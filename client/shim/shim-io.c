/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shim-io.c: the interposed calls that name a peer.  connect, sendto,
 * sendmsg and sendmmsg replace an AF_INET6 anycast destination with its
 * nearest member's unicast address; recvfrom, recvmsg, recvmmsg,
 * getpeername and getsockopt put the anycast address back where the kernel
 * reports the member (see shim.c for the rules).
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
#include "shim-private.h"


/* Look @a up: in the cache, else with one call to the daemon.  True with
 * the member in *ret_unicast if the destination should be rewritten. */
bool shim_lookup(const struct in6_addr *a, uint32_t scope, struct in6_addr *ret_unicast) {
        ShimMapping m;
        uint64_t now = shim_now_usec(), flags = 0;
        uint32_t ttl = 0;
        struct in6_addr u;
        int r;

        if (!shim_state_enter())
                return false;
        if (shim_cache_lookup(&shim_answers, a, scope, now, &m)) {
                shim_state_leave();
                if (m.rewrite)
                        *ret_unicast = m.unicast;
                return m.rewrite;
        }
        shim_state_leave();

        /* Not under the lock: a lookup can take a probe's time, and other
         * threads must not wait for it.  Two threads missing on the same
         * address both ask; the daemon shares one probe between them. */
        shim_in_shim++;
        r = bus_client_resolve_address((int)scope, a, sizeof *a, 0, &u, &flags, &ttl, NULL);
        shim_in_shim--;

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

        if (shim_state_enter()) {
                shim_cache_insert(&shim_answers, &m, now);
                shim_state_leave();
        }

        if (m.rewrite)
                *ret_unicast = m.unicast;
        return m.rewrite;
}

static void remember_socket(int fd, bool tracked, unsigned state, const struct in6_addr *anycast,
                            const struct in6_addr *unicast) {
        dev_t dev;
        ino_t ino;

        if (!shim_socket_identity(fd, tracked, state, &dev, &ino))
                return;
        if (!shim_state_enter())
                return;
        if (shim_sockets_add(&shim_sockets, fd, dev, ino, anycast, unicast) == 0)
                atomic_store(&shim_have_sockets, true);
        shim_state_leave();
}

/* Whether @fd is still the socket whose identity was recorded as
 * @dev/@ino: no system call for tracked descriptors. */
static bool socket_is_same(int fd, dev_t dev, ino_t ino) {
        unsigned state = 0;
        bool tracked = shim_fds_get(&shim_fds, fd, &state);
        dev_t now_dev;
        ino_t now_ino;

        return shim_socket_identity(fd, tracked, state, &now_dev, &now_ino) && now_dev == dev && now_ino == ino;
}

/* If @sa (@len bytes) is an AF_INET6 destination to rewrite on @fd, fill
 * *@out with the member's address (port, flow info and scope kept) and
 * return true.  errno is left as it was. */
static bool map_destination(int fd, const struct sockaddr *sa, socklen_t len, struct sockaddr_in6 *out) {
        struct in6_addr u;
        int saved_errno = errno;
        bool rewrite = false, tracked;
        unsigned state;

        if (shim_in_shim || !sa || len < (socklen_t)sizeof(struct sockaddr_in6) || sa->sa_family != AF_INET6)
                return false;
        /* memcpy: the caller's buffer need not be aligned for sockaddr_in6. */
        memcpy(out, sa, sizeof *out);
        if (!shim_address_is_candidate(&out->sin6_addr, out->sin6_scope_id))
                return false;
        if (shim_lookup(&out->sin6_addr, out->sin6_scope_id, &u) && shim_socket_is_eligible(fd, &tracked, &state)) {
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

        if (!atomic_load(&shim_have_sockets) || !sa || len < (socklen_t)sizeof sin6 ||
            cap < (socklen_t)sizeof sin6)
                return;
        memcpy(&sin6, sa, sizeof sin6);
        if (sin6.sin6_family != AF_INET6)
                return;

        saved_errno = errno;
        if (!shim_state_enter())
                return;
        found = shim_sockets_lookup(&shim_sockets, fd, &sin6.sin6_addr, &anycast, &dev, &ino);
        shim_state_leave();
        if (found) {
                /* A closed and reused descriptor is another socket: only
                 * the one we rewrote for gets the anycast address back. */
                if (socket_is_same(fd, dev, ino)) {
                        memcpy((char *)sa + offsetof(struct sockaddr_in6, sin6_addr), &anycast,
                               sizeof anycast);
                } else if (shim_state_enter()) {
                        shim_sockets_forget(&shim_sockets, fd);
                        shim_state_leave();
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
                        if (shim_table_ours())
                                shim_fds_reset(&shim_fds, fd, SHIM_FD_UNKNOWN);
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

        shim_in_shim++;
        (void)bus_client_invalidate_address((int)scope, anycast, member, NULL);
        shim_in_shim--;
        if (shim_state_enter()) {
                shim_cache_clear(&shim_answers);
                shim_state_leave();
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

        shim_ensure_init();
        if (map_destination(fd, sa, len, &mapped)) {
                r = shim_real.connect(fd, (const struct sockaddr *)&mapped, sizeof mapped);
                if (r < 0)
                        report_failed_member(sa, &mapped, errno);
                return r;
        }
        return shim_real.connect(fd, sa, len);
}

SHIM_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG addr,
                           socklen_t len) {
        const struct sockaddr *sa = addr.__sockaddr__;
        struct sockaddr_in6 mapped;

        shim_ensure_init();
        if (map_destination(fd, sa, len, &mapped))
                return shim_real.sendto(fd, buf, n, flags, (const struct sockaddr *)&mapped, sizeof mapped);
        return shim_real.sendto(fd, buf, n, flags, sa, len);
}

SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
        struct sockaddr_in6 mapped;

        shim_ensure_init();
        if (msg && map_destination(fd, msg->msg_name, msg->msg_namelen, &mapped)) {
                /* A copy: the caller's msghdr is const and may be reused. */
                struct msghdr copy = *msg;

                copy.msg_name = &mapped;
                copy.msg_namelen = sizeof mapped;
                return shim_real.sendmsg(fd, &copy, flags);
        }
        return shim_real.sendmsg(fd, msg, flags);
}

SHIM_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags) {
        struct mmsghdr *copy = NULL;
        struct sockaddr_in6 *names = NULL;
        int saved_errno, r;

        shim_ensure_init();
        if (!vec || vlen == 0 || shim_in_shim)
                return shim_real.sendmmsg(fd, vec, vlen, flags);
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
                                return shim_real.sendmmsg(fd, vec, vlen, flags);
                        }
                        memcpy(copy, vec, vlen * sizeof *copy);
                }
                names[i] = mapped;
                copy[i].msg_hdr.msg_name = &names[i];
                copy[i].msg_hdr.msg_namelen = sizeof names[i];
        }
        errno = saved_errno;
        if (!copy)
                return shim_real.sendmmsg(fd, vec, vlen, flags);

        r = shim_real.sendmmsg(fd, copy, vlen, flags);
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

        shim_ensure_init();
        r = shim_real.recvfrom(fd, buf, n, flags, sa, len);
        if (r >= 0 && sa && len && !shim_in_shim)
                unmap_source(fd, sa, *len, cap);
        return r;
}

SHIM_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
        socklen_t cap = msg ? msg->msg_namelen : 0;
        ssize_t r;

        shim_ensure_init();
        r = shim_real.recvmsg(fd, msg, flags);
        if (r >= 0 && msg) {
                reset_passed_fds(msg);
                if (msg->msg_name && !shim_in_shim)
                        unmap_source(fd, msg->msg_name, msg->msg_namelen, cap);
        }
        return r;
}

SHIM_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
                         struct timespec *timeout) {
        socklen_t caps[64];
        unsigned n_caps = vlen < 64 ? vlen : 64;
        int r;

        shim_ensure_init();
        /* The kernel overwrites msg_namelen: remember the buffer sizes of
         * the first entries (a bound that keeps this on the stack; later
         * entries are assumed to have the first one's size). */
        for (unsigned i = 0; vec && i < n_caps; i++)
                caps[i] = vec[i].msg_hdr.msg_namelen;
        r = shim_real.recvmmsg(fd, vec, vlen, flags, timeout);
        for (int i = 0; i < r; i++)
                reset_passed_fds(&vec[i].msg_hdr);
        if (shim_in_shim)
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

        shim_ensure_init();
        r = shim_real.getsockopt(fd, level, optname, optval, optlen);
        if (r < 0 || shim_in_shim || level != SOL_SOCKET || optname != SO_ERROR || !optval || !optlen ||
            *optlen < (socklen_t)sizeof(int) || !member_failed(*(int *)optval) || !atomic_load(&shim_have_sockets))
                return r;
        if (!shim_state_enter())
                return r;
        if (fd >= 0 && (size_t)fd < shim_sockets.size && shim_sockets.by_fd[fd].n_pairs > 0) {
                pair = shim_sockets.by_fd[fd].pairs[shim_sockets.by_fd[fd].n_pairs - 1];
                dev = shim_sockets.by_fd[fd].dev;
                ino = shim_sockets.by_fd[fd].ino;
                known = true;
        }
        shim_state_leave();
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

        shim_ensure_init();
        r = shim_real.getpeername(fd, sa, len);
        if (r == 0 && sa && len && !shim_in_shim)
                unmap_source(fd, sa, *len, cap);
        return r;
}

/* The descriptor calls: each starts a new generation for the numbers it
 * closes or fills, after the real call (before it, a send racing with the
 * close could record the old socket under the new generation).  Atomics
 * only, no lock: close() is async-signal-safe and must stay so. */

