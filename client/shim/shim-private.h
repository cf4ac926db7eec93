/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shim-private.h: the state the parts of libaarp-run.so share:
 *
 *   shim.c     loading, the state lock, and the descriptor calls (close,
 *              dup*, fcntl, socket, accept*) that keep the per-fd table true
 *   shim-io.c  the calls that name a peer (connect, send*, recv*,
 *              getpeername, getsockopt): anycast destinations rewritten to
 *              their member and back
 *
 * Nothing else includes this.
 */
#pragma once

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

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

typedef struct {
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
} ShimReal;

/* The real functions (dlsym(RTLD_NEXT)), resolved once at load. */
extern ShimReal shim_real;

/* Answers by anycast address (the daemon's, for their TTL) and the
 * rewrites each socket got; guarded by shim_state_enter(). */
extern ShimCache shim_answers;
extern ShimSockets shim_sockets;

/* Lock-free (shim-cache.h): close() and the other descriptor calls update
 * it without the state lock, so they stay safe in signal handlers and in a
 * child forked while another thread held the lock. */
extern ShimFds shim_fds;

/* Set once some socket got a rewrite: until then the receive paths do not
 * even take the lock. */
extern atomic_bool shim_have_sockets;

/* Non-zero while this thread is inside a part of the shim that no call
 * may enter again: its own daemon lookup (the D-Bus client's socket calls
 * then go straight to libc) and every section that holds the state lock.
 * A call made while it is set can only come from that code or from a
 * signal handler that interrupted it on this thread; the interposed calls
 * then pass through untouched (a send goes to the address given, a receive
 * reports what the kernel said), because waiting for the lock would wait
 * for the interrupted code, which cannot go on until the handler returns:
 * sendto(), recvfrom() and the rest are async-signal-safe and must stay so
 * under aarp-run.  Initial-exec: a plain load from a signal handler, no
 * allocation on a thread's first access (the shim is preloaded, so its TLS
 * is static anyway). */
extern __thread volatile sig_atomic_t shim_in_shim __attribute__((tls_model("initial-exec")));

/* Resolve the real functions once (a plain load after the first time). */
void shim_ensure_init(void);

/* Take the state lock, marking the thread first; false, taking nothing,
 * if this thread is already inside the shim. */
bool shim_state_enter(void);
void shim_state_leave(void);

/* True in the process whose descriptors the per-fd table describes (not in
 * a vfork()ed child). */
bool shim_table_ours(void);

uint64_t shim_now_usec(void);

/* The socket's device and inode (what tells a reused descriptor number
 * apart), from the table when @tracked in generation @state. */
bool shim_socket_identity(int fd, bool tracked, unsigned state, dev_t *ret_dev, ino_t *ret_ino);

/* True if @fd is an AF_INET6 stream or datagram socket the shim may
 * rewrite; *ret_tracked and *ret_state say what the table knew. */
bool shim_socket_is_eligible(int fd, bool *ret_tracked, unsigned *ret_state);

/* Look @a up: in the cache, else with one call to the daemon (shim-io.c). */
bool shim_lookup(const struct in6_addr *a, uint32_t scope, struct in6_addr *ret_unicast);
