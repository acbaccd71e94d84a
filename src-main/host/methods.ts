// The contract's request methods and event names as runtime lists, checked against
// src-main/contract.ts at compile time (a method added to the contract but not here, or the
// reverse, is a type error). The preload bundles only this file of the host.
import type { HostEventName, HostMethod } from '../contract';

export const HOST_METHODS = [
  'appInfo', 'labDeclarations', 'machineParams',
  'newNotebook', 'openNotebookDialog', 'openRecent', 'listRecent', 'clearRecent', 'listExamples', 'openExample', 'openNotebookContent',
  'notebookChanged', 'saveNotebook', 'saveNotebookAs', 'closeNotebook', 'listOpen',
  'listRecovered', 'restoreRecovered', 'discardRecovered',
  'runCell', 'runAll', 'stop', 'restartMachine', 'getMachineConfig', 'setMachineConfig',
  'listProcesses', 'pageTableSnapshot', 'pageTableDiff', 'dmesg', 'statsSnapshot',
] as const satisfies readonly HostMethod[];

export const HOST_EVENTS = [
  'notebookOpened', 'menuCommand', 'kernelStatus', 'cellLifecycle', 'cellOutput', 'diagnostics', 'metrics', 'machineReset',
] as const satisfies readonly HostEventName[];

/** Compile-time proof that both lists are complete. */
const _allMethods: [Exclude<HostMethod, (typeof HOST_METHODS)[number]>] extends [never] ? true : never = true;
const _allEvents: [Exclude<HostEventName, (typeof HOST_EVENTS)[number]>] extends [never] ? true : never = true;
void _allMethods;
void _allEvents;

/** The subscription method of an event: 'cellOutput' → 'onCellOutput'. */
export const subscriptionName = (event: string): string => `on${event[0]!.toUpperCase()}${event.slice(1)}`;

/** The IPC channel of a request method, and the one channel events come on. */
export const ipcChannel = (method: string): string => `mmu-lab:${method}`;
export const IPC_EVENT_CHANNEL = 'mmu-lab:event';
