import { randomUUID, webcrypto } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALGORITHM, createRoot, issue, x509 } from '../x509.js';

/** One `GET /token` the server answered, as a test asserts on it. */
export interface TokenRequest {
  readonly service: string | null;
  /** The `scope` parameters, in order (`repository:team/app:pull,push`). */
  readonly scopes: readonly string[];
  /** The Basic user name, or undefined for an anonymous request. */
  readonly user: string | undefined;
  /** 200 with a token, or 401 for bad credentials. */
  readonly status: 200 | 401;
  /** GET (Basic credentials or anonymous), or POST (OAuth2 refresh token). */
  readonly method: string;
}

export interface TokenServer {
  /** The Bearer realm the registry names in its challenge (`http://127.0.0.1:PORT/token`). */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM of the root certificate the registry trusts (its `auth.token.rootcertbundle`). */
  readonly rootCertificatePem: string;
  /** Every token request so far. */
  readonly requests: readonly TokenRequest[];
  /** Every token issued so far (a test checks none of them leaks into output). */
  readonly issued: readonly string[];
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  /** The one account that gets tokens. */
  readonly user: string;
  readonly password: string;
  /** An identity token (docker config `identitytoken`) the OAuth2 POST accepts for this account. */
  readonly identityToken?: string;
  /** Grant `pull` to anonymous requests (as Docker Hub does for public repositories). @default false */
  readonly anonymousPull?: boolean;
}

const SERVICE = 'mlops-test-registry';
const ISSUER = 'mlops-test-token-server';

const base64url = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

interface Access {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/** `repository:team/app:pull,push` → its access entry (names may contain `:` only before the last one). */
function parseScope(scope: string): Access | undefined {
  const last = scope.lastIndexOf(':');
  const first = scope.indexOf(':');
  if (first < 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

/**
 * A Docker token server (distribution's token authentication spec) for the test registry: answers the
 * Bearer realm (GET with Basic credentials, or the OAuth2 refresh-token POST) with an ES256 JWT whose `x5c` header carries a certificate signed by the root the
 * registry trusts, granting exactly the requested actions to good credentials. Plain HTTP on 127.0.0.1.
 */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const root = await createRoot('mlops-test-token-root', x509.KeyUsageFlags.keyCertSign);
  const signer = await issue(root, 'mlops-test-token-signer', [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  ]);
  const header = base64url(
    JSON.stringify({
      typ: 'JWT',
      alg: 'ES256',
      x5c: [Buffer.from(signer.certificate.rawData).toString('base64')],
    }),
  );

  const requests: TokenRequest[] = [];
  const issued: string[] = [];

  async function sign(subject: string, access: readonly Access[]): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: ISSUER,
      sub: subject,
      aud: SERVICE,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${header}.${base64url(JSON.stringify(claims))}`;
    // WebCrypto's ECDSA signature is r‖s, which is what JWS ES256 wants.
    const signature = await webcrypto.subtle.sign(ALGORITHM, signer.keys.privateKey, Buffer.from(input));
    return `${input}.${base64url(new Uint8Array(signature))}`;
  }

  function credentials(req: IncomingMessage): { user: string; password: string } | undefined {
    const match = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return undefined;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }

  /** What a token request asks: GET with Basic credentials, or the OAuth2 refresh-token POST. */
  async function asked(req: IncomingMessage, url: URL) {
    if (req.method !== 'POST') {
      return {
        service: url.searchParams.get('service'),
        scopes: url.searchParams.getAll('scope'),
        given: credentials(req),
      };
    }
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const form = new URLSearchParams(body);
    const refresh = form.get('grant_type') === 'refresh_token' ? form.get('refresh_token') : null;
    return {
      service: form.get('service'),
      scopes: (form.get('scope') ?? '').split(' ').filter(Boolean),
      // An identity token stands for the account's password.
      given:
        refresh === null
          ? undefined
          : { user: options.user, password: refresh === options.identityToken ? options.password : '' },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    const { service, scopes, given } = await asked(req, url);
    const good = given?.user === options.user && given.password === options.password;
    if (given && !good) {
      requests.push({ service, scopes, user: given.user, status: 401, method: req.method ?? 'GET' });
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
      return;
    }
    const access = scopes
      .map(parseScope)
      .filter((a): a is Access => a !== undefined)
      .map((a) => ({
        ...a,
        actions: good ? a.actions : a.actions.filter((x) => x === 'pull' && options.anonymousPull === true),
      }));
    requests.push({ service, scopes, user: given?.user, status: 200, method: req.method ?? 'GET' });
    const token = await sign(given?.user ?? '', access);
    issued.push(token);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
    );
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service: SERVICE,
    issuer: ISSUER,
    rootCertificatePem: root.certificate.toString('pem') + '\n',
    requests,
    issued,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
