// mm/shmem.c (tmpfs), fs/ramfs and a disk-like file system, reduced to what mm sees: how their
// files map (vm_ops) and how anonymous shared memory gets a backing object.
import type { vm_area_struct, vm_operations_struct, vm_fault } from '../mm/mm_types';
import { FMODE_READ, FMODE_WRITE, register_vm_ops } from '../mm/mm_types';
import { filemap_fault, filemap_map_pages, generic_file_mmap } from '../mm/filemap';

/** shmem_vm_ops: tmpfs has ->fault and ->map_pages but no ->page_mkwrite (no write-notify). */
export const shmem_vm_ops: vm_operations_struct = {
  name: 'shmem_vm_ops',
  fault: filemap_fault,
  map_pages: filemap_map_pages as (vma: vm_area_struct, vmf: vm_fault) => void,
};

register_vm_ops(3, shmem_vm_ops);

/** shmem_mmap. */
export function shmem_mmap(_f: unknown, vma: vm_area_struct): number {
  vma.vm_ops = shmem_vm_ops;
  return 0;
}

/** shmem_zero_setup: back a MAP_SHARED|MAP_ANONYMOUS vma with a new tmpfs file of its size. */
export function shmem_zero_setup(vma: vm_area_struct): number {
  const m = vma.m;
  const ino = m.newInode(`dev/zero (deleted)`, 'tmpfs');
  ino.i_size = vma.vm_end - vma.vm_start;
  const f = m.newFile(ino, FMODE_READ | FMODE_WRITE, { mmap: shmem_mmap });
  vma._setFile(f);
  vma.vm_ops = shmem_vm_ops;
  return 0;
}

/** The file_operations' mmap of each regular file system. */
export const FS_MMAP = {
  ramfs: generic_file_mmap,
  diskfs: generic_file_mmap,
  tmpfs: shmem_mmap,
};
