/* Process file descriptors: pidfd_open, pidfd_send_signal (to the
 * process, a thread, the process group), poll and epoll readiness at
 * exit, waitid(P_PIDFD) with and without PIDFD_NONBLOCK, CLONE_PIDFD from
 * clone3 and clone, and the errors (as Linux 6.9 and later give them:
 * a non-leader thread's pid is ENOENT). */
#include "check.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

static int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }

static int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags) {
    return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

static int readable(int fd, int ms) {
    struct pollfd p = {fd, POLLIN, 0};
    int n = poll(&p, 1, ms);
    return n == 1 && (p.revents & POLLIN);
}

static pid_t sleeper(void) {
    pid_t c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    return c;
}

static void *thread_main(void *arg) {
    *(pid_t *)arg = gettid();
    sleep(2);
    return NULL;
}

int main(void) {
    pid_t c = sleeper();
    int fd = pidfd_open(c, 0);
    printf("pidfd_open(child): ok=%d cloexec=%d\n", fd >= 0,
           (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    char link[64], target[64] = {0};
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    if (readlink(link, target, sizeof target - 1) < 0)
        strcpy(target, errno_name(errno));
    printf("fd link: %s\n", target);
    printf("readable while running: %d\n", readable(fd, 0));
    CHECK("pidfd_send_signal(0)", pidfd_send_signal(fd, 0, NULL, 0));
    CHECK("pidfd_send_signal(flags 8)", pidfd_send_signal(fd, SIGTERM, NULL, 8));
    CHECK("pidfd_send_signal(stdin)", pidfd_send_signal(0, SIGTERM, NULL, 0));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    CHECK("pidfd_send_signal(info for another signal)", pidfd_send_signal(fd, SIGTERM, &si, 0));
    si.si_code = SI_USER;
    si.si_signo = SIGTERM;
    CHECK("pidfd_send_signal(SI_USER info)", pidfd_send_signal(fd, SIGTERM, &si, 0));

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
    CHECK("epoll_ctl(ADD pidfd)", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    CHECK("epoll_wait while running", epoll_wait(ep, &ev, 1, 0));

    int nb = pidfd_open(c, PIDFD_NONBLOCK);
    siginfo_t info;
    CHECK("waitid(P_PIDFD nonblocking, running)", waitid(P_PIDFD, nb, &info, WEXITED));
    CHECK("pidfd_send_signal(SIGTERM)", pidfd_send_signal(fd, SIGTERM, NULL, 0));
    printf("readable after the kill: %d\n", readable(fd, 5000));
    CHECK("epoll_wait after the kill", epoll_wait(ep, &ev, 1, 5000));
    printf("epoll data: %u\n", ev.data.u32);
    memset(&info, 0, sizeof info);
    CHECK("waitid(P_PIDFD)", waitid(P_PIDFD, fd, &info, WEXITED));
    printf("si_pid is child: %d si_code=%d si_status=%d\n", info.si_pid == c, info.si_code,
           info.si_status);
    CHECK("pidfd_send_signal(reaped)", pidfd_send_signal(fd, SIGTERM, NULL, 0));
    CHECK("waitid(P_PIDFD, reaped)", waitid(P_PIDFD, fd, &info, WEXITED | WNOHANG));
    close(fd);
    close(nb);

    /* PIDFD_SIGNAL_PROCESS_GROUP reaches the whole group. */
    fflush(stdout);
    pid_t g1 = fork();
    if (g1 == 0) {
        setpgid(0, 0);
        for (;;)
            pause();
    }
    setpgid(g1, g1);
    pid_t g2 = fork();
    if (g2 == 0) {
        setpgid(0, g1);
        for (;;)
            pause();
    }
    setpgid(g2, g1);
    int gfd = pidfd_open(g1, 0);
    CHECK("pidfd_send_signal(SIGUSR2, PROCESS_GROUP)", pidfd_send_signal(gfd, SIGUSR2, NULL, 4));
    int st1, st2;
    waitpid(g1, &st1, 0);
    waitpid(g2, &st2, 0);
    printf("group: both killed by SIGUSR2: %d\n",
           WIFSIGNALED(st1) && WTERMSIG(st1) == SIGUSR2 && WIFSIGNALED(st2) &&
               WTERMSIG(st2) == SIGUSR2);
    CHECK("pidfd_send_signal(two scope flags)", pidfd_send_signal(gfd, SIGUSR2, NULL, 3));
    close(gfd);

    int self = pidfd_open(getpid(), 0);
    printf("pidfd_open(self): ok=%d\n", self >= 0);
    CHECK("waitid(P_PIDFD, self)", waitid(P_PIDFD, self, &info, WEXITED | WNOHANG));
    CHECK("pidfd_open(-1)", pidfd_open(-1, 0));
    CHECK("pidfd_open(flags 1)", pidfd_open(getpid(), 1));
    CHECK("pidfd_open(no such pid)", pidfd_open(0x3ffffff0, 0));
    pthread_t th;
    volatile pid_t tid = 0;
    pthread_create(&th, NULL, thread_main, (void *)&tid);
    while (!tid)
        usleep(1000);
    CHECK("pidfd_open(non-leader thread)", pidfd_open(tid, 0));

    /* CLONE_PIDFD from clone3. */
    int pfd = -1;
    struct clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = CLONE_PIDFD;
    ca.pidfd = (uint64_t)(uintptr_t)&pfd;
    ca.exit_signal = SIGCHLD;
    fflush(stdout);
    long r = syscall(SYS_clone3, &ca, sizeof ca);
    if (r == 0)
        _exit(7);
    printf("clone3(CLONE_PIDFD): ok=%d pidfd=%d cloexec=%d\n", r > 0, pfd >= 0,
           (fcntl(pfd, F_GETFD) & FD_CLOEXEC) != 0);
    printf("readable at exit: %d\n", readable(pfd, 5000));
    memset(&info, 0, sizeof info);
    CHECK("waitid(P_PIDFD, clone3 child)", waitid(P_PIDFD, pfd, &info, WEXITED));
    printf("si_pid matches=%d si_code=%d si_status=%d\n", info.si_pid == r, info.si_code,
           info.si_status);

    /* A pidfd that cannot be stored: EFAULT, and no fd is left behind. */
    int probe = dup(0);
    close(probe);
    memset(&ca, 0, sizeof ca);
    ca.flags = CLONE_PIDFD;
    ca.pidfd = 8;
    ca.exit_signal = SIGCHLD;
    fflush(stdout);
    r = syscall(SYS_clone3, &ca, sizeof ca);
    if (r == 0)
        _exit(0);
    printf("clone3(CLONE_PIDFD, bad pidfd pointer): %s\n", r < 0 ? errno_name(errno) : "ok");
    int again = dup(0);
    printf("no fd left behind: %d\n", again == probe);
    close(again);
    if (r > 0)
        waitpid(r, NULL, 0);

    /* clone() puts the pidfd where the parent's tid would go. */
    int cfd = -1;
    fflush(stdout);
    r = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &cfd, 0, 0);
    if (r == 0)
        _exit(3);
    printf("clone(CLONE_PIDFD): ok=%d pidfd=%d\n", r > 0, cfd >= 0);
    waitid(P_PIDFD, cfd, &info, WEXITED);
    printf("si_status=%d\n", info.si_status);
    CHECK("clone(CLONE_PIDFD | CLONE_PARENT_SETTID)",
          syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &cfd, 0, 0));
    pthread_join(th, NULL);
    return 0;
}
