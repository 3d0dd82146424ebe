// Types for the `espeak-ng` npm package (Emscripten build of the espeak-ng CLI, GPL-3.0-or-later).
// Only the parts src/speech/espeak.ts uses.
declare module 'espeak-ng' {
  export interface ESpeakFS {
    writeFile(path: string, data: string | Uint8Array): void;
    readFile(path: string): Uint8Array;
    readFile(path: string, opts: { encoding: 'utf8' }): string;
  }
  export interface ESpeakModule {
    FS: ESpeakFS;
  }
  export interface ESpeakModuleArgs {
    arguments?: string[];
    print?: (line: string) => void;
    printErr?: (line: string) => void;
    preRun?: Array<(module: ESpeakModule) => void>;
    instantiateWasm?: (
      imports: WebAssembly.Imports,
      receive: (instance: WebAssembly.Instance, module?: WebAssembly.Module) => void,
    ) => object;
  }
  const ESpeakNg: (args?: ESpeakModuleArgs) => Promise<ESpeakModule>;
  export default ESpeakNg;
}
