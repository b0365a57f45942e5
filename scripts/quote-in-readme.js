#!/usr/bin/env node
// Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->`
// with standard input, in whichever of README.md and docs/*.md holds those
// markers (the accuracy table lives in docs/measure.md), so every figure the
// documentation quotes comes from a script run, never typed by hand.
//   node scripts/accuracy-table.js | node scripts/quote-in-readme.js accuracy
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const name = process.argv[2];
if (!name || !/^[a-z-]+$/.test(name)) {
  console.error('usage: quote-in-readme.js <marker-name> < text');
  process.exit(2);
}
const root = path.join(__dirname, '..');
const docs = path.join(root, 'docs');
const candidates = [path.join(root, 'README.md')].concat(
  fs.existsSync(docs)
    ? fs
        .readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => path.join(docs, f))
    : [],
);
const start = `<!-- ${name}:start -->\n`;
const end = `<!-- ${name}:end -->`;
const holders = candidates.filter((file) => {
  const text = fs.readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  return from >= 0 && text.indexOf(end, from) >= 0;
});
if (holders.length !== 1) {
  const where = holders.map((file) => path.relative(root, file)).join(', ');
  console.error(
    `${start.trim()} ... ${end} markers: expected in one of README.md and docs/*.md, found in ${holders.length ? where : 'none'}`,
  );
  process.exit(1);
}
const file = holders[0];
const text = fs.readFileSync(file, 'utf8');
const from = text.indexOf(start);
const to = text.indexOf(end, from);
const quote = fs.readFileSync(0, 'utf8').trim();
fs.writeFileSync(file, text.slice(0, from + start.length) + quote + '\n' + text.slice(to));
console.error(`${path.relative(root, file)}: ${name} quote updated`);
