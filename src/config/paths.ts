/** The scheme of a URI such as `s3://bucket/key` (lowercased), or undefined for a plain path. */
export function uriScheme(value: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
}

/** Whether a data source names a local file by a plain path (not `synthetic`, not a URI). */
export function isDataPath(source: string): boolean {
  return source !== 'synthetic' && uriScheme(source) === undefined;
}
