/* A rename race against path walks, run as / of a small root filesystem:
 * a child process keeps moving directory /a/b/c between /a/b/c and /c
 * (one level up and back) while the parent keeps opening
 * "/a/b/c/../../../../secret" and "c/../../secret" relative to a held
 * directory fd. Whatever the interleaving, ".." never leaves the root, so
 * the host file next to the root filesystem is never opened. Prints how
 * many opens found a "secret" (0 expected) and that both sides ran. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    mkdir("/a", 0755);
    mkdir("/a/b", 0755);
    mkdir("/a/b/c", 0755);
    pid_t p = fork();
    if (p == 0) {
        for (int i = 0; i < 2000; i++) {
            rename("/a/b/c", "/c");
            rename("/c", "/a/b/c");
        }
        _exit(0);
    }
    int dirfd = open("/a/b", O_RDONLY | O_DIRECTORY);
    int found = 0, tries = 0;
    for (int i = 0; i < 2000; i++) {
        int fd = open("/a/b/c/../../../../secret", O_RDONLY);
        if (fd >= 0) {
            found++;
            close(fd);
        }
        fd = openat(dirfd, "c/../../../secret", O_RDONLY);
        if (fd >= 0) {
            found++;
            close(fd);
        }
        tries += 2;
    }
    int st;
    waitpid(p, &st, 0);
    printf("tries=%d found=%d child_ok=%d\n", tries, found, WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return 0;
}
