/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tun-delay.c: a userspace delay line between two TUN devices, because the
 * lab kernel has no sch_netem (PAPER-NOTES, "Lab kernel limits").
 *
 *   tun-delay IF_A IF_B DELAY_USEC LIFETIME_SEC READY_FILE
 *
 * Creates the TUN devices IF_A and IF_B (IFF_TUN | IFF_NO_PI, not
 * persistent: they vanish when this process exits, so a crash leaves
 * nothing behind), writes its pid to READY_FILE and then relays every IP
 * packet read from one device to the other DELAY_USEC later.  The caller
 * (tests/bench/bench-lib.sh) brings the links up and points policy routes
 * at them, so that forwarded packets leave the router through one device
 * and re-enter it through the other, late by exactly the delay.
 *
 * The delay is fixed, so each direction is a FIFO in deadline order: a ring
 * of at most QUEUE_MAX packets.  What arrives while a ring is full is
 * dropped and counted (a real link drops too; the count tells whether a
 * figure is to be trusted).  ppoll() sleeps until the earliest deadline with
 * microsecond resolution.  Bounded and self-terminating: exits on SIGTERM or
 * SIGINT, or after LIFETIME_SEC whatever happens, and prints its counters
 * on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_MAX 32768u  /* packets per direction; a 10k-probe burst fits */
#define PACKET_MAX 2048u  /* the lab's links have MTU 1500 */
#define DELAY_MAX_USEC 10000000ull

typedef struct {
        uint64_t due_usec;
        uint16_t len;
        unsigned char data[PACKET_MAX];
} Packet;

typedef struct {
        int in_fd, out_fd;
        Packet *ring; /* QUEUE_MAX slots */
        unsigned head, count;
        uint64_t relayed, dropped, write_errors;
} Direction;

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void)sig;
        stop = 1;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int tun_open(const char *name) {
        struct ifreq ifr = {.ifr_flags = IFF_TUN | IFF_NO_PI};
        int fd;

        if (strlen(name) >= IFNAMSIZ) {
                errno = ENAMETOOLONG;
                return -1;
        }
        fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -1;
        memcpy(ifr.ifr_name, name, strlen(name) + 1);
        if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
                int e = errno;
                close(fd);
                errno = e;
                return -1;
        }
        return fd;
}

/* Read everything waiting on d->in_fd into the ring, stamped with its due
 * time.  Reading until EAGAIN keeps the kernel's own queue (500 packets on
 * a TUN device) from overflowing during a burst. */
static void drain_input(Direction *d, uint64_t delay_usec) {
        for (;;) {
                Packet *p;
                ssize_t n;

                if (d->count == QUEUE_MAX) {
                        unsigned char scratch[PACKET_MAX];

                        n = read(d->in_fd, scratch, sizeof(scratch));
                        if (n <= 0)
                                return;
                        d->dropped++;
                        continue;
                }
                p = &d->ring[(d->head + d->count) % QUEUE_MAX];
                n = read(d->in_fd, p->data, sizeof(p->data));
                if (n <= 0)
                        return; /* EAGAIN, or an error poll() will report again */
                /* Stamped after the read: time spent in the kernel queue
                 * already counts towards the delay, not on top of it. */
                p->due_usec = now_usec() + delay_usec;
                p->len = (uint16_t)n;
                d->count++;
        }
}

static void flush_due(Direction *d, uint64_t now) {
        while (d->count > 0 && d->ring[d->head].due_usec <= now) {
                Packet *p = &d->ring[d->head];

                if (write(d->out_fd, p->data, p->len) != (ssize_t)p->len)
                        d->write_errors++;
                else
                        d->relayed++;
                d->head = (d->head + 1) % QUEUE_MAX;
                d->count--;
        }
}

int main(int argc, char **argv) {
        Direction dir[2] = {{0}};
        uint64_t delay_usec, end_usec;
        unsigned long lifetime;
        char *endp;
        FILE *ready;
        int fd_a, fd_b;

        if (argc != 6) {
                fprintf(stderr, "usage: %s IF_A IF_B DELAY_USEC LIFETIME_SEC READY_FILE\n", argv[0]);
                return 2;
        }
        errno = 0;
        delay_usec = strtoull(argv[3], &endp, 10);
        if (errno || *endp || delay_usec > DELAY_MAX_USEC) {
                fprintf(stderr, "tun-delay: bad delay '%s' (0-%llu us)\n", argv[3], DELAY_MAX_USEC);
                return 2;
        }
        lifetime = strtoul(argv[4], &endp, 10);
        if (*endp || lifetime == 0 || lifetime > 86400) {
                fprintf(stderr, "tun-delay: bad lifetime '%s' (1-86400 s)\n", argv[4]);
                return 2;
        }

        fd_a = tun_open(argv[1]);
        fd_b = fd_a < 0 ? -1 : tun_open(argv[2]);
        if (fd_a < 0 || fd_b < 0) {
                fprintf(stderr, "tun-delay: cannot create %s: %s\n", fd_a < 0 ? argv[1] : argv[2],
                        strerror(errno));
                return 1;
        }
        dir[0] = (Direction){.in_fd = fd_a, .out_fd = fd_b, .ring = calloc(QUEUE_MAX, sizeof(Packet))};
        dir[1] = (Direction){.in_fd = fd_b, .out_fd = fd_a, .ring = calloc(QUEUE_MAX, sizeof(Packet))};
        if (!dir[0].ring || !dir[1].ring) {
                fprintf(stderr, "tun-delay: out of memory\n");
                return 1;
        }

        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        ready = fopen(argv[5], "w");
        if (!ready || fprintf(ready, "%ld\n", (long)getpid()) < 0 || fclose(ready) != 0) {
                fprintf(stderr, "tun-delay: cannot write %s\n", argv[5]);
                return 1;
        }

        end_usec = now_usec() + (uint64_t)lifetime * 1000000u;
        while (!stop) {
                struct pollfd pfd[2] = {{.fd = fd_a, .events = POLLIN}, {.fd = fd_b, .events = POLLIN}};
                uint64_t now = now_usec(), wake = end_usec;
                struct timespec ts;

                if (now >= end_usec)
                        break;
                for (int i = 0; i < 2; i++)
                        if (dir[i].count > 0 && dir[i].ring[dir[i].head].due_usec < wake)
                                wake = dir[i].ring[dir[i].head].due_usec;
                wake = wake > now ? wake - now : 0;
                ts = (struct timespec){.tv_sec = (time_t)(wake / 1000000u),
                                       .tv_nsec = (long)(wake % 1000000u) * 1000};
                if (ppoll(pfd, 2, &ts, NULL) < 0 && errno != EINTR) {
                        perror("tun-delay: ppoll");
                        return 1;
                }
                for (int i = 0; i < 2; i++)
                        if (pfd[i].revents & POLLIN)
                                drain_input(&dir[i], delay_usec);
                now = now_usec();
                for (int i = 0; i < 2; i++)
                        flush_due(&dir[i], now);
        }
        fprintf(stderr, "tun-delay: %s->%s relayed %llu dropped %llu write errors %llu; "
                        "%s->%s relayed %llu dropped %llu write errors %llu\n",
                argv[1], argv[2], (unsigned long long)dir[0].relayed, (unsigned long long)dir[0].dropped,
                (unsigned long long)dir[0].write_errors, argv[2], argv[1],
                (unsigned long long)dir[1].relayed, (unsigned long long)dir[1].dropped,
                (unsigned long long)dir[1].write_errors);
        free(dir[0].ring);
        free(dir[1].ring);
        return 0;
}
