/**
 * `node-tracemalloc/export`: a snapshot in the formats other tools open:
 * pprof, Chrome's `.heapprofile`, collapsed stacks, JSON and an HTML flame
 * graph; source maps applied to a snapshot's frames before any of them; and
 * the text pieces those outputs share (frame labels, counts, escaping).
 * docs/formats.md describes each format.
 *
 * @module node-tracemalloc/export
 */
export { encodePprof, type PprofOptions } from '../export/pprof';
export {
  toHeapProfile,
  encodeHeapProfile,
  stringifyHeapProfile,
  type HeapProfile,
  type HeapProfileNode,
  type HeapProfileSample,
  type HeapProfileCallFrame,
} from '../export/heapprofile';
export { toCollapsed, escapeCollapsedLabel, type CollapsedOptions, type CollapsedValue } from '../export/collapsed';
export {
  toSnapshotJson,
  encodeSnapshotJson,
  SNAPSHOT_JSON_FORMAT,
  SNAPSHOT_JSON_VERSION,
  type SnapshotJson,
  type TraceJson,
  type FrameJson,
} from '../export/json';
export { toFlameGraphHtml, type FlameGraphOptions } from '../export/flamegraph';
export { applySourceMaps, type SourceMapOptions } from '../source-maps';
export { frameLabel } from '../export/label';
export { formatCount } from '../format';
export { escapeControlChars } from '../control-chars';
