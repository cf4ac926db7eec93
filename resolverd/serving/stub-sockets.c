/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-sockets.c: socket activation or bind for the stub listener, and the
 * stub-resolv.conf it ships (see stub-sockets.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stub-sockets.h"

#define LISTEN_FDS_START 3

/* The sockets systemd passed us, once: the variables are unset so that
 * nothing started later takes them for its own. */
static int passed_fds(void) {
        const char *pid = g_getenv("LISTEN_PID"), *fds = g_getenv("LISTEN_FDS");
        char *end;
        long n;

        if (!pid || !fds)
                return 0;
        errno = 0;
        long p = strtol(pid, &end, 10);
        if (errno || *end || p != (long) getpid())
                return 0;
        n = strtol(fds, &end, 10);
        g_unsetenv("LISTEN_PID");
        g_unsetenv("LISTEN_FDS");
        g_unsetenv("LISTEN_FDNAMES");
        if (errno || *end || n <= 0 || n > 16)
                return 0;
        return (int) n;
}

static gboolean socket_matches(int fd, int type, struct in_addr address) {
        struct sockaddr_in sin;
        socklen_t len = sizeof(sin);
        int t;
        socklen_t tlen = sizeof(t);

        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &tlen) < 0 || t != type)
                return FALSE;
        if (getsockname(fd, (struct sockaddr *) &sin, &len) < 0 || sin.sin_family != AF_INET)
                return FALSE;
        return sin.sin_port == htons(53) && sin.sin_addr.s_addr == address.s_addr;
}

static int bind_one(int type, struct in_addr address, GError **error) {
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(53), .sin_addr = address };
        char text[INET_ADDRSTRLEN];
        int one = 1, rcvbuf = 1024 * 1024;
        int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        inet_ntop(AF_INET, &address, text, sizeof(text));
        if (fd < 0)
                goto fail;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        /* Room for bursts: on loopback the kernel cannot tell one user's
         * datagrams from another's, a full buffer drops them all alike. */
        if (type == SOCK_DGRAM)
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0)
                goto fail;
        if (type == SOCK_STREAM && listen(fd, 64) < 0)
                goto fail;
        return fd;
fail:;
        int e = errno;
        if (fd >= 0)
                close(fd);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "Cannot listen on %s:53/%s: %s%s",
                    text, type == SOCK_STREAM ? "tcp" : "udp", g_strerror(e),
                    e == EACCES ? " (port 53 needs CAP_NET_BIND_SERVICE, or use aarp-resolved-stub.socket)"
                                : "");
        return -1;
}

gboolean stub_sockets_open(struct in_addr address, int *ret_udp, int *ret_tcp, GError **error) {
        int n = passed_fds(), udp = -1, tcp = -1;

        for (int fd = LISTEN_FDS_START; fd < LISTEN_FDS_START + n; fd++) {
                if (udp < 0 && socket_matches(fd, SOCK_DGRAM, address))
                        udp = fd;
                else if (tcp < 0 && socket_matches(fd, SOCK_STREAM, address))
                        tcp = fd;
                else
                        continue;
                fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
        if (udp >= 0 && tcp >= 0)
                g_message("DNS stub: using the UDP and TCP sockets passed by the service manager");
        if (n > 0 && (udp < 0 || tcp < 0))
                g_warning("socket activation passed %d sockets, but not both UDP and TCP on port 53 of the "
                          "stub's address: binding the missing ones", n);
        if (udp < 0)
                udp = bind_one(SOCK_DGRAM, address, error);
        if (udp >= 0 && tcp < 0)
                tcp = bind_one(SOCK_STREAM, address, error);
        if (udp < 0 || tcp < 0) {
                if (udp >= 0)
                        close(udp);
                return FALSE;
        }
        *ret_udp = udp;
        *ret_tcp = tcp;
        return TRUE;
}

gboolean stub_write_resolv_conf(const char *dir, struct in_addr address, GError **error) {
        g_autofree char *path = g_build_filename(dir, "stub-resolv.conf", NULL);
        char text[INET_ADDRSTRLEN];
        g_autofree char *contents = NULL;

        inet_ntop(AF_INET, &address, text, sizeof(text));
        /* No trust-ad: the stub forwards AD as the upstream set it, over a
         * path it does not secure, so glibc should not trust it. */
        contents = g_strdup_printf("# This is %s, written by aarp-resolved.\n"
                                   "# It names aarp-resolved's DNS stub listener, which forwards to the\n"
                                   "# nameservers of DNS= (or of /etc/resolv.conf), each resolved with AARP.\n"
                                   "# Link /etc/resolv.conf here to use it:\n"
                                   "#   ln -sf %s /etc/resolv.conf\n"
                                   "nameserver %s\n"
                                   "options edns0\n",
                                   path, path, text);
        return g_file_set_contents_full(path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}
