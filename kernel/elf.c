/*
 * elf.c — the loader for static RISC-V executables: ET_EXEC at its link address
 * and static-pie ET_DYN (no PT_INTERP) at K_PIE_BIAS, without relocation (static
 * glibc relocates itself). Segments are copy-on-write mappings of the file. Every check that can
 * refuse a file is made before anything is mapped, and each refusal names its reason in one line.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/vm.h"

#define PAGE           RV_PAGE_SIZE
#define MAX_PHDR_BYTES 65536 /* Linux refuses more program-header bytes too */

/* An opened executable under examination. */
struct image {
    int fd;
    uint64_t size;
    Elf64_Ehdr eh;
    Elf64_Phdr *ph;
    const char *path;
    char *err;
    size_t errlen;
};

static int refuse(struct image *im, int rc, const char *fmt, ...)
{
    if (im->errlen) {
        int n = snprintf(im->err, im->errlen, "%s: ", im->path);
        va_list ap;
        va_start(ap, fmt);
        if (n >= 0 && (size_t)n < im->errlen) vsnprintf(im->err + n, im->errlen - n, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static int read_at(struct image *im, void *buf, uint64_t len, uint64_t off)
{
    uint64_t done = 0;
    while (done < len) {
        ssize_t n = pread(im->fd, (char *)buf + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return refuse(im, -errno, "read failed: %s", strerror(errno));
        if (n == 0) return refuse(im, -ENOEXEC, "truncated file");
        done += (uint64_t)n;
    }
    return 0;
}

static int open_image(struct image *im)
{
    /* O_NONBLOCK: a FIFO (or a device) must not hold the node in open(2)
     * until someone writes to it; it is refused below. */
    im->fd = open(im->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (im->fd < 0) return refuse(im, -errno, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(im->fd, &st) < 0) return refuse(im, -errno, "cannot stat: %s", strerror(errno));
    if (!S_ISREG(st.st_mode)) return refuse(im, -EACCES, "not a regular file");
    im->size = (uint64_t)st.st_size;
    return 0;
}

static int check_header(struct image *im)
{
    const Elf64_Ehdr *e = &im->eh;
    if (im->size < sizeof *e || memcmp(e->e_ident, ELFMAG, SELFMAG) != 0)
        return refuse(im, -ENOEXEC, "not an ELF file");
    if (e->e_ident[EI_CLASS] != ELFCLASS64 || e->e_ident[EI_DATA] != ELFDATA2LSB)
        return refuse(im, -ENOEXEC, "not a 64-bit little-endian ELF file");
    if (e->e_machine != EM_RISCV)
        return refuse(im, -ENOEXEC, "not a RISC-V executable (e_machine %u)", e->e_machine);
    if (e->e_type != ET_EXEC && e->e_type != ET_DYN)
        return refuse(im, -ENOEXEC, "not an executable (e_type %u)", e->e_type);
    if (e->e_flags & EF_RISCV_RVE)
        return refuse(im, -ENOEXEC, "RV32E/RV64E executables are not supported");
    if ((e->e_flags & EF_RISCV_FLOAT_ABI) != EF_RISCV_FLOAT_ABI_DOUBLE)
        return refuse(im, -ENOEXEC, "not built for the lp64d (double-float) ABI");
    if (e->e_phentsize != sizeof(Elf64_Phdr))
        return refuse(im, -ENOEXEC, "bad program header size %u", e->e_phentsize);
    if (e->e_phnum == 0 || (uint64_t)e->e_phnum * sizeof(Elf64_Phdr) > MAX_PHDR_BYTES)
        return refuse(im, -ENOEXEC, "bad program header count %u", e->e_phnum);
    if (e->e_phoff > im->size || im->size - e->e_phoff < e->e_phnum * sizeof(Elf64_Phdr))
        return refuse(im, -ENOEXEC, "truncated file (program headers past the end)");
    return 0;
}

/* One PT_LOAD against the file and user space (bias applied). */
static int check_load(struct image *im, const Elf64_Phdr *ph, uint64_t bias)
{
    if (ph->p_offset > im->size || im->size - ph->p_offset < ph->p_filesz)
        return refuse(im, -ENOEXEC, "truncated file (segment data past the end)");
    if (ph->p_filesz > ph->p_memsz)
        return refuse(im, -ENOEXEC, "segment file size larger than memory size");
    if (ph->p_memsz > K_ELF_MAX)
        return refuse(im, -ENOEXEC, "absurd segment size %#llx", (unsigned long long)ph->p_memsz);
    uint64_t lo = ph->p_vaddr + bias, hi = lo + ph->p_memsz;
    if (lo < ph->p_vaddr || hi < lo || lo < K_USER_MIN || hi > K_MMAP_TOP)
        return refuse(im, -ENOEXEC, "segment at %#llx outside user space",
                      (unsigned long long)ph->p_vaddr);
    return 0;
}

/* All program headers: loads sorted, disjoint, sane; no interpreter; entry in
 * an executable segment. */
static int check_segments(struct image *im, uint64_t bias)
{
    uint64_t prev_end = 0, total = 0;
    bool entry_ok = false;
    int nload = 0;
    for (int i = 0; i < im->eh.e_phnum; i++) {
        const Elf64_Phdr *ph = &im->ph[i];
        if (ph->p_type == PT_INTERP)
            return refuse(im, -ENOEXEC, "dynamically linked: build with -static");
        if (ph->p_type != PT_LOAD || ph->p_memsz == 0) continue;
        int rc = check_load(im, ph, bias);
        if (rc) return rc;
        uint64_t lo = ph->p_vaddr + bias;
        if (nload++ && lo < prev_end)
            return refuse(im, -ENOEXEC, "overlapping or unsorted PT_LOAD segments");
        prev_end = lo + ph->p_memsz;
        total += ph->p_memsz;
        if (total > K_ELF_MAX) return refuse(im, -ENOEXEC, "absurd total memory size");
        uint64_t entry = im->eh.e_entry + bias;
        if ((ph->p_flags & PF_X) && entry >= lo && entry < prev_end) entry_ok = true;
    }
    if (nload == 0) return refuse(im, -ENOEXEC, "no loadable segments");
    if (!entry_ok) return refuse(im, -ENOEXEC, "entry point not inside an executable segment");
    return 0;
}

static unsigned seg_prot(const Elf64_Phdr *ph)
{
    return ((ph->p_flags & PF_R) ? RV_PROT_R : 0) | ((ph->p_flags & PF_W) ? RV_PROT_W : 0) |
           ((ph->p_flags & PF_X) ? RV_PROT_X : 0);
}

/* Copy file bytes [from, to) of a segment into guest memory (the loader's
 * way where a page cannot be a mapping of the file). */
static int fill_range(struct k_proc *p, struct image *im, const Elf64_Phdr *ph, uint64_t bias,
                      uint64_t from, uint64_t to)
{
    char buf[65536];
    while (from < to) {
        uint64_t n = to - from;
        if (n > sizeof buf) n = sizeof buf;
        int rc = read_at(im, buf, n, ph->p_offset + from);
        if (!rc) rc = k_vm_poke(p, ph->p_vaddr + bias + from, buf, n);
        if (rc) return rc;
        from += n;
    }
    return 0;
}

static uint64_t page_up(uint64_t a)
{
    return (a + PAGE - 1) & ~(PAGE - 1);
}

/*
 * Map one PT_LOAD as a copy-on-write mapping of the executable's image (its
 * pages are read from the file on first touch, a write copies the page, and a
 * later rewrite of the file does not reach the running program: vm.c). The
 * bytes between p_filesz and the end of its page are zeroed (a copy of that
 * page), the pages after it read as zeros (bss). A page shared with the
 * previous segment (which ends at prev_end) is already mapped: it gets the
 * union of both protections and this segment's bytes are copied into it; a
 * segment whose file offset is not congruent to its address modulo the page
 * size is copied whole into anonymous memory.
 */
static int map_load(struct k_proc *p, struct image *im, const Elf64_Phdr *ph, uint64_t bias,
                    uint64_t prev_end)
{
    uint64_t vstart = ph->p_vaddr + bias, fend = vstart + ph->p_filesz;
    uint64_t lo = vstart & ~(PAGE - 1), hi = page_up(vstart + ph->p_memsz);
    uint64_t mapped_to = page_up(prev_end);
    unsigned prot = seg_prot(ph);
    int rc = 0;
    if (lo < mapped_to) {
        int i = k_vm_lookup(&p->vm, lo);
        rc = k_vm_protect(p, lo, PAGE, p->vm.r[i].prot | prot);
        uint64_t n = mapped_to - vstart < ph->p_filesz ? mapped_to - vstart : ph->p_filesz;
        if (!rc) rc = fill_range(p, im, ph, bias, 0, n);
        if (rc) return rc;
        lo = mapped_to;
    }
    if (lo >= hi) return 0;
    bool cow = (ph->p_offset & (PAGE - 1)) == (vstart & (PAGE - 1));
    if (!cow) {
        rc = k_vm_map(p, lo, hi - lo, prot, K_REGION_TEXT, -1, 0);
        if (!rc && fend > lo) rc = fill_range(p, im, ph, bias, lo - vstart, ph->p_filesz);
    } else {
        rc = k_vm_map(p, lo, hi - lo, prot, K_REGION_TEXT, im->fd, ph->p_offset - (vstart - lo));
        uint64_t zpage = fend > lo ? page_up(fend) : lo; /* first page wholly past the file bytes */
        if (!rc && ph->p_memsz > ph->p_filesz && fend > lo && fend < zpage) {
            static const char zeros[PAGE];
            uint64_t end = vstart + ph->p_memsz < zpage ? vstart + ph->p_memsz : zpage;
            rc = k_vm_poke(p, fend, zeros, end - fend);
        }
        if (!rc && zpage < hi) rc = k_vm_map_zero(p, zpage, hi - zpage);
    }
    if (rc) return refuse(im, rc, "cannot map segment: %s", strerror(-rc));
    return 0;
}

/* Where the program headers are in guest memory: PT_PHDR, else the load that
 * contains them in the file; 0 when they are not loaded. */
static uint64_t phdr_addr(const struct image *im, uint64_t bias)
{
    const Elf64_Ehdr *e = &im->eh;
    uint64_t len = (uint64_t)e->e_phnum * sizeof(Elf64_Phdr);
    for (int i = 0; i < e->e_phnum; i++)
        if (im->ph[i].p_type == PT_PHDR) return im->ph[i].p_vaddr + bias;
    for (int i = 0; i < e->e_phnum; i++) {
        const Elf64_Phdr *ph = &im->ph[i];
        if (ph->p_type == PT_LOAD && e->e_phoff >= ph->p_offset &&
            e->e_phoff + len <= ph->p_offset + ph->p_filesz)
            return ph->p_vaddr + bias + (e->e_phoff - ph->p_offset);
    }
    return 0;
}

static int load_all(struct k_proc *p, struct image *im, uint64_t bias)
{
    uint64_t prev_end = 0;
    for (int i = 0; i < im->eh.e_phnum; i++) {
        const Elf64_Phdr *ph = &im->ph[i];
        if (ph->p_type != PT_LOAD || ph->p_memsz == 0) continue;
        int rc = map_load(p, im, ph, bias, prev_end);
        if (rc) return rc == -EFAULT ? refuse(im, -ENOMEM, "cannot fill segment") : rc;
        prev_end = ph->p_vaddr + bias + ph->p_memsz;
    }
    p->vm.brk_start = p->vm.brk_cur = (prev_end + PAGE - 1) & ~(PAGE - 1);
    return 0;
}

/* Read and check everything; on success im->ph holds the program headers. */
static int examine(struct image *im, uint64_t *bias)
{
    int rc = open_image(im);
    if (!rc && im->size < sizeof im->eh) return refuse(im, -ENOEXEC, "not an ELF file");
    if (!rc) rc = read_at(im, &im->eh, sizeof im->eh, 0);
    if (!rc) rc = check_header(im);
    if (rc) return rc;
    size_t phlen = (size_t)im->eh.e_phnum * sizeof(Elf64_Phdr);
    im->ph = malloc(phlen);
    if (!im->ph) return refuse(im, -ENOMEM, "out of memory");
    rc = read_at(im, im->ph, phlen, im->eh.e_phoff);
    if (rc) return rc;
    *bias = im->eh.e_type == ET_DYN ? K_PIE_BIAS : 0;
    return check_segments(im, *bias);
}

int k_elf_load(struct k_proc *p, const char *path, struct k_elf_info *info, char *err,
               size_t errlen)
{
    struct image im = {.fd = -1, .path = path, .err = err, .errlen = errlen};
    uint64_t bias = 0;
    memset(info, 0, sizeof *info);
    int rc = examine(&im, &bias);
    if (!rc) rc = load_all(p, &im, bias);
    if (!rc) {
        info->entry = im.eh.e_entry + bias;
        info->phdr = phdr_addr(&im, bias);
        info->phnum = im.eh.e_phnum;
        info->brk_start = p->vm.brk_start;
        info->bias = bias;
        info->phdr_copy = im.ph;
        im.ph = NULL;
    }
    free(im.ph);
    if (im.fd >= 0) close(im.fd);
    return rc;
}

int k_elf_check(const char *path, char *err, size_t errlen)
{
    struct image im = {.fd = -1, .path = path, .err = err, .errlen = errlen};
    uint64_t bias = 0;
    int rc = examine(&im, &bias);
    free(im.ph);
    if (im.fd >= 0) close(im.fd);
    return rc;
}
