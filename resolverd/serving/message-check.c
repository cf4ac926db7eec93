/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * message-check.c: see message-check.h.  Offsets and rules follow the D-Bus
 * specification's "Message Format", "Valid Signatures" and "Valid Names".
 * Every read is bounds-checked; values are read with memcpy (the buffer
 * need not be aligned) in the message's own byte order.
 */
#include <string.h>

#include "dbus-format.h"
#include "message-check.h"

#define NAME_MAX_LEN 255u
#define SIGNATURE_MAX_LEN 255u
#define ARRAY_MAX_LEN (64u * 1024u * 1024u)
#define NESTING_MAX 32u          /* arrays, and structs, each (in a signature) */
#define DEPTH_MAX 64u            /* all containers of a value, variants included */

typedef struct {
        const uint8_t *m;
        size_t end;
        gboolean big_endian;
        const char *why;
} Reader;

static gboolean fail(Reader *r, const char *why) {
        if (!r->why)
                r->why = why;
        return FALSE;
}

static uint32_t get_u32(const Reader *r, size_t pos) {
        uint32_t v;

        memcpy(&v, r->m + pos, 4);
        return r->big_endian ? GUINT32_FROM_BE(v) : GUINT32_FROM_LE(v);
}

/* Skip to a multiple of @to (a power of two, relative to the message start,
 * so also to the body's, which starts at a multiple of 8); the padding must
 * be there and zero. */
static gboolean pad(Reader *r, size_t *pos, size_t to) {
        size_t p = (*pos + to - 1) & ~(to - 1);

        if (p > r->end)
                return fail(r, "truncated");
        for (size_t i = *pos; i < p; i++)
                if (r->m[i])
                        return fail(r, "non-zero padding");
        *pos = p;
        return TRUE;
}

/* ---- names ---------------------------------------------------------------- */

static gboolean is_alpha_(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static gboolean is_digit(char c) {
        return c >= '0' && c <= '9';
}

static gboolean valid_object_path(const char *s, size_t n) {
        if (n == 0 || s[0] != '/')
                return FALSE;
        if (n == 1)
                return TRUE;
        if (s[n - 1] == '/')
                return FALSE;
        for (size_t i = 1; i < n; i++) {
                if (s[i] == '/') {
                        if (s[i - 1] == '/')
                                return FALSE;
                } else if (!is_alpha_(s[i]) && !is_digit(s[i]))
                        return FALSE;
        }
        return TRUE;
}

static gboolean valid_member(const char *s, size_t n) {
        if (n == 0 || n > NAME_MAX_LEN || !is_alpha_(s[0]))
                return FALSE;
        for (size_t i = 1; i < n; i++)
                if (!is_alpha_(s[i]) && !is_digit(s[i]))
                        return FALSE;
        return TRUE;
}

/* Interface and error names: two or more elements of [A-Za-z_][A-Za-z0-9_]*
 * separated by dots. */
static gboolean valid_interface(const char *s, size_t n) {
        size_t start = 0;
        unsigned elements = 0;

        if (n == 0 || n > NAME_MAX_LEN)
                return FALSE;
        for (size_t i = 0; i <= n; i++) {
                if (i == n || s[i] == '.') {
                        if (i == start)
                                return FALSE;
                        elements++;
                        start = i + 1;
                } else if (i == start ? !is_alpha_(s[i]) : !is_alpha_(s[i]) && !is_digit(s[i]))
                        return FALSE;
        }
        return elements >= 2;
}

/* Bus names: unique (":1.42", elements may start with a digit) or
 * well-known; two or more elements of [A-Za-z0-9_-]. */
static gboolean valid_bus_name(const char *s, size_t n) {
        gboolean unique = n > 0 && s[0] == ':';
        size_t start = unique ? 1 : 0;
        unsigned elements = 0;

        if (n == 0 || n > NAME_MAX_LEN)
                return FALSE;
        for (size_t i = start; i <= n; i++) {
                if (i == n || s[i] == '.') {
                        if (i == start)
                                return FALSE;
                        elements++;
                        start = i + 1;
                } else if (!is_alpha_(s[i]) && s[i] != '-' && !(is_digit(s[i]) && (unique || i != start)))
                        return FALSE;
        }
        return elements >= 2;
}

/* ---- signatures -------------------------------------------------------------- */

static gboolean is_basic(char c) {
        return c && strchr("ybnqiuxtdsog", c) != NULL; /* 'h' too in D-Bus, but no descriptors here */
}

/* One complete type at @*s (advanced past it), within @arrays and @structs
 * levels of nesting. */
static gboolean sig_complete(const char **s, unsigned arrays, unsigned structs) {
        char c = **s;

        if (is_basic(c) || c == 'v') {
                (*s)++;
                return TRUE;
        }
        if (c == 'a') {
                if (arrays >= NESTING_MAX)
                        return FALSE;
                (*s)++;
                if (**s == '{') {
                        (*s)++;
                        if (!is_basic(**s))
                                return FALSE;
                        (*s)++;
                        if (!sig_complete(s, arrays + 1, structs + 1) || **s != '}')
                                return FALSE;
                        (*s)++;
                        return TRUE;
                }
                return sig_complete(s, arrays + 1, structs);
        }
        if (c == '(') {
                if (structs >= NESTING_MAX)
                        return FALSE;
                (*s)++;
                if (**s == ')')
                        return FALSE; /* no empty structs */
                while (**s != ')')
                        if (!sig_complete(s, arrays, structs + 1))
                                return FALSE;
                (*s)++;
                return TRUE;
        }
        return FALSE; /* '\0', ')', '}', '{' outside an array, or not a type */
}

/* A signature of @n bytes: zero or more complete types (exactly one if
 * @single). */
static gboolean valid_signature(const char *sig, size_t n, gboolean single) {
        const char *s = sig;
        unsigned count = 0;

        if (n > SIGNATURE_MAX_LEN || memchr(sig, 0, n))
                return FALSE;
        while ((size_t) (s - sig) < n) {
                if (!sig_complete(&s, 0, 0))
                        return FALSE;
                count++;
        }
        return (size_t) (s - sig) == n && (!single || count == 1);
}

/* ---- values ------------------------------------------------------------------ */

/* A string value ('s' or 'o': a uint32 length; 'g': a byte length): the
 * bytes, a NUL after them and none among them, valid UTF-8. */
static gboolean read_string(Reader *r, size_t *pos, char type, const char **ret, size_t *ret_len) {
        size_t n;

        if (type == 'g') {
                if (*pos + 1 > r->end)
                        return fail(r, "truncated");
                n = r->m[*pos];
                *pos += 1;
        } else {
                if (!pad(r, pos, 4) || *pos + 4 > r->end)
                        return fail(r, "truncated");
                n = get_u32(r, *pos);
                *pos += 4;
        }
        if (n >= r->end - *pos || r->m[*pos + n] != 0)
                return fail(r, "string not terminated");
        const char *s = (const char *) r->m + *pos;
        if (memchr(s, 0, n))
                return fail(r, "NUL inside a string");
        if (type == 'g') {
                if (!valid_signature(s, n, FALSE))
                        return fail(r, "invalid signature");
        } else if (!g_utf8_validate(s, (gssize) n, NULL))
                return fail(r, "string not UTF-8");
        else if (type == 'o' && !valid_object_path(s, n))
                return fail(r, "invalid object path");
        *pos += n + 1;
        if (ret)
                *ret = s;
        if (ret_len)
                *ret_len = n;
        return TRUE;
}

static size_t alignment(char c) {
        switch (c) {
        case 'y':
        case 'g':
        case 'v':
                return 1;
        case 'n':
        case 'q':
                return 2;
        case 'x':
        case 't':
        case 'd':
        case '(':
        case '{':
                return 8;
        default: /* b i u s o a */
                return 4;
        }
}

/* One value of the complete type at @*sig (already validated), advancing
 * both.  @depth counts the containers around it. */
static gboolean read_value(Reader *r, size_t *pos, const char **sig, unsigned depth) {
        char c = **sig;
        size_t size = 0;

        if (depth > DEPTH_MAX)
                return fail(r, "nested too deeply");
        switch (c) {
        case 'y':
        case 'n':
        case 'q':
        case 'i':
        case 'u':
        case 'x':
        case 't':
        case 'd':
                size = alignment(c);
                (*sig)++;
                if (!pad(r, pos, size) || *pos + size > r->end)
                        return fail(r, "truncated");
                *pos += size;
                return TRUE;
        case 'b':
                (*sig)++;
                if (!pad(r, pos, 4) || *pos + 4 > r->end)
                        return fail(r, "truncated");
                if (get_u32(r, *pos) > 1)
                        return fail(r, "boolean not 0 or 1");
                *pos += 4;
                return TRUE;
        case 's':
        case 'o':
        case 'g':
                (*sig)++;
                return read_string(r, pos, c, NULL, NULL);
        case 'v': {
                const char *inner, *s;
                size_t n;

                (*sig)++;
                if (!read_string(r, pos, 'g', &inner, &n))
                        return FALSE;
                if (!valid_signature(inner, n, TRUE))
                        return fail(r, "variant signature not one complete type");
                s = inner;
                return read_value(r, pos, &s, depth + 1);
        }
        case '(':
                (*sig)++;
                if (!pad(r, pos, 8))
                        return FALSE;
                while (**sig != ')')
                        if (!read_value(r, pos, sig, depth + 1))
                                return FALSE;
                (*sig)++;
                return TRUE;
        case '{':
                /* Only as an array's element (the signature says so). */
                (*sig)++;
                if (!pad(r, pos, 8) || !read_value(r, pos, sig, depth + 1) || !read_value(r, pos, sig, depth + 1))
                        return FALSE;
                (*sig)++; /* '}' */
                return TRUE;
        case 'a': {
                const char *element = *sig + 1, *after = *sig;
                uint32_t n;
                size_t start;

                if (!sig_complete(&after, 0, 0))
                        return fail(r, "invalid signature");
                if (!pad(r, pos, 4) || *pos + 4 > r->end)
                        return fail(r, "truncated");
                n = get_u32(r, *pos);
                *pos += 4;
                /* The padding to the first element is there even when the
                 * array is empty, and not counted in its length. */
                if (!pad(r, pos, alignment(*element)))
                        return FALSE;
                if (n > ARRAY_MAX_LEN || n > r->end - *pos)
                        return fail(r, "array length out of bounds");
                start = *pos;
                while (*pos - start < n) {
                        const char *s = element;
                        if (!read_value(r, pos, &s, depth + 1))
                                return FALSE;
                }
                if (*pos - start != n)
                        return fail(r, "array length does not match its elements");
                *sig = after;
                return TRUE;
        }
        default:
                return fail(r, "invalid signature");
        }
}

/* ---- the message -------------------------------------------------------------- */

static gboolean check(const uint8_t *msg, size_t len, MessageInfo *info, Reader *r) {
        const char *values[MSG_FIELD_LAST_KNOWN + 1] = { NULL };
        uint32_t reply_serial = 0;
        uint32_t body_len, fields_len;
        size_t pos, fields_end, body_start;

        memset(info, 0, sizeof(*info));
        if (len < 16)
                return fail(r, "shorter than a header");
        if (msg[0] != 'l' && msg[0] != 'B')
                return fail(r, "unknown byte order");
        r->m = msg;
        r->end = len;
        r->big_endian = msg[0] == 'B';
        info->type = msg[1];
        info->flags = msg[2];
        if (info->type < MSG_TYPE_METHOD_CALL || info->type > MSG_TYPE_SIGNAL)
                return fail(r, "unknown message type");
        if (msg[3] != 1)
                return fail(r, "unknown protocol version");
        body_len = get_u32(r, 4);
        info->serial = get_u32(r, 8);
        if (info->serial == 0)
                return fail(r, "serial 0");
        fields_len = get_u32(r, 12);
        if (fields_len > len - 16)
                return fail(r, "header fields longer than the message");
        fields_end = 16 + (size_t) fields_len;
        body_start = (fields_end + 7) & ~(size_t) 7;
        if (body_start > len || len - body_start != body_len)
                return fail(r, "length does not match the header");

        /* The header fields, read with the end at the array's end. */
        r->end = fields_end;
        pos = 16;
        while (pos < fields_end) {
                const char *sig, *value = NULL;
                size_t sig_len, value_len = 0;
                uint8_t code;

                if (!pad(r, &pos, 8) || pos + 1 > fields_end)
                        return fail(r, "truncated header field");
                code = msg[pos++];
                if (!read_string(r, &pos, 'g', &sig, &sig_len))
                        return FALSE;
                if (code == 0 || code > MSG_FIELD_LAST_KNOWN)
                        return fail(r, "unknown or unsupported header field");
                if (values[code] || (code == MSG_FIELD_REPLY_SERIAL && reply_serial))
                        return fail(r, "header field repeated");
                char want = code == MSG_FIELD_PATH ? 'o' : code == MSG_FIELD_REPLY_SERIAL ? 'u' : code == MSG_FIELD_SIGNATURE ? 'g' : 's';
                if (sig_len != 1 || sig[0] != want)
                        return fail(r, "header field of the wrong type");
                if (code == MSG_FIELD_REPLY_SERIAL) {
                        if (!pad(r, &pos, 4) || pos + 4 > fields_end)
                                return fail(r, "truncated header field");
                        reply_serial = get_u32(r, pos);
                        pos += 4;
                        if (reply_serial == 0)
                                return fail(r, "reply serial 0");
                        continue;
                }
                if (!read_string(r, &pos, want, &value, &value_len))
                        return FALSE;
                switch (code) {
                case MSG_FIELD_INTERFACE:
                case MSG_FIELD_ERROR_NAME:
                        if (!valid_interface(value, value_len))
                                return fail(r, "invalid interface or error name");
                        break;
                case MSG_FIELD_MEMBER:
                        if (!valid_member(value, value_len))
                                return fail(r, "invalid member name");
                        break;
                case MSG_FIELD_DESTINATION:
                case MSG_FIELD_SENDER:
                        if (!valid_bus_name(value, value_len))
                                return fail(r, "invalid bus name");
                        break;
                default: /* PATH and SIGNATURE: read_string() checked them */
                        break;
                }
                values[code] = value;
        }
        if (pos != fields_end)
                return fail(r, "header fields overrun their array");

        switch (info->type) {
        case MSG_TYPE_METHOD_CALL:
                if (!values[MSG_FIELD_PATH] || !values[MSG_FIELD_MEMBER])
                        return fail(r, "method call without PATH or MEMBER");
                break;
        case MSG_TYPE_SIGNAL:
                if (!values[MSG_FIELD_PATH] || !values[MSG_FIELD_INTERFACE] || !values[MSG_FIELD_MEMBER])
                        return fail(r, "signal without PATH, INTERFACE or MEMBER");
                break;
        case MSG_TYPE_ERROR_REPLY:
                if (!values[MSG_FIELD_ERROR_NAME] || !reply_serial)
                        return fail(r, "error without ERROR_NAME or REPLY_SERIAL");
                break;
        default: /* MSG_TYPE_METHOD_RETURN */
                if (!reply_serial)
                        return fail(r, "method return without REPLY_SERIAL");
                break;
        }
        if (values[MSG_FIELD_PATH] && strcmp(values[MSG_FIELD_PATH], "/org/freedesktop/DBus/Local") == 0)
                return fail(r, "reserved object path"); /* as dbus-daemon */
        if (values[MSG_FIELD_INTERFACE] && strcmp(values[MSG_FIELD_INTERFACE], "org.freedesktop.DBus.Local") == 0)
                return fail(r, "reserved interface");

        /* Padding to the body, then the body against the signature. */
        r->end = len;
        pos = fields_end;
        if (!pad(r, &pos, 8))
                return FALSE;
        info->path = values[MSG_FIELD_PATH];
        info->interface = values[MSG_FIELD_INTERFACE];
        info->member = values[MSG_FIELD_MEMBER];
        info->signature = values[MSG_FIELD_SIGNATURE] ? values[MSG_FIELD_SIGNATURE] : "";
        if (body_len > 0 && !*info->signature)
                return fail(r, "body without a signature");
        const char *s = info->signature;
        while (*s)
                if (!read_value(r, &pos, &s, 0))
                        return FALSE;
        if (pos != len)
                return fail(r, "body longer than its signature");
        return TRUE;
}

gboolean message_check(const uint8_t *msg, size_t len, MessageInfo *ret, const char **ret_why) {
        Reader r = { 0 };
        MessageInfo info;
        gboolean ok = check(msg, len, &info, &r);

        if (ok && ret)
                *ret = info;
        if (!ok && ret_why)
                *ret_why = r.why ? r.why : "invalid";
        return ok;
}
