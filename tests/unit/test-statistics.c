/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The statistics list (include/aarp-stats.h) and the properties the D-Bus
 * interface declares (data/org.aarp.Resolve1.xml) are the same, name for
 * name and type for type: a counter added to one and not the other fails
 * here, not in a user's `busctl get-property`. */
#include <criterion/criterion.h>
#include <gio/gio.h>
#include <string.h>

#include "aarp-def.h"
#include "aarp-stats.h"

static const struct {
        const char *property, *signature;
} list[] = {
#define ENTRY(property, field, type, group, label) {#property, #type},
        AARP_STATISTICS(ENTRY)
#undef ENTRY
};

Test(statistics, the_list_and_the_interface_xml_agree) {
        const char *root = g_getenv("AARP_SOURCE_ROOT");
        cr_assert_not_null(root, "AARP_SOURCE_ROOT is not set (meson sets it)");
        g_autofree char *path = g_build_filename(root, "data", "org.aarp.Resolve1.xml", NULL);
        g_autofree char *xml = NULL;
        g_autoptr(GError) error = NULL;

        cr_assert(g_file_get_contents(path, &xml, NULL, &error), "%s", error ? error->message : "");
        g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml(xml, &error);
        cr_assert_not_null(node, "%s", error ? error->message : "");
        GDBusInterfaceInfo *iface = g_dbus_node_info_lookup_interface(node, AARP_MANAGER_INTERFACE);
        cr_assert_not_null(iface);

        size_t n_xml = 0;
        for (GDBusPropertyInfo **p = iface->properties; p && *p; p++, n_xml++) {
                gboolean found = FALSE;

                for (size_t i = 0; i < G_N_ELEMENTS(list) && !found; i++)
                        if (strcmp(list[i].property, (*p)->name) == 0) {
                                cr_assert_str_eq((*p)->signature, list[i].signature, "%s: type %s in the XML, %s in the list",
                                                 (*p)->name, (*p)->signature, list[i].signature);
                                found = TRUE;
                        }
                cr_assert(found, "property %s is in the XML but not in include/aarp-stats.h", (*p)->name);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(list); i++)
                cr_assert_not_null(g_dbus_interface_info_lookup_property(iface, list[i].property),
                                   "statistic %s is in include/aarp-stats.h but not in the XML", list[i].property);
        cr_assert_eq(n_xml, G_N_ELEMENTS(list));
}
