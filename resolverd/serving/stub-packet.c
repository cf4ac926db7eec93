/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stub-packet.c: checks and in-place edits of DNS messages for the stub
 * listener.  Every read is bounded by the message length; compression
 * pointers are followed only by counting, never dereferenced (a name is
 * skipped, not expanded), so no input can loop.
 */
#include <string.h>

#include "stub-packet.h"

#define FLAG_QR     0x8000u
#define FLAG_OPCODE 0x7800u
#define FLAG_TC     0x0200u
#define FLAG_RD     0x0100u
#define FLAG_RA     0x0080u
#define FLAG_AD     0x0020u
#define FLAG_CD     0x0010u

#define TYPE_SOA  6
#define TYPE_AAAA 28
#define TYPE_OPT  41
#define TYPE_IXFR 251
#define TYPE_AXFR 252
#define CLASS_IN  1

static uint32_t get32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

/* Skip the name at @off; returns the offset after it, or 0 if malformed. */
static size_t skip_name(const uint8_t *p, size_t len, size_t off) {
        size_t total = 0;

        for (;;) {
                if (off >= len)
                        return 0;
                uint8_t l = p[off];
                if ((l & 0xc0) == 0xc0)
                        return off + 2 <= len ? off + 2 : 0;
                if (l & 0xc0)
                        return 0; /* 0x40/0x80: extended label types, obsolete */
                total += l + 1u;
                if (total > 255)
                        return 0;
                off += l + 1u;
                if (l == 0)
                        return off <= len ? off : 0;
        }
}

/* Read an uncompressed name at @off into @out lower-cased; the offset
 * after it, or 0. */
static size_t read_plain_name(const uint8_t *p, size_t len, size_t off, uint8_t *out,
                              size_t *ret_len) {
        size_t n = 0;

        for (;;) {
                if (off >= len)
                        return 0;
                uint8_t l = p[off];
                if (l & 0xc0)
                        return 0;
                if (n + l + 1u > 255 || off + l + 1u > len)
                        return 0;
                out[n++] = l;
                for (unsigned i = 1; i <= l; i++)
                        out[n++] = (uint8_t) g_ascii_tolower((char) p[off + i]);
                off += l + 1u;
                if (l == 0) {
                        *ret_len = n;
                        return off;
                }
        }
}

/* One resource record at @off: its fields, and the offset after it (0 if
 * malformed). */
typedef struct {
        size_t owner, fixed, rdata;
        uint16_t type, class, rdlen;
        uint32_t ttl;
} Record;

static size_t read_record(const uint8_t *p, size_t len, size_t off, Record *r) {
        r->owner = off;
        off = skip_name(p, len, off);
        if (off == 0 || len - off < 10)
                return 0;
        r->fixed = off;
        r->type = stub_get16(p + off);
        r->class = stub_get16(p + off + 2);
        r->ttl = get32(p + off + 4);
        r->rdlen = stub_get16(p + off + 8);
        r->rdata = off + 10;
        if (len - r->rdata < r->rdlen)
                return 0;
        return r->rdata + r->rdlen;
}

int stub_packet_parse_query(const uint8_t *p, size_t len, StubQuestion *q) {
        size_t off;
        Record r;

        memset(q, 0, sizeof(*q));
        if (len < STUB_HEADER_SIZE)
                return -1;
        q->id = stub_get16(p);
        q->flags = stub_get16(p + 2);
        q->udp_size = STUB_UDP_PLAIN_MAX;
        if (q->flags & FLAG_QR)
                return -1; /* never answer an answer: that is how loops and reflection start */
        if ((q->flags & FLAG_OPCODE) != 0)
                return STUB_RCODE_NOTIMP;

        unsigned qd = stub_get16(p + 4), an = stub_get16(p + 6), ns = stub_get16(p + 8),
                 ar = stub_get16(p + 10);
        if (qd != 1 || an != 0 || ns != 0)
                return STUB_RCODE_FORMERR;

        off = read_plain_name(p, len, STUB_HEADER_SIZE, q->name, &q->name_len);
        if (off == 0 || len - off < 4)
                return STUB_RCODE_FORMERR;
        q->type = stub_get16(p + off);
        q->class = stub_get16(p + off + 2);
        off += 4;
        q->question_end = off;

        for (unsigned i = 0; i < ar; i++) {
                off = read_record(p, len, off, &r);
                if (off == 0)
                        return STUB_RCODE_FORMERR;
                if (r.type != TYPE_OPT)
                        continue; /* e.g. a TSIG: forwarded as is */
                /* RFC 6891 §6.1.1: one OPT, owned by the root. */
                if (q->edns || p[r.owner] != 0)
                        return STUB_RCODE_FORMERR;
                q->edns = TRUE;
                q->udp_size = MAX(r.class, STUB_UDP_PLAIN_MAX);
                q->do_bit = (r.ttl & 0x8000u) != 0;
        }
        if (off != len)
                return STUB_RCODE_FORMERR;
        if (q->type == TYPE_AXFR || q->type == TYPE_IXFR)
                return STUB_RCODE_REFUSED;
        return 0;
}

size_t stub_packet_make_empty_reply(const uint8_t *query, const StubQuestion *q, int rcode,
                                    gboolean truncated, uint8_t *buf) {
        uint16_t flags = (uint16_t) (FLAG_QR | FLAG_RA | (q->flags & (FLAG_OPCODE | FLAG_RD | FLAG_CD)) |
                                     (rcode & 0xf));
        size_t qlen = q->question_end > STUB_HEADER_SIZE ? q->question_end - STUB_HEADER_SIZE : 0;

        if (truncated)
                flags |= FLAG_TC;
        memset(buf, 0, STUB_HEADER_SIZE);
        stub_put16(buf, q->id);
        stub_put16(buf + 2, flags);
        if (qlen > 0) {
                stub_put16(buf + 4, 1);
                memcpy(buf + STUB_HEADER_SIZE, query + STUB_HEADER_SIZE, qlen);
        }
        return STUB_HEADER_SIZE + qlen;
}

gboolean stub_packet_reply_matches(const uint8_t *p, size_t len, const StubQuestion *q) {
        uint8_t name[255];
        size_t name_len = 0, off;

        if (len < STUB_HEADER_SIZE)
                return FALSE;
        uint16_t flags = stub_get16(p + 2);
        if (!(flags & FLAG_QR) || (flags & FLAG_OPCODE) != 0 || stub_get16(p + 4) != 1)
                return FALSE;
        off = read_plain_name(p, len, STUB_HEADER_SIZE, name, &name_len);
        if (off == 0 || len - off < 4)
                return FALSE;
        return name_len == q->name_len && memcmp(name, q->name, name_len) == 0 &&
               stub_get16(p + off) == q->type && stub_get16(p + off + 2) == q->class;
}

/* Call @visit on every record of @p after the question section. */
typedef void (*RecordVisitor)(uint8_t *p, const Record *r, unsigned section_index, gpointer data);

static gboolean walk(uint8_t *p, size_t len, RecordVisitor visit, gpointer data) {
        size_t off = STUB_HEADER_SIZE;
        Record r;

        if (len < STUB_HEADER_SIZE)
                return FALSE;
        unsigned qd = stub_get16(p + 4);
        unsigned counts[3] = { stub_get16(p + 6), stub_get16(p + 8), stub_get16(p + 10) };

        for (unsigned i = 0; i < qd; i++) {
                off = skip_name(p, len, off);
                if (off == 0 || len - off < 4)
                        return FALSE;
                off += 4;
        }
        for (unsigned s = 0; s < 3; s++)
                for (unsigned i = 0; i < counts[s]; i++) {
                        off = read_record(p, len, off, &r);
                        if (off == 0)
                                return FALSE;
                        if (visit)
                                visit(p, &r, s, data);
                }
        return TRUE;
}

typedef struct {
        uint32_t ttl;
        uint32_t soa_minimum;
        size_t len;
} MinTtl;

static void visit_min_ttl(uint8_t *p, const Record *r, unsigned section, gpointer data) {
        MinTtl *m = data;

        if (r->type == TYPE_OPT)
                return;
        m->ttl = MIN(m->ttl, r->ttl & 0x7fffffffu); /* RFC 2181 §8 */
        if (section == 1 && r->type == TYPE_SOA) {
                size_t q = skip_name(p, m->len, r->rdata); /* MNAME */

                if (q)
                        q = skip_name(p, m->len, q); /* RNAME */
                if (q && q + 20 <= r->rdata + r->rdlen)
                        m->soa_minimum = MIN(m->soa_minimum, get32(p + q + 16));
        }
}

gboolean stub_packet_min_ttl(const uint8_t *reply, size_t len, uint32_t *ret_ttl_sec) {
        MinTtl m = { .ttl = G_MAXUINT32, .soa_minimum = G_MAXUINT32, .len = len };

        /* walk() writes nothing when the visitor does not. */
        if (!walk((uint8_t *) reply, len, visit_min_ttl, &m))
                return FALSE;
        if (stub_get16(reply + 6) == 0)
                m.ttl = MIN(m.ttl, m.soa_minimum);
        *ret_ttl_sec = m.ttl;
        return TRUE;
}

typedef struct {
        uint32_t elapsed;
        size_t len;
} Age;

/* A negative answer's client-side TTL is min(SOA TTL, MINIMUM) (RFC 2308
 * §5): both count down, or it would outlive its time in our cache. */
static void visit_age(uint8_t *p, const Record *r, unsigned section, gpointer data) {
        const Age *a = data;
        uint32_t ttl = r->ttl & 0x7fffffffu;

        if (r->type == TYPE_OPT)
                return;
        put32(p + r->fixed + 4, ttl > a->elapsed ? ttl - a->elapsed : 0);
        if (section == 1 && r->type == TYPE_SOA) {
                size_t q = skip_name(p, a->len, r->rdata);

                if (q)
                        q = skip_name(p, a->len, q);
                if (q && q + 20 <= r->rdata + r->rdlen) {
                        uint32_t minimum = get32(p + q + 16);
                        put32(p + q + 16, minimum > a->elapsed ? minimum - a->elapsed : 0);
                }
        }
}

gboolean stub_packet_age(uint8_t *reply, size_t len, uint32_t elapsed_sec) {
        Age a = { elapsed_sec, len };

        return walk(reply, len, visit_age, &a);
}

typedef struct {
        StubAddressVisitor visit;
        gpointer data;
} AaaaVisit;

static void visit_aaaa(uint8_t *p, const Record *r, unsigned section, gpointer data) {
        AaaaVisit *v = data;

        if (section == 0 && r->type == TYPE_AAAA && r->class == CLASS_IN && r->rdlen == 16)
                v->visit(p + r->rdata, v->data);
}

gboolean stub_packet_foreach_aaaa(uint8_t *reply, size_t len, StubAddressVisitor visit,
                                  gpointer user_data) {
        AaaaVisit v = { visit, user_data };

        return walk(reply, len, visit_aaaa, &v);
}

GBytes *stub_packet_cache_key(const StubQuestion *q) {
        uint8_t key[255 + 5];
        uint8_t bits = (uint8_t) ((q->flags & FLAG_RD ? 1 : 0) | (q->flags & FLAG_CD ? 2 : 0) |
                                  (q->do_bit ? 4 : 0) | (q->edns ? 8 : 0));

        memcpy(key, q->name, q->name_len);
        stub_put16(key + q->name_len, q->type);
        stub_put16(key + q->name_len + 2, q->class);
        key[q->name_len + 4] = bits;
        return g_bytes_new(key, q->name_len + 5);
}
