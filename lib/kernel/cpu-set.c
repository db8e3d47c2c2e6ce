/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-util.h"
#include "cpu-set.h"
#include "fileio.h"
#include "macro.h"

/* present and online are a few bytes; even a fragmented list of 16384 CPUs fits in this. */
#define CPU_LIST_FILE_MAX ((size_t) 128 * 1024)
#define SMALL_FILE_MAX ((size_t) 64)

void cpu_mask_done(CpuMask *m) {
        if (!m)
                return;
        free(m->words);
        *m = (CpuMask) {};
}

bool cpu_mask_test(const CpuMask *m, uint32_t cpu) {
        assert(m);
        return cpu / 64 < m->n_words && (m->words[cpu / 64] >> (cpu % 64)) & 1;
}

int cpu_mask_set(CpuMask *m, uint32_t cpu) {
        assert(m);

        if (cpu >= CPU_SET_MAX_CPUS)
                return -ERANGE;
        if (cpu / 64 >= m->n_words) {
                size_t nw = MIN(MAX((size_t) cpu / 64 + 1, m->n_words * 2), (size_t) CPU_SET_MAX_CPUS / 64);
                uint64_t *w = reallocarray(m->words, nw, sizeof(uint64_t));

                if (!w)
                        return -ENOMEM;
                memset(w + m->n_words, 0, (nw - m->n_words) * sizeof(uint64_t));
                m->words = w;
                m->n_words = nw;
        }
        if (cpu_mask_test(m, cpu))
                return 0;
        m->words[cpu / 64] |= UINT64_C(1) << (cpu % 64);
        m->n_set++;
        return 1;
}

int cpu_mask_clear(CpuMask *m, uint32_t cpu) {
        assert(m);

        if (!cpu_mask_test(m, cpu))
                return 0;
        m->words[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
        m->n_set--;
        return 1;
}

uint32_t cpu_mask_next(const CpuMask *m, uint32_t cpu) {
        assert(m);

        for (size_t w = cpu / 64; w < m->n_words; w++) {
                uint64_t bits = m->words[w];

                if (w == cpu / 64)
                        bits &= ~UINT64_C(0) << (cpu % 64);
                if (bits)
                        return (uint32_t) (w * 64 + (size_t) __builtin_ctzll(bits));
        }
        return UINT32_MAX;
}

/* A decimal CPU number at text[*i]: no sign, no leading zeros, < CPU_SET_MAX_CPUS. */
static int parse_cpu_number(const char *what, const char *text, size_t size, size_t *i, uint32_t *ret, Error *e) {
        size_t start = *i;
        uint32_t v = 0;

        if (*i >= size || text[*i] < '0' || text[*i] > '9')
                return error_set(e, -EBADMSG, "%s: expected a CPU number at byte %zu", what, start);
        if (text[*i] == '0' && *i + 1 < size && text[*i + 1] >= '0' && text[*i + 1] <= '9')
                return error_set(e, -EBADMSG, "%s: CPU number with a leading zero at byte %zu", what, start);
        for (; *i < size && text[*i] >= '0' && text[*i] <= '9'; (*i)++) {
                v = v * 10 + (uint32_t) (text[*i] - '0');
                if (v >= CPU_SET_MAX_CPUS)
                        return error_set(e, -EBADMSG, "%s: CPU number at byte %zu is not below %u",
                                         what, start, CPU_SET_MAX_CPUS);
        }
        *ret = v;
        return 0;
}

int cpu_mask_parse(const char *what, const char *text, size_t size, CpuMask *ret, Error *e) {
        CpuMask m = {};
        bool have_prev = false;
        uint32_t prev_end = 0;
        size_t i = 0;
        int r;

        assert(what);
        assert(text || size == 0);
        assert(ret);

        if (size > 0 && text[size - 1] == '\n')
                size--;

        while (i < size) {
                size_t start = i;
                uint32_t a, b;

                if (have_prev) {
                        if (text[i] != ',') {
                                r = error_set(e, -EBADMSG, "%s: expected ',' at byte %zu, found 0x%02x",
                                              what, i, (unsigned) (uint8_t) text[i]);
                                goto fail;
                        }
                        start = ++i;
                }

                r = parse_cpu_number(what, text, size, &i, &a, e);
                if (r < 0)
                        goto fail;
                b = a;
                if (i < size && text[i] == '-') {
                        i++;
                        r = parse_cpu_number(what, text, size, &i, &b, e);
                        if (r < 0)
                                goto fail;
                        if (b < a) {
                                r = error_set(e, -EBADMSG, "%s: range at byte %zu ends below its start (%" PRIu32 "-%" PRIu32 ")",
                                              what, start, a, b);
                                goto fail;
                        }
                }
                if (have_prev && a <= prev_end) {
                        r = error_set(e, -EBADMSG, "%s: CPU %" PRIu32 " at byte %zu is not above the previous range's end %" PRIu32,
                                      what, a, start, prev_end);
                        goto fail;
                }

                for (uint32_t c = a;; c++) {
                        r = cpu_mask_set(&m, c);
                        if (r < 0) {
                                r = error_set(e, r, "%s: out of memory", what);
                                goto fail;
                        }
                        if (c == b)
                                break;
                }
                have_prev = true;
                prev_end = b;
        }

        *ret = m;
        return 0;

fail:
        cpu_mask_done(&m);
        return r;
}

void cpu_set_done(CpuSet *s) {
        if (!s)
                return;
        cpu_mask_done(&s->present);
        cpu_mask_done(&s->online);
        free(s->hw_ids);
        *s = (CpuSet) {};
}

bool cpu_set_online(const CpuSet *s, uint32_t cpu) {
        return cpu_mask_test(&s->online, cpu);
}

bool cpu_set_present(const CpuSet *s, uint32_t cpu) {
        return cpu_mask_test(&s->present, cpu);
}

uint32_t cpu_set_hw_id(const CpuSet *s, uint32_t cpu) {
        return cpu < s->n_hw_ids ? s->hw_ids[cpu] : CPU_HW_ID_NONE;
}

void cpu_set_forget(CpuSet *s, uint32_t cpu) {
        if (cpu < s->n_hw_ids)
                s->hw_ids[cpu] = CPU_HW_ID_NONE;
}

int cpu_physical_id_parse(const char *what, const char *text, uint32_t *ret, Error *e) {
        const char *p = text;
        uint64_t v = 0;

        assert(what);
        assert(text);
        assert(ret);

        if (strcmp(text, "-1") == 0 || strcmp(text, "-1\n") == 0) {
                *ret = CPU_HW_ID_NONE;
                return 0;
        }

        if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
                return error_set(e, -EBADMSG, "%s: not a decimal thread id (byte 0)", what);
        for (; *p >= '0' && *p <= '9'; p++) {
                v = v * 10 + (uint64_t) (*p - '0');
                if (v >= CPU_HW_ID_NONE)
                        return error_set(e, -EBADMSG, "%s: thread id at byte 0 is not below %" PRIu32, what, CPU_HW_ID_NONE);
        }
        if (*p == '\n')
                p++;
        if (*p)
                return error_set(e, -EBADMSG, "%s: unexpected byte 0x%02x at byte %zu",
                                 what, (unsigned) (uint8_t) *p, (size_t) (p - text));

        *ret = (uint32_t) v;
        return 0;
}

static int load_mask(const char *root, const char *name, CpuMask *ret, Error *e) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t size;
        int r;

        if (asprintf(&path, CPU_SYSFS_DIR "/%s", name) < 0)
                return error_set(e, -ENOMEM, "Out of memory");
        r = read_full_file_root(root, path, CPU_LIST_FILE_MAX, &text, &size, e);
        if (r < 0)
                return r;
        /* A NUL inside is not a list: the parser sees the real size and stops there. */
        return cpu_mask_parse(path, text, size, ret, e);
}

static int load_hw_id(const char *root, uint32_t cpu, uint32_t *ret, Error *e) {
        _cleanup_free_ char *text = NULL;
        char path[sizeof(CPU_SYSFS_DIR) + 64];
        size_t size;
        int r;

        snprintf(path, sizeof(path), CPU_SYSFS_DIR "/cpu%" PRIu32 "/physical_id", cpu);
        r = read_full_file_root(root, path, SMALL_FILE_MAX, &text, &size, e);
        if (r < 0)
                return r;
        if (strlen(text) != size)
                return error_set(e, -EBADMSG, "%s: NUL byte at byte %zu", path, strlen(text));
        return cpu_physical_id_parse(path, text, ret, e);
}

int cpu_set_load(const char *root, const CpuSet *reuse, CpuSet *ret, Error *e) {
        CpuSet s = {};
        uint32_t c;
        int r;

        assert(ret);

        *ret = (CpuSet) {};

        r = load_mask(root, "present", &s.present, e);
        if (r >= 0)
                r = load_mask(root, "online", &s.online, e);
        if (r < 0)
                goto fail;

        for (c = cpu_mask_next(&s.online, 0); c != UINT32_MAX; c = cpu_mask_next(&s.online, c + 1))
                if (!cpu_mask_test(&s.present, c)) {
                        r = error_set(e, -EBADMSG, CPU_SYSFS_DIR "/online: CPU %" PRIu32 " is online but not present", c);
                        goto fail;
                }

        s.n_hw_ids = s.present.n_words * 64;
        if (s.n_hw_ids > 0) {
                s.hw_ids = reallocarray(NULL, s.n_hw_ids, sizeof(uint32_t));
                if (!s.hw_ids) {
                        r = error_set(e, -ENOMEM, "Out of memory for %zu CPUs", s.n_hw_ids);
                        goto fail;
                }
                for (size_t i = 0; i < s.n_hw_ids; i++)
                        s.hw_ids[i] = CPU_HW_ID_NONE;
        }

        for (c = cpu_mask_next(&s.present, 0); c != UINT32_MAX; c = cpu_mask_next(&s.present, c + 1)) {
                if (reuse && cpu_set_present(reuse, c) && cpu_set_hw_id(reuse, c) != CPU_HW_ID_NONE) {
                        s.hw_ids[c] = reuse->hw_ids[c];
                        continue;
                }
                r = load_hw_id(root, c, &s.hw_ids[c], e);
                if (r < 0)
                        goto fail;
        }

        *ret = s;
        return 0;

fail:
        cpu_set_done(&s);
        return r;
}
