/*
 * names_list.c — print the sorted entries of the directory argv[1], generated
 * anonymous names as "anon.<node>.<n>" (the second step of
 * names-abnormal.sh).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    char *names[64];
    int n = 0;
    unsigned node, k;
    char end;
    DIR *d = opendir(argc > 1 ? argv[1] : ".");
    if (!d) return 1;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        int gen = sscanf(e->d_name, "anon.%u.%u%c", &node, &k, &end) == 2;
        names[n++] = strdup(gen ? "anon.<node>.<n>" : e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    for (int i = 0; i < n; i++)
        printf("%s\n", names[i]);
    return 0;
}
