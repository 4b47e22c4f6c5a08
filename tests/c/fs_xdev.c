/* Cross-mount operations: rename and link between /dev/shm (a tmpfs
 * mount) and /tmp (the root filesystem) fail with EXDEV; a rename within
 * one mount works. */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    char shm[64] = "/dev/shm/fs_xdev.XXXXXX", tmp[64] = "/tmp/fs_xdev.XXXXXX";
    if (!mkdtemp(shm) || !mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    char a[128], b[128], c[128];
    snprintf(a, sizeof a, "%s/file", shm);
    snprintf(b, sizeof b, "%s/file", tmp);
    snprintf(c, sizeof c, "%s/renamed", shm);
    int fd = open(a, O_CREAT | O_WRONLY, 0644);
    report_ok("create in /dev/shm", fd, errno);
    close(fd);
    CHECK("rename /dev/shm -> /tmp", rename(a, b));
    CHECK("link /dev/shm -> /tmp", link(a, b));
    CHECK("renameat2 EXCHANGE across", syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, tmp, 2));
    CHECK("rename dir across", rename(shm, b));
    CHECK("rename within /dev/shm", rename(a, c));
    CHECK("unlink", unlink(c));
    CHECK("rmdir shm", rmdir(shm));
    CHECK("rmdir tmp", rmdir(tmp));
    return 0;
}
