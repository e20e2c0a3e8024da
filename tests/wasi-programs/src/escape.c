// Tries to leave the sandbox in every way we know; each attempt prints
// "denied (<error>)" or "ALLOWED". argv[1] is a writable pre-open, argv[2]
// a read-only one. The host test checks nothing outside changed.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static char pb[4][512];
static const char *P(int s, const char *d, const char *n) {
    snprintf(pb[s], sizeof pb[s], "%s/%s", d, n);
    return pb[s];
}

static void report(const char *what, int ok) {
    if (ok)
        printf("%s: ALLOWED\n", what);
    else
        printf("%s: denied (%s)\n", what, strerror(errno));
}

static void raw_open(const char *what, int dirfd, const char *path, __wasi_oflags_t oflags,
                     __wasi_rights_t rights) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dirfd, 0, path, oflags, rights, 0, 0, &fd);
    errno = e;
    report(what, e == 0);
}

int main(int argc, char **argv) {
    const char *sb = argv[1], *ro = argv[2];
    char buf[64];
    int fd;

    report("open ../outside.txt", (fd = open(P(0, sb, "../outside.txt"), O_RDONLY)) >= 0);
    report("open /etc/passwd", open("/etc/passwd", O_RDONLY) >= 0);
    report("create ../created.txt", open(P(0, sb, "../created.txt"), O_CREAT | O_WRONLY, 0644) >= 0);
    report("mkdir ../newdir", mkdir(P(0, sb, "../newdir"), 0755) == 0);
    report("rename inside.txt to ../moved.txt", rename(P(0, sb, "inside.txt"), P(1, sb, "../moved.txt")) == 0);
    report("link inside.txt to ../linked.txt", link(P(0, sb, "inside.txt"), P(1, sb, "../linked.txt")) == 0);
    report("unlink ../outside.txt", unlink(P(0, sb, "../outside.txt")) == 0);
    report("open sub/../../outside.txt", open(P(0, sb, "sub/../../outside.txt"), O_RDONLY) >= 0);

    // Symlinks made by the guest that point outside.
    report("symlink evil -> ../outside.txt (creation)", symlink("../outside.txt", P(0, sb, "evil")) == 0);
    report("open evil for reading", open(P(0, sb, "evil"), O_RDONLY) >= 0);
    report("open evil for writing", open(P(0, sb, "evil"), O_WRONLY | O_TRUNC) >= 0);
    report("stat evil", ({ struct stat st; stat(P(0, sb, "evil"), &st) == 0; }));
    report("symlink abs -> /etc/passwd", symlink("/etc/passwd", P(0, sb, "abs")) == 0);
    report("symlink evildir -> ..", symlink("..", P(0, sb, "evildir")) == 0);
    report("open evildir/outside.txt", open(P(0, sb, "evildir/outside.txt"), O_RDONLY) >= 0);
    report("create evildir/created.txt", open(P(0, sb, "evildir/created.txt"), O_CREAT | O_WRONLY, 0644) >= 0);
    // A symlink placed by the host pointing outside (absolute target).
    report("open hostlink", open(P(0, sb, "hostlink"), O_RDONLY) >= 0);
    report("readlink hostlink", readlink(P(0, sb, "hostlink"), buf, sizeof buf) >= 0);

    // Raw WASI calls on the pre-open's directory descriptor.
    int dirfd = open(sb, O_RDONLY | O_DIRECTORY);
    raw_open("raw path_open ..", dirfd, "..", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR);
    raw_open("raw path_open ../outside.txt", dirfd, "../outside.txt", 0, __WASI_RIGHTS_FD_READ);
    raw_open("raw path_open /etc/passwd", dirfd, "/etc/passwd", 0, __WASI_RIGHTS_FD_READ);
    raw_open("raw path_open inside.txt", dirfd, "inside.txt", 0, __WASI_RIGHTS_FD_READ);

    // A directory descriptor whose directory is moved away keeps its
    // sandbox: "../.." from it still cannot leave.
    mkdir(P(0, sb, "a"), 0755);
    mkdir(P(0, sb, "a/b"), 0755);
    int bfd = open(P(0, sb, "a/b"), O_RDONLY | O_DIRECTORY);
    report("rename a/b to moved_b", rename(P(0, sb, "a/b"), P(1, sb, "moved_b")) == 0);
    raw_open("raw path_open ../../outside.txt from moved dir", bfd, "../../outside.txt", 0,
             __WASI_RIGHTS_FD_READ);
    raw_open("raw path_open .. from moved dir", bfd, "..", __WASI_OFLAGS_DIRECTORY,
             __WASI_RIGHTS_FD_READDIR);

    // The read-only pre-open.
    report("read ro/existing.txt", (fd = open(P(0, ro, "existing.txt"), O_RDONLY)) >= 0 && read(fd, buf, 4) == 4);
    report("write ro/existing.txt", open(P(0, ro, "existing.txt"), O_WRONLY) >= 0);
    report("truncate ro/existing.txt", open(P(0, ro, "existing.txt"), O_RDONLY | O_TRUNC) >= 0);
    report("create ro/new.txt", open(P(0, ro, "new.txt"), O_CREAT | O_WRONLY, 0644) >= 0);
    report("unlink ro/existing.txt", unlink(P(0, ro, "existing.txt")) == 0);
    report("mkdir ro/dir", mkdir(P(0, ro, "dir"), 0755) == 0);
    report("rename ro/existing.txt", rename(P(0, ro, "existing.txt"), P(1, ro, "renamed.txt")) == 0);
    report("symlink in ro", symlink("existing.txt", P(0, ro, "link")) == 0);
    return 0;
}
