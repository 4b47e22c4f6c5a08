/* Anonymous memory: mmap, munmap, mprotect, mremap, madvise, brk and a
 * deep stack. Without fork, signal handlers or files, whether a page is
 * mapped or writable is probed with getrandom(2), which fails with EFAULT
 * on a page the caller could not write. */
#include "check.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PAGE 4096UL

/* 1 if the page at p is mapped and readable, 0 if reading it faults:
 * rt_sigprocmask(SIG_BLOCK) copies in 8 bytes from p (the old mask is
 * restored at once). */
static int readable(void *p) {
    uint64_t old;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &old, 8);
    long r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, p, NULL, 8);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
    if (r == 0)
        return 1;
    if (r == -1 && errno == EFAULT)
        return 0;
    return -1;
}

/* 1 if the byte at p is mapped and writable, 0 if getrandom(2) faults
 * writing it. The byte keeps its value. */
static int writable(void *p) {
    char *c = p;
    char saved = readable(c) == 1 ? *c : 0;
    long r = syscall(SYS_getrandom, c, 1, 0);
    if (r == 1) {
        *c = saved;
        return 1;
    }
    if (r == -1 && errno == EFAULT)
        return 0;
    return -1;
}

static int all_bytes(const char *p, size_t n, char c) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != c)
            return 0;
    return 1;
}

static void *map(size_t len, int prot, int flags) {
    return mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
}

static void basics(void) {
    char *p = map(3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    FACT("private_mapped", p != MAP_FAILED);
    FACT("private_page_aligned", ((uintptr_t)p & (PAGE - 1)) == 0);
    FACT("private_zero_filled", all_bytes(p, 3 * PAGE, 0));
    memset(p, 'a', 3 * PAGE);
    FACT("private_read_back", all_bytes(p, 3 * PAGE, 'a'));

    char *s = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);
    FACT("shared_mapped", s != MAP_FAILED);
    FACT("shared_zero_filled", all_bytes(s, 2 * PAGE, 0));
    memset(s, 's', 2 * PAGE);
    FACT("shared_read_back", all_bytes(s, 2 * PAGE, 's'));

    /* Unmap the middle page: the outer pages stay, the middle faults. */
    CHECK("munmap(middle)", munmap(p + PAGE, PAGE));
    printf("after munmap: writable=%d,%d,%d\n", writable(p), writable(p + PAGE),
           writable(p + 2 * PAGE));
    FACT("outer_pages_kept", p[0] == 'a' && p[2 * PAGE] == 'a');
    CHECK("munmap(already unmapped)", munmap(p + PAGE, PAGE));
    /* Ranges that start in the hole (Linux applies mprotect up to a hole
     * and madvise around one; those partial effects are in bugs.c). */
    CHECK("mprotect(hole)", mprotect(p + PAGE, 2 * PAGE, PROT_READ));
    CHECK("madvise(DONTNEED, hole)", madvise(p + PAGE, PAGE, MADV_DONTNEED));
    CHECK("mremap(hole)", mremap(p + PAGE, PAGE, 2 * PAGE, 0) == MAP_FAILED ? -1 : 0);

    /* MAP_FIXED_NOREPLACE takes a free range and refuses a used one. */
    char *q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    FACT("noreplace_free_at_addr", q == p + PAGE);
    FACT("noreplace_free_zeroed", q != MAP_FAILED && all_bytes(q, PAGE, 0));
    errno = 0;
    q = mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
             -1, 0);
    printf("noreplace over mapping: %s %s\n", q == MAP_FAILED ? "failed" : "mapped",
           errno_name(errno));
    FACT("noreplace_left_contents", p[0] == 'a');

    /* MAP_FIXED replaces: the new page reads zero. */
    q = mmap(p + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
             -1, 0);
    FACT("fixed_at_addr", q == p + 2 * PAGE);
    FACT("fixed_replaced_zeroed", all_bytes(p + 2 * PAGE, PAGE, 0));
    CHECK("munmap(all)", munmap(p, 3 * PAGE));
    printf("after full munmap: writable=%d readable=%d\n", writable(p), readable(p));
    CHECK("munmap(shared)", munmap(s, 2 * PAGE));

    /* A free hint is honoured. */
    char *hint = (char *)0x200000000UL;
    q = mmap(hint, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    FACT("free_hint_honoured", q == hint);
    munmap(q, PAGE);
    /* An unaligned length rounds up to whole pages. */
    q = map(PAGE + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    printf("len PAGE+1: second page writable=%d\n", writable(q + PAGE));
    munmap(q, 2 * PAGE);
}

static void protections(void) {
    char *p = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(p, 'p', 2 * PAGE);
    CHECK("mprotect(READ)", mprotect(p, PAGE, PROT_READ));
    printf("read-only: writable=%d readable=%d\n", writable(p), readable(p));
    CHECK("getrandom(read-only)", syscall(SYS_getrandom, p, 8, 0));
    FACT("read_only_contents_kept", all_bytes(p, PAGE, 'p'));
    printf("neighbour: writable=%d\n", writable(p + PAGE));
    CHECK("mprotect(NONE)", mprotect(p, PAGE, PROT_NONE));
    printf("prot-none: writable=%d readable=%d\n", writable(p), readable(p));
    CHECK("mprotect(READ|WRITE)", mprotect(p, 2 * PAGE, PROT_READ | PROT_WRITE));
    FACT("contents_survive_prot_changes", all_bytes(p, 2 * PAGE, 'p'));
    CHECK("mprotect(READ|WRITE|EXEC)", mprotect(p, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC));
    char *w = map(PAGE, PROT_WRITE, MAP_PRIVATE);
    printf("PROT_WRITE only: writable=%d\n", writable(w));
    char *n = map(PAGE, PROT_NONE, MAP_PRIVATE);
    printf("PROT_NONE mapping: writable=%d readable=%d\n", writable(n), readable(n));
    munmap(p, 2 * PAGE);
    munmap(w, PAGE);
    munmap(n, PAGE);
}

static void remaps(void) {
    /* Grow in place: map 4 pages, keep the first, grow it to 2. */
    char *p = map(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(p, 'g', PAGE);
    munmap(p + PAGE, 3 * PAGE);
    char *q = mremap(p, PAGE, 2 * PAGE, 0);
    FACT("grow_in_place", q == p);
    FACT("grow_keeps_contents", q != MAP_FAILED && all_bytes(q, PAGE, 'g'));
    FACT("grow_new_page_zero", q != MAP_FAILED && all_bytes(q + PAGE, PAGE, 0));
    printf("after grow: writable=%d,%d\n", writable(p + PAGE), writable(p + 2 * PAGE));
    munmap(p, 2 * PAGE);

    /* Blocked growth: without MAYMOVE it fails, with it the pages move. */
    p = map(3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(p, 'g', PAGE);
    memset(p + PAGE, 'h', PAGE);
    char *blocker = mmap(p + 2 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                         -1, 0);
    FACT("blocker_at_addr", blocker == p + 2 * PAGE);
    errno = 0;
    q = mremap(p, 2 * PAGE, 8 * PAGE, 0);
    printf("blocked grow without MAYMOVE: %s %s\n", q == MAP_FAILED ? "failed" : "ok",
           errno_name(errno));
    q = mremap(p, 2 * PAGE, 8 * PAGE, MREMAP_MAYMOVE);
    FACT("maymove_moved", q != MAP_FAILED && q != p);
    if (q == MAP_FAILED)
        return;
    FACT("maymove_keeps_contents", all_bytes(q, PAGE, 'g') && all_bytes(q + PAGE, PAGE, 'h'));
    FACT("maymove_tail_zero", all_bytes(q + 2 * PAGE, 6 * PAGE, 0));
    printf("old range after move: writable=%d,%d\n", writable(p), writable(p + PAGE));
    printf("blocker still mapped read-only: writable=%d readable=%d\n", writable(blocker),
           readable(blocker));
    munmap(blocker, PAGE);

    /* Shrink: the address stays, the tail goes. */
    char *big = map(8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(big, 'k', 8 * PAGE);
    char *r = mremap(big, 8 * PAGE, 2 * PAGE, 0);
    FACT("shrink_same_address", r == big);
    FACT("shrink_keeps_head", r != MAP_FAILED && all_bytes(big, 2 * PAGE, 'k'));
    printf("after shrink: writable=%d,%d,%d\n", writable(big + PAGE), writable(big + 2 * PAGE),
           writable(big + 7 * PAGE));
    munmap(big, 2 * PAGE);

    /* The moved pages can move again (the grown tail is a separate test in
     * bugs.c). */
    munmap(q + 2 * PAGE, 6 * PAGE);
    r = q;
    /* MREMAP_FIXED moves to a chosen free address. */
    char *dst = map(2 * PAGE, PROT_NONE, MAP_PRIVATE);
    munmap(dst, 2 * PAGE);
    char *f = mremap(r, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
    FACT("fixed_move_to_dst", f == dst);
    if (f == MAP_FAILED)
        return;
    FACT("fixed_move_contents", all_bytes(f, PAGE, 'g') && all_bytes(f + PAGE, PAGE, 'h'));
    printf("source after fixed move: writable=%d\n", writable(r));
    errno = 0;
    char *o = mremap(f, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, f + PAGE);
    printf("fixed move onto itself: %s %s\n", o == MAP_FAILED ? "failed" : "ok", errno_name(errno));
    /* MREMAP_FIXED replaces whatever is at the destination. */
    char *occupied = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(occupied, 'o', PAGE);
    o = mremap(f, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, occupied);
    FACT("fixed_move_replaces", o == occupied && all_bytes(occupied, PAGE, 'g'));
    printf("rest of source after partial move: writable=%d,%d\n", writable(f), writable(f + PAGE));
    FACT("rest_of_source_kept", all_bytes(f + PAGE, PAGE, 'h'));
    errno = 0;
    char *e = mremap(f + PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
    printf("dontunmap with size change: %s %s\n", e == MAP_FAILED ? "failed" : "ok",
           errno_name(errno));

    /* A range spanning two mappings cannot be remapped. */
    char *two = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    mprotect(two + PAGE, PAGE, PROT_READ);
    errno = 0;
    e = mremap(two, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
    printf("mremap across mappings: %s %s\n", e == MAP_FAILED ? "failed" : "ok", errno_name(errno));
    /* Shared mappings keep their sharing when moved. */
    char *sh = map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);
    memset(sh, 'x', PAGE);
    char *moved = mremap(sh, PAGE, 4 * PAGE, MREMAP_MAYMOVE);
    FACT("shared_moved_contents", moved != MAP_FAILED && all_bytes(moved, PAGE, 'x'));
}

static void advice(void) {
    char *p = map(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(p, 'd', 4 * PAGE);
    CHECK("madvise(DONTNEED, private)", madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED));
    FACT("dontneed_private_zeroed", all_bytes(p + PAGE, 2 * PAGE, 0));
    FACT("dontneed_private_outside_kept",
         all_bytes(p, PAGE, 'd') && all_bytes(p + 3 * PAGE, PAGE, 'd'));
    memset(p + PAGE, 'e', PAGE);
    FACT("dontneed_page_reusable", all_bytes(p + PAGE, PAGE, 'e'));
    char *s = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);
    memset(s, 'S', 2 * PAGE);
    CHECK("madvise(DONTNEED, shared)", madvise(s, 2 * PAGE, MADV_DONTNEED));
    FACT("dontneed_shared_kept", all_bytes(s, 2 * PAGE, 'S'));
    CHECK("madvise(NORMAL)", madvise(p, 4 * PAGE, MADV_NORMAL));
    CHECK("madvise(WILLNEED)", madvise(p, 4 * PAGE, MADV_WILLNEED));
    CHECK("madvise(SEQUENTIAL)", madvise(p, 4 * PAGE, MADV_SEQUENTIAL));
    CHECK("madvise(len 0)", madvise(p, 0, MADV_DONTNEED));
    FACT("other_advice_keeps_contents", all_bytes(p, PAGE, 'd'));
    munmap(p, 4 * PAGE);
    munmap(s, 2 * PAGE);
}

static void program_break(void) {
    char *start = sbrk(0);
    FACT("sbrk0_nonnull", start != (char *)-1 && start != NULL);
    char *old = sbrk(3 * PAGE);
    FACT("sbrk_returns_old_break", old == start);
    FACT("break_advanced", sbrk(0) == start + 3 * PAGE);
    memset(start, 'b', 3 * PAGE);
    FACT("heap_read_back", all_bytes(start, 3 * PAGE, 'b'));
    /* Shrinking keeps what remains and drops the rest; regrowing gives zeros. */
    old = sbrk(-(intptr_t)(2 * PAGE));
    FACT("shrink_returns_old", old == start + 3 * PAGE);
    char *top = (char *)(((uintptr_t)sbrk(0) + PAGE - 1) & ~(PAGE - 1));
    printf("above shrunk break: writable=%d\n", writable(top + PAGE));
    FACT("shrink_keeps_head", all_bytes(start, PAGE, 'b'));
    sbrk(2 * PAGE);
    FACT("regrow_zeroed", all_bytes(top + PAGE, PAGE, 0));
    /* Raw brk: a request below the start leaves the break alone. */
    long cur = syscall(SYS_brk, 0);
    long low = syscall(SYS_brk, 4096);
    FACT("brk_below_start_unchanged", low == cur);
    FACT("brk_query_matches_sbrk", cur == (long)sbrk(0));
    /* A large heap: 32 MiB, every page touched. */
    char *big = sbrk(32 << 20);
    FACT("big_sbrk_ok", big != (char *)-1);
    if (big != (char *)-1) {
        for (size_t i = 0; i < (32 << 20); i += PAGE)
            big[i] = (char)(i / PAGE);
        int ok = 1;
        for (size_t i = 0; i < (32 << 20); i += PAGE)
            ok &= big[i] == (char)(i / PAGE);
        FACT("big_heap_pages_ok", ok);
        sbrk(-(32 << 20));
    }
    FACT("break_restored", (long)sbrk(0) == cur);
}

static void large_and_placement(void) {
    size_t len = 64UL << 20;
    char *p = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    FACT("map_64MiB", p != MAP_FAILED);
    if (p != MAP_FAILED) {
        for (size_t i = 0; i < len; i += PAGE)
            p[i] = (char)(i >> 12);
        uint64_t sum = 0, want = 0;
        for (size_t i = 0; i < len; i += PAGE) {
            sum += (unsigned char)p[i];
            want += (unsigned char)(char)(i >> 12);
        }
        FACT("every_page_kept", sum == want);
        FACT("last_byte_zero", p[len - 1] == 0);
        munmap(p, len);
    }
    char *lo = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_32BIT);
    FACT("map_32bit_ok", lo != MAP_FAILED);
    FACT("map_32bit_below_2GiB", (uintptr_t)lo + PAGE <= 0x80000000UL);
    lo[0] = 1;
    munmap(lo, PAGE);
    /* Two mappings never overlap. */
    char *a = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    char *b = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    FACT("distinct_mappings", a != b && (a + PAGE <= b || b + PAGE <= a));
    *a = 'A';
    *b = 'B';
    FACT("distinct_contents", *a == 'A' && *b == 'B');
    /* Too big for the address space. */
    errno = 0;
    void *huge = map(1UL << 50, PROT_READ, MAP_PRIVATE);
    printf("map 2^50: %s %s\n", huge == MAP_FAILED ? "failed" : "mapped", errno_name(errno));
}

static uint64_t recurse(int depth, volatile char *prev) {
    volatile char frame[1024];
    frame[0] = (char)depth;
    frame[1023] = prev ? prev[0] : 0;
    if (depth == 0)
        return frame[0] + frame[1023];
    return recurse(depth - 1, frame) + frame[0];
}

static void stack(void) {
    /* About 4 MiB of stack, well inside the default 8 MiB limit. */
    uint64_t r = recurse(4000, NULL);
    printf("deep recursion: %lu\n", (unsigned long)r);
    /* alloca-like large frame. */
    volatile char big[1 << 20];
    big[0] = 1;
    big[sizeof big - 1] = 2;
    FACT("big_frame", big[0] + big[sizeof big - 1] == 3);
}

int main(void) {
    basics();
    protections();
    remaps();
    advice();
    program_break();
    large_and_placement();
    stack();
    return 0;
}
