#!/usr/bin/env node
// Rewrites the "`--help` of each command" section of docs/cli.md from the
// built CLI (dist/, `npm run build:ts` first): the help texts are generated
// from the commands' declarations, and test/cli-help.test.ts fails when the
// page no longer shows them as they are.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { COMMANDS } = require(path.join(root, 'dist', 'faces', 'cli', 'commands.js'));
const { mainHelp } = require(path.join(root, 'dist', 'faces', 'cli', 'main.js'));

const HEADING = '## `--help` of each command';
const block = (title, text) => `### \`${title}\`\n\n\`\`\`text\n${text}\`\`\`\n`;
const section = [
  HEADING,
  '',
  "Generated from the commands' declarations in `lib/faces/cli/` by `npm run docs:cli`; `test/cli-help.test.ts` fails when this section is out of date.",
  '',
  block('tracemalloc --help', mainHelp()),
  ...COMMANDS.map((command) => block(`tracemalloc ${command.name} --help`, command.help)),
].join('\n');

const file = path.join(root, 'docs', 'cli.md');
const page = fs.readFileSync(file, 'utf8');
const start = page.indexOf(`\n${HEADING}\n`);
if (start < 0) throw new Error(`docs/cli.md has no "${HEADING}" section`);
// To the next second-level heading, or the end of the page.
const next = page.indexOf('\n## ', start + 1);
const end = next < 0 ? page.length : next;
fs.writeFileSync(
  file,
  `${page.slice(0, start + 1)}${section}${next < 0 ? '' : '\n'}${page.slice(end + (next < 0 ? 0 : 1))}`,
);
