/* Lists a directory of 1000 files a hundred times, from two threads.
 * Freeing the sentry's big directory listings made glibc malloc shrink a
 * thread arena's heap, which reads /proc/sys/vm/overcommit_memory the
 * first time: under the sentry's seccomp allowlist that killed the
 * sandbox (tests/tests/confinement.rs). Prints what it counted. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FILES 1000
#define ROUNDS 50

static char dir[] = "/tmp/listdir.XXXXXX";

static long entries(void) {
    static __thread char buf[32768];
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    long n = 0, r;
    while ((r = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
        for (long off = 0; off < r; off += *(unsigned short *)(buf + off + 16))
            n++;
    close(fd);
    return r < 0 ? -1 : n;
}

static void *lister(void *arg) {
    long *count = arg;
    for (int i = 0; i < ROUNDS; i++) {
        long n = entries();
        if (n != FILES + 2)
            return NULL;
        (*count)++;
    }
    return NULL;
}

int main(void) {
    char path[64];
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    for (int i = 0; i < FILES; i++) {
        snprintf(path, sizeof path, "%s/f%04d", dir, i);
        close(open(path, O_CREAT | O_WRONLY, 0644));
    }
    long a = 0, b = 0;
    pthread_t t;
    pthread_create(&t, NULL, lister, &a);
    lister(&b);
    pthread_join(t, NULL);
    printf("entries per listing: %ld, listings: %ld\n", entries(), a + b);
    for (int i = 0; i < FILES; i++) {
        snprintf(path, sizeof path, "%s/f%04d", dir, i);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}
