// The running engine, for expectations that V8 itself changes between the
// supported Node versions (object layouts, what the optimizers fold).
export const V8_MAJOR = Number(process.versions.v8.split('.')[0]);
export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
