// Exercises files and directories inside the directory argv[1]: create,
// write, read, append, seek, pread/pwrite, truncate, stat, readdir, rename,
// symlinks, hard links, timestamps, unlink and rmdir, plus the usual errors.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path_buf[4][512];
static const char *P(int slot, const char *dir, const char *name) {
    snprintf(path_buf[slot], sizeof path_buf[slot], "%s/%s", dir, name);
    return path_buf[slot];
}

static void check(const char *what, int ok) {
    printf("%s: %s\n", what, ok ? "ok" : strerror(errno));
}

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: files DIR\n");
        return 2;
    }
    const char *d = argv[1];
    char buf[64];
    struct stat st;

    FILE *f = fopen(P(0, d, "data.txt"), "w");
    check("fopen for writing", f != NULL);
    fputs("hello file\n", f);
    fclose(f);
    check("stat", stat(P(0, d, "data.txt"), &st) == 0);
    printf("size=%lld regular=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));

    int fd = open(P(0, d, "data.txt"), O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    printf("read %zd bytes: %s", n, buf);
    close(fd);

    fd = open(P(0, d, "data.txt"), O_WRONLY | O_APPEND);
    check("write appended", write(fd, "more\n", 5) == 5);
    close(fd);
    stat(P(0, d, "data.txt"), &st);
    printf("size after append=%lld\n", (long long)st.st_size);

    fd = open(P(0, d, "data.txt"), O_RDWR);
    printf("lseek to 6 -> %lld\n", (long long)lseek(fd, 6, SEEK_SET));
    n = read(fd, buf, 4);
    buf[n < 0 ? 0 : n] = 0;
    printf("read at 6: %s\n", buf);
    printf("tell -> %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("lseek end-5 -> %lld\n", (long long)lseek(fd, -5, SEEK_END));
    check("pwrite at 0", pwrite(fd, "HELLO", 5, 0) == 5);
    memset(buf, 0, sizeof buf);
    n = pread(fd, buf, 10, 0);
    printf("pread 10 at 0: %zd %.10s\n", n, buf);
    printf("tell after pread/pwrite -> %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    check("ftruncate to 5", ftruncate(fd, 5) == 0);
    fstat(fd, &st);
    printf("size after truncate=%lld\n", (long long)st.st_size);
    printf("lseek to -1 fails: %s\n", lseek(fd, -1, SEEK_SET) < 0 ? strerror(errno) : "no");
    close(fd);

    check("mkdir sub", mkdir(P(0, d, "sub"), 0755) == 0);
    check("mkdir sub again fails", mkdir(P(0, d, "sub"), 0755) == 0);
    close(open(P(0, d, "sub/b.txt"), O_CREAT | O_WRONLY, 0644));
    close(open(P(0, d, "sub/a.txt"), O_CREAT | O_WRONLY, 0644));
    check("rename data.txt to sub/c.txt", rename(P(0, d, "data.txt"), P(1, d, "sub/c.txt")) == 0);
    check("stat old name", stat(P(0, d, "data.txt"), &st) == 0);
    check("symlink sub/link -> c.txt", symlink("c.txt", P(0, d, "sub/link")) == 0);
    n = readlink(P(0, d, "sub/link"), buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    printf("readlink: %s\n", buf);
    lstat(P(0, d, "sub/link"), &st);
    printf("lstat is link: %d\n", S_ISLNK(st.st_mode));
    stat(P(0, d, "sub/link"), &st);
    printf("stat through link: size=%lld regular=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    check("link sub/hard -> sub/c.txt", link(P(0, d, "sub/c.txt"), P(1, d, "sub/hard")) == 0);
    stat(P(0, d, "sub/c.txt"), &st);
    printf("nlink=%ld\n", (long)st.st_nlink);

    struct timespec times[2] = {{1000000000, 0}, {1234567890, 500}};
    check("utimensat", utimensat(AT_FDCWD, P(0, d, "sub/c.txt"), times, 0) == 0);
    stat(P(0, d, "sub/c.txt"), &st);
    printf("atime=%lld mtime=%lld.%09ld\n", (long long)st.st_atim.tv_sec,
           (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);

    DIR *dir = opendir(P(0, d, "sub"));
    check("opendir", dir != NULL);
    char *names[16];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) && count < 16)
        names[count++] = strdup(e->d_name);
    closedir(dir);
    qsort(names, count, sizeof *names, cmp);
    printf("entries:");
    for (int i = 0; i < count; i++)
        printf(" %s", names[i]);
    printf("\n");

    check("rmdir non-empty", rmdir(P(0, d, "sub")) == 0);
    check("open missing", open(P(0, d, "missing"), O_RDONLY) >= 0);
    check("open dir for writing", open(P(0, d, "sub"), O_WRONLY) >= 0);
    check("O_CREAT|O_EXCL on existing", open(P(0, d, "sub/a.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644) >= 0);
    check("unlink a.txt", unlink(P(0, d, "sub/a.txt")) == 0);
    check("unlink b.txt", unlink(P(0, d, "sub/b.txt")) == 0);
    check("unlink c.txt", unlink(P(0, d, "sub/c.txt")) == 0);
    check("unlink hard", unlink(P(0, d, "sub/hard")) == 0);
    check("unlink link", unlink(P(0, d, "sub/link")) == 0);
    check("rmdir sub", rmdir(P(0, d, "sub")) == 0);
    check("stat removed dir", stat(P(0, d, "sub"), &st) == 0);
    return 0;
}
