/* FIFOs created with mknod/mkfifo: non-blocking opens, O_RDWR, data
 * through the FIFO, and what stat says. (Blocking opens that wait for the
 * other end need a second process and are not checked here.) */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    char dir[64] = "/tmp/fs_fifo.XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) {
        perror("scratch");
        return 1;
    }
    CHECK("mkfifo", mkfifo("f", 0644));
    CHECK("mknod(S_IFIFO)", mknod("g", S_IFIFO | 0600, 0));
    struct stat st;
    CHECK("stat", stat("f", &st));
    printf("S_ISFIFO=%d mode=%o size=%ld\n", S_ISFIFO(st.st_mode), st.st_mode & 07777, (long)st.st_size);
    CHECK("open(WRONLY|NONBLOCK) without reader", open("f", O_WRONLY | O_NONBLOCK));
    int r = open("f", O_RDONLY | O_NONBLOCK);
    report_ok("open(RDONLY|NONBLOCK)", r, errno);
    char buf[16] = {0};
    CHECK("read(empty, no writer)", read(r, buf, sizeof buf));
    int w = open("f", O_WRONLY | O_NONBLOCK);
    report_ok("open(WRONLY|NONBLOCK) with reader", w, errno);
    CHECK("write", write(w, "fifo!", 5));
    CHECK("read", read(r, buf, sizeof buf));
    printf("data: %s\n", buf);
    CHECK("read(empty, writer open)", read(r, buf, sizeof buf));
    CHECK("lseek(fifo)", lseek(r, 0, SEEK_SET));
    close(w);
    close(r);
    int rw = open("g", O_RDWR);
    report_ok("open(RDWR)", rw, errno);
    CHECK("write(rdwr)", write(rw, "xy", 2));
    CHECK("read(rdwr)", read(rw, buf, 2));
    close(rw);
    CHECK("unlink f", unlink("f"));
    CHECK("unlink g", unlink("g"));
    CHECK("rmdir", (chdir("/"), rmdir(dir)));
    return 0;
}
