// The machine of the open notebook's session: every parameter as src-engine/params.ts declares
// it (default, unit, description, group), the values in force, and the user's draft. Applying
// restarts the machine with the draft and writes the overrides into the notebook's metadata.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { MachineConfig, MachineConfigView, MachineParamInfo } from '../../src-main/contract';
import { useHost } from '../client';
import { useNotebookStore } from './notebook';

export type ParamValue = number | boolean | string;

/** The groups of the machine panel, in order, with their headings. */
export const PARAM_GROUPS: readonly { id: MachineParamInfo['group']; title: string }[] = [
  { id: 'machine', title: 'Machine' },
  { id: 'tlb', title: 'TLB' },
  { id: 'cost', title: 'Cost model (cycles)' },
  { id: 'kernel', title: 'Kernel' },
];

/**
 * The overrides of `draft`: the entries that differ from their parameter's default (what
 * belongs in metadata.mmu_lab.machine), in the parameter list's order.
 */
export function overridesOf(params: readonly MachineParamInfo[], draft: Record<string, ParamValue>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const p of params) if (draft[p.name] !== undefined && draft[p.name] !== p.default) out[p.name] = draft[p.name]!;
  return out;
}

/** A problem with `value` for parameter `p`, or null when it is acceptable to send to the host. */
export function paramProblem(p: MachineParamInfo, value: ParamValue | undefined): string | null {
  if (value === undefined) return null;
  if (p.type === 'integer') return typeof value === 'number' && Number.isInteger(value) ? null : `${p.name} must be a whole number`;
  if (p.type === 'boolean') return typeof value === 'boolean' ? null : `${p.name} must be on or off`;
  return p.choices?.includes(String(value)) ? null : `${p.name} must be one of ${p.choices?.join(', ')}`;
}

export const useMachineStore = defineStore('machine', () => {
  const params = shallowRef<MachineParamInfo[]>([]);
  const view = shallowRef<MachineConfigView | null>(null);
  const draft = ref<Record<string, ParamValue>>({});
  const applying = ref(false);
  let subscribed = false;

  const changed = computed(() => {
    const cur = view.value?.config as Record<string, ParamValue> | undefined;
    return !!cur && Object.keys(draft.value).some((k) => draft.value[k] !== cur[k]);
  });
  const problems = computed(() => params.value.map((p) => paramProblem(p, draft.value[p.name])).filter((x): x is string => !!x));

  /** Takes a view from the host: its values become the draft (reading never changes the notebook). */
  function accept(v: MachineConfigView): void {
    view.value = v;
    if (v.params.length) params.value = v.params;
    draft.value = { ...(v.config as unknown as Record<string, ParamValue>) };
  }

  /** Loads the parameter list and the open notebook's machine. */
  async function refresh(): Promise<void> {
    const nb = useNotebookStore();
    const nbId = nb.id;
    if (!params.value.length) {
      const list = await nb.guard(() => useHost().machineParams());
      if (list) params.value = list;
    }
    if (!nbId) return;
    const v = await nb.guard(() => useHost().getMachineConfig(nbId));
    if (v) accept(v);
  }

  /** Re-reads the machine whenever the host replaces it (restart, new config, a killed sandbox); once. */
  function subscribe(): void {
    if (subscribed) return;
    subscribed = true;
    useHost().onMachineReset((e) => {
      if (e.notebookId === useNotebookStore().id) void refresh();
    });
  }

  /** Sets one draft value. */
  function setDraft(name: string, value: ParamValue): void {
    draft.value = { ...draft.value, [name]: value };
  }

  /** Puts every parameter back to its default in the draft. */
  function resetDraftToDefaults(): void {
    draft.value = Object.fromEntries(params.value.map((p) => [p.name, p.default]));
  }

  /**
   * Restarts the machine with the draft (the host validates it). The notebook's metadata takes
   * the new overrides at once, so a save during the restart already has them; a rejected config
   * puts the old ones back and leaves the machine as it was.
   */
  async function apply(): Promise<boolean> {
    const nb = useNotebookStore();
    const nbId = nb.id;
    if (!nbId || problems.value.length) return false;
    const wanted = overridesOf(params.value, draft.value);
    const before = { ...(((nb.metadata['mmu_lab'] as { machine?: Record<string, unknown> } | undefined)?.machine) ?? {}) };
    nb.setMachineMetadata(wanted);
    applying.value = true;
    try {
      const v = await nb.guard(() => useHost().setMachineConfig(nbId, wanted as Partial<MachineConfig>));
      if (v) {
        accept(v);
        nb.setMachineMetadata(v.overrides as Record<string, unknown>);
      } else nb.setMachineMetadata(before);
      return !!v;
    } finally {
      applying.value = false;
    }
  }

  return { params, view, draft, applying, changed, problems, accept, subscribe, refresh, setDraft, resetDraftToDefaults, apply };
});
