// The sandbox bench section (sandbox.ts), once with tiny sizes: both kinds of run complete in
// their own process and report finite, positive costs. No timing assertion: `npm run bench`
// checks the target.
import { describe, expect, it } from 'vitest';
import { measureSandbox } from './sandbox';

describe('the sandbox bench section', () => {
  it('runs the script sandboxed and directly and reports ns per access and per call for each', () => {
    const { sandboxed, direct } = measureSandbox(1, { rounds: 2, accesses: 500, calls: 50 });
    expect([sandboxed.where, direct.where]).toEqual(['sandboxed', 'direct']);
    for (const v of [sandboxed.access_ns, sandboxed.call_ns, direct.access_ns, direct.call_ns]) {
      expect(Number.isFinite(v) && v > 0, String(v)).toBe(true);
    }
  }, 60_000);
});
