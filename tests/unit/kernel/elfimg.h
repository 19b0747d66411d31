/*
 * elfimg.h — builds small RISC-V ELF images in memory for the kernel tests, so
 * each test can break one field and check that the loader refuses it, and
 * writes them to temporary files. Header-only: each test file is one program.
 */
#ifndef SYMUNIX_TEST_ELFIMG_H
#define SYMUNIX_TEST_ELFIMG_H

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IMG_TEXT_VADDR 0x10000ull
#define IMG_DATA_VADDR 0x12000ull
#define IMG_TEXT_OFF   0x1000
#define IMG_DATA_OFF   0x2000
#define IMG_SIZE       0x2100

/* A static executable: ehdr and 3 phdrs (PT_LOAD text RX holding the headers,
 * PT_LOAD data RW with bss, PT_GNU_STACK), code `li a0,42; li a7,93; ecall`. */
struct img {
    unsigned char b[IMG_SIZE];
    size_t len;
};

static inline Elf64_Ehdr *img_eh(struct img *m)
{
    return (Elf64_Ehdr *)m->b;
}

static inline Elf64_Phdr *img_ph(struct img *m, int i)
{
    return (Elf64_Phdr *)(m->b + sizeof(Elf64_Ehdr)) + i;
}

static inline void img_init(struct img *m)
{
    memset(m, 0, sizeof *m);
    m->len = IMG_SIZE;
    Elf64_Ehdr *e = img_eh(m);
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS64;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_EXEC;
    e->e_machine = EM_RISCV;
    e->e_version = EV_CURRENT;
    e->e_entry = IMG_TEXT_VADDR + IMG_TEXT_OFF;
    e->e_phoff = sizeof(Elf64_Ehdr);
    e->e_flags = EF_RISCV_FLOAT_ABI_DOUBLE | EF_RISCV_RVC;
    e->e_ehsize = sizeof(Elf64_Ehdr);
    e->e_phentsize = sizeof(Elf64_Phdr);
    e->e_phnum = 3;
    *img_ph(m, 0) = (Elf64_Phdr){.p_type = PT_LOAD,
                                 .p_flags = PF_R | PF_X,
                                 .p_offset = 0,
                                 .p_vaddr = IMG_TEXT_VADDR,
                                 .p_paddr = IMG_TEXT_VADDR,
                                 .p_filesz = IMG_TEXT_OFF + 12,
                                 .p_memsz = IMG_TEXT_OFF + 12,
                                 .p_align = 0x1000};
    *img_ph(m, 1) = (Elf64_Phdr){.p_type = PT_LOAD,
                                 .p_flags = PF_R | PF_W,
                                 .p_offset = IMG_DATA_OFF,
                                 .p_vaddr = IMG_DATA_VADDR,
                                 .p_paddr = IMG_DATA_VADDR,
                                 .p_filesz = 0x100,
                                 .p_memsz = 0x3000,
                                 .p_align = 0x1000};
    *img_ph(m, 2) = (Elf64_Phdr){.p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W};
    const uint32_t code[3] = {0x02a00513, 0x05d00893, 0x00000073};
    memcpy(m->b + IMG_TEXT_OFF, code, sizeof code);
    memset(m->b + IMG_DATA_OFF, 0xab, 0x100);
}

/* Write the image to a new temporary file; returns its path (static buffer). */
static inline const char *img_write(const struct img *m)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/symunix-elf-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, m->b, m->len) != (ssize_t)m->len) {
        perror("img_write");
        exit(2);
    }
    close(fd);
    return path;
}

#endif /* SYMUNIX_TEST_ELFIMG_H */
