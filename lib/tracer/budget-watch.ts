// Watches a budget after startWithBudget() started tracing: an unref'd timer
// reads the thread's allocated bytes (GC accounting, native/heap_watch.h: no
// per-allocation cost) and its CPU time, and prices the samples they imply
// with the cost model of lib/tracer/budget.ts. Over twice the budget it warns (once
// per episode) and, when the caller opted in, restarts the sampler at a
// coarser interval. V8 offers nothing better than a restart: the heap
// sampler's interval is set only by StartSamplingHeapProfiler (v8-profiler.h
// up to V8 14.6, Node 26; SetSamplingInterval is the CPU profiler's), and
// stopping it frees every sample (see lib/tracer/budget.ts), so a restart drops the
// traces taken before it, and says so.
//
// Windows are measured in CPU time, not wall time: the budget is a fraction
// of the CPU the thread spends, so bytes per CPU-second is what sets it, and
// an idle stretch cannot dilute a busy one. A window is judged only once it
// holds MIN_WINDOW_CPU_S of CPU, so an idle server's few timer ticks are never
// judged on their own.
import { formatSize } from '../helpers/format';
import { heapCounters, samplerSettings, startNative, stop } from './tracemalloc';

/** Over this multiple of the budget the watch acts (warns once per episode; restarts, each said, if adapting). */
export const OVER_BUDGET_FACTOR = 2;
/** An episode over budget ends once the implied overhead is back within the budget. */
const EPISODE_END_FACTOR = 1;
/** Adapting back down: the interval for the rate now must be this many times finer... */
const DOWN_FACTOR = 4;
/** ...in this many judged windows in a row (hysteresis: a swing back does not flap). */
const DOWN_WINDOWS = 3;
/** CPU a window must hold before it is judged, seconds. */
export const MIN_WINDOW_CPU_S = 0.05;

/** One judged window of the watch. */
export interface BudgetReading {
  /** JS heap bytes allocated per CPU-second of the process in the window (GC accounting; estimated). */
  allocationRate: number;
  /** The interval in force during the window, bytes. */
  interval: number;
  /** Overhead the cost model implies: (allocationRate / interval) × cost per sample, a fraction of CPU time (estimated). */
  impliedOverhead: number;
  /** CPU time the window held, seconds. */
  cpuSeconds: number;
}

/** A restart of the sampler by an adapting watch. Traces taken before it were dropped. */
export interface BudgetRestart {
  /** `Date.now()` when it restarted. */
  at: number;
  /** The sampling interval before the restart, in bytes. */
  from: number;
  /** The sampling interval after it, in bytes. */
  to: number;
  /** `'over'`: coarser, the overhead passed twice the budget; `'under'`: finer again, the load dropped. */
  reason: 'over' | 'under';
  /** The window that caused it. */
  reading: BudgetReading;
}

/** What the watch needs from the budget: its settings and the cost model. */
export interface WatchSettings {
  frames: number;
  maxOverhead: number;
  /** The interval tracing started with: an adapting watch never goes finer than it. */
  interval: number;
  /** An adapting watch never goes coarser than it. */
  maxInterval: number;
  adapt: boolean;
  checkMs: number;
  costMicros: number;
  /** The interval lib/tracer/budget.ts would choose for an allocation rate (bytes per CPU-second). */
  intervalFor: (allocationRate: number) => number;
}

type CpuClock = () => NodeJS.CpuUsage;

// This thread's CPU where Node has it (23.9+: 24, 26), else the process's
// (20, 22: counts GC and compiler threads too, so the implied overhead errs low
// by their share; the factor of 2 leaves room).
function cpuClock(): CpuClock {
  const p = process as { threadCpuUsage?: CpuClock };
  return typeof p.threadCpuUsage === 'function' ? () => p.threadCpuUsage!.call(process) : () => process.cpuUsage();
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

/**
 * The live side of a budget: the allocation rate and the overhead it implies,
 * read every `checkMs` by an unref'd timer, and what was done about it.
 * Returned by {@link startWithBudget} as `choice.watch`.
 */
export class BudgetWatch {
  private readonly settings: WatchSettings;
  private readonly cpu = cpuClock();
  private timer: NodeJS.Timeout | undefined;
  private baseBytes: number;
  private baseCpu: number;
  private current: number;
  private over = false;
  private downStreak = 0;
  private readonly restartList: BudgetRestart[] = [];
  private lastReading: BudgetReading | undefined;
  private warnings = 0;

  /** @internal made by startWithBudget once tracing has started. */
  constructor(settings: WatchSettings) {
    this.settings = settings;
    this.current = settings.interval;
    this.baseBytes = heapCounters().allocated;
    this.baseCpu = cpuSeconds(this.cpu());
    this.timer = setInterval(() => this.tick(), settings.checkMs);
    this.timer.unref();
  }

  /** The interval tracing runs with now, bytes (changes only when adapting). */
  get interval(): number {
    return this.current;
  }

  /** True while watching: until {@link stop}, or until tracing was stopped or restarted by someone else. */
  get watching(): boolean {
    return this.timer !== undefined;
  }

  /** True during an episode over twice the budget (until the implied overhead is back within it). */
  get overBudget(): boolean {
    return this.over;
  }

  /** How many episodes over twice the budget there were (each warned of). */
  get episodes(): number {
    return this.warnings;
  }

  /** The restarts so far (adapting only). */
  get restarts(): readonly BudgetRestart[] {
    return this.restartList;
  }

  /**
   * `Date.now()` of the last restart, or undefined: traces of objects
   * allocated before it were dropped, and snapshots hold only later ones.
   */
  get tracesDroppedBefore(): number | undefined {
    return this.restartList.at(-1)?.at;
  }

  /** The last judged window, or undefined before the first. */
  get last(): BudgetReading | undefined {
    return this.lastReading;
  }

  /** Stops watching (tracing goes on at the interval in force). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Judges the window since the last judged one now, as the timer does, and
   * acts on it. Returns the reading, or undefined when the window holds too
   * little CPU yet (it then stays open) or the watch has stopped.
   */
  check(): BudgetReading | undefined {
    if (this.timer === undefined) return undefined;
    // Tracing stopped, or restarted with other settings, by someone else: not ours to judge.
    const s = samplerSettings();
    if (s === null || s.interval !== this.current || s.frames !== this.settings.frames || s.includeCollected) {
      this.stop();
      return undefined;
    }
    const bytes = heapCounters().allocated;
    const cpu = cpuSeconds(this.cpu());
    const cpuDelta = cpu - this.baseCpu;
    if (cpuDelta < MIN_WINDOW_CPU_S) return undefined;
    const allocationRate = Math.max(0, bytes - this.baseBytes) / cpuDelta;
    this.baseBytes = bytes;
    this.baseCpu = cpu;
    const reading: BudgetReading = {
      allocationRate,
      interval: this.current,
      impliedOverhead: this.overheadAt(allocationRate, this.current),
      cpuSeconds: cpuDelta,
    };
    this.lastReading = reading;
    this.act(reading);
    return reading;
  }

  private overheadAt(rate: number, interval: number): number {
    return ((rate / interval) * this.settings.costMicros) / 1e6;
  }

  private tick(): void {
    // A profiler must never take its program down: any failure ends the watch, said once.
    try {
      this.check();
    } catch (error) {
      this.stop();
      warn(
        `the overhead budget is no longer watched: ${error instanceof Error ? error.message : String(error)}`,
        'TRACEMALLOC_BUDGET_UNWATCHED',
      );
    }
  }

  private act(reading: BudgetReading): void {
    const { maxOverhead, adapt } = this.settings;
    const percent = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`;
    if (reading.impliedOverhead > OVER_BUDGET_FACTOR * maxOverhead) {
      this.downStreak = 0;
      const first = !this.over;
      this.over = true;
      if (first) this.warnings++;
      const what =
        `allocating ${formatSize(reading.allocationRate)} per CPU-second, sampling every ${reading.interval} B costs ` +
        `about ${percent(reading.impliedOverhead)} of CPU (estimated), over ${OVER_BUDGET_FACTOR}× the budget of ${percent(maxOverhead)}`;
      // The CPU measured includes the sampling itself: without it the rate is
      // (1 + overhead) times higher, which the coarser interval will see.
      const untracedRate = reading.allocationRate * (1 + reading.impliedOverhead);
      const to = Math.min(
        this.settings.maxInterval,
        Math.max(2 * this.current, this.settings.intervalFor(untracedRate)),
      );
      if (!adapt || to <= this.current) {
        if (!first) return;
        const advice = adapt
          ? `; already at maxInterval (${this.current} B)`
          : '; startWithBudget(..., { adapt: true }) would restart at a coarser interval (dropping traces)';
        warn(`${what}${advice}`, 'TRACEMALLOC_OVER_BUDGET');
        return;
      }
      // Each restart is said: each drops traces, and each at least doubles the interval.
      if (this.restart(to, 'over', reading)) {
        warn(
          `${what}: restarted sampling every ${to} B; traces taken before now were dropped`,
          'TRACEMALLOC_OVER_BUDGET',
        );
      }
      return;
    }
    if (this.over && reading.impliedOverhead <= EPISODE_END_FACTOR * maxOverhead) this.over = false;
    if (!adapt || this.current <= this.settings.interval) return;
    const target = Math.max(this.settings.interval, this.settings.intervalFor(reading.allocationRate));
    this.downStreak = target * DOWN_FACTOR <= this.current ? this.downStreak + 1 : 0;
    if (this.downStreak < DOWN_WINDOWS) return;
    this.downStreak = 0;
    if (this.restart(target, 'under', reading)) {
      warn(
        `allocating ${formatSize(reading.allocationRate)} per CPU-second: restarted sampling every ${target} B (finer, ` +
          `about ${percent(this.overheadAt(reading.allocationRate, target))} of CPU, estimated); traces taken before now were dropped`,
        'TRACEMALLOC_BUDGET_RESTART',
      );
    }
  }

  /** Stops and starts the sampler at `to`; false (and the watch stopped) when it could not. */
  private restart(to: number, reason: 'over' | 'under', reading: BudgetReading): boolean {
    const from = this.current;
    stop();
    try {
      startNative(this.settings.frames, to, false);
    } catch (error) {
      this.stop();
      warn(
        `could not restart sampling every ${to} B, so tracing has stopped and every trace was dropped: ` +
          `${error instanceof Error ? error.message : String(error)}`,
        'TRACEMALLOC_BUDGET_UNWATCHED',
      );
      return false;
    }
    this.current = to;
    this.restartList.push({ at: Date.now(), from, to, reason, reading });
    return true;
  }
}

function warn(message: string, code: string): void {
  process.emitWarning(message, { type: 'TracemallocWarning', code });
}
