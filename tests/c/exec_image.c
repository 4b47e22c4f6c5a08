/* Each exec of a program starts from the file's bytes: initialized data
 * another run changed, and .bss it wrote, are fresh again; and a program
 * file rewritten in place runs its new bytes (the sandbox shares segment
 * images between execs of one file version). */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int counter = 5;
static char zeros[20000];
static const char *volatile marker = "EXEC_IMAGE_MARKER_AAAA";

static int child(void) {
    int bss_zero = 1;
    for (size_t i = 0; i < sizeof zeros; i++)
        if (zeros[i])
            bss_zero = 0;
    printf("counter=%d bss_zero=%d marker=%s\n", counter, bss_zero, marker + 18);
    counter += 100;
    memset(zeros, 0x5a, sizeof zeros);
    return 0;
}

static void run(const char *path) {
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        execl(path, path, "child", (char *)NULL);
        printf("exec %s: %s\n", path, errno_name(errno));
        _exit(1);
    }
    int st;
    waitpid(p, &st, 0);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child();
    for (int i = 0; i < 3; i++)
        run("/proc/self/exe");

    char dir[] = "/tmp/exec_image.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char copy[64];
    snprintf(copy, sizeof copy, "%s/prog", dir);
    int in = open("/proc/self/exe", O_RDONLY);
    int out = open(copy, O_CREAT | O_RDWR | O_TRUNC, 0755);
    static char buf[1 << 16];
    ssize_t n;
    off_t at = -1, pos = 0;
    char pat[32];
    strcpy(pat, "EXEC_IMAGE_MARKER_");
    strcat(pat, "AAAA");
    size_t plen = strlen(pat);
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (write(out, buf, n) != n) {
            perror("write");
            return 1;
        }
        for (ssize_t i = 0; at < 0 && i + (ssize_t)plen <= n; i++)
            if (memcmp(buf + i, pat, plen) == 0)
                at = pos + i;
        pos += n;
    }
    close(in);
    printf("marker found in the file: %d\n", at >= 0);
    close(out);
    run(copy);
    run(copy);
    /* Rewrite the marker in place: same size, new bytes. */
    out = open(copy, O_WRONLY);
    if (at >= 0 && pwrite(out, "BBBB", 4, at + 18) != 4)
        perror("pwrite");
    close(out);
    run(copy);
    unlink(copy);
    rmdir(dir);
    return 0;
}
