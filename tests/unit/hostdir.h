/*
 * hostdir.h — a helper the unit tests of more than one subsystem share: how
 * many entries a host directory has, to check what reached the store's
 * disk (a name, a hidden file) and what did not.
 */
#ifndef SYMUNIX_TESTS_HOSTDIR_H
#define SYMUNIX_TESTS_HOSTDIR_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <string.h>

/* Entries of host directory dir (not . and ..), hidden ones too. */
static inline int count_host(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "opendir %s", dir);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

#endif
