/* Extended attributes: setxattr/getxattr/listxattr/removexattr and their
 * l* and f* forms on files in a fresh scratch directory under /tmp, with
 * user.* and trusted.* names (root): size-0 queries, ERANGE for small
 * buffers, ENODATA for missing names, XATTR_CREATE/XATTR_REPLACE, invalid
 * names and namespaces, empty values, user.* on symlinks and fifos (EPERM),
 * and attributes following a file through rename and link. If the first
 * setxattr reports that the filesystem does not support user.* attributes,
 * that is printed and the program stops there. */
#include "check.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>

static char scratch[64];

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f) {
    (void)st, (void)type, (void)f;
    return remove(p);
}

static void make_scratch(void) {
    strcpy(scratch, "/tmp/fs_xattr.XXXXXX");
    if (!mkdtemp(scratch) || chdir(scratch) != 0) {
        perror("scratch");
        exit(1);
    }
}

static void remove_scratch(void) {
    if (chdir("/") != 0 || nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        perror("cleanup");
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the names of a listxattr result, sorted (the order is the
 * filesystem's). */
static void print_list(const char *label, long n, const char *buf) {
    if (n < 0) {
        printf("%s: -1 %s\n", label, errno_name(errno));
        return;
    }
    const char *names[64];
    int k = 0;
    for (long off = 0; off < n && k < 64; off += strlen(buf + off) + 1)
        names[k++] = buf + off;
    qsort(names, k, sizeof *names, cmp_str);
    printf("%s: %ld [", label, n);
    for (int i = 0; i < k; i++)
        printf("%s%s", i ? " " : "", names[i]);
    printf("]\n");
}

static void get(const char *label, const char *path, const char *name, size_t size) {
    char buf[128] = {0};
    errno = 0;
    long r = getxattr(path, name, size ? buf : NULL, size);
    if (r < 0)
        printf("%s: -1 %s\n", label, errno_name(errno));
    else if (size)
        printf("%s: %ld '%.*s'\n", label, r, (int)r, buf);
    else
        printf("%s: %ld\n", label, r);
}

int main(void) {
    make_scratch();
    int fd = open("f", O_CREAT | O_RDWR, 0644);
    errno = 0;
    if (setxattr("f", "user.first", "1", 1, 0) != 0) {
        printf("xattr: unsupported (%s)\n", errno_name(errno));
        remove_scratch();
        return 0;
    }
    printf("setxattr(user.first): 0\n");
    CHECK("setxattr(user.color, 'blue')", setxattr("f", "user.color", "blue", 4, 0));
    get("getxattr(user.color)", "f", "user.color", 64);
    get("getxattr(user.color, size 0)", "f", "user.color", 0);
    get("getxattr(user.color, size 3)", "f", "user.color", 3);
    get("getxattr(user.color, size 4)", "f", "user.color", 4);
    get("getxattr(user.missing)", "f", "user.missing", 64);
    get("getxattr(missing file)", "nofile", "user.color", 64);

    CHECK("setxattr(CREATE existing)", setxattr("f", "user.color", "red", 3, XATTR_CREATE));
    CHECK("setxattr(REPLACE missing)", setxattr("f", "user.new", "x", 1, XATTR_REPLACE));
    CHECK("setxattr(REPLACE existing)", setxattr("f", "user.color", "green", 5, XATTR_REPLACE));
    get("getxattr(user.color)", "f", "user.color", 64);
    CHECK("setxattr(CREATE new)", setxattr("f", "user.new", "n", 1, XATTR_CREATE));
    CHECK("setxattr(CREATE|REPLACE)", setxattr("f", "user.new", "n", 1, XATTR_CREATE | XATTR_REPLACE));
    CHECK("setxattr(bad flags)", setxattr("f", "user.new", "n", 1, 4));
    CHECK("setxattr(empty value)", setxattr("f", "user.empty", "", 0, 0));
    get("getxattr(user.empty)", "f", "user.empty", 64);
    CHECK("setxattr(shorter value)", setxattr("f", "user.color", "red", 3, 0));
    get("getxattr(user.color)", "f", "user.color", 64);

    char list[512];
    print_list("listxattr", listxattr("f", list, sizeof list), list);
    CHECK("listxattr(size 0)", listxattr("f", NULL, 0));
    CHECK("listxattr(size 5)", listxattr("f", list, 5));

    CHECK("setxattr(no namespace)", setxattr("f", "color", "x", 1, 0));
    CHECK("setxattr(unknown namespace)", setxattr("f", "foo.bar", "x", 1, 0));
    CHECK("setxattr(\"user.\")", setxattr("f", "user.", "x", 1, 0));
    CHECK("setxattr(empty name)", setxattr("f", "", "x", 1, 0));
    char longname[300] = "user.";
    memset(longname + 5, 'n', 251);
    CHECK("setxattr(256-byte name)", setxattr("f", longname, "x", 1, 0));
    longname[255] = 0;
    CHECK("setxattr(255-byte name)", setxattr("f", longname, "x", 1, 0));
    CHECK("removexattr(255-byte name)", removexattr("f", longname));
    static char big[70000];
    CHECK("setxattr(value > 64 KiB)", setxattr("f", "user.big", big, sizeof big, 0));
    CHECK("setxattr(bad name pointer)", setxattr("f", (const char *)8, "x", 1, 0));
    CHECK("getxattr(bad buffer)", syscall(SYS_getxattr, "f", "user.color", 8L, 64L));

    CHECK("setxattr(trusted.t)", setxattr("f", "trusted.t", "T", 1, 0));
    get("getxattr(trusted.t)", "f", "trusted.t", 64);
    CHECK("removexattr(trusted.t)", removexattr("f", "trusted.t"));

    CHECK("fsetxattr(user.fd)", fsetxattr(fd, "user.fd", "via fd", 6, 0));
    char buf[64] = {0};
    CHECK("fgetxattr(user.fd)", fgetxattr(fd, "user.fd", buf, sizeof buf));
    printf("  '%s'\n", buf);
    print_list("flistxattr", flistxattr(fd, list, sizeof list), list);
    CHECK("fremovexattr(user.fd)", fremovexattr(fd, "user.fd"));
    CHECK("fremovexattr(user.fd) again", fremovexattr(fd, "user.fd"));
    CHECK("fgetxattr(bad fd)", fgetxattr(999, "user.fd", buf, sizeof buf));
    int ro = open("f", O_RDONLY);
    CHECK("fsetxattr(O_RDONLY fd)", fsetxattr(ro, "user.ro", "r", 1, 0));
    close(ro);
    int pfd = open("f", O_PATH);
    CHECK("fgetxattr(O_PATH fd)", fgetxattr(pfd, "user.color", buf, sizeof buf));
    close(pfd);

    CHECK("removexattr(user.color)", removexattr("f", "user.color"));
    CHECK("removexattr(user.color) again", removexattr("f", "user.color"));
    print_list("listxattr", listxattr("f", list, sizeof list), list);

    /* Attributes belong to the inode: they follow renames and links. */
    CHECK("rename(f, g)", rename("f", "g"));
    CHECK("link(g, h)", link("g", "h"));
    get("getxattr(h, user.new)", "h", "user.new", 64);

    symlink("g", "lnk");
    get("getxattr(symlink follows)", "lnk", "user.new", 64);
    errno = 0;
    long r = lgetxattr("lnk", "user.new", buf, sizeof buf);
    report("lgetxattr(symlink, user.new)", r, errno);
    CHECK("lsetxattr(symlink, user.x)", lsetxattr("lnk", "user.x", "x", 1, 0));
    CHECK("setxattr(via symlink)", setxattr("lnk", "user.via", "v", 1, 0));
    get("getxattr(g, user.via)", "g", "user.via", 64);
    CHECK("llistxattr(symlink)", llistxattr("lnk", list, sizeof list));
    CHECK("lremovexattr(symlink, user.via)", lremovexattr("lnk", "user.via"));

    mkdir("d", 0755);
    CHECK("setxattr(dir, user.d)", setxattr("d", "user.d", "dir", 3, 0));
    get("getxattr(dir)", "d", "user.d", 64);
    mkfifo("fifo", 0644);
    CHECK("setxattr(fifo, user.p)", setxattr("fifo", "user.p", "p", 1, 0));
    get("getxattr(fifo, user.p)", "fifo", "user.p", 64);
    close(fd);
    remove_scratch();
    return 0;
}
