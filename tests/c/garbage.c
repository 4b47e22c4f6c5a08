/* Sandbox-only robustness test: every syscall number, called with garbage
 * arguments, must come back with a value (usually an errno) and the sentry
 * must survive. Calls that would end or wreck this process by design
 * (exit, munmap of our own text, changing FS base, ...) are skipped. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    switch (state % 6) {
    case 0: return state;                       /* anything */
    case 1: return state & 0xff;                /* small int */
    case 2: return (uint64_t)-1 - (state & 15); /* -1..-16 */
    case 3: return 0;
    case 4: return 0x7ffffffff000ull - (state & 0xfffff); /* near top */
    default: return 0x10000 + (state & 0xffff);  /* low, unmapped */
    }
}

static int skipped(long nr) {
    switch (nr) {
    case SYS_exit: case SYS_exit_group: case SYS_munmap: case SYS_mremap:
    case SYS_mprotect: case SYS_mmap: case SYS_brk: case SYS_arch_prctl:
    case SYS_rt_sigreturn: case SYS_madvise: case SYS_vfork: case SYS_fork:
    case SYS_clone: case SYS_clone3: case SYS_execve: case SYS_execveat:
    case SYS_kill: case SYS_tkill: case SYS_tgkill: case SYS_pause:
    case SYS_rt_sigsuspend: case SYS_read: case SYS_readv: case SYS_close:
    case SYS_close_range: case SYS_dup2: case SYS_dup3: case SYS_setsid:
    case SYS_prctl: case SYS_rt_sigaction: case SYS_rt_sigprocmask:
    case SYS_sigaltstack: case SYS_set_tid_address: case SYS_shutdown:
    case SYS_reboot: case SYS_nanosleep: case SYS_clock_nanosleep:
    case SYS_wait4: case SYS_waitid: case SYS_select: case SYS_pselect6:
    case SYS_poll: case SYS_ppoll: case SYS_epoll_wait: case SYS_epoll_pwait:
    case SYS_futex: case SYS_rt_sigtimedwait: case SYS_setrlimit:
    case SYS_prlimit64: case SYS_seccomp: case SYS_ptrace: case SYS_alarm:
    case SYS_setitimer: case SYS_timer_settime: case SYS_pkey_mprotect:
    case SYS_remap_file_pages: case SYS_write: case SYS_writev:
    case SYS_pwrite64: case SYS_pwritev: case SYS_pwritev2: case SYS_sendfile:
    case SYS_io_uring_enter: case SYS_ioctl: case SYS_setuid: case SYS_setgid:
    case SYS_setresuid: case SYS_setresgid: case SYS_setreuid: case SYS_setregid:
    case SYS_setfsuid: case SYS_setfsgid: case SYS_setgroups: case SYS_capset:
    case SYS_unshare: case SYS_setns: case SYS_personality: case SYS_umask:
    /* System V IPC: blocks as Linux does (a queue or set the garbage
     * made), or maps over this program (SHM_REMAP). */
    case SYS_shmat: case SYS_semop: case SYS_semtimedop: case SYS_msgrcv:
    case SYS_msgsnd:
        return 1;
    }
    return nr == 462; /* mseal */
}

int main(void) {
    long calls = 0;
    for (long nr = 0; nr < 520; nr++) {
        if (skipped(nr)) continue;
        for (int i = 0; i < 16; i++) {
            syscall(nr, rnd(), rnd(), rnd(), rnd(), rnd(), rnd());
            calls++;
        }
    }
    /* Phase 2: the memory and I/O calls, with garbage confined to a scratch
     * region (guarded on both sides) so the test's own memory survives. */
    char *guard = mmap(NULL, 8 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *scratch = guard + (3 << 20);
    mmap(scratch, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    for (int i = 0; i < 3000; i++) {
        uint64_t off = rnd() & 0xfffff, len = rnd() & 0xfffff;
        char *p = scratch + (off & ~0xfffull);
        switch (i % 9) {
        case 0: syscall(SYS_mmap, rnd(), rnd(), rnd(), rnd() & ~(uint64_t)(MAP_FIXED | MAP_FIXED_NOREPLACE), rnd(), rnd()); break;
        case 1: syscall(SYS_munmap, p, len); break;
        case 2: syscall(SYS_mprotect, p, len, rnd()); break;
        case 3: syscall(SYS_madvise, p, len, rnd()); break;
        case 4: syscall(SYS_mremap, p, len, rnd() & 0xfffff, rnd() & 1, 0); break;
        case 5: syscall(SYS_write, 2, rnd(), rnd() & 0xffff); break;
        case 6: syscall(SYS_read, 0, rnd(), rnd()); break;
        case 7: syscall(SYS_rt_sigaction, rnd() & 127, rnd(), rnd(), rnd() & 15); break;
        case 8: syscall(SYS_ioctl, rnd() & 3, rnd(), rnd()); break;
        }
        calls++;
    }
    printf("survived %ld calls\n", calls);
    return 0;
}
