/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "dt-memory.h"
#include "fileio.h"
#include "hash.h"
#include "macro.h"

/* ibm,lmb-size is tiny; anything much larger is not worth reading. */
#define DT_LMB_SIZE_FILE_MAX ((size_t) 4096)

const char *dt_format_property(DtFormat format) {
        return format == DT_FORMAT_V2 ? DT_PROP_DYNAMIC_MEMORY_V2 : DT_PROP_DYNAMIC_MEMORY;
}

int dt_memory_find_property(dt_property_probe_t probe, void *userdata, DtFormat *ret_format) {
        static const DtFormat preferred[] = { DT_FORMAT_V2, DT_FORMAT_V1 };
        int r = -ENOENT;

        assert(probe);
        assert(ret_format);

        for (size_t i = 0; i < ELEMENTSOF(preferred) && r == -ENOENT; i++) {
                *ret_format = preferred[i];
                r = probe(preferred[i], dt_format_property(preferred[i]), userdata);
        }
        return r;
}

void dt_memory_done(DtMemory *m) {
        if (!m)
                return;
        free(m->ranges);
        *m = (DtMemory) {};
}

int dt_memory_parse_lmb_size(const void *data, size_t size, uint64_t *ret, Error *e) {
        uint64_t v;

        assert(data || size == 0);
        assert(ret);

        if (size != sizeof(uint64_t))
                return error_set(e, -EBADMSG, "%s: %zu bytes at byte 0, expected exactly 8 (one 64-bit value)",
                                 DT_PROP_LMB_SIZE, size);

        v = dt_cell64(data);
        if (!is_power_of_two(v))
                return error_set(e, -EBADMSG, "%s: value 0x%" PRIx64 " at byte 0 is not a non-zero power of two",
                                 DT_PROP_LMB_SIZE, v);

        *ret = v;
        return 0;
}

typedef struct Builder {
        const char *property;
        const char *entry;  /* "LMB" or "set", for messages */
        DtMemory m;
        size_t allocated;
        bool have_prev;
        uint64_t prev_base;
        uint64_t prev_end;  /* == end of the last range, since ranges only ever grow at the end */
} Builder;

static int builder_push(Builder *b, uint64_t base, uint32_t n, uint32_t flags, Error *e) {
        if (b->m.n_ranges == b->allocated) {
                size_t na = b->allocated ? b->allocated * 2 : 16;
                LmbRange *nr;

                /* Ranges never outnumber twice the entries, which were checked against the
                 * property's length, so this stays bounded by the property size. */
                nr = reallocarray(b->m.ranges, na, sizeof(LmbRange));
                if (!nr)
                        return error_set(e, -ENOMEM, "%s: out of memory for %zu ranges", b->property, na);
                b->m.ranges = nr;
                b->allocated = na;
        }

        b->m.ranges[b->m.n_ranges++] = (LmbRange) {
                .base = base,
                .n_lmbs = n,
                .flags = flags,
        };
        return 0;
}

/* Validates one entry (n LMBs from base) against the previous one and appends it, merging it
 * into the last range when it continues it with the same state. */
static int builder_add(Builder *b, size_t index, size_t offset, uint64_t base, uint32_t n, uint32_t flags,
                       Error *e) {
        const uint64_t lmb_size = b->m.lmb_size;
        uint64_t length, end;

        if (n == 0)
                return error_set(e, -EBADMSG, "%s: %s %zu at byte %zu: describes 0 LMBs",
                                 b->property, b->entry, index, offset);

        if ((base & (lmb_size - 1)) != 0)
                return error_set(e, -EBADMSG,
                                 "%s: %s %zu at byte %zu: base 0x%" PRIx64 " is not a multiple of the LMB size 0x%" PRIx64,
                                 b->property, b->entry, index, offset, base, lmb_size);

        if (__builtin_mul_overflow((uint64_t) n, lmb_size, &length))
                return error_set(e, -EBADMSG,
                                 "%s: %s %zu at byte %zu: %" PRIu32 " LMBs of 0x%" PRIx64 " bytes overflow 64 bits",
                                 b->property, b->entry, index, offset, n, lmb_size);
        /* An end of exactly 2^64 counts too: consumers compute base + length, which would wrap. */
        if (__builtin_add_overflow(base, length, &end))
                return error_set(e, -EBADMSG,
                                 "%s: %s %zu at byte %zu: base 0x%" PRIx64 " + 0x%" PRIx64 " bytes runs past the 64-bit address space",
                                 b->property, b->entry, index, offset, base, length);

        if (b->have_prev) {
                if (base < b->prev_base)
                        return error_set(e, -EBADMSG,
                                         "%s: %s %zu at byte %zu: base 0x%" PRIx64 " is below the previous %s's base 0x%" PRIx64 " (unsorted)",
                                         b->property, b->entry, index, offset, base, b->entry, b->prev_base);
                if (base < b->prev_end)
                        return error_set(e, -EBADMSG,
                                         "%s: %s %zu at byte %zu: base 0x%" PRIx64 " overlaps the previous %s ending at 0x%" PRIx64,
                                         b->property, b->entry, index, offset, base, b->entry, b->prev_end);
        }

        b->have_prev = true;
        b->prev_base = base;

        flags &= DT_MEMORY_STATE_MASK;

        /* Cannot overflow: the entries are disjoint and below 2^64, so there are fewer than
         * 2^64 / lmb_size of them. */
        b->m.n_lmbs += n;
        if (lmb_flags_present(flags))
                b->m.n_present += n;
        if (flags & DRCONF_MEM_RESERVED)
                b->m.n_reserved += n;

        if (b->m.n_ranges > 0 && base == b->prev_end) {
                LmbRange *last = &b->m.ranges[b->m.n_ranges - 1];

                if (last->flags == flags) {
                        /* LmbRange.n_lmbs is 32 bits: fill the last range up to its limit and
                         * carry the rest into a new one. Every range of a run but its last is
                         * then full, so the split is the same whatever the encoding. */
                        uint32_t fill = MIN(n, UINT32_MAX - last->n_lmbs);

                        last->n_lmbs += fill;
                        base += (uint64_t) fill * lmb_size;
                        n -= fill;
                }
        }

        b->prev_end = end;

        if (n == 0)
                return 0;
        return builder_push(b, base, n, flags, e);
}

/* Hash of the maximal runs of present LMBs, as (base, length in bytes). Ranges split only by the
 * 32-bit limit of n_lmbs touch each other and are joined here, so they hash as one run. */
static uint64_t present_set_id(const DtMemory *m) {
        uint64_t h = HASH_SEED, run_base = 0, run_end = 0;
        bool in_run = false;

        for (size_t i = 0; i < m->n_ranges; i++) {
                const LmbRange *r = &m->ranges[i];
                uint64_t end = r->base + (uint64_t) r->n_lmbs * m->lmb_size;

                if (!lmb_flags_present(r->flags))
                        continue;

                if (in_run && r->base == run_end) {
                        run_end = end;
                        continue;
                }
                if (in_run) {
                        h = hash_u64(h, run_base);
                        h = hash_u64(h, run_end - run_base);
                }
                in_run = true;
                run_base = r->base;
                run_end = end;
        }
        if (in_run) {
                h = hash_u64(h, run_base);
                h = hash_u64(h, run_end - run_base);
        }

        return hash_nonzero(h);
}

/* Reads the count and checks it against the length before anything is allocated, so a huge
 * count in a short property costs nothing. */
static int check_count(const char *property, const char *entry, const uint8_t *p, size_t size,
                       uint32_t *ret_count, Error *e) {
        uint64_t need;
        uint32_t count;

        if (size < DRMEM_COUNT_SIZE)
                return error_set(e, -EBADMSG, "%s: %zu bytes at byte 0, too short for the 4-byte count",
                                 property, size);

        count = dt_cell32(p);
        need = DRMEM_COUNT_SIZE + (uint64_t) count * DRMEM_ENTRY_SIZE;  /* < 2^37, no overflow */

        if (need > size)
                return error_set(e, -EBADMSG,
                                 "%s: count %" PRIu32 " at byte 0 needs %" PRIu64 " bytes, but the property ends at byte %zu (truncated %s %zu)",
                                 property, count, need, size, entry, (size - DRMEM_COUNT_SIZE) / DRMEM_ENTRY_SIZE);
        if (need < size)
                return error_set(e, -EBADMSG,
                                 "%s: count %" PRIu32 " at byte 0 leaves %" PRIu64 " unexpected bytes from byte %" PRIu64,
                                 property, count, (uint64_t) size - need, need);

        *ret_count = count;
        return 0;
}

static int check_lmb_size(const char *property, uint64_t lmb_size, Error *e) {
        if (!is_power_of_two(lmb_size))
                return error_set(e, -EINVAL, "%s: LMB size 0x%" PRIx64 " is not a non-zero power of two",
                                 property, lmb_size);
        return 0;
}

static int builder_finish(Builder *b, DtFormat format, DtMemory *ret) {
        /* Give back the slack of geometric growth; keeping it is harmless if this fails. */
        if (b->m.n_ranges > 0 && b->m.n_ranges < b->allocated) {
                LmbRange *nr = reallocarray(b->m.ranges, b->m.n_ranges, sizeof(LmbRange));
                if (nr)
                        b->m.ranges = nr;
        }

        b->m.format = format;
        b->m.set_id = present_set_id(&b->m);
        *ret = b->m;
        b->m = (DtMemory) {};
        return 0;
}

/* Both formats are a count and 24-byte entries; they differ in the property's name and in where an
 * entry keeps its base and flags, and v1 has no LMB count (each entry is one LMB). */
static int parse_entries(DtFormat format, const void *data, size_t size, uint64_t lmb_size, DtMemory *ret,
                         Error *e) {
        const bool v2 = format == DT_FORMAT_V2;
        const uint8_t *p = data;
        Builder b = {
                .property = dt_format_property(format),
                .entry = v2 ? "set" : "LMB",
                .m.lmb_size = lmb_size,
        };
        uint32_t count = 0;
        int r;

        assert(data || size == 0);
        assert(ret);

        *ret = (DtMemory) {};

        r = check_lmb_size(b.property, lmb_size, e);
        if (r < 0)
                return r;
        r = check_count(b.property, b.entry, p, size, &count, e);
        if (r < 0)
                return r;

        for (size_t i = 0; i < count; i++) {
                size_t offset = DRMEM_ENTRY_OFFSET(i);
                const uint8_t *entry = p + offset;

                if (v2)
                        r = builder_add(&b, i, offset, dt_cell64(entry + DRMEM_V2_BASE_OFFSET),
                                        dt_cell32(entry + DRMEM_V2_N_LMBS_OFFSET), dt_cell32(entry + DRMEM_V2_FLAGS_OFFSET), e);
                else
                        r = builder_add(&b, i, offset, dt_cell64(entry + DRMEM_V1_BASE_OFFSET), 1,
                                        dt_cell32(entry + DRMEM_V1_FLAGS_OFFSET), e);
                if (r < 0) {
                        dt_memory_done(&b.m);
                        return r;
                }
        }

        return builder_finish(&b, format, ret);
}

int dt_memory_parse_v1(const void *data, size_t size, uint64_t lmb_size, DtMemory *ret, Error *e) {
        return parse_entries(DT_FORMAT_V1, data, size, lmb_size, ret, e);
}

int dt_memory_parse_v2(const void *data, size_t size, uint64_t lmb_size, DtMemory *ret, Error *e) {
        return parse_entries(DT_FORMAT_V2, data, size, lmb_size, ret, e);
}

typedef struct LoadProbe {
        const char *node;
        char *data;
        size_t size;
        Error *error;
} LoadProbe;

static int load_probe(DtFormat format, const char *property, void *userdata) {
        LoadProbe *p = userdata;

        return read_full_file_root(p->node, property, DT_MEMORY_PROPERTY_MAX, &p->data, &p->size, p->error);
}

int dt_memory_read(const char *root, DtProperties *ret, Error *e) {
        _cleanup_(dt_properties_done) DtProperties p = {};
        _cleanup_free_ char *node = NULL;
        LoadProbe probe = { .error = e };
        struct stat st;
        int r;

        assert(ret);

        *ret = (DtProperties) {};

        r = path_join_root(root, DT_MEMORY_NODE, &node);
        if (r < 0)
                return error_set(e, r, "Out of memory");

        if (stat(node, &st) < 0) {
                r = negative_errno();
                if (r == -ENOENT)
                        return error_set(e, r, "%s does not exist: not a pseries LPAR with dynamic memory", node);
                return error_set(e, r, "Cannot stat %s: %s", node, strerror(-r));
        }

        probe.node = node;
        r = dt_memory_find_property(load_probe, &probe, &p.format);
        p.data = probe.data;
        p.size = probe.size;
        if (r == -ENOENT)
                return error_set(e, r, "%s has neither %s nor %s: no dynamic memory", node,
                                 DT_PROP_DYNAMIC_MEMORY_V2, DT_PROP_DYNAMIC_MEMORY);
        if (r < 0)
                return r;

        r = read_full_file_root(node, DT_PROP_LMB_SIZE, DT_LMB_SIZE_FILE_MAX, &p.lmb_size_data, &p.lmb_size_bytes, e);
        if (r < 0)
                return r;

        *ret = p;
        p = (DtProperties) {};
        return 0;
}

void dt_properties_done(DtProperties *p) {
        free(p->data);
        free(p->lmb_size_data);
        *p = (DtProperties) {};
}

int dt_memory_load(const char *root, DtMemory *ret, Error *e) {
        _cleanup_(dt_properties_done) DtProperties p = {};
        int r;

        assert(ret);

        *ret = (DtMemory) {};

        r = dt_memory_read(root, &p, e);
        if (r < 0)
                return r;
        return dt_memory_parse(p.format, p.lmb_size_data, p.lmb_size_bytes, p.data, p.size, ret, e);
}

int dt_memory_parse(DtFormat format, const void *lmb_size_data, size_t lmb_size_bytes,
                    const void *data, size_t size, DtMemory *ret, Error *e) {
        uint64_t lmb_size;
        int r;

        *ret = (DtMemory) {};

        r = dt_memory_parse_lmb_size(lmb_size_data, lmb_size_bytes, &lmb_size, e);
        if (r < 0)
                return r;

        if (format == DT_FORMAT_V2)
                return dt_memory_parse_v2(data, size, lmb_size, ret, e);
        return dt_memory_parse_v1(data, size, lmb_size, ret, e);
}

uint64_t dt_memory_generation_from_stat(DtFormat format, const struct stat *st) {
        uint64_t h = HASH_SEED;

        assert(st);

        h = hash_u64(h, (uint64_t) format);
        h = hash_u64(h, (uint64_t) st->st_ino);
        h = hash_u64(h, (uint64_t) st->st_size);
        h = hash_u64(h, (uint64_t) st->st_mtim.tv_sec);
        h = hash_u64(h, (uint64_t) st->st_mtim.tv_nsec);

        return hash_nonzero(h);
}

typedef struct StatProbe {
        const char *root;
        struct stat st;
} StatProbe;

static int stat_probe(DtFormat format, const char *property, void *userdata) {
        _cleanup_free_ char *path = NULL;
        StatProbe *p = userdata;

        if (asprintf(&path, "%s/%s", DT_MEMORY_NODE, property) < 0)
                return -ENOMEM;
        return stat_root(p->root, path, &p->st);
}

int dt_memory_generation(const char *root, uint64_t *ret) {
        StatProbe probe = { .root = root };
        DtFormat format;
        int r;

        assert(ret);

        *ret = 0;

        r = dt_memory_find_property(stat_probe, &probe, &format);
        if (r < 0)
                return r;

        *ret = dt_memory_generation_from_stat(format, &probe.st);
        return 0;
}
