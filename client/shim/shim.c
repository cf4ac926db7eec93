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
 * shim_in_shim in shim-private.h); its calls pass through untouched
 * instead.  shim-io.c holds the calls that name a peer; this file loads the
 * shim and keeps the per-descriptor table true.
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
#include "shim-private.h"

ShimReal shim_real;

static pthread_once_t real_once = PTHREAD_ONCE_INIT;

/* Guarded by state_lock, taken only through shim_state_enter() and
 * shim_state_leave(). */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
ShimCache shim_answers;
ShimSockets shim_sockets;

ShimFds shim_fds;
atomic_bool shim_have_sockets;
__thread volatile sig_atomic_t shim_in_shim __attribute__((tls_model("initial-exec")));

/* Take state_lock, marking the thread first so that a signal handler
 * arriving at any point from here to shim_state_leave() sees the mark (it is
 * set before the lock is held and cleared after it is released).  False,
 * taking nothing, if this thread is already inside the shim: the caller
 * then leaves the state alone. */
bool shim_state_enter(void) {
        if (shim_in_shim)
                return false;
        shim_in_shim++;
        atomic_signal_fence(memory_order_seq_cst);
        pthread_mutex_lock(&state_lock);
        return true;
}

void shim_state_leave(void) {
        pthread_mutex_unlock(&state_lock);
        atomic_signal_fence(memory_order_seq_cst);
        shim_in_shim--;
}

static void resolve_real(void) {
/* Through a void * lvalue: ISO C has no object-to-function pointer
 * conversion, POSIX guarantees this one works (dlsym(3)). */
#define R(name) (*(void **)&shim_real.name = dlsym(RTLD_NEXT, #name))
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

bool shim_table_ours(void) {
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

void shim_ensure_init(void) {
        (void)pthread_once(&real_once, init);
}

/* Resolve at load time too: then a close() from a signal handler finds
 * pthread_once() already done (a plain load) rather than running init. */
__attribute__((constructor)) static void load(void) {
        shim_ensure_init();
}

uint64_t shim_now_usec(void) {
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

        if (shim_real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
                return SHIM_FD_UNKNOWN;
        len = sizeof protocol;
        if (shim_real.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) < 0)
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
 * fstat() check (shim_socket_identity()). */

/* The identity recorded with @fd's pairs and compared on receive: the
 * generation from @state if @tracked, else (st_dev, st_ino) - one fstat().
 * False if @fd cannot be looked at. */
bool shim_socket_identity(int fd, bool tracked, unsigned state, dev_t *ret_dev, ino_t *ret_ino) {
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
bool shim_socket_is_eligible(int fd, bool *ret_tracked, unsigned *ret_state) {
        ShimFdKind kind;

        *ret_state = 0;
        *ret_tracked = shim_fds_get(&shim_fds, fd, ret_state);
        if (*ret_tracked && shim_fd_kind(*ret_state) != SHIM_FD_UNKNOWN)
                return shim_fd_kind(*ret_state) == SHIM_FD_ELIGIBLE;
        kind = socket_kind(fd);
        /* If the number was reused meanwhile this records nothing, and the
         * pairs recorded under the old generation never match. */
        if (*ret_tracked && kind != SHIM_FD_UNKNOWN)
                (void)shim_fds_set_kind(&shim_fds, fd, *ret_state, kind);
        return kind == SHIM_FD_ELIGIBLE;
}


SHIM_EXPORT int close(int fd) {
        int r, saved_errno;

        shim_ensure_init();
        r = shim_real.close(fd);
        saved_errno = errno;
        /* Also on EINTR: Linux has released the number then. */
        if (shim_table_ours())
                shim_fds_reset(&shim_fds, fd, SHIM_FD_UNKNOWN);
        errno = saved_errno;
        return r;
}

SHIM_EXPORT int close_range(unsigned int first, unsigned int last, int flags) {
        int r;

        shim_ensure_init();
        if (!shim_real.close_range) {
                errno = ENOSYS;
                return -1;
        }
        r = shim_real.close_range(first, last, flags);
        /* CLOSE_RANGE_CLOEXEC closes nothing now; exec starts afresh. */
        if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC) && shim_table_ours())
                shim_fds_reset_range(&shim_fds, first, last);
        return r;
}

SHIM_EXPORT void closefrom(int lowfd) {
        shim_ensure_init();
        if (shim_real.closefrom)
                shim_real.closefrom(lowfd);
        if (lowfd >= 0 && shim_table_ours())
                shim_fds_reset_range(&shim_fds, (unsigned)lowfd, ~0u);
}

static int new_fd(int fd, ShimFdKind kind) {
        if (fd >= 0 && shim_table_ours())
                shim_fds_reset(&shim_fds, fd, kind);
        return fd;
}

SHIM_EXPORT int dup(int fd) {
        shim_ensure_init();
        return new_fd(shim_real.dup(fd), SHIM_FD_UNKNOWN);
}

SHIM_EXPORT int dup2(int fd, int fd2) {
        shim_ensure_init();
        if (fd == fd2) /* changes nothing, the socket keeps its state */
                return shim_real.dup2(fd, fd2);
        return new_fd(shim_real.dup2(fd, fd2), SHIM_FD_UNKNOWN);
}

SHIM_EXPORT int dup3(int fd, int fd2, int flags) {
        shim_ensure_init();
        return new_fd(shim_real.dup3(fd, fd2, flags), SHIM_FD_UNKNOWN);
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
        shim_ensure_init();
        return do_fcntl(shim_real.fcntl, fd, cmd, arg);
}

SHIM_EXPORT int shim_fcntl64(int fd, int cmd, ...) {
        va_list ap;
        void *arg;

        va_start(ap, cmd);
        arg = va_arg(ap, void *);
        va_end(ap);
        shim_ensure_init();
        return do_fcntl(shim_real.fcntl64 ? shim_real.fcntl64 : shim_real.fcntl, fd, cmd, arg);
}

SHIM_EXPORT int socket(int domain, int type, int protocol) {
        shim_ensure_init();
        /* The kind is known from the arguments: not even the first send
         * needs to ask the kernel. */
        return new_fd(shim_real.socket(domain, type, protocol), kind_of(type, protocol));
}

SHIM_EXPORT int socketpair(int domain, int type, int protocol, int sv[2]) {
        int r;

        shim_ensure_init();
        r = shim_real.socketpair(domain, type, protocol, sv);
        if (r == 0) {
                new_fd(sv[0], kind_of(type, protocol));
                new_fd(sv[1], kind_of(type, protocol));
        }
        return r;
}

SHIM_EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *len) {
        shim_ensure_init();
        return new_fd(shim_real.accept(fd, addr.__sockaddr__, len), SHIM_FD_UNKNOWN);
}

SHIM_EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *len, int flags) {
        shim_ensure_init();
        return new_fd(shim_real.accept4(fd, addr.__sockaddr__, len, flags), SHIM_FD_UNKNOWN);
}

