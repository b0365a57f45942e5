// Every `tracemalloc` subcommand, in the order `tracemalloc --help` lists
// them. None may import lib/tracer/native.ts: only `run`'s child loads the addon
// (through lib/register.ts), so top, diff and the exports work without it.
import { attachCommand } from './attach';
import type { Command } from './command';
import { diffCommand } from './diff';
import { exportCommand } from './export';
import { flamegraphCommand } from './flamegraph';
import { runCommand } from './run';
import { topCommand } from './top';

export const COMMANDS: readonly Command[] = [
  runCommand,
  topCommand,
  diffCommand,
  exportCommand,
  flamegraphCommand,
  attachCommand,
];

/** The command named `name`, if any. */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}
