/* Set-user-ID and set-group-ID executables: execve takes the file's
 * owner as the effective (and saved) id, sets AT_SECURE, and does not when
 * no_new_privs is set, when the group bit comes without group execute, or
 * when the file's mount is nosuid. The program starts as root, copies
 * itself into a scratch directory with the bits set, and runs the copies
 * as uid/gid 99; each copy prints its ids ("show"). */
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#define OWNER 1234
#define USER 99

/* Runs `path show` in a child as uid/gid `as` (0: stay root), with
 * no_new_privs when asked; returns what it printed. */
static void run(const char *label, const char *path, uid_t as, int nnp) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (as && (setgroups(0, NULL) || setgid(as) || setuid(as))) {
            perror("drop");
            _exit(1);
        }
        if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
            perror("nnp");
            _exit(1);
        }
        printf("%s: ", label);
        fflush(stdout);
        execl(path, path, "show", (char *)NULL);
        printf("exec: %s\n", errno_name(errno));
        _exit(1);
    }
    int st;
    waitpid(pid, &st, 0);
}

static int show(void) {
    uid_t r, e, s;
    gid_t rg, eg, sg;
    getresuid(&r, &e, &s);
    getresgid(&rg, &eg, &sg);
    printf("uid %d/%d/%d gid %d/%d/%d secure %lu\n", (int)r, (int)e, (int)s, (int)rg,
           (int)eg, (int)sg, getauxval(AT_SECURE));
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "show") == 0)
        return show();
    char dir[] = "/tmp/exec_setuid.XXXXXX";
    if (!mkdtemp(dir) || chmod(dir, 0755) != 0) {
        perror("scratch");
        return 1;
    }
    char suid[96], sgid[96], both[96], plain[96], gnox[96];
    snprintf(suid, sizeof suid, "%s/suid", dir);
    snprintf(sgid, sizeof sgid, "%s/sgid", dir);
    snprintf(both, sizeof both, "%s/both", dir);
    snprintf(plain, sizeof plain, "%s/plain", dir);
    snprintf(gnox, sizeof gnox, "%s/sgid-no-group-x", dir);
    copy_self(suid, OWNER, OWNER, 04755);
    copy_self(sgid, OWNER, OWNER, 02755);
    copy_self(both, OWNER, OWNER, 06755);
    copy_self(plain, OWNER, OWNER, 0755);
    copy_self(gnox, OWNER, OWNER, 02745);
    struct statvfs vs;
    if (statvfs(dir, &vs) != 0 || (vs.f_flag & ST_NOSUID)) {
        printf("scratch directory is nosuid: the test needs one that is not\n");
        return 1;
    }

    run("plain as user", plain, USER, 0);
    run("setuid as user", suid, USER, 0);
    run("setgid as user", sgid, USER, 0);
    run("both as user", both, USER, 0);
    run("setgid without g+x", gnox, USER, 0);
    run("both as root", both, 0, 0);
    run("both, no_new_privs", both, USER, 1);
    run("plain as root", plain, 0, 0);

    /* On a nosuid mount the bits are ignored: the sandbox's /dev/shm is
     * one; the host's may not be, so print only that the outcome agrees
     * with the mount's flag. */
    char shm[] = "/dev/shm/exec_setuid.XXXXXX";
    if (mkdtemp(shm) && chmod(shm, 0755) == 0 && statvfs(shm, &vs) == 0) {
        char shm_both[96], out[] = "/tmp/exec_setuid.out.XXXXXX";
        snprintf(shm_both, sizeof shm_both, "%s/both", shm);
        copy_self(shm_both, OWNER, OWNER, 06755);
        int fd = mkstemp(out);
        fflush(stdout);
        int saved = dup(1);
        dup2(fd, 1);
        run("x", shm_both, USER, 0);
        dup2(saved, 1);
        char buf[128] = {0};
        if (pread(fd, buf, sizeof buf - 1, 0) < 0)
            perror("pread");
        int nosuid = (vs.f_flag & ST_NOSUID) != 0;
        int honoured = strstr(buf, "uid 99/1234/1234") != NULL;
        printf("/dev/shm: set-id bits honoured exactly when not nosuid: %d\n",
               honoured != nosuid);
        close(fd);
        unlink(out);
        unlink(shm_both);
        rmdir(shm);
    }
    unlink(suid);
    unlink(sgid);
    unlink(both);
    unlink(plain);
    unlink(gnox);
    rmdir(dir);
    return 0;
}
