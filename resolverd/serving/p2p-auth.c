/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p2p-auth.c: the SASL EXTERNAL handshake of io.socket.  The identity a
 * client claims must be the uid the kernel reports for the socket
 * (SO_PEERCRED); nothing else is offered.
 */
#include <errno.h>
#include <stdint.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "message-check.h"
#include "p2p-private.h"

static void reply_line(P2PPeer *p, const char *line) {
        p2p_send_raw(p, line, strlen(line));
}

/* One SASL command line (without CRLF).  We offer EXTERNAL only: the kernel
 * tells us the peer's uid, and the claimed identity must match it. */
void p2p_handle_auth_line(P2PPeer *p, char *line) {
        if (g_str_has_prefix(line, "AUTH EXTERNAL")) {
                const char *hex = line + strlen("AUTH EXTERNAL");
                g_autofree char *claimed = NULL;
                g_autofree char *expected = g_strdup_printf("%u", (unsigned) p->uid);
                size_t n;

                while (*hex == ' ')
                        hex++;
                n = strlen(hex);
                if (n == 0) {
                        reply_line(p, "DATA\r\n");
                        return;
                }
                if (n % 2 != 0 || n > 64) {
                        reply_line(p, "REJECTED EXTERNAL\r\n");
                        return;
                }
                claimed = g_malloc0(n / 2 + 1);
                for (size_t i = 0; i < n / 2; i++) {
                        int hi = g_ascii_xdigit_value(hex[2 * i]), lo = g_ascii_xdigit_value(hex[2 * i + 1]);
                        if (hi < 0 || lo < 0) {
                                reply_line(p, "REJECTED EXTERNAL\r\n");
                                return;
                        }
                        claimed[i] = (char) (hi << 4 | lo);
                }
                if (strcmp(claimed, expected) != 0) {
                        reply_line(p, "REJECTED EXTERNAL\r\n");
                        return;
                }
                p->authenticated = TRUE;
                g_autofree char *ok = g_strdup_printf("OK %s\r\n", p->server->guid);
                reply_line(p, ok);
        } else if (strcmp(line, "DATA") == 0 || g_str_has_prefix(line, "DATA ")) {
                /* EXTERNAL without an initial response: empty DATA means
                 * "whoever the kernel says I am". */
                const char *hex = line + 4;
                while (*hex == ' ')
                        hex++;
                if (*hex == '\0') {
                        p->authenticated = TRUE;
                        g_autofree char *ok = g_strdup_printf("OK %s\r\n", p->server->guid);
                        reply_line(p, ok);
                } else {
                        g_autofree char *again = g_strdup_printf("AUTH EXTERNAL %s", hex);
                        p2p_handle_auth_line(p, again);
                }
        } else if (strcmp(line, "NEGOTIATE_UNIX_FD") == 0) {
                reply_line(p, "ERROR no file descriptors here\r\n"); /* we pass none */
        } else if (strcmp(line, "BEGIN") == 0 && p->authenticated) {
                p->state = PEER_RUNNING;
                if (p->auth_timeout)
                        g_source_remove(p->auth_timeout);
                p->auth_timeout = 0;
        } else if (g_str_has_prefix(line, "AUTH") || strcmp(line, "CANCEL") == 0 ||
                   g_str_has_prefix(line, "ERROR")) {
                p->authenticated = FALSE;
                reply_line(p, "REJECTED EXTERNAL\r\n");
        } else
                reply_line(p, "ERROR unknown command\r\n");
}

/* Whether a whole message (or a header the framing below rejects) is
 * buffered: what takes a turn.  A partial one must not, or reading the rest
 * of it would wait for a turn that it used up itself. */
