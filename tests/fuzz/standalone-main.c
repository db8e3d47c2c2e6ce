/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a fuzz target without libFuzzer, for `make check` with any compiler: every file of the
 * corpus directories (or files) given as arguments, then a few seconds of deterministic
 * pseudo-random mutations of them. Speaks TAP: one test per corpus file, one for the mutations.
 *
 *   fuzz-TARGET [PATH...]         default PATH: FUZZ_CORPUS_DIR (the target's corpus in the tree)
 *   FUZZ_SMOKE_SECONDS=3          time spent mutating (0: none)
 *   FUZZ_SMOKE_ITERATIONS=N       stop after N mutated inputs (reproduce a run exactly)
 *   FUZZ_SMOKE_SEED=1             seed of the mutations
 *
 * A crash or a failed invariant saves the input to crash-TARGET-N in the current directory, so
 * that it can be replayed (`fuzz-TARGET crash-TARGET-N`) and added to the corpus. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dt-check.h"
#include "fuzz.h"
#include "macro.h"
#include "papr-drmem.h"

/* The DT targets' input: ibm,lmb-size, then the property, whose entries start after its count. */
#define DT_ENTRIES_START (DT_FUZZ_LMB_SIZE_BYTES + DRMEM_COUNT_SIZE)

#ifndef FUZZ_TARGET
#  error "FUZZ_TARGET (the target's name) must be defined"
#endif

#define MUTANT_SIZE_MAX ((size_t) 64 * 1024)

typedef struct Input {
        char *name;
        uint8_t *data;
        size_t size;
} Input;

static Input *inputs;
static size_t n_inputs;

/* What the target is running on, for the crash handler. */
static const uint8_t *current_data;
static size_t current_size;
static uint64_t current_iteration;

/* Set by the sanitizer runtimes when linked in; they exit on their own, not through a signal. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static void save_current(void) {
        static bool saved;
        char path[128], msg[256];
        int fd, n;

        if (saved || !current_data)
                return;
        saved = true;

        snprintf(path, sizeof(path), "crash-%s-%" PRIu64, FUZZ_TARGET, current_iteration);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
                (void) !write(fd, current_data, current_size);
                close(fd);
        }
        n = snprintf(msg, sizeof(msg), "Bail out! %s crashed on a %zu-byte input, saved to %s\n",
                     FUZZ_TARGET, current_size, fd >= 0 ? path : "(cannot write it)");
        (void) !write(STDOUT_FILENO, msg, (size_t) n);
}

static void on_crash(int sig) {
        save_current();
        signal(sig, SIG_DFL);
        raise(sig);
}

static void run_one(const uint8_t *data, size_t size, uint64_t iteration) {
        /* An exact-size heap copy: a read one byte past the input is then an ASan report. */
        uint8_t *copy = malloc(size ? size : 1);

        if (!copy) {
                printf("Bail out! out of memory\n");
                exit(99);
        }
        memcpy(copy, data, size);
        current_data = copy;
        current_size = size;
        current_iteration = iteration;
        LLVMFuzzerTestOneInput(copy, size);
        current_data = NULL;
        free(copy);
}

static int read_file(const char *path, uint8_t **ret, size_t *ret_size) {
        uint8_t *data = NULL;
        size_t size = 0, allocated = 0;
        FILE *f;

        f = fopen(path, "re");
        if (!f)
                return -errno;
        for (;;) {
                size_t n;

                if (size == allocated) {
                        uint8_t *d;

                        allocated = allocated ? allocated * 2 : 4096;
                        d = realloc(data, allocated);
                        if (!d) {
                                free(data);
                                fclose(f);
                                return -ENOMEM;
                        }
                        data = d;
                }
                n = fread(data + size, 1, allocated - size, f);
                size += n;
                if (n == 0)
                        break;
        }
        if (ferror(f)) {
                free(data);
                fclose(f);
                return -EIO;
        }
        fclose(f);
        *ret = data;
        *ret_size = size;
        return 0;
}

static void add_input(const char *path) {
        Input *l;
        int r;

        l = realloc(inputs, (n_inputs + 1) * sizeof(Input));
        if (!l) {
                printf("Bail out! out of memory\n");
                exit(99);
        }
        inputs = l;
        r = read_file(path, &inputs[n_inputs].data, &inputs[n_inputs].size);
        if (r < 0) {
                printf("Bail out! cannot read %s: %s\n", path, strerror(-r));
                exit(99);
        }
        inputs[n_inputs].name = strdup(path);
        if (!inputs[n_inputs].name) {
                printf("Bail out! out of memory\n");
                exit(99);
        }
        n_inputs++;
}

static int cmp_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* A directory's regular files in name order (the run must not depend on readdir's order), or
 * the file itself. */
static void add_path(const char *path) {
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        struct stat st;
        DIR *d;

        if (stat(path, &st) < 0) {
                printf("Bail out! cannot stat %s: %s\n", path, strerror(errno));
                exit(99);
        }
        if (!S_ISDIR(st.st_mode)) {
                add_input(path);
                return;
        }

        d = opendir(path);
        if (!d) {
                printf("Bail out! cannot open %s: %s\n", path, strerror(errno));
                exit(99);
        }
        while ((de = readdir(d))) {
                char *p;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&p, "%s/%s", path, de->d_name) < 0 ||
                    !(names = realloc(names, (n + 1) * sizeof(char *)))) {
                        printf("Bail out! out of memory\n");
                        exit(99);
                }
                if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
                        free(p);
                        continue;
                }
                names[n++] = p;
        }
        closedir(d);

        qsort(names, n, sizeof(char *), cmp_names);
        for (size_t i = 0; i < n; i++) {
                add_input(names[i]);
                free(names[i]);
        }
        free(names);
}

/* xorshift64*: small, fast and the same everywhere. */
static uint64_t rng_state;

static uint64_t rng(void) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

/* Not inside MIN()/MAX(), which evaluate their arguments twice. */
static size_t rng_below(size_t n) {
        return n ? (size_t) (rng() % n) : 0;
}

/* Values that sit on the edges the parsers check: counts, sizes, flags, overflow. */
static const uint64_t interesting[] = {
        0, 1, 2, 3, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
        0x10000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
        UINT64_C(0x100000000), UINT64_C(0x7fffffffffffffff), UINT64_C(0x8000000000000000),
        UINT64_C(0xfffffffffffffffe), UINT64_C(0xffffffffffffffff),
};

static void put_be(uint8_t *p, uint64_t v, size_t width) {
        for (size_t i = 0; i < width; i++)
                p[i] = (uint8_t) (v >> (8 * (width - 1 - i)));
}

/* One random edit of buf (size *size, room for MUTANT_SIZE_MAX bytes). */
static void mutate(uint8_t *buf, size_t *size) {
        size_t n = *size;

        switch (rng_below(9)) {
        case 0: /* flip a bit */
                if (n)
                        buf[rng_below(n)] ^= (uint8_t) (1u << rng_below(8));
                break;
        case 1: /* random byte */
                if (n)
                        buf[rng_below(n)] = (uint8_t) rng();
                break;
        case 2: { /* interesting big-endian value, 1, 4 or 8 bytes wide */
                static const size_t widths[] = { 1, 4, 8 };
                size_t w = widths[rng_below(3)];

                if (n >= w)
                        put_be(buf + rng_below(n - w + 1), interesting[rng_below(ELEMENTSOF(interesting))], w);
                break;
        }
        case 3: /* insert a byte */
                if (n < MUTANT_SIZE_MAX) {
                        size_t at = rng_below(n + 1);

                        memmove(buf + at + 1, buf + at, n - at);
                        buf[at] = rng_below(4) ? (uint8_t) rng() : (uint8_t) "\0\n=[]# "[rng_below(7)];
                        *size = n + 1;
                }
                break;
        case 4: { /* delete a few bytes */
                size_t at = rng_below(n), want = 1 + rng_below(8), len = MIN(n - at, want);

                memmove(buf + at, buf + at + len, n - at - len);
                *size = n - len;
                break;
        }
        case 5: /* truncate */
                *size = rng_below(n + 1);
                break;
        case 6: { /* duplicate a chunk in place: a repeated DT entry or config line */
                size_t at = rng_below(n), want = 1 + rng_below(48), len = MIN(n - at, want);

                if (n + len <= MUTANT_SIZE_MAX) {
                        memmove(buf + at + len, buf + at, n - at);
                        *size = n + len;
                }
                break;
        }
        case 7: { /* overwrite with a chunk of another corpus input */
                const Input *o = &inputs[rng_below(n_inputs)];
                size_t from = rng_below(o->size), at = rng_below(n + 1);
                size_t want = 1 + rng_below(64), len = MIN(o->size - from, want);

                len = MIN(len, MUTANT_SIZE_MAX - at);
                memcpy(buf + at, o->data + from, len);
                *size = MAX(n, at + len);
                break;
        }
        case 8: /* copy a DT entry over another, aligned after ibm,lmb-size and the count */
                if (n >= DT_ENTRIES_START + 2 * DRMEM_ENTRY_SIZE) {
                        size_t entries = (n - DT_ENTRIES_START) / DRMEM_ENTRY_SIZE;
                        size_t a = rng_below(entries), b = rng_below(entries);

                        memmove(buf + DT_ENTRIES_START + b * DRMEM_ENTRY_SIZE,
                                buf + DT_ENTRIES_START + a * DRMEM_ENTRY_SIZE, DRMEM_ENTRY_SIZE);
                }
                break;
        }
}

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static uint64_t env_u64(const char *name, uint64_t def) {
        const char *s = getenv(name);
        char *end;
        unsigned long long v;

        if (!s || !*s)
                return def;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end) {
                printf("Bail out! %s=%s is not a number\n", name, s);
                exit(99);
        }
        return v;
}

int main(int argc, char *argv[]) {
        static const int signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };
        /* A given number of iterations is exact, whatever the time it takes. */
        uint64_t max_iterations = env_u64("FUZZ_SMOKE_ITERATIONS", UINT64_MAX);
        uint64_t seconds = env_u64("FUZZ_SMOKE_SECONDS", max_iterations == UINT64_MAX ? 3 : UINT64_MAX);
        uint64_t seed = env_u64("FUZZ_SMOKE_SEED", 1), iterations = 0;
        uint8_t *buf;
        size_t size = 0;
        double start;

        /* The sanitizers report memory errors themselves and then call back; abort() (a failed
         * invariant) is left to us either way. */
        signal(SIGABRT, on_crash);
        if (__sanitizer_set_death_callback)
                __sanitizer_set_death_callback(save_current);
        else
                for (size_t i = 0; i < ELEMENTSOF(signals); i++)
                        signal(signals[i], on_crash);
        setvbuf(stdout, NULL, _IOLBF, 0);

        if (argc > 1)
                for (int i = 1; i < argc; i++)
                        add_path(argv[i]);
        else
                add_path(FUZZ_CORPUS_DIR);
        if (n_inputs == 0) {
                printf("Bail out! no corpus inputs\n");
                return 99;
        }

        printf("1..%zu\n", n_inputs + 1);
        for (size_t i = 0; i < n_inputs; i++) {
                run_one(inputs[i].data, inputs[i].size, 0);
                printf("ok %zu - %s\n", i + 1, inputs[i].name);
        }

        buf = malloc(MUTANT_SIZE_MAX);
        if (!buf) {
                printf("Bail out! out of memory\n");
                return 99;
        }
        rng_state = seed ? seed : 1;
        start = now();
        while (iterations < max_iterations && (iterations & 255 || now() - start < (double) seconds)) {
                /* Mostly keep mutating the last mutant, sometimes start over from the corpus. */
                if (iterations % 16 == 0) {
                        const Input *in = &inputs[rng_below(n_inputs)];

                        size = MIN(in->size, MUTANT_SIZE_MAX);
                        memcpy(buf, in->data, size);
                }
                for (size_t k = 1 + rng_below(4); k > 0; k--)
                        mutate(buf, &size);
                iterations++;
                run_one(buf, size, iterations);
        }
        printf("ok %zu - %" PRIu64 " mutated inputs in %.1f s (FUZZ_SMOKE_SEED=%" PRIu64 ")\n",
               n_inputs + 1, iterations, now() - start, seed);

        free(buf);
        for (size_t i = 0; i < n_inputs; i++) {
                free(inputs[i].name);
                free(inputs[i].data);
        }
        free(inputs);
        return 0;
}
