// Where outputs go: the check run when an output path is configured (so a
// dump that could never be written fails at start, not silently at exit),
// and how an export is written (replacing a file atomically, or writing into
// a pipe or device the user named).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempPathFor, writeFileAtomic } from './atomic-write';
import { escapeControlChars } from './control-chars';
import { errorCode } from './errors';

const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
};

/** What a path that is not a regular file or a directory is. */
export function fileKind(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isDirectory()) return 'a directory';
  return 'not a regular file';
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Why a dump could not be written at `file` (absolute), or undefined: its
 * directory is missing or not writable, or `file` is a directory, a device,
 * a FIFO or a socket (a dump replaces a regular file, or a symlink, by
 * renaming over it). Writability is tested by creating and removing a
 * temporary file beside it, the way the dump itself will be written: the
 * permission bits alone do not tell (root, read-only mounts, ACLs). Paths in
 * the message are escaped (`\x1b`): it is printed to a terminal.
 */
export function outputPathProblem(file: string): string | undefined {
  const problem = pathProblem(file);
  return problem === undefined ? undefined : escapeControlChars(problem);
}

function pathProblem(file: string): string | undefined {
  const dir = path.dirname(file);
  const dirStat = statOrUndefined(dir);
  if (dirStat === undefined) return `directory ${dir} does not exist`;
  if (!dirStat.isDirectory()) return `${dir} is not a directory`;
  const target = statOrUndefined(file);
  if (target?.isDirectory() === true) return `${file} is a directory`;
  if (target !== undefined && !target.isFile()) return `${file} is ${fileKind(target)}, not a regular file`;
  const probe = tempPathFor(file);
  try {
    fs.closeSync(fs.openSync(probe, 'wx', 0o600));
    fs.unlinkSync(probe);
  } catch (error) {
    const code = errorCode(error) ?? String(error);
    return `directory ${dir} is not writable (${REASONS[code] ?? code})`;
  }
  return undefined;
}

/**
 * True when an export to `file` should be written into the existing file
 * rather than replace it: a FIFO, a device or a socket (`-o /dev/null`, a
 * named pipe), and a symlink to one of those or into /proc or /dev/fd
 * (`/dev/stdout`, `>(cmd)`), which names an open file, not a place to put one.
 */
export function writesThrough(file: string): boolean {
  let link: fs.Stats;
  try {
    link = fs.lstatSync(file);
  } catch {
    return false;
  }
  if (link.isSymbolicLink()) {
    let text = '';
    try {
      text = fs.readlinkSync(file);
    } catch {
      // gone meanwhile: replace it
    }
    if (/^\/(proc|dev\/fd)\//.test(text)) return true;
    const target = statOrUndefined(file);
    return target !== undefined && !target.isFile() && !target.isDirectory();
  }
  return !link.isFile() && !link.isDirectory();
}

/**
 * Writes an export to `file`: atomically, replacing a regular file or a
 * symlink (never following it to overwrite its target), or into a pipe or
 * device (see {@link writesThrough}).
 * @throws {Error} Node's own I/O errors (`ENOENT`, `EACCES`, `EISDIR`, ...)
 */
export function writeOutputFile(file: string, data: string | Uint8Array): void {
  if (writesThrough(file)) fs.writeFileSync(file, data);
  else writeFileAtomic(file, data);
}
