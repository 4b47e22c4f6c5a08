/* The vDSO: it is there (AT_SYSINFO_EHDR, /proc/self/maps), it answers
 * clock_gettime, gettimeofday, time and getcpu consistently with the
 * syscalls, the kernel can read it as syscall input, and unmapping it
 * behaves as on Linux (the address faults, also in a forked child). */
#include "check.h"
#include <elf.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

/* Finds `[vdso]`-like NAME in /proc/self/maps; returns its start or 0. */
static unsigned long maps_find(const char *name, int *count) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long found = 0;
    *count = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (strstr(line, name)) {
            (*count)++;
            found = strtoul(line, NULL, 16);
        }
    }
    if (f)
        fclose(f);
    return found;
}

/* The vDSO's dynamic symbol NAME, looked up through its ELF tables. */
static void *vdso_sym(const char *name) {
    unsigned long base = getauxval(AT_SYSINFO_EHDR);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
    Elf64_Phdr *ph = (Elf64_Phdr *)(base + eh->e_phoff);
    unsigned long load = 0;
    Elf64_Dyn *dyn = NULL;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !load)
            load = base + ph[i].p_offset - ph[i].p_vaddr;
        if (ph[i].p_type == PT_DYNAMIC)
            dyn = (Elf64_Dyn *)(base + ph[i].p_offset);
    }
    Elf64_Sym *sym = NULL;
    const char *str = NULL;
    unsigned *hash = NULL;
    for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
        if (dyn->d_tag == DT_SYMTAB)
            sym = (Elf64_Sym *)(load + dyn->d_un.d_ptr);
        if (dyn->d_tag == DT_STRTAB)
            str = (const char *)(load + dyn->d_un.d_ptr);
        if (dyn->d_tag == DT_HASH)
            hash = (unsigned *)(load + dyn->d_un.d_ptr);
    }
    if (!sym || !str || !hash)
        return NULL;
    for (unsigned i = 0; i < hash[1]; i++)
        if (sym[i].st_shndx && !strcmp(str + sym[i].st_name, name))
            return (void *)(load + sym[i].st_value);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "loop")) {
        /* Time queries only, for a trace that must show none of them. */
        struct timespec ts;
        struct timeval tv;
        long sum = 0;
        for (int i = 0; i < 1000; i++) {
            clock_gettime(CLOCK_MONOTONIC, &ts);
            gettimeofday(&tv, NULL);
            sum += ts.tv_nsec + tv.tv_usec + time(NULL) + sched_getcpu();
        }
        printf("looped: %d\n", sum != 0);
        return 0;
    }
    unsigned long base = getauxval(AT_SYSINFO_EHDR);
    printf("AT_SYSINFO_EHDR present: %d\n", base != 0);
    if (!base)
        return 1;
    printf("ELF magic at the base: %d\n", !memcmp((void *)base, ELFMAG, SELFMAG));
    int n;
    unsigned long at = maps_find("[vdso]", &n);
    printf("/proc/self/maps [vdso] lines=%d at the base=%d\n", n, at == base);
    maps_find("[vvar]", &n);
    printf("/proc/self/maps [vvar] lines=%d\n", n);

    /* The symbols glibc uses. */
    const char *names[] = {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time",
                           "__vdso_getcpu", "__vdso_clock_getres"};
    for (int i = 0; i < 5; i++)
        printf("symbol %s: %d\n", names[i], vdso_sym(names[i]) != NULL);

    /* Consistency with the syscall, both ways round. */
    int (*vgt)(clockid_t, struct timespec *) = vdso_sym("__vdso_clock_gettime");
    clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
                          CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE,
                          CLOCK_MONOTONIC_COARSE, CLOCK_PROCESS_CPUTIME_ID};
    const char *cnames[] = {"REALTIME", "MONOTONIC", "BOOTTIME", "MONOTONIC_RAW",
                            "REALTIME_COARSE", "MONOTONIC_COARSE", "PROCESS_CPUTIME_ID"};
    for (int i = 0; i < 7; i++) {
        struct timespec a, b, c;
        int r1 = vgt(clocks[i], &a);
        int r2 = syscall(SYS_clock_gettime, clocks[i], &b);
        int r3 = vgt(clocks[i], &c);
        /* Coarse clocks tick at most every few ms. */
        long long slack = i == 4 || i == 5 ? 20000000LL : 0;
        printf("clock %s: vdso=%d syscall=%d vdso again=%d ordered=%d\n", cnames[i], r1, r2, r3,
               ns(a) <= ns(b) + slack && ns(b) <= ns(c) + slack);
    }
    struct timespec bad;
    errno = 0;
    int r = vgt(12345, &bad);
    printf("vdso clock_gettime(12345): %d\n", r);
    struct timeval tv;
    struct timespec ts;
    gettimeofday(&tv, NULL);
    clock_gettime(CLOCK_REALTIME, &ts);
    printf("gettimeofday vs clock_gettime within 1s: %d\n",
           ts.tv_sec - tv.tv_sec <= 1 && ts.tv_sec >= tv.tv_sec);
    time_t t1 = time(NULL);
    printf("time() vs clock_gettime within 1s: %d\n", ts.tv_sec - t1 <= 1 && t1 - ts.tv_sec <= 1);
    unsigned cpu = 99, node = 99;
    int (*vgc)(unsigned *, unsigned *, void *) = vdso_sym("__vdso_getcpu");
    int gr = vgc(&cpu, &node, NULL);
    printf("vdso getcpu: %d cpu<nprocs=%d node=%u sched_getcpu<nprocs=%d\n", gr,
           cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF), node,
           sched_getcpu() < sysconf(_SC_NPROCESSORS_CONF));
    struct timespec res;
    int rr = clock_getres(CLOCK_MONOTONIC, &res);
    printf("clock_getres(MONOTONIC): %d %ld ns\n", rr, res.tv_nsec);

    /* The kernel reads syscall input from the vDSO text. */
    int p[2];
    pipe(p);
    CHECK("write(pipe, vdso base, 64)", write(p[1], (void *)base, 64));
    char buf[64];
    read(p[0], buf, 64);
    printf("bytes read back equal the vDSO's: %d\n", !memcmp(buf, (void *)base, 64));
    /* ... but never writes it. */
    CHECK("read(pipe) into the vDSO", (write(p[1], "x", 1), read(p[0], (void *)base, 1)));

    /* Unmapped, it is gone, also for a child forked afterwards. */
    unsigned long lo = base;
    unsigned long len = 0;
    {
        FILE *f = fopen("/proc/self/maps", "r");
        char line[512];
        while (fgets(line, sizeof line, f))
            if (strstr(line, "[vdso]") || strstr(line, "[vvar")) {
                unsigned long s = strtoul(line, NULL, 16);
                unsigned long e = strtoul(strchr(line, '-') + 1, NULL, 16);
                if (s < lo)
                    lo = s;
                if (e - lo > len)
                    len = e - lo;
            }
        fclose(f);
    }
    CHECK("munmap(vvar..vdso end)", munmap((void *)lo, len));
    maps_find("[vdso]", &n);
    printf("after munmap: [vdso] lines=%d\n", n);
    CHECK("write(pipe, old vdso base, 1)", write(p[1], (void *)base, 1));
    pid_t c = fork();
    if (c == 0) {
        volatile char x = *(volatile char *)base;
        (void)x;
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("child touching the old base: signaled=%d sig=%s\n", WIFSIGNALED(st),
           WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "-");
    /* The syscall still tells the time. */
    CHECK("syscall clock_gettime after munmap", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts));
    return 0;
}
