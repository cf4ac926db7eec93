/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * signal-sender.c: a UDP client whose signal handler sends too.  sendto()
 * and recvfrom() are async-signal-safe (POSIX), so a program may call them
 * from a handler that interrupts the same calls in its main flow; under
 * aarp-run (client/shim/shim.c) both go through the shim, which must then not
 * deadlock on its own state.
 *
 * Usage: signal-sender ADDRESS PORT SIGNALS
 *
 * An interval timer raises SIGALRM every 100 us; the handler sends a
 * datagram to [ADDRESS]:PORT and reads one reply without waiting.  The main
 * flow does the same in a loop until SIGNALS handlers have run.  Prints
 * "sends N handler_sends N replies N from_address N" (replies whose source
 * is ADDRESS: under aarp-run, the member's replies reported as coming from
 * the anycast address) and exits 0; 1 on a setup error or if
 * a send failed.  A deadlock shows as no exit at all (run it under
 * timeout(1)).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int fd = -1;
static struct sockaddr_in6 dst;
static volatile sig_atomic_t handler_sends, handler_failed, replies, replies_from_dst;

static void receive_one(void) {
        struct sockaddr_in6 from;
        socklen_t len = sizeof from;
        char buf[64];

        if (recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &len) >= 0) {
                replies++;
                if (len >= sizeof from && IN6_ARE_ADDR_EQUAL(&from.sin6_addr, &dst.sin6_addr))
                        replies_from_dst++;
        }
}

static void on_alarm(int sig) {
        int saved_errno = errno;

        (void)sig;
        if (sendto(fd, "sig", 3, 0, (const struct sockaddr *)&dst, sizeof dst) == 3)
                handler_sends++;
        else
                handler_failed = 1;
        receive_one();
        errno = saved_errno;
}

int main(int argc, char **argv) {
        struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
        struct itimerval it = {.it_interval = {0, 100}, .it_value = {0, 100}};
        unsigned long signals, sends = 0;

        if (argc != 4 || inet_pton(AF_INET6, argv[1], &dst.sin6_addr) != 1) {
                fprintf(stderr, "usage: %s ADDRESS PORT SIGNALS\n", argv[0]);
                return 1;
        }
        dst.sin6_family = AF_INET6;
        dst.sin6_port = htons((uint16_t)strtoul(argv[2], NULL, 10));
        signals = strtoul(argv[3], NULL, 10);

        fd = socket(AF_INET6, SOCK_DGRAM, 0);
        if (fd < 0 || sigemptyset(&sa.sa_mask) < 0 || sigaction(SIGALRM, &sa, NULL) < 0) {
                perror("signal-sender: setup");
                return 1;
        }
        if (setitimer(ITIMER_REAL, &it, NULL) < 0) {
                perror("signal-sender: setitimer");
                return 1;
        }
        while ((unsigned long)handler_sends < signals && !handler_failed) {
                if (sendto(fd, "main", 4, 0, (const struct sockaddr *)&dst, sizeof dst) != 4) {
                        /* A full socket buffer is not our concern here. */
                        if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
                                perror("signal-sender: sendto");
                                return 1;
                        }
                }
                sends++;
                receive_one();
        }
        it = (struct itimerval){0};
        (void)setitimer(ITIMER_REAL, &it, NULL);
        if (handler_failed) {
                fprintf(stderr, "signal-sender: a send from the signal handler failed\n");
                return 1;
        }
        printf("sends %lu handler_sends %lu replies %lu from_address %lu\n", sends, (unsigned long)handler_sends,
               (unsigned long)replies, (unsigned long)replies_from_dst);
        return 0;
}
