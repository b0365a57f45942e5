// lib/stack-totals.ts: the WebAssembly pass statistics() sums samples with
// must give the JS loop's sums bit for bit.
import { stackTotals, stackTotalsJs } from '../lib/stack-totals';

function columns(n: number, nStacks: number, seed: number): [Uint32Array, Float64Array, Float64Array] {
  const stack = new Uint32Array(n);
  const size = new Float64Array(n);
  const count = new Float64Array(n);
  let x = seed;
  const next = (): number => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < n; i++) {
    stack[i] = next() < 0.02 ? 0xffffffff : Math.floor(next() * nStacks); // NO_STACK now and then
    size[i] = next() * 4096;
    count[i] = 1 / (1 - Math.exp(-size[i] / 8192)); // sampled counts: fractional
  }
  return [stack, size, count];
}

test.each([
  [0, 0],
  [0, 3],
  [1, 1],
  [17, 4],
  [100000, 1000],
  [300000, 1], // more samples than one wasm page holds
])('%i samples over %i stacks: the same sums as the JS loop', (n, nStacks) => {
  const [stack, size, count] = columns(n, nStacks, n + nStacks);
  const wasm = stackTotals(stack, size, count, nStacks);
  const js = stackTotalsJs(stack, size, count, nStacks);
  expect(wasm.size.length).toBe(nStacks + 1);
  expect(Array.from(wasm.size)).toEqual(Array.from(js.size));
  expect(Array.from(wasm.count)).toEqual(Array.from(js.count));
  expect(Array.from(wasm.used)).toEqual(Array.from(js.used));
});

test('results do not alias the wasm memory (each call is independent)', () => {
  const a = stackTotals(new Uint32Array([0]), new Float64Array([5]), new Float64Array([1]), 1);
  stackTotals(new Uint32Array([0]), new Float64Array([7]), new Float64Array([1]), 1);
  expect(a.size[0]).toBe(5);
});
