/*
 * vm.h — layer 2 of kernel/ (docs/kernel.md "Layers"): address spaces
 * (vm.c: regions and their layers, the translate hook, copyin/copyout, file
 * coherence with mapped pages, fork/exec/ship of address spaces) and the ELF
 * loader (elf.c). May call the global-memory client (gmem.h) below it.
 * k_copyin and k_copyout are declared in hooks.h (gmem.c uses them too).
 */
#ifndef SYMUNIX_KERNEL_VM_H
#define SYMUNIX_KERNEL_VM_H

#include "kernel/gmem.h"

/* Copy a NUL-terminated string of at most max-1 bytes; -EFAULT or -ENAMETOOLONG. */
int k_copyin_str(struct k_proc *p, char *dst, uint64_t gsrc, uint64_t max);

/* The hart's translate hook (ctx is the struct k_proc). A page of a global
 * lseg is not host memory: -EREMOTE (gmem.c sends the access to the network). */
int k_vm_translate(void *ctx, uint64_t vaddr, enum rv_access access, struct rv_page *out);

/* ---- Address-space operations (vm.c) ------------------------------------- *
 * Ranges are page-aligned and inside user space (callers check); every function
 * that changes mappings flushes the hart's view of the range. */

void k_vm_init(struct k_vm *vm);

/* Unmap everything (exit, exec). */
void k_vm_free(struct k_proc *p);

/* Map [start, start+len), which must be free: anonymous zero memory when
 * hostfd < 0, else the host file at `off` (shared or private by `kind`). */
/* A shared file mapping (K_REGION_FILE_SHARED) of lazy image img (a virtual
 * anonymous file's; the layer takes its own reference) at off, reported as
 * inode `ino` on device 0, with protection prot and the attributes in `mask`
 * taken from `attr` (the others as k_vm_map gives them): what mapin would
 * get from k_vm_map then k_vm_set_attr. 0 or a negative errno. */
int k_vm_map_image(struct k_proc *p, uint64_t start, uint64_t len, unsigned prot, unsigned mask,
                   unsigned attr, struct store_cache_image *img, uint64_t ino, uint64_t off);

/* A virtual file's image has just got its host file: the file's reference
 * moves to the parked images (kept cached until the file's last close). */
void k_vm_park_image(struct k_kernel *k, struct store_cache_image *img);
int k_vm_map(struct k_proc *p, uint64_t start, uint64_t len, unsigned prot, int kind, int hostfd,
             uint64_t off);

/* Remove every mapping inside the range (holes are fine). */
int k_vm_unmap(struct k_proc *p, uint64_t start, uint64_t len);

/* Change protection of a fully mapped range: 0, -ENOMEM (hole) or host errno. */
int k_vm_protect(struct k_proc *p, uint64_t start, uint64_t len, unsigned prot);

/* Set the protection and the attribute bits selected by mask (a k_region attr
 * mask) of a fully mapped range, splitting regions at its ends; as k_vm_protect
 * otherwise (k_vm_protect is this with mask 0). */
int k_vm_set_attr(struct k_proc *p, uint64_t start, uint64_t len, unsigned prot, unsigned mask,
                  unsigned attr);

/* Is any page of the range mapped? Is every page? */
bool k_vm_any_mapped(const struct k_vm *vm, uint64_t start, uint64_t len);
bool k_vm_all_mapped(const struct k_vm *vm, uint64_t start, uint64_t len);

/* Find a free range of len bytes: at hint when it is free, else the highest
 * free range below K_MMAP_TOP. 0 or -ENOMEM. */
int k_vm_find_free(const struct k_vm *vm, uint64_t hint, uint64_t len, uint64_t *out);

/* Kernel write into guest memory ignoring protection (loader, trampoline). */
int k_vm_poke(struct k_proc *p, uint64_t gdst, const void *src, uint64_t len);

/* Move the program break; returns the new break (the old one on failure). */
uint64_t k_vm_set_brk(struct k_proc *p, uint64_t newbrk);

/* Resize (and maybe move) the mapping at old; returns the address or -errno. */
int64_t k_vm_remap(struct k_proc *p, uint64_t old, uint64_t oldlen, uint64_t newlen, bool maymove);

/* The pages of [start, start+len), fully mapped by private file mappings
 * (shadows), read as zeros from now on (the loader's bss). 0 or -errno. */
int k_vm_map_zero(struct k_proc *p, uint64_t start, uint64_t len);

/* madvise(DONTNEED): drop the pages of the range; private anonymous memory
 * reads back as zeros, a private file mapping as the file. */
int k_vm_discard(struct k_proc *p, uint64_t start, uint64_t len);

/* msync: write the dirty pages of the shared file mappings in the range back
 * (and fsync when `wait`). 0 or the first error. */
int k_vm_sync(struct k_proc *p, uint64_t start, uint64_t len, bool wait);

/* Put every page p holds pinned (its frames become AVAILABLE, reclaimable
 * without I/O if touched again before reuse) and flush its hart. The number
 * of pages put. The scheduler calls this to swap a process out; translate
 * calls it for the node's other processes when the cache is full. */
int k_vm_swap_out(struct k_proc *p);

/* Coherence of file system calls with mapped pages of the same file (sys_rw.c, sys_names.c
 * calls these with the host fd): before a read, dirty pages reach the file;
 * before a write likewise, and after it the cached pages are refilled;
 * ftruncate and fsync go through the cache when the file has an image.
 * k_vm_file_truncate/k_vm_file_sync return 1 when they did nothing (no image:
 * the caller makes the host call), else 0 or a negative errno. */
void k_vm_file_before_io(struct k_kernel *k, int hostfd);

/* Before a write(2) of [off, off+len) (off < 0: at the file position): as
 * k_vm_file_before_io, and the private (copy-on-write) mappers of the file,
 * e.g. a running executable, and the buffers read(2) mapped from them get
 * their copy of those pages first. 0, or the errno of a copy that could not
 * be made (the write must fail: nothing was written). */
int k_vm_file_before_write(struct k_kernel *k, int hostfd, int64_t off, uint64_t len);
void k_vm_file_after_write(struct k_kernel *k, int hostfd);
int k_vm_file_truncate(struct k_kernel *k, int hostfd, uint64_t len);

/* truncate(path) and open(O_TRUNC) of the file at hostfd (any fd, O_PATH
 * too): before the host call, the private (copy-on-write) mappers of the
 * file and the buffers read(2) mapped from it get their own copy of every
 * page from len on; after it, the cached pages learn the new size. */
int k_vm_file_before_truncate(struct k_kernel *k, int hostfd, uint64_t len);
void k_vm_file_truncated(struct k_kernel *k, int hostfd);

/* read(2) of the file at hostfd from off (< 0: the file position, advanced)
 * into guest buf, len bytes: the whole pages that are resident in the cache,
 * page-aligned on both sides and going into private memory only this
 * process maps, are mapped copy-on-write instead of copied (§4.3(3)). The
 * number of bytes so served from the start of the buffer (0: none; the
 * caller reads the rest). */
int64_t k_vm_read_cow(struct k_proc *p, int hostfd, int64_t off, uint64_t buf, uint64_t len);

/* A page of p could not be had from the node's cache for an I/O reason (no
 * space on the store, no host descriptor left, a read error): one line on
 * stderr naming the failure, the file and what to do; p ends with SIGBUS. */
void k_vm_paging_failed(struct k_proc *p, uint64_t addr, int err);

/* The image of a file no lseg maps stays in the cache ("parked") until a
 * process's last descriptor of the file is closed; fd.c then calls
 * this (vanished: store_names_file_close returned 1, the file is gone): the pages
 * of a vanished file are dropped unwritten, others written back.
 * k_vm_unpark_all closes every parked image (kernel end). */
void k_vm_file_closed(struct k_kernel *k, int hostfd, bool vanished);

/* The cache's materialize hook (ctx: the node's struct store_names): a lazy
 * anonymous file about to be written back gets its host file. */
int k_vm_materialize(void *names, int hostfd);
void k_vm_unpark_all(struct k_kernel *k);
int k_vm_file_sync(struct k_kernel *k, int hostfd);

/* Give child (same kernel, empty address space) what a fork/spawn child gets:
 * each region of parent by its SYM_SPAWN_* action (DROP: absent; COPY: a
 * private copy-on-write copy; INHERIT: the same pages, shared; REALLOC: fresh
 * zero memory, same range and protection), plus the brk and mmap state.
 * 0 or a negative errno (the caller then frees the child's vm). */
int k_vm_fork(struct k_proc *parent, struct k_proc *child);

/* exec: remove every region not marked SYM_EXEC_KEEP; reset brk and mmap base. */
void k_vm_exec_drop(struct k_proc *p);

/* Map the static RISC-V executable at host path `path` into p's (empty) address
 * space. 0, or a negative errno with a one-line reason in err. */
int k_elf_load(struct k_proc *p, const char *path, struct k_elf_info *info, char *err,
               size_t errlen);

/* Every check k_elf_load makes before it maps anything (exec calls it before
 * destroying the old image): 0 or the errno k_elf_load would return. */
int k_elf_check(const char *path, char *err, size_t errlen);

/* vm.c: call fn(arg, vaddr, page) for each page of p's region i that may hold
 * data, in address order, reading through its layers whatever its protection;
 * pages of a lazy image never written are skipped without taking a frame
 * (pages may still be all zeros: fn checks). 0, fn's nonzero return, or the
 * cache's errno. The region must be local. */
int k_vm_ship_pages(struct k_proc *p, int i, int (*fn)(void *arg, uint64_t vaddr, const void *page),
                    void *arg);

/* vm.c: append to p's address space a region like r (start, end, prot, kind,
 * attr, off, dev, ino; r->layer ignored) on a fresh lazy anonymous image:
 * -EBADMSG when r is empty, not page-aligned, outside user space, not above
 * every region p has, or local with an image file or offset; -ENOMEM. */
int k_vm_land_region(struct k_proc *p, const struct k_region *r);

/* vm.c: write one page (4 KiB at vaddr) of a local region of p, ignoring its
 * protection. -EBADMSG when vaddr is not page-aligned or not in a local region. */
int k_vm_land_page(struct k_proc *p, uint64_t vaddr, const void *data);

#endif /* SYMUNIX_KERNEL_VM_H */
