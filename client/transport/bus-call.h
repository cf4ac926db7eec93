/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-call.h: the one builder of calls to aarp-resolved (internal to
 * client/), shared by bus-client.c and introspect-client.c so that every
 * call has the same transport, bound and error mapping.
 */
#pragma once

#include <dbus/dbus.h>

/* Every call: @method of @interface with the arguments that follow (as for
 * dbus_message_append_args(), ending with DBUS_TYPE_INVALID), sent within
 * the client bound; its reply, which must have @reply_signature, in
 * *ret_reply for the caller to unref.  A negative errno otherwise (the
 * table of bus-client.h). */
int call_method(const char *interface, const char *method, const char *reply_signature, DBusMessage **ret_reply,
                int first_arg_type, ...);

/* The negative errno for the error message @reply (AARP and D-Bus error
 * names, the table of bus-client.h); -EPROTO for any other name. */
int error_to_errno(DBusMessage *reply);
