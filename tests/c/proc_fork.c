/* Processes: fork, _exit and the wait status encodings (exit codes 0, 1,
 * 255; deaths by SIGKILL, SIGTERM, a real SIGSEGV fault and abort()),
 * waitpid(-1), waitpid(WNOHANG) before the child exits (pipe handshake),
 * ECHILD for a non-child and for no children at all, waitid siginfo
 * fields (P_PID/P_ALL: si_code CLD_EXITED/CLD_KILLED, si_status, si_pid),
 * memory copied at fork (changes do not propagate either way), inherited
 * descriptors sharing their offset, O_CLOEXEC across execve (the child
 * re-executes /proc/self/exe in a sub-mode), vfork + _exit and vfork +
 * execve, execve errors (ENOENT, EACCES, ENOEXEC), a "#!/bin/sh -e"
 * script, getppid, process groups and sessions (setpgid/getpgid/setsid/
 * getsid), 20 children reaped with wait(), and the status of a process
 * returning 42 from main. Pids are only compared, never printed. Works in
 * a fresh scratch directory under /tmp, removed at the end. */
#include "check.h"

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char scratch[64];
static int global_value = 1;

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f) {
    (void)st, (void)type, (void)f;
    return remove(p);
}

/* "WIFEXITED=1 WEXITSTATUS=n" or "WIFSIGNALED=1 WTERMSIG=n" for a status. */
static void print_status(const char *name, int st) {
    if (WIFEXITED(st))
        printf("%s: WIFEXITED=1 WIFSIGNALED=0 WEXITSTATUS=%d\n", name, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: WIFEXITED=0 WIFSIGNALED=1 WTERMSIG=%d\n", name, WTERMSIG(st));
    else
        printf("%s: other status %#x\n", name, st);
}

/* Waits for pid and prints its status and whether waitpid returned it. */
static void reap(const char *name, pid_t pid) {
    int st = 0;
    pid_t r = waitpid(pid, &st, 0);
    if (r != pid) {
        printf("%s: waitpid -1 %s\n", name, errno_name(errno));
        return;
    }
    print_status(name, st);
}

static void no_core(void) {
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
}

static void statuses(void) {
    int codes[] = {0, 1, 255};
    for (int i = 0; i < 3; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(codes[i]);
        char name[32];
        snprintf(name, sizeof name, "_exit(%d)", codes[i]);
        reap(name, pid);
    }
    int sigs[] = {SIGKILL, SIGTERM};
    for (int i = 0; i < 2; i++) {
        int p[2];
        if (pipe(p) != 0)
            exit(1);
        pid_t pid = fork();
        if (pid == 0) {
            char c;
            close(p[1]);
            read(p[0], &c, 1); /* blocks: the parent keeps the write end */
            _exit(0);
        }
        close(p[0]);
        kill(pid, sigs[i]);
        reap(sigs[i] == SIGKILL ? "killed by SIGKILL" : "killed by SIGTERM", pid);
        close(p[1]);
    }
    pid_t pid = fork();
    if (pid == 0) {
        no_core();
        *(volatile int *)16 = 1;
        _exit(0);
    }
    reap("write to address 16", pid);
    pid = fork();
    if (pid == 0) {
        no_core();
        abort();
    }
    reap("abort()", pid);
}

static void waits(void) {
    int st = 0;
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    pid_t r = waitpid(-1, &st, 0);
    FACT("waitpid(-1) returns the child", r == pid);
    print_status("waitpid(-1)", st);

    int p[2];
    if (pipe(p) != 0)
        exit(1);
    pid = fork();
    if (pid == 0) {
        char c;
        close(p[1]);
        _exit(read(p[0], &c, 1) == 1 ? 3 : 4);
    }
    close(p[0]);
    CHECK("waitpid(WNOHANG) while running", waitpid(pid, &st, WNOHANG));
    write(p[1], "x", 1);
    close(p[1]);
    r = waitpid(pid, &st, 0);
    FACT("waitpid after handshake returns the child", r == pid);
    print_status("handshake child", st);

    /* A grandchild is not our child. */
    int gp[2], hold[2];
    if (pipe(gp) != 0 || pipe(hold) != 0)
        exit(1);
    pid = fork();
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0) {
            char c;
            close(hold[1]);
            read(hold[0], &c, 1);
            _exit(0);
        }
        close(hold[1]);
        write(gp[1], &g, sizeof g);
        waitpid(g, NULL, 0);
        _exit(0);
    }
    pid_t grandchild = 0;
    read(gp[0], &grandchild, sizeof grandchild);
    CHECK("waitpid(grandchild)", waitpid(grandchild, &st, 0));
    CHECK("waitpid(own pid)", waitpid(getpid(), &st, 0));
    close(hold[1]);
    close(hold[0]);
    reap("middle child", pid);
    close(gp[0]);
    close(gp[1]);
    CHECK("wait() without children", wait(&st));
    CHECK("waitpid(-1, WNOHANG) without children", waitpid(-1, &st, WNOHANG));

    siginfo_t si;
    pid = fork();
    if (pid == 0)
        _exit(5);
    memset(&si, 0, sizeof si);
    CHECK("waitid(P_PID, WEXITED)", waitid(P_PID, pid, &si, WEXITED));
    printf("  si_signo=%d si_code_is_CLD_EXITED=%d si_status=%d si_pid_matches=%d\n",
           si.si_signo, si.si_code == CLD_EXITED, si.si_status, si.si_pid == pid);
    if (pipe(p) != 0)
        exit(1);
    pid = fork();
    if (pid == 0) {
        char c;
        close(p[1]);
        read(p[0], &c, 1);
        _exit(0);
    }
    close(p[0]);
    kill(pid, SIGTERM);
    memset(&si, 0, sizeof si);
    CHECK("waitid(P_ALL, WEXITED)", waitid(P_ALL, 0, &si, WEXITED));
    printf("  si_signo=%d si_code_is_CLD_KILLED=%d si_status=%d si_pid_matches=%d\n",
           si.si_signo, si.si_code == CLD_KILLED, si.si_status, si.si_pid == pid);
    close(p[1]);
}

static void memory_and_fds(void) {
    int to_child[2], to_parent[2];
    if (pipe(to_child) != 0 || pipe(to_parent) != 0)
        exit(1);
    global_value = 2;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        int ok = global_value == 2;
        global_value = 3;
        write(to_parent[1], "x", 1);
        read(to_child[0], &c, 1); /* the parent has set its copy to 4 */
        ok = ok && global_value == 3;
        _exit(ok ? 0 : 1);
    }
    char c;
    read(to_parent[0], &c, 1);
    FACT("child's write not seen by parent", global_value == 2);
    global_value = 4;
    write(to_child[1], "x", 1);
    reap("child saw fork-time value, not parent's later write", pid);
    for (int i = 0; i < 2; i++) {
        close(to_child[i]);
        close(to_parent[i]);
    }

    int fd = open("shared", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "0123456789", 10);
    lseek(fd, 2, SEEK_SET);
    pid = fork();
    if (pid == 0) {
        char buf[3];
        int ok = read(fd, buf, 3) == 3 && memcmp(buf, "234", 3) == 0;
        lseek(fd, 4, SEEK_CUR); /* to 9 */
        _exit(ok ? 0 : 1);
    }
    reap("child read inherited fd", pid);
    CHECK("parent offset after child's read+lseek", lseek(fd, 0, SEEK_CUR));
    close(fd);
}

static void cloexec(const char *self) {
    int ce = open("shared", O_RDONLY | O_CLOEXEC);
    int plain = open("shared", O_RDONLY);
    char a[16], b[16];
    snprintf(a, sizeof a, "%d", ce);
    snprintf(b, sizeof b, "%d", plain);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"proc_fork", "fds", a, b, NULL};
        execv(self, argv);
        _exit(99);
    }
    reap("exec'd fd checker", pid);
    close(ce);
    close(plain);
}

static void vforks(const char *self) {
    pid_t pid = vfork();
    if (pid == 0)
        _exit(9);
    FACT("vfork returned a pid", pid > 0);
    reap("vfork + _exit(9)", pid);
    pid = vfork();
    if (pid == 0) {
        char *argv[] = {"proc_fork", "exit", "17", NULL};
        execv(self, argv);
        _exit(99);
    }
    reap("vfork + execve(exit 17)", pid);
}

static void exec_errors(void) {
    char *argv[] = {"x", NULL};
    char *envp[] = {NULL};
    CHECK("execve(missing)", execve("/nonexistent/prog", argv, envp));
    int fd = open("noexec", O_WRONLY | O_CREAT, 0644);
    write(fd, "#!/bin/sh\nexit 0\n", 17);
    close(fd);
    CHECK("execve(mode 0644)", execve("noexec", argv, envp));
    fd = open("garbage", O_WRONLY | O_CREAT, 0755);
    write(fd, "\x01\x02garbage that is no executable\n", 33);
    close(fd);
    CHECK("execve(garbage, mode 0755)", execve("garbage", argv, envp));
    CHECK("execve(directory)", execve("/tmp", argv, envp));

    fd = open("script", O_WRONLY | O_CREAT, 0755);
    const char *s = "#!/bin/sh -e\ncase $- in *e*) e=1;; *) e=0;; esac\n"
                    "echo \"script: 0=${0##*/} 1=$1 errexit=$e\"\nexit 3\n";
    write(fd, s, strlen(s));
    close(fd);
    pid_t pid = fork();
    if (pid == 0) {
        char *sargv[] = {"script", "hello", NULL};
        execve("script", sargv, envp);
        _exit(99);
    }
    reap("shebang script", pid);
}

static void groups(void) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        _exit(getppid() == parent ? 0 : 1);
    reap("child getppid() == parent getpid()", pid);

    pid_t my_sid = getsid(0);
    pid = fork();
    if (pid == 0) {
        FACT("child inherits session", getsid(0) == my_sid);
        CHECK("child setpgid(0,0)", setpgid(0, 0));
        FACT("  getpgid(0) == getpid()", getpgid(0) == getpid());
        CHECK("  setsid() as group leader", setsid());
        _exit(0);
    }
    reap("group leader child", pid);

    pid = fork();
    if (pid == 0) {
        pid_t me = getpid();
        FACT("child setsid() returns its pid", setsid() == me);
        FACT("  getsid(0) == getpid()", getsid(0) == me);
        FACT("  getpgid(0) == getpid()", getpgid(0) == me);
        FACT("  session differs from parent's", getsid(0) != my_sid);
        CHECK("  second setsid()", setsid());
        CHECK("  setpgid(0,0) as session leader", setpgid(0, 0));
        _exit(0);
    }
    reap("setsid child", pid);

    int p[2];
    if (pipe(p) != 0)
        exit(1);
    pid = fork();
    if (pid == 0) {
        char c;
        close(p[1]);
        read(p[0], &c, 1);
        _exit(getpgid(0) == getpid() ? 0 : 1);
    }
    close(p[0]);
    FACT("child starts in parent's group", getpgid(pid) == getpgid(0));
    CHECK("parent setpgid(child, child)", setpgid(pid, pid));
    FACT("getpgid(child) == child", getpgid(pid) == pid);
    CHECK("setpgid(child, bogus group)", setpgid(pid, 0x3ffffff0));
    CHECK("setpgid(-1, 0)", setpgid(-1, 0));
    CHECK("setpgid(nonexistent, 0)", setpgid(0x3ffffff0, 0));
    CHECK("getpgid(nonexistent)", getpgid(0x3ffffff0));
    CHECK("getsid(nonexistent)", getsid(0x3ffffff0));
    write(p[1], "x", 1);
    close(p[1]);
    reap("child moved to own group sees it", pid);
}

static void many_children(void) {
    int sum = 0, reaped = 0, st;
    for (int i = 0; i < 20; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(i);
        if (pid < 0)
            printf("fork %d: -1 %s\n", i, errno_name(errno));
    }
    while (wait(&st) > 0) {
        reaped++;
        sum += WEXITSTATUS(st);
    }
    printf("children reaped: %d, exit codes sum %d, then %s\n", reaped, sum, errno_name(errno));
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "exit") == 0)
        _exit(atoi(argv[2]));
    if (argc == 2 && strcmp(argv[1], "ret42") == 0)
        return 42;
    if (argc == 4 && strcmp(argv[1], "fds") == 0) {
        CHECK("after exec: O_CLOEXEC fd F_GETFD", fcntl(atoi(argv[2]), F_GETFD));
        CHECK("after exec: plain fd F_GETFD", fcntl(atoi(argv[3]), F_GETFD));
        return 0;
    }
    const char *self = "/proc/self/exe";
    strcpy(scratch, "/tmp/proc_fork.XXXXXX");
    if (!mkdtemp(scratch) || chdir(scratch) != 0) {
        perror("scratch");
        return 1;
    }
    statuses();
    waits();
    memory_and_fds();
    cloexec(self);
    vforks(self);
    exec_errors();
    groups();
    many_children();
    pid_t pid = fork();
    if (pid == 0) {
        char *a[] = {"proc_fork", "ret42", NULL};
        execv(self, a);
        _exit(99);
    }
    reap("return 42 from main", pid);
    if (chdir("/") != 0 || nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        perror("cleanup");
    return 0;
}
