// Bytes and objects per stack row: the one per-sample pass of statistics(),
// run as a few lines of WebAssembly so that it allocates nothing on the JS heap.
//
// Why: while tracing at a small interval, V8 samples the tracer's own
// allocations too, at several µs each. The same loop in JS runs in V8's
// interpreter and baseline tiers until TurboFan picks it up, and there every
// Float64Array read and every double sum is a fresh 16-byte HeapNumber:
// measured 1.5 sampled allocations per trace, which made
// `statistics('lineno')` of a 100k-trace exact snapshot take 150–470 ms
// instead of 1–2 ms (bench/RESULTS.md, "Snapshot cost"). Wasm code never
// boxes: copying the columns in is three memcpy's, the loop allocates nothing.
//
// Falls back to the JS loop where WebAssembly is off (`node --jitless`).

/** Per stack row, and one last slot for samples with no stack row (NO_STACK). */
export interface StackTotals {
  /** Length nStacks + 1: bytes per stack row, then of the samples with no stack row. */
  size: Float64Array;
  count: Float64Array;
  /** 1 where at least one sample has that stack row (or, at nStacks, no stack row). */
  used: Uint8Array;
}

// The module, assembled here so that every byte has its instruction beside it.
//   (func (export "sum") (param $n $m $stack $size $count $outSize $outCount $outUsed i32)
//     (local $i $s $o i32)
//     for i in 0..n: s = min(stack[i], m); outSize[s] += size[i]; outCount[s] += count[i]; outUsed[s] = 1)
//   (memory (export "mem") 1)
function moduleBytes(): Uint8Array {
  const N = 0, M = 1, STACK = 2, SIZE = 3, COUNT = 4, OUT_SIZE = 5, OUT_COUNT = 6, OUT_USED = 7;
  const I = 8, S = 9, O = 10;
  const get = (x: number) => [0x20, x];
  const set = (x: number) => [0x21, x];
  const I32_CONST = 0x41, I32_ADD = 0x6a, I32_SHL = 0x74, I32_LT_U = 0x49, I32_GE_U = 0x4f;
  const I32_LOAD = [0x28, 2, 0], F64_LOAD = [0x2b, 3, 0], F64_STORE = [0x39, 3, 0], I32_STORE8 = [0x3a, 0, 0];
  const F64_ADD = 0xa0, SELECT = 0x1b, BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], BR_IF = 0x0d, END = 0x0b;
  // out[s] += column[i], for a column of doubles
  const accumulate = (out: number, column: number) => [
    ...get(out), ...get(O), I32_ADD,
    ...get(out), ...get(O), I32_ADD, ...F64_LOAD,
    ...get(column), ...get(I), I32_CONST, 3, I32_SHL, I32_ADD, ...F64_LOAD,
    F64_ADD, ...F64_STORE,
  ];
  const body = [
    1, 3, 0x7f, // locals: 3 × i32
    ...BLOCK,
    ...get(I), ...get(N), I32_GE_U, BR_IF, 0, // n == 0: done
    ...LOOP,
    ...get(STACK), ...get(I), I32_CONST, 2, I32_SHL, I32_ADD, ...I32_LOAD, ...set(S), // s = stack[i]
    ...get(S), ...get(M), ...get(S), ...get(M), I32_LT_U, SELECT, ...set(S), // s = s < m ? s : m
    ...get(S), I32_CONST, 3, I32_SHL, ...set(O), // o = s * 8
    ...accumulate(OUT_SIZE, SIZE),
    ...accumulate(OUT_COUNT, COUNT),
    ...get(OUT_USED), ...get(S), I32_ADD, I32_CONST, 1, ...I32_STORE8, // outUsed[s] = 1
    ...get(I), I32_CONST, 1, I32_ADD, 0x22, I, ...get(N), I32_LT_U, BR_IF, 0, // while (++i < n)
    END,
    END,
    END,
  ];
  const leb = (value: number): number[] => {
    const out: number[] = [];
    do {
      let byte = value & 0x7f;
      value >>>= 7;
      if (value !== 0) byte |= 0x80;
      out.push(byte);
    } while (value !== 0);
    return out;
  };
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const name = (text: string) => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
    ...section(1, [1, 0x60, 8, ...new Array<number>(8).fill(0x7f), 0]), // type: (8 × i32) -> ()
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0, 1]), // one memory, at least 1 page
    ...section(7, [2, ...name('sum'), 0x00, 0, ...name('mem'), 0x02, 0]), // exports
    ...section(10, [1, ...leb(body.length), ...body]), // code
  ]);
}

// The few WebAssembly types we use: tsconfig has no DOM lib and @types/node
// 20 does not declare them.
interface WasmModule {
  readonly __brand: 'WebAssembly.Module';
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule) => { readonly exports: Record<string, unknown> };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;

function wasmModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      if (wasm === undefined) throw new Error('no WebAssembly');
      compiled = new wasm.Module(moduleBytes());
    } catch {
      compiled = null; // --jitless, or WebAssembly disabled by policy
    }
  }
  return compiled;
}

const PAGE = 65536;
const align8 = (n: number) => (n + 7) & ~7;

/**
 * Sums `sampleSize[i]` and `sampleCount[i]` into slot `sampleStack[i]`, in
 * order (the same float sums as a JS loop, bit for bit); indexes ≥ `nStacks`
 * go to slot `nStacks`. Used for samples → stack rows, and stack rows → keys.
 */
export function stackTotals(
  sampleStack: Uint32Array,
  sampleSize: Float64Array,
  sampleCount: Float64Array,
  nStacks: number,
): StackTotals {
  const n = sampleStack.length;
  const slots = nStacks + 1;
  const module = wasmModule();
  // Layout: f64 columns first (8-aligned), then the u32 stacks, then the used bytes.
  const pSize = 0;
  const pCount = pSize + n * 8;
  const pOutSize = pCount + n * 8;
  const pOutCount = pOutSize + slots * 8;
  const pStack = pOutCount + slots * 8;
  const pUsed = align8(pStack + n * 4);
  const bytes = pUsed + slots;
  if (module === null || bytes > 2 ** 31) return stackTotalsJs(sampleStack, sampleSize, sampleCount, nStacks);

  // A fresh instance per call: its memory (~20 B per trace) is freed with it.
  const instance = new (wasm as WasmApi).Instance(module);
  const memory = instance.exports.mem as WasmMemory;
  const pages = Math.ceil(bytes / PAGE);
  if (pages > 1) memory.grow(pages - 1);
  const buffer = memory.buffer;
  new Float64Array(buffer, pSize, n).set(sampleSize);
  new Float64Array(buffer, pCount, n).set(sampleCount);
  new Uint32Array(buffer, pStack, n).set(sampleStack);
  (instance.exports.sum as (...args: number[]) => void)(n, nStacks, pStack, pSize, pCount, pOutSize, pOutCount, pUsed);
  return {
    size: new Float64Array(buffer.slice(pOutSize, pOutSize + slots * 8)),
    count: new Float64Array(buffer.slice(pOutCount, pOutCount + slots * 8)),
    used: new Uint8Array(buffer.slice(pUsed, pUsed + slots)),
  };
}

/** The same in JS (also the reference the tests compare with). */
export function stackTotalsJs(
  sampleStack: Uint32Array,
  sampleSize: Float64Array,
  sampleCount: Float64Array,
  nStacks: number,
): StackTotals {
  const size = new Float64Array(nStacks + 1);
  const count = new Float64Array(nStacks + 1);
  const used = new Uint8Array(nStacks + 1);
  for (let i = 0; i < sampleStack.length; i++) {
    const s = sampleStack[i] < nStacks ? sampleStack[i] : nStacks;
    size[s] += sampleSize[i];
    count[s] += sampleCount[i];
    used[s] = 1;
  }
  return { size, count, used };
}
