// vm_flags, mmap/madvise constants, errno values and other numeric ABI of Linux 4.7 x86-64.

export const VM_NONE = 0x0;
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_MAYREAD = 0x10;
export const VM_MAYWRITE = 0x20;
export const VM_MAYEXEC = 0x40;
export const VM_MAYSHARE = 0x80;
export const VM_GROWSDOWN = 0x100;
export const VM_UFFD_MISSING = 0x200;
export const VM_PFNMAP = 0x400;
export const VM_DENYWRITE = 0x800;
export const VM_UFFD_WP = 0x1000;
export const VM_LOCKED = 0x2000;
export const VM_IO = 0x4000;
export const VM_SEQ_READ = 0x8000;
export const VM_RAND_READ = 0x10000;
export const VM_DONTCOPY = 0x20000;
export const VM_DONTEXPAND = 0x40000;
export const VM_LOCKONFAULT = 0x80000;
export const VM_ACCOUNT = 0x100000;
export const VM_NORESERVE = 0x200000;
export const VM_HUGETLB = 0x400000;
export const VM_PAT = 0x1000000;
export const VM_DONTDUMP = 0x4000000;
export const VM_SOFTDIRTY = 0x8000000;
export const VM_MIXEDMAP = 0x10000000;
export const VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;

export const PROT_NONE = 0x0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;
export const PROT_GROWSDOWN = 0x01000000;

export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_GROWSDOWN = 0x0100;
export const MAP_DENYWRITE = 0x0800;
export const MAP_LOCKED = 0x2000;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000;

export const MADV_NORMAL = 0;
export const MADV_RANDOM = 1;
export const MADV_SEQUENTIAL = 2;
export const MADV_WILLNEED = 3;
export const MADV_DONTNEED = 4;
export const MADV_FREE = 8;
export const MADV_DONTFORK = 10;
export const MADV_DOFORK = 11;

export const EPERM = 1;
export const ENOENT = 2;
export const EINTR = 4;
export const EIO = 5;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENFILE = 23;
export const EFBIG = 27;
export const ENOSPC = 28;
export const ENOSYS = 38;

export const MM_FILEPAGES = 0;
export const MM_ANONPAGES = 1;
export const MM_SWAPENTS = 2;
export const MM_SHMEMPAGES = 3;
export const NR_MM_COUNTERS = 4;

// VM_FAULT_* results of handle_mm_fault.
export const VM_FAULT_OOM = 0x0001;
export const VM_FAULT_SIGBUS = 0x0002;
export const VM_FAULT_MAJOR = 0x0004;
export const VM_FAULT_WRITE = 0x0008;
export const VM_FAULT_HWPOISON = 0x0010;
export const VM_FAULT_SIGSEGV = 0x0040;
export const VM_FAULT_NOPAGE = 0x0100;
export const VM_FAULT_LOCKED = 0x0200;
export const VM_FAULT_RETRY = 0x0400;
export const VM_FAULT_FALLBACK = 0x0800;
export const VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON | VM_FAULT_FALLBACK;

export const FAULT_FLAG_WRITE = 0x01;
export const FAULT_FLAG_MKWRITE = 0x02;
export const FAULT_FLAG_ALLOW_RETRY = 0x04;
export const FAULT_FLAG_RETRY_NOWAIT = 0x08;
export const FAULT_FLAG_KILLABLE = 0x10;
export const FAULT_FLAG_TRIED = 0x20;
export const FAULT_FLAG_USER = 0x40;
export const FAULT_FLAG_REMOTE = 0x80;
export const FAULT_FLAG_INSTRUCTION = 0x100;

export const FOLL_WRITE = 0x01;
export const FOLL_TOUCH = 0x02;
export const FOLL_GET = 0x04;
export const FOLL_DUMP = 0x08;
export const FOLL_FORCE = 0x10;
export const FOLL_NOWAIT = 0x20;
export const FOLL_POPULATE = 0x40;
export const FOLL_SPLIT = 0x80;
export const FOLL_HWPOISON = 0x100;
export const FOLL_NUMA = 0x200;
export const FOLL_MIGRATION = 0x400;
export const FOLL_TRIED = 0x800;
export const FOLL_MLOCK = 0x1000;
export const FOLL_REMOTE = 0x2000;
export const FOLL_COW = 0x4000;

export const DEFAULT_MAX_MAP_COUNT = 65530;
export const ULONG_MAX = 2 ** 64 - 1;
