/**
 * esbuild plugins that rewrite the text of the files they match as esbuild loads them, typed by
 * the part of esbuild's plugin API they use (lib/ imports no esbuild).
 */
import { readFile } from 'node:fs/promises';

/** The part of esbuild's `PluginBuild` a load transform uses. */
export interface OnLoadBuild {
  onLoad(
    options: { filter: RegExp },
    callback: (args: { path: string }) => Promise<{ contents: string; loader: 'js' | 'json' }>,
  ): void;
}

/** A plugin loading every file whose path matches `filter` as `transform` of its text. */
export function loadTransformPlugin(
  name: string,
  filter: RegExp,
  loader: 'js' | 'json',
  transform: (text: string) => string,
) {
  return {
    name,
    setup(build: OnLoadBuild): void {
      build.onLoad({ filter }, async ({ path }) => ({
        contents: transform(await readFile(path, 'utf8')),
        loader,
      }));
    },
  };
}
