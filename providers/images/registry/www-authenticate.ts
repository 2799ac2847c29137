/** One challenge of a `WWW-Authenticate` header (RFC 7235): its scheme and its parameters. */
export interface Challenge {
  /** Lowercase: `basic`, `bearer`. */
  readonly scheme: string;
  /** Parameter names lowercase; quoted values unquoted (`scope="repository:a:pull,push"`). */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const SPACE = /[ \t]*/y;
/** Unquoted values: RFC 7235 allows a token; servers also send bare URLs. */
const BARE = /[^,\s]+/y;

/**
 * Parses a `WWW-Authenticate` value into its challenges: `Bearer realm="https://auth/token",
 * service="registry",scope="repository:a:pull,push"` — commas inside quoted strings belong to the value,
 * a comma followed by `name=` starts the next parameter, one followed by a bare token the next challenge.
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let at = 0;
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = at;
    const found = pattern.exec(header);
    if (!found) return undefined;
    at = pattern.lastIndex;
    return found[0];
  };
  const skipSpace = () => match(SPACE);
  const quoted = (): string => {
    let value = '';
    for (at++; at < header.length && header[at] !== '"'; at++) {
      if (header[at] === '\\' && at + 1 < header.length) at++;
      value += header[at];
    }
    at++; // the closing quote
    return value;
  };

  while (at < header.length) {
    skipSpace();
    if (header[at] === ',') {
      at++;
      continue;
    }
    const scheme = match(TOKEN);
    if (!scheme) break;
    const challenge = { scheme: scheme.toLowerCase(), params: {} as Record<string, string> };
    challenges.push(challenge);
    // Parameters until a token not followed by `=` (the next scheme) or the end.
    for (;;) {
      skipSpace();
      const start = at;
      const name = match(TOKEN);
      skipSpace();
      if (!name || header[at] !== '=') {
        at = start;
        break;
      }
      at++;
      skipSpace();
      challenge.params[name.toLowerCase()] = header[at] === '"' ? quoted() : (match(BARE) ?? '');
      skipSpace();
      if (header[at] === ',') at++;
    }
  }
  return challenges;
}
