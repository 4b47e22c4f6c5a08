/* Special files: the /dev character devices (null, zero, full, random,
 * urandom), /dev/fd/N and /dev/stdin (which reopen the file: a new offset),
 * and the /proc and /sys files programs commonly read: /proc/self/exe,
 * fd, cwd, stat, status, cmdline, maps and mounts, /proc/meminfo,
 * /proc/cpuinfo, /proc/sys/kernel/ostype, /proc/filesystems and
 * /sys/devices/system/cpu/online. Values that differ between hosts and the
 * sandbox are printed as booleans. Run with stdin from /dev/null (it is
 * stat'ed as 1,3). */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static char filebuf[1 << 16];

/* Reads a whole (small) file into filebuf; returns its length or -1
 * (filebuf then empty). */
static long slurp(const char *path) {
    filebuf[0] = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = 0, r;
    while (n < (long)sizeof filebuf - 1 && (r = read(fd, filebuf + n, sizeof filebuf - 1 - n)) > 0)
        n += r;
    close(fd);
    filebuf[n] = 0;
    return n;
}

static int all_bytes(const char *p, size_t n, char c) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != c)
            return 0;
    return 1;
}

static void devices(void) {
    char buf[64];
    int fd = open("/dev/null", O_RDWR);
    CHECK("read(/dev/null)", read(fd, buf, sizeof buf));
    CHECK("write(/dev/null)", write(fd, "discard", 7));
    CHECK("lseek(/dev/null, 100)", lseek(fd, 100, SEEK_SET));
    CHECK("pread(/dev/null)", pread(fd, buf, 8, 0));
    close(fd);

    fd = open("/dev/zero", O_RDWR);
    memset(buf, 'x', sizeof buf);
    CHECK("read(/dev/zero)", read(fd, buf, sizeof buf));
    FACT("zero_reads_zeros", all_bytes(buf, sizeof buf, 0));
    CHECK("write(/dev/zero)", write(fd, "abc", 3));
    close(fd);

    fd = open("/dev/full", O_RDWR);
    CHECK("write(/dev/full)", write(fd, "abc", 3));
    memset(buf, 'x', sizeof buf);
    CHECK("read(/dev/full)", read(fd, buf, 16));
    FACT("full_reads_zeros", all_bytes(buf, 16, 0));
    close(fd);

    for (int i = 0; i < 2; i++) {
        const char *path = i ? "/dev/random" : "/dev/urandom";
        char label[64];
        fd = open(path, O_RDONLY);
        snprintf(label, sizeof label, "read(%s, 16)", path);
        CHECK(label, read(fd, buf, 16));
        close(fd);
    }

    struct stat st;
    const char *devs[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"};
    for (int i = 0; i < 5; i++) {
        if (stat(devs[i], &st) != 0) {
            printf("stat(%s): -1 %s\n", devs[i], errno_name(errno));
            continue;
        }
        printf("%s: chr=%d %u,%u mode=%o\n", devs[i], S_ISCHR(st.st_mode), major(st.st_rdev),
               minor(st.st_rdev), st.st_mode & 0777);
    }
}

static void fd_links(void) {
    char path[64], buf[16] = {0};
    int fd = open("/proc/self/exe", O_RDONLY);
    CHECK("read(own binary, 4)", read(fd, buf, 4));
    FACT("elf_magic", memcmp(buf, "\177ELF", 4) == 0);
    /* /dev/fd/N opens the file anew, with its own offset. */
    snprintf(path, sizeof path, "/dev/fd/%d", fd);
    int again = open(path, O_RDONLY);
    CHECK("open(/dev/fd/N) >= 0", again >= 0);
    FACT("dev_fd_new_descriptor", again != fd);
    CHECK("offset of the reopened file", lseek(again, 0, SEEK_CUR));
    CHECK("offset of the original", lseek(fd, 0, SEEK_CUR));
    struct stat a, b;
    fstat(fd, &a), fstat(again, &b);
    FACT("dev_fd_same_inode", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    close(again);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    char link[PATH_MAX] = {0}, link2[PATH_MAX] = {0};
    readlink(path, link, sizeof link - 1);
    readlink("/proc/self/exe", link2, sizeof link2 - 1);
    FACT("proc_fd_link_is_exe", strcmp(link, link2) == 0);
    close(fd);

    fd = open("/dev/stdin", O_RDONLY);
    CHECK("open(/dev/stdin) >= 0", fd >= 0);
    CHECK("read(/dev/stdin)", read(fd, buf, sizeof buf));
    fstat(fd, &a);
    printf("/dev/stdin: chr=%d %u,%u\n", S_ISCHR(a.st_mode), major(a.st_rdev), minor(a.st_rdev));
    close(fd);
    CHECK("open(/dev/fd/999)", open("/dev/fd/999", O_RDONLY));
    struct stat st;
    CHECK("lstat(/dev/fd) is symlink or dir", lstat("/dev/fd", &st) == 0 && (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)));
}

static void proc_self(const char *argv0, int argc, char **argv) {
    char link[PATH_MAX] = {0}, real[PATH_MAX] = {0}, cwd[PATH_MAX] = {0};
    CHECK_OK("readlink(/proc/self/exe)", readlink("/proc/self/exe", link, sizeof link - 1));
    FACT("exe_is_realpath_of_argv0", realpath(argv0, real) && strcmp(link, real) == 0);

    int known = open("/proc/self/status", O_RDONLY);
    printf("known fd: %d\n", known);
    DIR *d = opendir("/proc/self/fd");
    int fds[64], n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' && n < 64)
            fds[n++] = atoi(e->d_name);
    printf("dirfd of the listing: %d\n", d ? dirfd(d) : -1);
    if (d)
        closedir(d);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (fds[j] < fds[i]) {
                int t = fds[i];
                fds[i] = fds[j];
                fds[j] = t;
            }
    printf("/proc/self/fd:");
    for (int i = 0; i < n; i++)
        printf(" %d", fds[i]);
    printf("\n");
    close(known);

    memset(link, 0, sizeof link);
    CHECK_OK("readlink(/proc/self/cwd)", readlink("/proc/self/cwd", link, sizeof link - 1));
    FACT("cwd_link_is_getcwd", getcwd(cwd, sizeof cwd) && strcmp(link, cwd) == 0);
    CHECK("chdir(/proc/self/cwd)", chdir("/proc/self/cwd"));

    CHECK_OK("read(/proc/self/stat)", slurp("/proc/self/stat"));
    char *paren = strrchr(filebuf, ')');
    printf("stat state: %c\n", paren && paren[1] == ' ' ? paren[2] : '?');
    FACT("stat_pid_is_getpid", atoi(filebuf) == getpid());

    CHECK_OK("read(/proc/self/status)", slurp("/proc/self/status"));
    const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
    char *name = strstr(filebuf, "Name:\t");
    char want[64];
    snprintf(want, sizeof want, "Name:\t%.15s\n", base);
    FACT("status_name_is_program", name == filebuf && strncmp(name, want, strlen(want)) == 0);
    FACT("status_has_pid", strstr(filebuf, "\nPid:\t") != NULL);

    long len = slurp("/proc/self/cmdline");
    char expect[4096];
    long m = 0;
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]) + 1;
        memcpy(expect + m, argv[i], l);
        m += l;
    }
    FACT("cmdline_is_argv", len == m && memcmp(filebuf, expect, m) == 0);

    CHECK_OK("read(/proc/self/maps)", slurp("/proc/self/maps"));
    FACT("maps_has_executable", real[0] && strstr(filebuf, real) != NULL);
    FACT("maps_has_stack", strstr(filebuf, "[stack]") != NULL);
    CHECK_OK("read(/proc/self/mounts)", slurp("/proc/self/mounts"));
    FACT("mounts_nonempty", filebuf[0] != 0);
    CHECK_OK("read(/proc/self/comm)", slurp("/proc/self/comm"));
    snprintf(want, sizeof want, "%.15s\n", base);
    FACT("comm_is_program", strcmp(filebuf, want) == 0);
}

static void proc_and_sys(void) {
    CHECK_OK("read(/proc/meminfo)", slurp("/proc/meminfo"));
    FACT("meminfo_has_MemTotal", strncmp(filebuf, "MemTotal:", 9) == 0);
    CHECK_OK("read(/proc/cpuinfo)", slurp("/proc/cpuinfo"));
    FACT("cpuinfo_has_processor", strncmp(filebuf, "processor", 9) == 0);
    CHECK("read(/proc/sys/kernel/ostype)", slurp("/proc/sys/kernel/ostype"));
    printf("ostype: %s", filebuf);
    CHECK_OK("read(/proc/filesystems)", slurp("/proc/filesystems"));
    FACT("filesystems_has_tmpfs", strstr(filebuf, "\ttmpfs\n") != NULL);
    CHECK_OK("read(/sys/devices/system/cpu/online)", slurp("/sys/devices/system/cpu/online"));
    size_t l = strlen(filebuf);
    FACT("cpu_online_format", l > 1 && filebuf[l - 1] == '\n' && strspn(filebuf, "0123456789,-") == l - 1);
    CHECK("open(/proc/self/nonexistent)", open("/proc/self/nonexistent", O_RDONLY));
    /* Root may open a read-only proc file for writing, but not write it;
     * sysctl files check their mode even for root. */
    int fd = open("/proc/self/status", O_WRONLY);
    CHECK("open(/proc/self/status, O_WRONLY) >= 0", fd >= 0);
    CHECK("write(it)", write(fd, "x", 1));
    close(fd);
    CHECK("creat(/proc/newfile)", open("/proc/newfile", O_CREAT | O_WRONLY, 0644));
    CHECK("open(/proc/sys/kernel/ostype, O_WRONLY)", open("/proc/sys/kernel/ostype", O_WRONLY));
    struct stat st;
    CHECK("stat(/proc/self) is dir", stat("/proc/self", &st) == 0 && S_ISDIR(st.st_mode));
    CHECK("lstat(/proc/self) is symlink", lstat("/proc/self", &st) == 0 && S_ISLNK(st.st_mode));
    char link[64] = {0}, pid[32];
    readlink("/proc/self", link, sizeof link - 1);
    snprintf(pid, sizeof pid, "%d", getpid());
    FACT("proc_self_is_pid", strcmp(link, pid) == 0);
}

int main(int argc, char **argv) {
    /* Descriptor numbers are printed: start from just 0, 1 and 2 even if
     * the native run inherited more. */
    for (int i = 3; i < 1024; i++)
        close(i);
    devices();
    fd_links();
    proc_self(argv[0], argc, argv);
    proc_and_sys();
    return 0;
}
