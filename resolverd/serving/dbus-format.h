/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbus-format.h: numbers of the D-Bus specification's "Message Format"
 * that the daemon's hand-written readers and writers share (message-check.c
 * validates every io.socket message; wire.c reads and writes the hot calls).
 */
#pragma once

/* Header field codes. */
enum {
        MSG_FIELD_PATH = 1,
        MSG_FIELD_INTERFACE = 2,
        MSG_FIELD_MEMBER = 3,
        MSG_FIELD_ERROR_NAME = 4,
        MSG_FIELD_REPLY_SERIAL = 5,
        MSG_FIELD_DESTINATION = 6,
        MSG_FIELD_SENDER = 7,
        MSG_FIELD_SIGNATURE = 8,
        MSG_FIELD_LAST_KNOWN = MSG_FIELD_SIGNATURE, /* 9, UNIX_FDS: never on io.socket */
};

/* Message types. */
enum {
        MSG_TYPE_METHOD_CALL = 1,
        MSG_TYPE_METHOD_RETURN = 2,
        MSG_TYPE_ERROR_REPLY = 3,
        MSG_TYPE_SIGNAL = 4,
};

/* Flags. */
#define MSG_FLAG_NO_REPLY_EXPECTED 0x1
#define MSG_FLAGS_KNOWN 0x7 /* NO_REPLY_EXPECTED, NO_AUTO_START, ALLOW_INTERACTIVE_AUTHORIZATION */
