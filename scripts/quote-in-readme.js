#!/usr/bin/env node
// Replaces README.md's text between `<!-- NAME:start -->` and
// `<!-- NAME:end -->` with standard input, so every figure README quotes comes
// from a script run, never typed by hand.
//   node scripts/accuracy-table.js | node scripts/quote-in-readme.js accuracy
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const name = process.argv[2];
if (!name || !/^[a-z-]+$/.test(name)) {
  console.error('usage: quote-in-readme.js <marker-name> < text');
  process.exit(2);
}
const readme = path.join(__dirname, '..', 'README.md');
const text = fs.readFileSync(readme, 'utf8');
const start = `<!-- ${name}:start -->\n`;
const end = `<!-- ${name}:end -->`;
const from = text.indexOf(start);
const to = text.indexOf(end, from);
if (from < 0 || to < 0) {
  console.error(`README.md has no ${start.trim()} ... ${end} markers`);
  process.exit(1);
}
const quote = fs.readFileSync(0, 'utf8').trim();
fs.writeFileSync(readme, text.slice(0, from + start.length) + quote + '\n' + text.slice(to));
console.error(`README.md: ${name} quote updated`);
