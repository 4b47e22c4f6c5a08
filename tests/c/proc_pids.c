/* /proc/PID of other processes: a child's stat (state, ppid, pgrp),
 * status, cmdline, comm, exe and task/ are visible to its parent; a
 * stopped child shows state T; the directory is listed in /proc and goes
 * away once the child is reaped; a child's threads appear in task/. */
#include "check.h"
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int readfile(const char *path, char *buf, int len) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    return n;
}

/* Field `name:` of /proc/PID/status, value only. */
static void status_field(pid_t pid, const char *name, char *out, int len) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    out[0] = 0;
    if (readfile(path, buf, sizeof buf) < 0)
        return;
    char *p = strstr(buf, name);
    if (!p)
        return;
    p += strlen(name) + 1;
    while (*p == '\t' || *p == ' ')
        p++;
    int i = 0;
    while (p[i] && p[i] != '\n' && i < len - 1) {
        out[i] = p[i];
        i++;
    }
    out[i] = 0;
}

/* State letter, ppid and pgrp from /proc/PID/stat. */
static void stat_fields(pid_t pid, char *state, int *ppid, int *pgrp) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    *state = '?';
    *ppid = *pgrp = -1;
    if (readfile(path, buf, sizeof buf) < 0)
        return;
    char *p = strrchr(buf, ')');
    sscanf(p + 2, "%c %d %d", state, ppid, pgrp);
}

static int listed(pid_t pid) {
    DIR *d = opendir("/proc");
    struct dirent *e;
    int found = 0;
    char want[16];
    snprintf(want, sizeof want, "%d", pid);
    while ((e = readdir(d)))
        if (!strcmp(e->d_name, want))
            found = 1;
    closedir(d);
    return found;
}

static int count_tasks(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void *idle(void *a) {
    (void)a;
    pause();
    return NULL;
}

int main(void) {
    int p[2], ready[2];
    pipe(p);
    pipe(ready);
    pid_t c = fork();
    if (c == 0) {
        prctl(PR_SET_NAME, "pids-child");
        pthread_t t[2];
        pthread_create(&t[0], NULL, idle, NULL);
        pthread_create(&t[1], NULL, idle, NULL);
        write(ready[1], "r", 1);
        char b;
        read(p[0], &b, 1);
        _exit(0);
    }
    char b;
    read(ready[0], &b, 1);
    usleep(100000);
    char state;
    int ppid, pgrp;
    stat_fields(c, &state, &ppid, &pgrp);
    printf("child stat: state=%c ppid is parent=%d pgrp is parent's=%d\n", state,
           ppid == getpid(), pgrp == getpgrp());
    char v[256];
    status_field(c, "Name", v, sizeof v);
    printf("status Name: %s\n", v);
    status_field(c, "State", v, sizeof v);
    printf("status State: %s\n", v);
    status_field(c, "Threads", v, sizeof v);
    printf("status Threads: %s\n", v);
    status_field(c, "PPid", v, sizeof v);
    printf("status PPid is parent: %d\n", atoi(v) == getpid());
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/comm", c);
    readfile(path, buf, sizeof buf);
    printf("comm: %s", buf);
    snprintf(path, sizeof path, "/proc/%d/cmdline", c);
    int n = readfile(path, buf, sizeof buf);
    char own[256];
    int m = readfile("/proc/self/cmdline", own, sizeof own);
    printf("cmdline is ours (fork copies it): %d\n", n > 0 && n == m && !memcmp(buf, own, n));
    char exe1[256] = {0}, exe2[256] = {0};
    snprintf(path, sizeof path, "/proc/%d/exe", c);
    readlink(path, exe1, sizeof exe1 - 1);
    readlink("/proc/self/exe", exe2, sizeof exe2 - 1);
    printf("exe is ours: %d\n", exe1[0] && !strcmp(exe1, exe2));
    printf("task/ entries: %d\n", count_tasks(c));
    printf("listed in /proc: %d\n", listed(c));
    kill(c, SIGSTOP);
    int st;
    waitpid(c, &st, WUNTRACED);
    stat_fields(c, &state, &ppid, &pgrp);
    status_field(c, "State", v, sizeof v);
    printf("stopped: stat state=%c status State: %s\n", state, v);
    kill(c, SIGCONT);
    write(p[1], "x", 1);
    waitpid(c, &st, 0);
    snprintf(path, sizeof path, "/proc/%d/stat", c);
    errno = 0;
    CHECK("open(/proc/<reaped child>/stat)", open(path, O_RDONLY));
    printf("listed after reaping: %d\n", listed(c));
    snprintf(path, sizeof path, "/proc/%d", getpid());
    struct stat sb;
    CHECK("stat(/proc/<own pid>)", stat(path, &sb));
    return 0;
}
