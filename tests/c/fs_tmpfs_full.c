/* A size-limited tmpfs (size=2m, mounted at argv[1]): pages count from
 * their first write or fallocate until the file shrinks past them or is
 * removed; holes are free; a write that does not fit stops short at a page
 * boundary, then fails with ENOSPC; fallocate takes all or nothing. */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define PAGE 4096L
#define MB (1024L * 1024L)

static const char *dir;

static long used_pages(void) {
    struct statvfs vs;
    if (statvfs(dir, &vs) != 0) {
        perror("statvfs");
        exit(1);
    }
    return (long)(vs.f_blocks - vs.f_bfree) * (long)vs.f_frsize / PAGE;
}

static int create(const char *name) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    return fd;
}

static void rm(const char *name) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

/* Writes `total` bytes in `chunk`-sized writes until one fails; prints
 * how far it got and how it ended. */
static void fill(const char *label, int fd, long total, long chunk) {
    static char buf[1 << 16];
    memset(buf, 'x', sizeof buf);
    long done = 0;
    ssize_t n = 0;
    while (done < total) {
        long want = total - done < chunk ? total - done : chunk;
        n = write(fd, buf, want);
        if (n <= 0)
            break;
        done += n;
    }
    printf("%s: wrote %ld KiB", label, done / 1024);
    if (n < 0)
        printf(", then %s", errno_name(errno));
    printf("; used %ld pages\n", used_pages());
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: fs_tmpfs_full DIR (a tmpfs with size=2m)\n");
        return 2;
    }
    dir = argv[1];
    struct statvfs vs;
    if (statvfs(dir, &vs) != 0) {
        perror(dir);
        return 1;
    }
    printf("size: %ld KiB, used %ld pages\n", (long)(vs.f_blocks * vs.f_frsize / 1024),
           used_pages());

    int a = create("a");
    fill("1 MiB into a", a, MB, 1 << 16);
    int b = create("b");
    fill("2 MiB into b", b, 2 * MB, 1 << 16);
    CHECK("write 1 byte more", write(b, "y", 1));
    CHECK("ftruncate(b, 512 KiB)", ftruncate(b, 512 * 1024));
    printf("after shrinking b: used %ld pages\n", used_pages());

    /* A write across the last free page stops at that page's end. */
    lseek(b, 0, SEEK_END);
    fill("fill b in 4 KiB writes", b, 2 * MB, PAGE);
    CHECK("ftruncate(b, 1 MiB - 2 pages + 100)", ftruncate(b, MB - 2 * PAGE + 100));
    printf("used %ld pages\n", used_pages());
    lseek(b, 0, SEEK_END);
    static char big[3 * PAGE];
    CHECK("write 12 KiB with one page and a bit free", write(b, big, sizeof big));
    printf("used %ld pages\n", used_pages());

    /* Holes cost nothing; a byte in one costs a page. */
    CHECK("ftruncate(a, 0)", ftruncate(a, 0));
    printf("after emptying a: used %ld pages\n", used_pages());
    CHECK("ftruncate(a, 100 MiB)", ftruncate(a, 100 * MB));
    printf("sparse 100 MiB a: used %ld pages\n", used_pages());
    CHECK("pwrite 1 byte at 50 MiB", pwrite(a, "z", 1, 50 * MB));
    printf("used %ld pages\n", used_pages());
    char c = 0;
    CHECK("pread at 40 MiB (a hole)", pread(a, &c, 1, 40 * MB));
    printf("hole reads %d\n", c);

    /* fallocate takes all of its range or nothing. */
    int f = create("f");
    CHECK("fallocate 3 MiB", fallocate(f, 0, 0, 3 * MB));
    printf("used %ld pages\n", used_pages());
    CHECK("fallocate 256 KiB", fallocate(f, 0, 0, 256 * 1024));
    struct stat st;
    fstat(f, &st);
    printf("f size %ld KiB; used %ld pages\n", (long)st.st_size / 1024, used_pages());
    CHECK("fallocate KEEP_SIZE 64 KiB past the end",
          fallocate(f, FALLOC_FL_KEEP_SIZE, 256 * 1024, 64 * 1024));
    fstat(f, &st);
    printf("f size %ld KiB; used %ld pages\n", (long)st.st_size / 1024, used_pages());

    close(a);
    close(b);
    close(f);
    rm("a");
    rm("b");
    rm("f");
    printf("all removed: used %ld pages\n", used_pages());
    return 0;
}
