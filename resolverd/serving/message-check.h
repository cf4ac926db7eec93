/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * message-check.h: strict validation of one D-Bus message as it arrives on
 * io.socket, before anything reads it.
 *
 * On the system bus dbus-daemon validates every message before we see it;
 * io.socket has no such guard, and GDBusMessage alone is not one: it accepts
 * a header field of the wrong type (a MEMBER typed 'u', say) and then its
 * getters return NULL, which the dispatch would have to survive everywhere.
 * So every message is checked here against the D-Bus specification's
 * "Message Format" first, as dbus-daemon would check it, and a message that
 * fails is never dispatched:
 *
 *   - the fixed header (endianness, a known message type, version 1, a
 *     non-zero serial) and the framing (the header field array fills its
 *     length exactly; padding is zero; the body is exactly as long as the
 *     header says);
 *   - each header field: a known code, at most once, with exactly its type
 *     (PATH 'o', INTERFACE/MEMBER/ERROR_NAME/DESTINATION/SENDER 's',
 *     REPLY_SERIAL 'u', SIGNATURE 'g'), and the syntax of its value (object
 *     path, interface, member, error and bus names, signature); UNIX_FDS and
 *     unknown codes are refused, since io.socket never negotiates descriptors
 *     and our clients send no other fields;
 *   - the fields each message type requires (a method call: PATH and MEMBER;
 *     a signal: PATH, INTERFACE, MEMBER; an error: ERROR_NAME, REPLY_SERIAL;
 *     a method return: REPLY_SERIAL);
 *   - the body against the SIGNATURE field, value by value (alignment,
 *     padding, booleans 0 or 1, strings valid UTF-8 without NUL, array
 *     lengths, nesting depth, variants).
 *
 * Pure and allocation-free: it only reads @msg, so it is cheap enough for
 * the hot path and easy to fuzz.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/* What a checked message holds; the pointers point into the message and
 * are NUL-terminated (NULL when the field is absent). */
typedef struct {
        uint8_t type; /* 1 method call, 2 method return, 3 error, 4 signal */
        uint8_t flags;
        uint32_t serial;
        const char *path;
        const char *interface;
        const char *member;
        const char *signature; /* "" when absent */
} MessageInfo;

/* @msg is one whole message of @len bytes, framed as
 * g_dbus_message_bytes_needed() frames it.  TRUE if it is a valid D-Bus
 * message by the rules above (and @ret, if not NULL, describes it); FALSE
 * with a static reason in @ret_why (if not NULL) otherwise. */
gboolean message_check(const uint8_t *msg, size_t len, MessageInfo *ret, const char **ret_why);
