/* Standard streams: fully buffered stdio output of more than 4 KiB (so the
 * buffer flushes several times), writev with a zero-length iovec, large
 * single writes, fstat of the three standard fds (stdin is /dev/null,
 * stdout and stderr are pipes, both natively and in the sandbox), and
 * reads at end of file. */
#define CHECK_KEEP_STDIO_BUFFERING
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <termios.h>

static const char *kind(mode_t m) {
    if (S_ISFIFO(m))
        return "fifo";
    if (S_ISREG(m))
        return "regular";
    if (S_ISCHR(m))
        return "char";
    if (S_ISSOCK(m))
        return "socket";
    if (S_ISDIR(m))
        return "dir";
    return "other";
}

static void describe(int fd) {
    struct stat st;
    memset(&st, 0xff, sizeof st);
    char name[32];
    snprintf(name, sizeof name, "fstat(%d)", fd);
    /* Raw fstat: glibc 2.33+ turns fstat into newfstatat(AT_EMPTY_PATH). */
    CHECK(name, syscall(SYS_fstat, fd, &st));
    fprintf(stdout, "fd %d: %s S_ISFIFO=%d S_ISREG=%d nlink_ok=%d\n", fd, kind(st.st_mode),
            S_ISFIFO(st.st_mode), S_ISREG(st.st_mode), st.st_nlink >= 1);
    if (S_ISCHR(st.st_mode))
        printf("fd %d: rdev %u:%u\n", fd, major(st.st_rdev), minor(st.st_rdev));
    struct stat st2;
    snprintf(name, sizeof name, "newfstatat(%d, \"\")", fd);
    CHECK(name, syscall(SYS_newfstatat, fd, "", &st2, AT_EMPTY_PATH));
    printf("fd %d: fstat and newfstatat agree: %d\n", fd,
           st.st_mode == st2.st_mode && st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    printf("fd %d: isatty=%d\n", fd, isatty(fd));
}

int main(void) {
    /* Fully buffered with a small buffer: many flushes. */
    static char buf[1024];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    for (int i = 0; i < 300; i++)
        printf("line %03d: the quick brown fox jumps over the lazy dog\n", i);
    fflush(stdout);

    /* writev with three iovecs, the middle one empty. */
    char a[] = "writev: first,", b[] = "never printed", c[] = " third\n";
    struct iovec iov[3] = {{a, strlen(a)}, {b, 0}, {c, strlen(c)}};
    long n = writev(1, iov, 3);
    printf("writev returned %ld (expected %zu)\n", n, strlen(a) + strlen(c));
    fflush(stdout);
    CHECK("writev(iovcnt 0)", writev(1, iov, 0));
    CHECK("write(len 0)", write(1, a, 0));
    fflush(stdout);

    /* One 48 KiB write: under a pipe's capacity, so it is never split. */
    size_t len = 48 << 10;
    char *big = malloc(len);
    for (size_t i = 0; i < len; i++)
        big[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
    n = write(1, big, len);
    printf("\nbig write returned %ld\n", n);
    /* fwrite of 200 KiB goes out in pieces; all of it arrives. */
    char *bigger = malloc(200 << 10);
    for (size_t i = 0; i < (200 << 10); i++)
        bigger[i] = (i % 80 == 79) ? '\n' : (char)('A' + i % 26);
    printf("fwrite returned %zu\n", fwrite(bigger, 1, 200 << 10, stdout));
    fflush(stdout);

    describe(0);
    describe(1);
    describe(2);
    fflush(stdout);

    /* stdin is /dev/null: reads are at end of file. */
    char in[16];
    CHECK("read(0)", read(0, in, sizeof in));
    struct iovec riov[2] = {{in, 8}, {in + 8, 8}};
    CHECK("readv(0)", readv(0, riov, 2));
    int ch = getchar();
    printf("getchar at EOF: %d feof=%d\n", ch, feof(stdin));

    /* stderr is unbuffered and separate from stdout. */
    fprintf(stderr, "to stderr: %d\n", 42);
    struct winsize ws;
    CHECK("ioctl(1, TIOCGWINSZ)", ioctl(1, TIOCGWINSZ, &ws));
    struct termios t;
    CHECK("tcgetattr(0)", tcgetattr(0, &t));
    printf("done\n");
    return 0;
}
