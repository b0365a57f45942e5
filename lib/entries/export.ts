/**
 * `node-tracemalloc/export`: a snapshot in the formats other tools open:
 * pprof, Chrome's `.heapprofile`, collapsed stacks, JSON and an HTML flame
 * graph; source maps applied to a snapshot's frames before any of them; and
 * the text pieces those outputs share (frame labels, counts, escaping).
 * docs/formats.md describes each format.
 *
 * @module node-tracemalloc/export
 */
export { encodePprof, type PprofOptions } from '../faces/export/pprof';
export {
  toHeapProfile,
  encodeHeapProfile,
  stringifyHeapProfile,
  type HeapProfile,
  type HeapProfileNode,
  type HeapProfileSample,
  type HeapProfileCallFrame,
} from '../faces/export/heapprofile';
export {
  toCollapsed,
  escapeCollapsedLabel,
  type CollapsedOptions,
  type CollapsedValue,
} from '../faces/export/collapsed';
export {
  toSnapshotJson,
  encodeSnapshotJson,
  SNAPSHOT_JSON_FORMAT,
  SNAPSHOT_JSON_VERSION,
  type SnapshotJson,
  type TraceJson,
  type FrameJson,
} from '../faces/export/json';
export { toFlameGraphHtml, type FlameGraphOptions } from '../faces/export/flamegraph';
export { applySourceMaps, type SourceMapOptions } from '../model/source-maps';
export { frameLabel } from '../faces/export/label';
export { formatCount } from '../helpers/format';
export { escapeControlChars } from '../helpers/control-chars';
