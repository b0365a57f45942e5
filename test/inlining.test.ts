// Inlining: the flags of lib/inlining.ts keep a small helper's frame on the
// running V8, whichever compiler optimizes its caller; without them the
// helper's allocations are charged to the caller. Tiers are forced with V8's
// natives, so what V8 inlines does not depend on timing.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { disableInlining, inliningEnabled, noInliningFlags } from '../lib/inlining';
import { fixtures, runNode } from './helpers/child';

const HOT_HELPER = path.join(fixtures, 'attribution', 'hot-helper.js');

interface Charged {
  charged: Record<string, number>;
  inlining: boolean;
}

function hotHelper(tier: 'natural' | 'turbofan' | 'maglev', inlining: 'on' | 'turbo-only' | 'off'): Charged {
  const result = runNode(['--allow-natives-syntax', HOT_HELPER, tier, inlining]);
  if (result.status !== 0) throw new Error(`hot-helper.js ${tier} ${inlining} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as Charged;
}

const v8Options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;

/** A boolean V8 flag's default on this node, from `node --v8-options`. */
function flagDefault(name: string): boolean | undefined {
  const match = new RegExp(`^\\s+--${name} \\(.*\\)\\n\\s+type: bool\\s+default: --(no-)?${name}$`, 'm').exec(v8Options);
  return match === null ? undefined : match[1] === undefined;
}

// The helper allocates 2000 objects in the traced call: all in its own frame,
// or all in hot's (the caller) once inlined. A function that tiers up during
// the call also gets V8's own few objects (feedback, code): at most SLACK.
const CALLS = 2000;
const SLACK = 16;

function expectVisible(r: Charged): void {
  expect(r.charged.makeItem).toBeGreaterThanOrEqual(CALLS);
  expect(r.charged.makeItem).toBeLessThan(CALLS + SLACK);
}

function expectInlined(r: Charged): void {
  expect(r.charged.makeItem ?? 0).toBeLessThan(SLACK);
  expect(r.charged.hot).toBeGreaterThanOrEqual(CALLS);
}

describe('noInliningFlags', () => {
  test('TurboFan everywhere, Maglev from V8 11 (Node 20) on', () => {
    expect(noInliningFlags('10.2.154')).toEqual(['--no-turbo-inlining']);
    expect(noInliningFlags('11.3.244.8-node.38')).toEqual(['--no-turbo-inlining', '--no-maglev-inlining']);
    expect(noInliningFlags('14.6.1')).toEqual(['--no-turbo-inlining', '--no-maglev-inlining']);
  });

  test('every flag exists on this V8 and defaults to inlining (so setting it is never an unknown flag)', () => {
    for (const flag of noInliningFlags()) {
      const name = flag.slice('--no-'.length);
      expect({ name, exists: flagDefault(name) !== undefined }).toEqual({ name, exists: true });
    }
    expect(flagDefault('turbo-inlining')).toBe(true);
  });
});

describe(`a small helper called from a hot loop (${process.version})`, () => {
  test('keeps its own frame when the loop gets hot on its own, with inlining off', () => {
    const r = hotHelper('natural', 'off');
    expectVisible(r);
    expect(r.inlining).toBe(false);
  });

  test('TurboFan: the frame vanishes with inlining on, and stays with the flags', () => {
    const on = hotHelper('turbofan', 'on');
    expectInlined(on);
    expect(on.inlining).toBe(true);
    expectVisible(hotHelper('turbofan', 'off'));
  });

  // Maglev runs by default from Node 24 (V8 13); on 20 and 22 it is off and
  // %OptimizeMaglevOnNextCall does nothing.
  const maglevOn = flagDefault('maglev') === true;
  (maglevOn ? test : test.skip)(
    'Maglev: the frame vanishes with inlining on and with --no-turbo-inlining alone; the flags keep it',
    () => {
      expectInlined(hotHelper('maglev', 'on'));
      // What this package set before: TurboFan's flag does not stop Maglev.
      expectInlined(hotHelper('maglev', 'turbo-only'));
      expectVisible(hotHelper('maglev', 'off'));
    },
  );

  test('Maglev is on by default exactly from V8 13 (Node 24), as the skip above assumes', () => {
    expect(maglevOn).toBe(Number.parseInt(process.versions.v8, 10) >= 13);
  });
});

describe('inliningEnabled', () => {
  const probe = `const i = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'inlining.js'))}); console.log(i.inliningEnabled());`;
  const enabled = (args: string[]): string => runNode([...args, '-e', probe]).stdout.trim();

  test('true by default; false with every flag on the command line, the last word winning', () => {
    expect(enabled([])).toBe('true');
    expect(enabled(noInliningFlags())).toBe('false');
    expect(enabled(['--no-turbo-inlining'])).toBe(noInliningFlags().length === 1 ? 'false' : 'true');
    expect(enabled([...noInliningFlags(), '--turbo-inlining'])).toBe('true');
    expect(enabled(noInliningFlags().map((f) => f.replace(/-/g, '_').replace(/^__/, '--')))).toBe('false');
  });

  test('false once disableInlining() ran', () => {
    // This jest worker's own V8: harmless, only slower code from here on.
    disableInlining();
    expect(inliningEnabled()).toBe(false);
  });
});
