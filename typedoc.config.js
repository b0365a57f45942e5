// TypeDoc: the Markdown API reference in docs/api/, one page per entry point
// of package.json "exports" (`npm run docs:api` writes it; `npm run lint`
// fails when the committed pages differ from what this generates). Warnings
// are errors: an exported name without documentation is a defect.
'use strict';
const path = require('node:path');
const { exports: entries } = require('./package.json');

/** lib/ source of an entry: ./dist/entries/measure.js -> lib/entries/measure.ts. */
const source = (target) => target.require.replace(/^\.\/dist\//, 'lib/').replace(/\.js$/, '.ts');

/** @type {Partial<import('typedoc').TypeDocOptions & import('typedoc-plugin-markdown').PluginOptions>} */
module.exports = {
  // register (no types) only starts tracing: it has no API to document.
  entryPoints: Object.values(entries)
    .filter((target) => typeof target === 'object' && target.types)
    .map(source),
  tsconfig: path.join(__dirname, 'tsconfig.build.json'),
  plugin: ['typedoc-plugin-markdown', path.join(__dirname, 'scripts', 'typedoc-throws.js')],
  out: 'docs/api',
  readme: 'none',
  // No source links: they would name a commit, and change with every one.
  disableSources: true,
  hideGenerator: true,
  sortEntryPoints: false,
  sort: ['source-order'],
  groupOrder: ['Functions', 'Classes', 'Interfaces', 'Type Aliases', 'Variables', '*'],
  excludePrivate: true,
  excludeInternal: true,
  // Error's own members (captureStackTrace, ...) are Node's to document.
  excludeExternals: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  treatWarningsAsErrors: true,
  // `@throws {RangeError} ...`: keep the type (scripts/typedoc-throws.js prints it).
  preservedTypeAnnotationTags: ['@throws'],
  outputFileStrategy: 'modules',
  hidePageHeader: true,
  hideBreadcrumbs: true,
  indexFormat: 'table',
  useCodeBlocks: true,
  parametersFormat: 'table',
  interfacePropertiesFormat: 'table',
  classPropertiesFormat: 'table',
  typeDeclarationFormat: 'table',
};
