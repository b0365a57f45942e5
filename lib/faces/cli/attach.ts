// `tracemalloc attach <pid>`: profiles the JS heap of a running Node process
// that was started without node-tracemalloc, through its inspector, and
// writes a normal dump. This process never loads the addon.
import { DEFAULT_SAMPLED_INTERVAL } from '../../helpers/constants';
import { expandOutput, parseDuration, parseInterval } from '../activation';
import { attachProfile } from '../attach/attach';
import { AttachError } from '../attach/process-info';
import { escapeControlChars } from '../../helpers/control-chars';
import { dumpSnapshot } from '../../model/dump';
import { REPORT_OPTIONS, reportOptions, setting } from './args';
import { EXIT, UsageError, type OptionDeclarations } from './command';
import { defineCommand } from './define-command';
import { colorFor, displayPath, formatTop, topReport } from '../report';
import * as os from 'node:os';

const DEFAULT_DURATION = 30_000;

const OPTIONS = {
  duration: {
    type: 'string',
    short: 'd',
    value: 'time',
    help: 'how long to sample: 30s (default), 500ms, 2m',
  },
  interval: {
    type: 'string',
    short: 'i',
    value: 'bytes',
    help: `mean bytes between samples: ${DEFAULT_SAMPLED_INTERVAL / 1024}K (default), 64K, ...`,
  },
  output: {
    type: 'string',
    short: 'o',
    value: 'path',
    help: "dump path (default tracemalloc-attach.%p.ntm); %p the target's pid, %t seconds since the epoch, %h host name",
  },
  force: { type: 'boolean', help: 'attach to a process that handles SIGUSR1 but is not named node' },
  ...REPORT_OPTIONS,
  json: { ...REPORT_OPTIONS.json, help: 'print the report as one line of JSON' },
} as const satisfies OptionDeclarations;

/** `tracemalloc attach`: see `tracemalloc attach --help`. */
export const attachCommand = defineCommand({
  name: 'attach',
  summary: 'profile a running Node process through its inspector and write a dump',
  description: `Profile the JS heap of a running Node.js process started without node-tracemalloc: open its inspector with SIGUSR1 (Node's documented way), run V8's sampling heap profiler for a while over loopback, then close the inspector again. Writes a normal dump of the objects allocated meanwhile that are still alive at the end, and prints its top sites. The target needs no addon; Linux, same user (or root).

While it is open (the duration), the inspector lets anyone who can connect to its loopback port run code in the process.`,
  options: OPTIONS,
  positionals: [{ name: 'pid', description: 'the pid of the process to attach to' }],
  notes: `Sizes are V8's estimates; object counts are estimated from them (the inspector reports bytes only). Ctrl-C ends the sampling early and still writes the dump.`,
  examples: ['tracemalloc attach 4242', 'tracemalloc attach --duration 2m -o /var/tmp/api.ntm $(pgrep -f server.js)'],
  async handler({ values, positionals }, io) {
    const options = reportOptions(values);
    if (!/^\d+$/.test(positionals[0]) || Number(positionals[0]) < 1) {
      throw new UsageError(`invalid pid ${JSON.stringify(positionals[0])} (expected a process id)`);
    }
    const pid = Number(positionals[0]);
    const durationMs =
      values.duration === undefined ? DEFAULT_DURATION : setting('--duration', values.duration, parseDuration);
    const interval =
      values.interval === undefined ? DEFAULT_SAMPLED_INTERVAL : setting('--interval', values.interval, parseInterval);
    const template = values.output ?? 'tracemalloc-attach.%p.ntm';
    const context = { pid, time: Math.floor(Date.now() / 1000), hostname: os.hostname(), cwd: io.cwd };
    const output = setting('--output', template, (text) => expandOutput(text, context, false));

    const say = (message: string): void => {
      io.stderr.write(`tracemalloc attach: ${message}\n`);
    };
    // Ctrl-C or SIGTERM: stop sampling now, but still finish (stop V8's
    // sampler, close the inspector, write the dump).
    const stop = new AbortController();
    const onSignal = (): void => {
      if (!stop.signal.aborted) say('interrupted: taking the profile so far');
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let result;
    try {
      result = await attachProfile(pid, { durationMs, interval, force: values.force, stop: stop.signal, say });
    } catch (error) {
      if (error instanceof AttachError) {
        say(error.message);
        return EXIT.FAILED;
      }
      throw error;
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
    if (result.closed) say(`closed the inspector of process ${pid} again`);
    else if (result.wasOpen) say(`left the inspector open on ${result.inspector}, as it was before`);
    dumpSnapshot(result.snapshot, output);
    const name = displayPath(output, io.cwd);
    const data = topReport(result.snapshot, options, name);
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ ...data, pid, dump: output, inspector: result.inspector, closed: result.closed })}\n`,
      );
    } else {
      io.stdout.write(
        `${formatTop(data, { source: name, cwd: io.cwd, color: colorFor(io.isTTY, io.env) })}\nDump: ${escapeControlChars(name)}\n`,
      );
    }
    return EXIT.OK;
  },
});
