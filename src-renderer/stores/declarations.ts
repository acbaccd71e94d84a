// The lab's TypeScript declarations for the code cells' IntelliSense, fetched once from the host
// (it builds them from the engine's own types). The editor registers them with Monaco.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LabDeclarations } from '../../src-main/contract';
import { useHost } from '../client';
import { useNotebookStore } from './notebook';

export const useDeclarationsStore = defineStore('declarations', () => {
  const declarations = shallowRef<LabDeclarations | null>(null);
  const loading = ref(false);

  /** Fetches the declarations unless they are loaded or loading. */
  async function load(): Promise<void> {
    if (declarations.value || loading.value) return;
    loading.value = true;
    try {
      const d = await useNotebookStore().guard(() => useHost().labDeclarations());
      if (d) declarations.value = d;
    } finally {
      loading.value = false;
    }
  }

  return { declarations, loading, load };
});
