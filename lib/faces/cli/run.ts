// `tracemalloc run script.js`: runs the script, unmodified, in a child `node`
// that preloads lib/register.ts, which traces it and writes dumps; then
// reports the top sites of the last dump. This process never loads the addon.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEFAULT_KEEP,
  ENV,
  expandOutput,
  parseDuration,
  parseFrames,
  parseInterval,
  parseKeep,
  parseSignal,
  parseView,
} from '../activation';
import { DEFAULT_SAMPLED_INTERVAL, MAX_FRAMES } from '../../helpers/constants';
import { EXTRA_ENV, parseLeakWindow } from '../register-extras';
import { InputError, loadDump, REPORT_OPTIONS, reportOptions, setting } from './args';
import { EXIT, UsageError, type CliIO, type OptionDeclarations, type OptionValues } from './command';
import { defineCommand } from './define-command';
import { escapeControlChars } from '../../helpers/control-chars';
import { TracemallocError } from '../../helpers/errors';
import { colorFor, displayPath, formatTop, topReport, type ReportOptions } from '../report';
import { runChild } from './run-child';
import { isRelayedSignal, RELAYED_SIGNALS } from '../run-protocol';

/** Traceback limit of `run` unless --frames: deep enough for --key traceback and --cumulative. */
export const DEFAULT_RUN_FRAMES = 16;

/** The options that set up tracing, before the script. */
const TRACING_OPTIONS = {
  frames: {
    type: 'string',
    short: 'f',
    value: 'n',
    default: String(DEFAULT_RUN_FRAMES),
    help: `frames per traceback, 1-${MAX_FRAMES}`,
  },
  interval: {
    type: 'string',
    short: 'i',
    value: 'bytes',
    help: `mean bytes between samples: ${DEFAULT_SAMPLED_INTERVAL / 1024}K (default), 64K, 4096, ...; smaller is more precise and slower`,
  },
  exact: {
    type: 'boolean',
    help: 'record every allocation (interval 1): exact sizes and counts, 15-190x slower on allocation-heavy code',
  },
  view: {
    type: 'string',
    value: 'view',
    help: `what the report and the dumps show (default peak; live with --snapshot-every):
  peak       alive when the JS heap was fullest
             (within 10%), even if freed since
  live       alive at exit
  allocated  everything allocated, collected or not`,
  },
  'no-inlining': {
    type: 'boolean',
    help: "turn V8's inlining off before the program runs, so that small functions keep their own frames (the default)",
  },
  inlining: {
    type: 'boolean',
    help: "let V8 inline: faster, but an inlined function's allocations are charged to its caller",
  },
  output: {
    type: 'string',
    short: 'o',
    value: 'path',
    help: 'dump path (default tracemalloc-<script>.%p.ntm); %p pid, %t seconds since the epoch, %h host name, %n dump number',
  },
  'snapshot-every': {
    type: 'string',
    value: 'ms',
    help: 'also dump every <ms> (500, 10s, 1m): a series out-0001.ntm, out-0002.ntm, ..., the last at exit',
  },
  keep: {
    type: 'string',
    value: 'n|all',
    help: `dumps of the series kept, the newest (default ${DEFAULT_KEEP}); older ones are removed; the last, at exit, always stays`,
  },
  signal: {
    type: 'string',
    value: 'name',
    help: 'also dump (and report) each time the program gets this signal (SIGUSR2, SIGHUP, ...), which run passes on; the program goes on',
  },
  'watch-leaks': {
    type: 'string',
    value: 'ms',
    help: 'also snapshot every <ms> and report, on stderr, the sites whose live size grows steadily (a trend with its confidence)',
  },
  'leak-window': {
    type: 'string',
    value: 'n',
    help: 'snapshots each trend is fitted over (default 10)',
  },
  'no-source-maps': {
    type: 'boolean',
    help: 'report transpiled .js positions, not the sources their source maps name',
  },
  'node-arg': {
    type: 'string',
    multiple: true,
    value: 'flag',
    help: "pass a flag to node (or put node's own command line after --), e.g. --node-arg=--import=tsx",
  },
} as const satisfies OptionDeclarations;

const OPTIONS = {
  ...TRACING_OPTIONS,
  ...REPORT_OPTIONS,
  json: { ...REPORT_OPTIONS.json, help: 'print the report as one line of JSON (on stderr)' },
} as const satisfies OptionDeclarations;

type RunValues = OptionValues<typeof OPTIONS>;

/** The child's environment settings from our options. */
function tracingEnv(values: RunValues, cwd: string, defaultOutput: string): Record<string, string> {
  const frames = setting('--frames', values.frames, parseFrames);
  if (frames === 0) throw new UsageError('--frames: must be at least 1');
  if (values.exact && values.interval !== undefined) {
    throw new UsageError('--exact and --interval cannot be used together');
  }
  let interval = DEFAULT_SAMPLED_INTERVAL;
  if (values.exact) interval = 1;
  else if (values.interval !== undefined) interval = setting('--interval', values.interval, parseInterval);
  const everyText = values['snapshot-every'];
  const every = everyText === undefined ? 0 : setting('--snapshot-every', everyText, parseDuration);
  const signal = values.signal === undefined ? undefined : setting('--signal', values.signal, parseSignal);
  const output = values.output ?? defaultOutput;
  if (values.keep !== undefined) setting('--keep', values.keep, parseKeep);
  // Placeholders and the directory checked here, so a typo fails before the program runs.
  const series = every > 0 || signal !== undefined;
  setting('--output', output, (text) => expandOutput(text, { pid: 0, time: 0, hostname: 'host', cwd }, series));
  const env: Record<string, string> = {
    [ENV.FRAMES]: String(frames),
    [ENV.INTERVAL]: String(interval),
    [ENV.OUTPUT]: output,
  };
  if (every > 0) env[ENV.SNAPSHOT_EVERY] = String(every);
  if (signal !== undefined) env[ENV.SIGNAL] = signal;
  if (values.keep !== undefined) env[ENV.KEEP] = String(values.keep);
  if (values.view !== undefined) env[ENV.VIEW] = setting('--view', values.view, parseView);
  if (values.inlining && values['no-inlining']) {
    throw new UsageError('--inlining and --no-inlining cannot be used together');
  }
  // Frames visible unless asked: `run` is for finding what allocated.
  env[ENV.INLINING] = values.inlining ? '1' : '0';
  if (values['no-source-maps']) env[ENV.SOURCE_MAPS] = '0';
  // The leak watch (lib/faces/register-extras.ts).
  if (values['watch-leaks'] !== undefined) {
    env[EXTRA_ENV.WATCH_LEAKS] = String(setting('--watch-leaks', values['watch-leaks'], parseDuration));
  }
  if (values['leak-window'] !== undefined) {
    env[EXTRA_ENV.WATCH_LEAKS_WINDOW] = String(setting('--leak-window', values['leak-window'], parseLeakWindow));
  }
  return env;
}

function defaultOutput(script: string | undefined): string {
  const stem =
    script === undefined
      ? ''
      : path
          .basename(script)
          .replace(/\.[^.]*$/, '')
          .replace(/[^\w.-]/g, '_');
  return stem === '' ? 'tracemalloc.%p.ntm' : `tracemalloc-${stem}.%p.ntm`;
}

/** The report of the last dump, with where the dumps are. */
function report(
  dumps: string[],
  options: ReportOptions,
  json: boolean,
  io: CliIO,
  ended: { exitCode: number | null; signal: NodeJS.Signals | null },
  explained: boolean,
): void {
  if (dumps.length === 0) {
    // A program that failed before tracing started (a bad setting, no addon) has said why.
    if (explained) return;
    if (ended.signal !== null) {
      io.stderr.write(`tracemalloc run: the program was killed by ${String(ended.signal)} before it wrote a dump\n`);
    } else if (ended.exitCode === 0) {
      io.stderr.write('tracemalloc run: the program ended without writing a dump\n');
    }
    return;
  }
  const written = dumps.length;
  // The oldest of a long series were removed (--keep): name what is left.
  dumps = dumps.filter((file, i) => i === written - 1 || fs.existsSync(file));
  const last = dumps[dumps.length - 1];
  const name = displayPath(last, io.cwd);
  let text: string;
  try {
    const data = topReport(loadDump(last, io.cwd), options, name);
    if (json) {
      text = `${JSON.stringify({ ...data, dumps, written, ...ended })}\n`;
    } else {
      const first = displayPath(dumps[0], io.cwd);
      const kept = written > dumps.length ? ` (${written} written, the oldest removed)` : '';
      const where = escapeControlChars(
        dumps.length === 1 ? `Dump: ${name}${kept}` : `${dumps.length} dumps${kept}: ${first} ... ${name}`,
      );
      // The report goes to stderr: colour if that is a terminal, whatever stdout is.
      const color = colorFor((io.stderr as { isTTY?: boolean }).isTTY === true, io.env);
      text = `${formatTop(data, { source: name, cwd: io.cwd, color })}\n${where}\n`;
    }
  } catch (error) {
    // An unreadable dump, or a report too large to show: say so, and still pass on the program's exit code.
    if (!(error instanceof InputError) && !(error instanceof TracemallocError)) throw error;
    text = `tracemalloc run: ${escapeControlChars(error.message)}\n`;
  }
  io.stderr.write(text);
}

/** `tracemalloc run`: see `tracemalloc run --help`. */
export const runCommand = defineCommand({
  name: 'run',
  summary: 'run a script with tracing on, report its top sites and write a dump',
  description: `Run a Node.js script with allocation tracing on, unmodified, in a child node process; when it ends (normally, by an uncaught error, or by Ctrl-C/SIGTERM) print its top allocation sites to stderr and keep a dump for \`tracemalloc top\`, \`diff\` and \`export\`. The program's stdout is left untouched; its exit code (or signal) is passed on.`,
  options: OPTIONS,
  sections: [
    {
      title: 'Options for tracing (before the script; everything after it goes to the script)',
      options: keysOf(TRACING_OPTIONS),
    },
    { title: 'Options for the report', options: keysOf(REPORT_OPTIONS) },
  ],
  positionals: [
    { name: 'script', description: 'the script to run' },
    { name: 'args', description: "the script's arguments", optional: true, variadic: true },
  ],
  // Everything from the script on is the script's: `run app.js --top 2` gives app.js `--top 2`.
  passThrough: true,
  otherUsages: ['[options] -- [node options] <script> [args...]'],
  examples: [
    'tracemalloc run app.js --port 8080',
    'tracemalloc run --exact --key traceback --top 5 build.js',
    'tracemalloc run --view allocated build.js',
    'tracemalloc run --snapshot-every 10s -o leak.ntm server.js',
    'tracemalloc run --signal SIGUSR2 -o api.ntm server.js',
    'tracemalloc run -- --import tsx src/main.ts',
    'tracemalloc run --node-arg=--enable-source-maps dist/main.js',
  ],
  async handler({ values, positionals: [script, args], terminated }, io) {
    const options = reportOptions(values);
    const nodeArgs = values['node-arg'];
    // After `--` comes node's whole command line: node's flags, then the script.
    if (terminated && nodeArgs.length > 0) {
      throw new UsageError('--node-arg cannot be used with -- (put node flags after --)');
    }
    const nodeLine = terminated ? [script, ...args] : [...nodeArgs, script, ...args];
    // Node's own flags (a loader) may resolve it otherwise: checked only when node alone looks for it.
    if (!terminated && nodeArgs.length === 0) checkScript(script, io.cwd);
    const settings = tracingEnv(values, io.cwd, defaultOutput(terminated ? undefined : script));

    // Inherited NODE_TRACEMALLOC* settings would mix with ours: ours only.
    const inherited = Object.entries(io.env).filter(([name]) => !name.startsWith('NODE_TRACEMALLOC'));
    const env: NodeJS.ProcessEnv = Object.fromEntries(inherited);
    // The user asked for tracing: a program that cannot be traced stops with the reason.
    Object.assign(env, settings, { [ENV.ON_ERROR]: 'fail' });
    const register = path.join(__dirname, '..', '..', 'register.js');
    // A dump signal sent to us goes on to the program (SIGHUP is relayed already).
    const passOn = settings[ENV.SIGNAL] as NodeJS.Signals | undefined;
    const forward = passOn === undefined || isRelayedSignal(passOn) ? [] : [passOn];
    // The report of each dump the signal asks for, as the program goes on.
    const onDump = (file: string): void =>
      report([file], options, values.json, io, { exitCode: null, signal: null }, false);
    const ended = await runChild(['-r', register, ...nodeLine], env, io, forward, onDump);
    report(ended.dumps, options, values.json, io, { exitCode: ended.code, signal: ended.signal }, ended.explained);
    if (ended.signal === null) return ended.code ?? EXIT.FAILED;
    // Die of the same signal, so that a shell sees an interrupted program (bash
    // stops a script on a child killed by SIGINT, not on one that exited 130).
    if ((RELAYED_SIGNALS as readonly string[]).includes(ended.signal) && process.listenerCount(ended.signal) === 0) {
      process.kill(process.pid, ended.signal);
    }
    return 128 + (os.constants.signals[ended.signal] ?? 0);
  },
});

/**
 * A script node would not find is a usage error here, before a child starts,
 * rather than node's stack trace followed by an empty report and dump.
 */
function checkScript(script: string, cwd: string): void {
  try {
    // How node finds its main script: the path, then the path with .js, .json, .node, as a directory.
    require.resolve(path.resolve(cwd, script));
  } catch {
    throw new UsageError(`cannot find the script ${JSON.stringify(script)} (from ${cwd})`);
  }
}

/** The keys of a declaration, typed. */
function keysOf<O extends OptionDeclarations>(options: O): (keyof O & string)[] {
  return Object.keys(options);
}
