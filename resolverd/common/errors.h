/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * errors.h: the daemon's one error domain.  Every value maps to one D-Bus
 * error name of include/aarp-def.h (org.aarp.Resolve1.Error.*); the mapping
 * is registered once with GDBus, so a GError returned through
 * g_dbus_method_invocation_return_gerror() reaches the client by name.
 */
#pragma once

#include <glib.h>

typedef enum {
        AARP_E_INVALID_ARGUMENT,
        AARP_E_INVALID_ADDRESS,
        AARP_E_INVALID_FLAGS,
        AARP_E_INVALID_INTERFACE,
        AARP_E_INVALID_NAME,
        AARP_E_INVALID_FAMILY,
        AARP_E_NO_SUCH_NAME,
        AARP_E_NO_DATA,
        AARP_E_TEMPORARY_FAILURE,
        AARP_E_ACCESS_DENIED,
        AARP_E_LIMIT_EXCEEDED,
        AARP_E_INTERNAL,
} AarpErrorCode;

#define AARP_ERROR (aarp_error_quark())

/* The error quark, registered with GDBus on first use (thread-safe). */
GQuark aarp_error_quark(void);
