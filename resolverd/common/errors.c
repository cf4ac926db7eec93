/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* errors.c: registers the AarpErrorCode <-> D-Bus error name mapping. */
#include <gio/gio.h>

#include "aarp-def.h"
#include "errors.h"

static const GDBusErrorEntry aarp_error_entries[] = {
        { AARP_E_INVALID_ARGUMENT, AARP_ERROR_INVALID_ARGUMENT },
        { AARP_E_INVALID_ADDRESS, AARP_ERROR_INVALID_ADDRESS },
        { AARP_E_INVALID_FLAGS, AARP_ERROR_INVALID_FLAGS },
        { AARP_E_INVALID_INTERFACE, AARP_ERROR_INVALID_INTERFACE },
        { AARP_E_INVALID_NAME, AARP_ERROR_INVALID_NAME },
        { AARP_E_INVALID_FAMILY, AARP_ERROR_INVALID_FAMILY },
        { AARP_E_NO_SUCH_NAME, AARP_ERROR_NO_SUCH_NAME },
        { AARP_E_NO_DATA, AARP_ERROR_NO_DATA },
        { AARP_E_TEMPORARY_FAILURE, AARP_ERROR_TEMPORARY_FAILURE },
        { AARP_E_ACCESS_DENIED, AARP_ERROR_ACCESS_DENIED },
        { AARP_E_LIMIT_EXCEEDED, AARP_ERROR_LIMIT_EXCEEDED },
        { AARP_E_INTERNAL, AARP_ERROR_INTERNAL },
};

GQuark aarp_error_quark(void) {
        static gsize quark = 0;

        g_dbus_error_register_error_domain("aarp-error-quark", &quark, aarp_error_entries,
                                           G_N_ELEMENTS(aarp_error_entries));
        return (GQuark) quark;
}
