// A TypeDoc plugin: `@throws {RangeError} text` is shown as "RangeError: text".
// TypeDoc keeps the type (typedoc.config.js: preservedTypeAnnotationTags) but the Markdown theme
// does not print it, and which error to catch is the point of the tag.
'use strict';
const { Converter } = require('typedoc');

/** @param {import('typedoc').Application} app */
function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    for (const reflection of Object.values(context.project.reflections)) {
      const comments = [reflection.comment, ...(reflection.signatures ?? []).map((s) => s.comment)];
      for (const tag of comments.flatMap((comment) => comment?.blockTags ?? [])) {
        if (tag.tag !== '@throws' || !tag.typeAnnotation) continue;
        const type = tag.typeAnnotation.replace(/^\{|\}$/g, '').trim();
        tag.content.unshift({ kind: 'code', text: `\`${type}\`` }, { kind: 'text', text: ': ' });
        delete tag.typeAnnotation;
      }
    }
  });
}

module.exports = { load };
