/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p2p-output.c: io.socket's replies on their way out.  Each is queued
 * within three bounds (the connection's, its user's, everyone's); a peer
 * that does not read its replies is paused (p2p.c stops reading it) and,
 * past the bounds or STALL_TIMEOUT_SEC, closed.
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

void p2p_trim_buffer(GByteArray **buf, gsize *peak) {
        if ((*buf)->len == 0 && *peak > BUFFER_KEEP) {
                g_byte_array_unref(*buf);
                *buf = g_byte_array_new();
                *peak = 0;
        }
}

static void output_consumed(P2PPeer *p, gsize n) {
        g_byte_array_remove_range(p->out, 0, (guint) n);
        p->use->queued -= n;
        if (p->uid != 0)
                p->server->queued -= n;
        p->active_usec = p->out_since_usec = p2p_peer_now(p);
        p2p_trim_buffer(&p->out, &p->out_peak);
}

void p2p_flush_output(P2PPeer *p) {
        while (p->out->len > 0 && p->state != PEER_CLOSED) {
                ssize_t n = send(p->fd, p->out->data, p->out->len, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        p2p_peer_close(p);
                        return;
                }
                output_consumed(p, (gsize) n);
        }
        p2p_update_events(p);
}

void p2p_send_raw(P2PPeer *p, const void *data, size_t len) {
        P2PServer *s = p->server;
        const char *over = NULL;

        if (p->state == PEER_CLOSED)
                return;
        if (p->out->len + len > PEER_OUTPUT_MAX)
                over = "connection";
        else if (p->uid != 0 && p->use->queued + len > UID_OUTPUT_MAX)
                over = "user";
        else if (p->uid != 0 && s->queued + len > TOTAL_OUTPUT_MAX)
                over = "all users";
        if (over) {
                g_message("p2p: peer uid %u does not read its replies (output bound per %s); disconnecting",
                          (unsigned) p->uid, over);
                p2p_peer_close(p);
                return;
        }
        if (p->out->len == 0) {
                gint64 ready;

                /* The stall clock starts now; the timer may be further off
                 * (the idle timeout). */
                p->out_since_usec = p2p_peer_now(p);
                ready = p->source ? g_source_get_ready_time(p->source) : -1;
                if (p->source && (ready < 0 || ready > p->out_since_usec + STALL_TIMEOUT_SEC * G_USEC_PER_SEC))
                        g_source_set_ready_time(p->source, p->out_since_usec + STALL_TIMEOUT_SEC * G_USEC_PER_SEC);
        }
        g_byte_array_append(p->out, data, (guint) len);
        p->out_peak = MAX(p->out_peak, p->out->len);
        p->use->queued += len;
        if (p->uid != 0)
                s->queued += len;
        p2p_flush_output(p);
}

void p2p_peer_send(P2PPeer *p, GDBusMessage *message) {
        g_autoptr(GError) error = NULL;
        g_autofree guchar *blob = NULL;
        gsize size = 0;

        if (p->state != PEER_RUNNING)
                return;
        g_dbus_message_set_serial(message, ++p->serial ? p->serial : ++p->serial);
        blob = g_dbus_message_to_blob(message, &size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
        if (!blob) {
                g_warning("p2p: cannot serialize a reply: %s", error->message);
                return;
        }
        p2p_send_raw(p, blob, size);
}

void p2p_peer_send_blob(P2PPeer *p, guint8 *blob, gsize len) {
        guint32 serial;

        if (p->state != PEER_RUNNING)
                return;
        serial = GUINT32_TO_LE(++p->serial ? p->serial : ++p->serial);
        memcpy(blob + 8, &serial, 4); /* after endianness, type, flags, version, body length */
        p2p_send_raw(p, blob, len);
}

