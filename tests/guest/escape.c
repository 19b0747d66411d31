/*
 * escape.c — the guest's "/" is the store root and it cannot get out.
 * Attacks: ".." above the root, absolute paths, and symlinks (absolute,
 * relative with many "..", to a directory) that point outside: each must
 * resolve inside the root. First nothing named etc/passwd exists in the root
 * (ENOENT everywhere); then the guest creates its own and every path must
 * reach that one, never the host's /etc/passwd. Symunix-only: under qemu these
 * paths do reach the host, so this test compares with escape.expected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *paths[] = {
    "../../../../etc/passwd",
    "/etc/passwd",
    "/../../etc/passwd",
    "abs-link",
    "rel-link",
    "dir-link/passwd",
    "/../etc/../etc/./passwd",
};

/* Open and print what each path reaches: an errno, or the first line read. */
static void probe_all(const char *phase)
{
    for (unsigned i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char buf[64] = {0};
        int fd = open(paths[i], O_RDONLY);
        if (fd < 0) {
            printf("%s %-26s -> %s\n", phase, paths[i], strerror(errno));
            continue;
        }
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        char *nl = strchr(buf, '\n');
        if (nl) *nl = 0;
        /* Never print a host line verbatim: just say it escaped. */
        if (strncmp(buf, "guest", 5) != 0) strcpy(buf, "ESCAPED TO THE HOST");
        printf("%s %-26s -> read %zd: %s\n", phase, paths[i], n, buf);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("symlink abs: %d\n", symlink("/etc/passwd", "abs-link"));
    printf("symlink rel: %d\n", symlink("../../../../../../../etc/passwd", "rel-link"));
    printf("symlink dir: %d\n", symlink("/etc", "dir-link"));
    char target[128] = {0};
    ssize_t n = readlink("abs-link", target, sizeof target - 1);
    printf("readlink abs-link: %zd %s\n", n, n > 0 ? target : "");
    probe_all("empty root:");

    printf("mkdir etc: %d\n", mkdir("etc", 0755));
    int fd = open("etc/passwd", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    printf("create etc/passwd: %s\n", fd >= 0 ? "ok" : strerror(errno));
    if (fd >= 0) {
        printf("write: %zd\n", write(fd, "guest passwd\n", 13));
        close(fd);
    }
    probe_all("guest etc:");

    printf("chdir ../../..: %d\n", chdir("../../.."));
    char cwd[256];
    printf("getcwd: %s\n", getcwd(cwd, sizeof cwd) ? cwd : strerror(errno));
    struct stat st;
    printf("stat /..: %d ino same as /: ", stat("/..", &st));
    ino_t up = st.st_ino;
    stat("/", &st);
    printf("%s\n", up == st.st_ino ? "yes" : "no");
    return 0;
}
