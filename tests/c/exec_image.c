/* Each exec of a program starts from the file's bytes: initialized data
 * another run changed, and .bss it wrote, are fresh again; and a program
 * file rewritten in place runs its new bytes (the sandbox shares segment
 * images between execs of one file version). */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
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

/* Private mappings of `path`: a write stays in its own mapping, a later
 * mapping and MADV_DONTNEED give the file's bytes again. */
static void private_maps(const char *label, const char *path) {
    int fd = open(path, O_RDONLY);
    char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    char *b = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
    if (fd < 0 || a == MAP_FAILED || b == MAP_FAILED) {
        printf("%s: map failed: %s\n", label, errno_name(errno));
        return;
    }
    char first = a[1];
    a[1] = 'Z';
    char *c = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("%s: ELF magic %.3s; write seen by itself %d, by another mapping %d, by a new one %d\n",
           label, b + 1, a[1] == 'Z', b[1] == 'Z', c[1] == 'Z');
    madvise(a, 4096, MADV_DONTNEED);
    printf("%s: after MADV_DONTNEED the file's byte is back: %d\n", label, a[1] == first);
    munmap(a, 8192);
    munmap(b, 8192);
    munmap(c, 4096);
    close(fd);
}

/* The marker's bytes as a private mapping of `path` shows them. */
static void mapped_marker(const char *path, off_t at) {
    int fd = open(path, O_RDONLY);
    off_t page = at & ~4095L;
    char *m = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, page);
    if (m == MAP_FAILED) {
        printf("map at the marker: %s\n", errno_name(errno));
        close(fd);
        return;
    }
    printf("mapped marker: %.4s\n", m + (at - page) + 18);
    munmap(m, 8192);
    close(fd);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child();
    private_maps("own file", "/proc/self/exe");
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
    private_maps("copy", copy);
    if (at >= 0)
        mapped_marker(copy, at);
    /* Rewrite the marker in place: same size, new bytes. */
    out = open(copy, O_WRONLY);
    if (at >= 0 && pwrite(out, "BBBB", 4, at + 18) != 4)
        perror("pwrite");
    close(out);
    run(copy);
    if (at >= 0)
        mapped_marker(copy, at);
    unlink(copy);
    rmdir(dir);
    return 0;
}
