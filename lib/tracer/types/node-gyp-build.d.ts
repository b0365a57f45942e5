declare module 'node-gyp-build' {
  /** Loads the prebuilt or locally built `.node` binary of the package at `dir`. */
  function load(dir: string): unknown;
  export = load;
}
