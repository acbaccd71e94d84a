// First faults: map four anonymous pages, write to each, and watch the page table fill in.
// Run it with: npx mmu-lab run experiments/first-fault.ts
const mm = mm_alloc();
const len = 4 * PAGE_SIZE;
const addr = mmap(mm, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
print(`before: ${lookup_pte(mm, addr) === null ? 'no page table yet' : 'a page table exists'}`);

const faults = touch(mm, addr, len, 'w');
const pte = lookup_pte(mm, addr)!;
print(`touch: ${faults} faults`);
print(`after: present=${pte_present(pte)} write=${pte_write(pte)} dirty=${pte_dirty(pte)}`);
print(`MM_ANONPAGES: ${get_mm_counter(mm, MM_ANONPAGES)}`);
