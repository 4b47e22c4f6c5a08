/* Mappings of files on a noexec mount (argv[1]) and on an ordinary one
 * (argv[2]): mmap with PROT_EXEC fails with EPERM on the first, and
 * mprotect cannot add PROT_EXEC to a mapping of it (EACCES); both work on
 * the second. */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

static void probe(const char *label, const char *dir) {
    char path[256];
    snprintf(path, sizeof path, "%s/mm_noexec.bin", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0755);
    if (fd < 0 || ftruncate(fd, 4096) != 0) {
        perror(path);
        exit(1);
    }
    printf("%s:\n", label);
    void *x = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    report_ok("  mmap(PROT_READ|PROT_EXEC, MAP_PRIVATE)", x == MAP_FAILED ? -1 : 0, errno);
    if (x != MAP_FAILED)
        munmap(x, 4096);
    void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    report_ok("  mmap(PROT_READ, MAP_PRIVATE)", p == MAP_FAILED ? -1 : 0, errno);
    CHECK("  mprotect(+PROT_EXEC)", mprotect(p, 4096, PROT_READ | PROT_EXEC));
    CHECK("  mprotect(+PROT_WRITE)", mprotect(p, 4096, PROT_READ | PROT_WRITE));
    void *s = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK("  shared: mprotect(+PROT_EXEC)", mprotect(s, 4096, PROT_READ | PROT_EXEC));
    munmap(p, 4096);
    munmap(s, 4096);
    close(fd);
    unlink(path);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: mm_noexec NOEXEC_DIR PLAIN_DIR\n");
        return 2;
    }
    probe("noexec", argv[1]);
    probe("plain", argv[2]);
    return 0;
}
