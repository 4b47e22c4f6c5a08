/* A terminal on stdin (the test runs it under script(1), natively and in
 * the sandbox): ttyname, isatty, the controlling terminal's session and
 * foreground group, TIOCSPGRP/TIOCSCTTY/TIOCNOTTY rules, /dev/tty, and
 * what a new session loses. Names are normalized (the pty number differs). */
#include "check.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>

int main(void) {
    char name[64] = "";
    printf("isatty(0): %d\n", isatty(0));
    if (ttyname_r(0, name, sizeof name) == 0)
        printf("ttyname(0) is /dev/pts/N: %d\n", strncmp(name, "/dev/pts/", 9) == 0);
    else
        printf("ttyname(0): %s\n", errno_name(errno));
    struct stat a, b;
    printf("fstat(0) matches stat(ttyname): %d\n",
           fstat(0, &a) == 0 && stat(name, &b) == 0 && a.st_ino == b.st_ino &&
               a.st_rdev == b.st_rdev && S_ISCHR(a.st_mode));
    printf("tcgetpgrp(0) == getpgrp(): %d\n", tcgetpgrp(0) == getpgrp());
    printf("tcgetsid(0) == getsid(0): %d\n", tcgetsid(0) == getsid(0));
    struct termios tio;
    CHECK_OK("tcgetattr", tcgetattr(0, &tio));
    CHECK_OK("tcsetattr(same)", tcsetattr(0, TCSANOW, &tio));
    int fd = open("/dev/tty", O_RDWR);
    printf("open(/dev/tty): %s\n", fd >= 0 ? "ok" : errno_name(errno));
    if (fd >= 0) {
        printf("  /dev/tty isatty: %d\n", isatty(fd));
        printf("  /dev/tty tcgetpgrp == getpgrp(): %d\n", tcgetpgrp(fd) == getpgrp());
        close(fd);
    }
    /* Not a terminal. */
    int p[2];
    pipe(p);
    CHECK("tcgetpgrp(pipe)", tcgetpgrp(p[0]));
    CHECK("TIOCSCTTY(pipe)", ioctl(p[0], TIOCSCTTY, 0));
    /* Another group of the session may become the foreground; a group
     * that does not exist may not. */
    CHECK("tcsetpgrp(0, no such group)", tcsetpgrp(0, 999999));
    CHECK("tcsetpgrp(0, -1)", tcsetpgrp(0, -1));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        /* A background group changing the foreground gets SIGTTOU unless
         * it ignores it. */
        signal(SIGTTOU, SIG_IGN);
        CHECK("child: tcsetpgrp(0, own group)", tcsetpgrp(0, getpgrp()));
        printf("child: now foreground: %d\n", tcgetpgrp(0) == getpgrp());
        CHECK("child: TIOCSCTTY as non-leader", ioctl(0, TIOCSCTTY, 0));
        fflush(stdout);
        pid_t g = fork();
        if (g == 0) {
            setsid();
            printf("grandchild after setsid: tcgetpgrp(0): %s\n",
                   tcgetpgrp(0) < 0 ? errno_name(errno) : "a group");
            fd = open("/dev/tty", O_RDWR);
            printf("grandchild after setsid: open(/dev/tty): %s\n",
                   fd >= 0 ? "ok" : errno_name(errno));
            CHECK("grandchild: TIOCSCTTY held by another session", ioctl(0, TIOCSCTTY, 0));
            _exit(0);
        }
        waitpid(g, NULL, 0);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    signal(SIGTTOU, SIG_IGN);
    CHECK("tcsetpgrp(0, back to own)", tcsetpgrp(0, getpgrp()));
    printf("foreground again: %d\n", tcgetpgrp(0) == getpgrp());
    return 0;
}
