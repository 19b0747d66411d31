/*
 * hostdir.h — host-directory helpers the unit tests of more than one
 * subsystem share: how many entries a directory has (to check what reached
 * the store's disk and what did not), and removing a test's tree.
 */
#ifndef SYMUNIX_TESTS_HOSTDIR_H
#define SYMUNIX_TESTS_HOSTDIR_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
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

static inline int hostdir_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Remove host directory dir and everything under it (symlinks not followed). */
static inline void rm_tree(const char *dir)
{
    nftw(dir, hostdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
