// Tries every way of writing through the pre-opened directory /ro (the
// other pre-open, /rw, is writable) and prints what each call returned:
// "ok" or the errno's name. Run with /ro read-only, everything that writes
// must fail; run with /ro writable, the same calls succeed. Expects in /ro:
// file.txt ("original\n"), new.txt absent, sub/ and empty/ (empty dirs);
// in /rw: src.txt.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *name(int e) {
    switch (e) {
    case 0: return "ok";
    case EPERM: return "EPERM";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EISDIR: return "EISDIR";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    default: return strerror(e);
    }
}

static void report(const char *what, int result) {
    printf("%s: %s\n", what, name(result < 0 ? errno : 0));
}

static void try_open(const char *what, const char *path, int flags) {
    errno = 0;
    int fd = open(path, flags, 0644);
    report(what, fd);
    if (fd >= 0)
        close(fd);
}

int main(void) {
    const struct timespec times[2] = {{1000000, 0}, {2000000, 0}};

    char buf[64] = {0};
    int rd = open("/ro/file.txt", O_RDONLY);
    ssize_t n = rd < 0 ? -1 : read(rd, buf, sizeof buf - 1);
    printf("read: %s", n < 0 ? "failed\n" : buf);

    try_open("open O_WRONLY", "/ro/file.txt", O_WRONLY);
    try_open("open O_RDWR", "/ro/file.txt", O_RDWR);
    try_open("open O_APPEND", "/ro/file.txt", O_WRONLY | O_APPEND);
    try_open("open O_CREAT", "/ro/new.txt", O_WRONLY | O_CREAT);
    try_open("open O_CREAT|O_RDONLY", "/ro/new2.txt", O_RDONLY | O_CREAT);

    errno = 0;
    report("mkdir", mkdir("/ro/newdir", 0755));
    int sub = open("/ro/sub", O_RDONLY | O_DIRECTORY);
    errno = 0;
    report("mkdirat in an opened subdirectory", sub < 0 ? -1 : mkdirat(sub, "x", 0755));
    errno = 0;
    report("symlink", symlink("file.txt", "/ro/link"));
    errno = 0;
    report("link", link("/ro/file.txt", "/ro/hard"));
    errno = 0;
    report("link out of /ro", link("/ro/file.txt", "/rw/hard"));
    errno = 0;
    report("link into /ro", link("/rw/src.txt", "/ro/hard2"));
    errno = 0;
    report("utimensat", utimensat(AT_FDCWD, "/ro/file.txt", times, 0));
    int dir = open("/ro", O_RDONLY | O_DIRECTORY);
    errno = 0;
    report("futimens on the directory", dir < 0 ? -1 : futimens(dir, times));

    // A file opened for reading.
    errno = 0;
    report("ftruncate", ftruncate(rd, 0));
    errno = 0;
    report("futimens", futimens(rd, times));
    errno = 0;
    report("write", (int)write(rd, "x", 1));
    errno = 0;
    report("pwrite", (int)pwrite(rd, "x", 1, 0));
    close(rd);

    errno = 0;
    report("truncate", truncate("/ro/file.txt", 0));
    try_open("open O_TRUNC", "/ro/file.txt", O_WRONLY | O_TRUNC);
    errno = 0;
    report("rename", rename("/ro/file.txt", "/ro/renamed.txt"));
    errno = 0;
    report("rename into /ro", rename("/rw/src.txt", "/ro/src.txt"));
    errno = 0;
    report("rename out of /ro", rename("/ro/renamed.txt", "/rw/stolen.txt"));
    errno = 0;
    report("unlink", unlink("/ro/new.txt"));
    errno = 0;
    report("rmdir", rmdir("/ro/empty"));
    return 0;
}
