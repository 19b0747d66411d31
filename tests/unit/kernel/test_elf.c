/*
 * test_elf.c — the ELF loader: a good minimal executable loads with the right
 * protections, contents and break; each kind of bad file is refused with
 * -ENOEXEC (or the open error) and a reason, and maps nothing.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "elfimg.h"
#include "kernel/syscalls.h"
#include "kfixture.h"
#include "shm/store.h"

static char err[256];

/* Memory comes from a kernel's cache of frames: a kernel over a scratch store. */
static void setup(void)
{
    kfix_setup(0);
    err[0] = 0;
}

TestSuite(elf, .init = setup, .fini = kfix_teardown);

/* Load m; returns the loader's result and leaves the reason in err. */
static int load(const struct img *m, struct k_elf_info *info)
{
    const char *path = img_write(m);
    int rc = k_elf_load(proc, path, info, err, sizeof err);
    unlink(path);
    if (rc)
        cr_expect_eq(proc->vm.n, 0, "a refused image left %d regions", proc->vm.n);
    else
        free(info->phdr_copy);
    return rc;
}

/* Expect a refusal with -ENOEXEC whose reason mentions `why`. */
static void refused(const struct img *m, const char *why)
{
    struct k_elf_info info;
    cr_assert_eq(load(m, &info), -ENOEXEC, "not refused (%s)", why);
    cr_expect(strstr(err, why) != NULL, "reason \"%s\" lacks \"%s\"", err, why);
}

Test(elf, good_minimal_loads)
{
    struct img m;
    img_init(&m);
    struct k_elf_info info;
    cr_assert_eq(load(&m, &info), 0, "%s", err);
    cr_expect_eq(info.entry, IMG_TEXT_VADDR + IMG_TEXT_OFF);
    cr_expect_eq(info.phdr, IMG_TEXT_VADDR + sizeof(Elf64_Ehdr));
    cr_expect_eq(info.phnum, 3);
    cr_expect_eq(info.brk_start, 0x15000);
    cr_assert_eq(proc->vm.n, 2);
    cr_expect_eq(proc->vm.r[0].prot, RV_PROT_R | RV_PROT_X);
    cr_expect_eq(proc->vm.r[1].prot, RV_PROT_R | RV_PROT_W);
    uint32_t insn;
    cr_assert_eq(k_copyin(proc, &insn, info.entry, 4), 0);
    cr_expect_eq(insn, 0x02a00513);
    uint8_t data[2];
    cr_assert_eq(k_copyin(proc, data, IMG_DATA_VADDR + 0xff, 2), 0);
    cr_expect_eq(data[0], 0xab, "file byte");
    cr_expect_eq(data[1], 0, "bss is zero");
}

Test(elf, static_pie_loads_at_bias)
{
    struct img m;
    img_init(&m);
    img_eh(&m)->e_type = ET_DYN;
    struct k_elf_info info;
    cr_assert_eq(load(&m, &info), 0, "%s", err);
    cr_expect_eq(info.bias, K_PIE_BIAS);
    cr_expect_eq(info.entry, K_PIE_BIAS + IMG_TEXT_VADDR + IMG_TEXT_OFF);
    cr_expect_eq(proc->vm.r[0].start, K_PIE_BIAS + IMG_TEXT_VADDR);
}

Test(elf, missing_file_is_enoent)
{
    struct k_elf_info info;
    int rc = k_elf_load(proc, "/nonexistent/prog.elf", &info, err, sizeof err);
    cr_expect_eq(rc, -ENOENT);
    cr_expect(strstr(err, "cannot open") != NULL);
}

Test(elf, directory_is_eacces)
{
    struct k_elf_info info;
    cr_expect_eq(k_elf_load(proc, "/tmp", &info, err, sizeof err), -EACCES);
}

Test(elf, not_elf)
{
    struct img m;
    img_init(&m);
    memcpy(m.b, "#!/bin/sh\n", 10);
    refused(&m, "not an ELF file");
}

Test(elf, tiny_file)
{
    struct img m;
    img_init(&m);
    m.len = 10;
    refused(&m, "not an ELF file");
}

Test(elf, elf32)
{
    struct img m;
    img_init(&m);
    img_eh(&m)->e_ident[EI_CLASS] = ELFCLASS32;
    refused(&m, "64-bit little-endian");
}

Test(elf, big_endian)
{
    struct img m;
    img_init(&m);
    img_eh(&m)->e_ident[EI_DATA] = ELFDATA2MSB;
    refused(&m, "64-bit little-endian");
}

Test(elf, wrong_machine)
{
    struct img m;
    img_init(&m);
    img_eh(&m)->e_machine = EM_X86_64;
    refused(&m, "not a RISC-V");
}

Test(elf, relocatable_object)
{
    struct img m;
    img_init(&m);
    img_eh(&m)->e_type = ET_REL;
    refused(&m, "not an executable");
}

Test(elf, soft_float_abi)
{
    struct img m;
    img_init(&m);
    img_eh(&m)->e_flags = EF_RISCV_FLOAT_ABI_SOFT;
    refused(&m, "lp64d");
}

Test(elf, rve)
{
    struct img m;
    img_init(&m);
    img_eh(&m)->e_flags |= EF_RISCV_RVE;
    refused(&m, "RV64E");
}

Test(elf, bad_phentsize)
{
    struct img m;
    img_init(&m);
    img_eh(&m)->e_phentsize = 32;
    refused(&m, "program header size");
}

Test(elf, phdrs_past_eof)
{
    struct img m;
    img_init(&m);
    img_eh(&m)->e_phoff = IMG_SIZE - 20;
    refused(&m, "truncated");
}

Test(elf, segment_past_eof)
{
    struct img m;
    img_init(&m);
    m.len = IMG_DATA_OFF + 0x80; /* data segment's file bytes cut short */
    refused(&m, "truncated");
}

Test(elf, filesz_above_memsz)
{
    struct img m;
    img_init(&m);
    img_ph(&m, 1)->p_memsz = 0x80;
    refused(&m, "file size larger");
}

Test(elf, pt_interp)
{
    struct img m;
    img_init(&m);
    img_ph(&m, 2)->p_type = PT_INTERP;
    refused(&m, "dynamically linked: build with -static");
}

Test(elf, overlapping_loads)
{
    struct img m;
    img_init(&m);
    img_ph(&m, 1)->p_vaddr = IMG_TEXT_VADDR + 0x800;
    refused(&m, "overlapping");
}

Test(elf, absurd_memsz)
{
    struct img m;
    img_init(&m);
    img_ph(&m, 1)->p_memsz = 100ull << 30;
    refused(&m, "absurd");
}

Test(elf, below_user_space)
{
    struct img m;
    img_init(&m);
    img_ph(&m, 0)->p_vaddr = 0x1000;
    img_eh(&m)->e_entry = 0x1000 + IMG_TEXT_OFF;
    refused(&m, "outside user space");
}

Test(elf, above_user_space)
{
    struct img m;
    img_init(&m);
    img_ph(&m, 1)->p_vaddr = K_USER_TOP - 0x1000;
    refused(&m, "outside user space");
}

Test(elf, wrapping_segment)
{
    struct img m;
    img_init(&m);
    img_ph(&m, 1)->p_vaddr = ~0ull - 0x100;
    refused(&m, "outside user space");
}

Test(elf, entry_outside_text)
{
    struct img m;
    img_init(&m);
    img_eh(&m)->e_entry = IMG_DATA_VADDR; /* inside a segment, but not executable */
    refused(&m, "entry point");
}

Test(elf, no_loads)
{
    struct img m;
    img_init(&m);
    img_ph(&m, 0)->p_type = PT_NOTE;
    img_ph(&m, 1)->p_type = PT_NOTE;
    refused(&m, "no loadable");
}

Test(elf, shared_page_gets_both_protections)
{
    struct img m;
    img_init(&m);
    /* data starts in the last page of text: that page must become RWX */
    img_ph(&m, 1)->p_vaddr = IMG_TEXT_VADDR + IMG_TEXT_OFF + 0x800;
    struct k_elf_info info;
    cr_assert_eq(load(&m, &info), 0, "%s", err);
    int i = k_vm_lookup(&proc->vm, IMG_TEXT_VADDR + IMG_TEXT_OFF);
    cr_assert_geq(i, 0);
    cr_expect_eq(proc->vm.r[i].prot, RV_PROT_R | RV_PROT_W | RV_PROT_X);
    i = k_vm_lookup(&proc->vm, IMG_TEXT_VADDR);
    cr_expect_eq(proc->vm.r[i].prot, RV_PROT_R | RV_PROT_X);
    uint8_t b;
    cr_assert_eq(k_copyin(proc, &b, IMG_TEXT_VADDR + IMG_TEXT_OFF + 0x800, 1), 0);
    cr_expect_eq(b, 0xab);
}

/* ---- Segments are copy-on-write mappings of the executable (issue 3) ------ */

Test(elf, segments_are_copy_on_write_mappings_of_the_file)
{
    struct img m;
    img_init(&m);
    const char *path = img_write(&m);
    int fd = open(path, O_RDWR);
    cr_assert_geq(fd, 0);
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    struct k_elf_info info;
    cr_assert_eq(k_elf_load(proc, path, &info, err, sizeof err), 0, "%s", err);
    free(info.phdr_copy);
    unlink(path);
    cr_expect_eq(proc->vm.r[0].ino, (uint64_t)st.st_ino, "text maps the executable's image");
    cr_expect_eq(proc->vm.r[1].off, IMG_DATA_OFF);
    /* A debugger plants a breakpoint through a writable mapping: the page is
     * copied, the file keeps its instruction. */
    cr_assert_eq(k_vm_protect(proc, IMG_TEXT_VADDR + IMG_TEXT_OFF, 0x1000, 7), 0);
    uint32_t ebreak = 0x00100073, insn = 0;
    cr_assert_eq(k_copyout(proc, info.entry, &ebreak, 4), 0);
    cr_assert_eq(k_copyin(proc, &insn, info.entry, 4), 0);
    cr_expect_eq(insn, ebreak);
    cr_assert_eq(pread(fd, &insn, 4, IMG_TEXT_OFF), 4);
    cr_expect_eq(insn, 0x02a00513, "the file is unchanged");
    /* The file is rewritten while the program runs, in a page it never
     * touched (the headers' page, e_ident's padding): the program keeps what
     * it was started with. */
    uint8_t b = 0x11;
    k_vm_file_before_write(kern, fd, EI_PAD, 1);
    cr_assert_eq(pwrite(fd, &b, 1, EI_PAD), 1);
    k_vm_file_after_write(kern, fd);
    cr_assert_eq(k_copyin(proc, &b, IMG_TEXT_VADDR + EI_PAD, 1), 0);
    cr_expect_eq(b, 0, "the running program does not see the rewrite");
    cr_assert_eq(k_copyin(proc, &b, IMG_DATA_VADDR + 0xff, 1), 0);
    cr_expect_eq(b, 0xab, "file byte of the data page");
    cr_assert_eq(k_copyin(proc, &b, IMG_DATA_VADDR + 0x100, 1), 0);
    cr_expect_eq(b, 0, "bss after the file bytes of the page is zero");
    close(fd);
}
