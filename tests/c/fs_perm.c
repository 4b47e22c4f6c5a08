/* Permission checks for a non-root user: the program starts as root,
 * builds a scratch tree, switches its effective ids to 1000:1000 (keeping
 * root as the saved uid so it can clean up), and prints what each access
 * gives: EACCES for missing permission bits, EPERM for ownership rules. */
#include "check.h"

#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static char scratch[64];

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f) {
    (void)st, (void)type, (void)f;
    return remove(p);
}

static void mk(const char *path, mode_t mode) {
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "data\n", 5) != 5 || fchmod(fd, mode) != 0) {
        perror(path);
        exit(1);
    }
    close(fd);
}

static void as_user(void) {
    CHECK("open(0600 root file, RDONLY)", open("secret", O_RDONLY));
    CHECK("open(0644 file, WRONLY)", open("readable", O_WRONLY));
    int fd = open("readable", O_RDONLY);
    report_ok("open(0644 file, RDONLY)", fd, errno);
    close(fd);
    CHECK("stat(file in 0700 dir)", ({ struct stat st; stat("locked/inner", &st); }));
    CHECK("open(file in 0700 dir)", open("locked/inner", O_RDONLY));
    CHECK("chdir(0700 dir)", chdir("locked"));
    CHECK("creat in 0555 dir", open("ro/new", O_CREAT | O_WRONLY, 0644));
    CHECK("mkdir in root's 0755 dir", mkdir("newdir", 0755));
    CHECK("unlink in root's 0755 dir", unlink("readable"));
    CHECK("rename in 0555 dir", rename("ro/file", "ro/file2"));
    CHECK("unlink root file in sticky dir", unlink("sticky/rootfile"));
    fd = open("sticky/mine", O_CREAT | O_WRONLY, 0644);
    report_ok("creat in sticky dir", fd, errno);
    close(fd);
    CHECK("unlink own file in sticky dir", unlink("sticky/mine"));
    CHECK("chmod(root file)", chmod("readable", 0666));
    CHECK("chown(root file)", chown("readable", 1000, 1000));
    CHECK("access(0644, W_OK)", access("readable", W_OK));
    CHECK("access(0644, R_OK)", access("readable", R_OK));
    CHECK("faccessat(0644, W_OK, AT_EACCESS)", faccessat(AT_FDCWD, "readable", W_OK, AT_EACCESS));
    CHECK("truncate(0644 root file)", truncate("readable", 0));
    struct timespec ts[2] = {{1, 0}, {2, 0}};
    CHECK("utimensat(explicit, root file)", utimensat(AT_FDCWD, "readable", ts, 0));
    CHECK("utimensat(NOW, not writable)", utimensat(AT_FDCWD, "readable", NULL, 0));
    CHECK("utimensat(NOW, 0666 file)", utimensat(AT_FDCWD, "world", NULL, 0));
    CHECK("open(0666 file, RDWR)", ({ int f = open("world", O_RDWR); if (f >= 0) close(f); f < 0 ? -1 : 0; }));
    CHECK("execute a 0644 file", execl("./readable", "readable", (char *)NULL));
    CHECK("setgroups as user", setgroups(0, NULL));
    CHECK("setresuid(2000, -1, -1)", setresuid(2000, -1, -1));
}

int main(void) {
    strcpy(scratch, "/tmp/fs_perm.XXXXXX");
    if (!mkdtemp(scratch) || chmod(scratch, 0755) != 0 || chdir(scratch) != 0) {
        perror("scratch");
        return 1;
    }
    mk("secret", 0600);
    mk("readable", 0644);
    mk("world", 0666);
    mkdir("locked", 0700);
    mk("locked/inner", 0644);
    mkdir("ro", 0555);
    mk("ro/file", 0644);
    mkdir("sticky", 0777);
    chmod("sticky", 01777);
    mk("sticky/rootfile", 0644);
    CHECK("setgroups(0)", setgroups(0, NULL));
    CHECK("setresgid(-1, 1000, -1)", setresgid(-1, 1000, -1));
    CHECK("setresuid(-1, 1000, -1)", setresuid(-1, 1000, -1));
    printf("euid=%d egid=%d\n", (int)geteuid(), (int)getegid());
    as_user();
    CHECK("seteuid(0) back", seteuid(0));
    CHECK("setegid(0) back", setegid(0));
    CHECK("unlink as root again", unlink("secret"));
    if (chdir("/") != 0 || nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        perror("cleanup");
    return 0;
}
