export interface Layer {
  readonly floor: string;
  /** Repository-relative folders (ending in `/`) or files on this floor. */
  readonly paths: readonly string[];
}
export declare const LAYERS: readonly Layer[];
export declare function floorOf(file: string): number;
