import type { Dispatcher } from 'undici';
import type { RegistryCredentials } from './credentials.js';
import { registryError, registryErrorText } from './errors.js';
import { parseWwwAuthenticate, type Challenge } from './www-authenticate.js';

/** Sends one HTTP request (undici's `request` with the client's dispatcher and signal). */
export type HttpSend = (
  url: string,
  options: { method: Dispatcher.HttpMethod; headers?: Record<string, string>; body?: string },
) => Promise<Dispatcher.ResponseData>;

/** The scope a distribution token grants: `repository:team/app:pull,push`. */
export const repositoryScope = (repository: string, actions: 'pull' | 'pull,push'): string =>
  `repository:${repository}:${actions}`;

interface CachedToken {
  readonly value: string;
  readonly expires: number;
}

/** Tokens are renewed this long before they expire, so that none expires in flight. */
const EXPIRY_MARGIN_MS = 10_000;
/** distribution's token spec: a token without expires_in lasts 60 seconds. */
const DEFAULT_EXPIRES_S = 60;

/**
 * The Authorization of one registry host: learns its challenge from the first 401 (Basic, or a Bearer
 * token realm), asks for credentials only then, and caches Bearer tokens per set of scopes. Never
 * writes a credential or a token anywhere but the Authorization header.
 */
export class RegistryAuth {
  private challenge: Challenge | undefined;
  private credentials: Promise<RegistryCredentials | undefined> | undefined;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly host: string,
    private readonly find: () => Promise<RegistryCredentials | undefined>,
    private readonly send: HttpSend,
  ) {}

  /** The Authorization header for a request needing `scopes`, once the registry has challenged. */
  async header(scopes: readonly string[]): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      const credentials = await this.loadCredentials();
      return credentials ? basic(credentials) : undefined;
    }
    const key = [...scopes].sort().join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now() + EXPIRY_MARGIN_MS) return `Bearer ${cached.value}`;
    const token = await this.fetchToken(challenge, scopes);
    this.tokens.set(key, token);
    return `Bearer ${token.value}`;
  }

  /**
   * A 401 answered a request that carried `sent` (or no Authorization). Learns the challenge so that
   * the request can go again; throws when going again cannot help (the credentials were refused, or
   * there are none for a registry that needs them).
   */
  async challenged(
    wwwAuthenticate: string | undefined,
    scopes: readonly string[],
    sent: boolean,
  ): Promise<void> {
    const challenges = parseWwwAuthenticate(wwwAuthenticate ?? '');
    const challenge =
      challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ??
      challenges.find((c) => c.scheme === 'basic');
    if (!challenge) {
      throw registryError(
        `The registry ${this.host} answered 401 without a Basic or Bearer challenge mlops understands.`,
        'MLOPS_IMAGE_E7410',
        'Check that the host is an OCI distribution registry (GET /v2/ should answer 200 or 401 with WWW-Authenticate).',
      );
    }
    const credentials = await this.loadCredentials();
    if (sent) throw this.refused(credentials, challenge.scheme === 'bearer' ? 'token' : 'credentials');
    if (challenge.scheme === 'basic' && !credentials) throw this.missing();
    this.challenge = challenge;
    // The challenge's own scope (what this request needs, in the registry's words) joins ours.
    const wanted = challenge.params.scope
      ? [...new Set([...scopes, ...challenge.params.scope.split(' ')])]
      : scopes;
    if (challenge.scheme === 'bearer') {
      this.tokens.set([...scopes].sort().join(' '), await this.fetchToken(challenge, wanted));
    }
  }

  private loadCredentials(): Promise<RegistryCredentials | undefined> {
    this.credentials ??= this.find();
    return this.credentials;
  }

  /** distribution's token flow: GET realm?service&scope… with Basic credentials (or anonymous), or the OAuth2 refresh-token POST for an identity token. */
  private async fetchToken(challenge: Challenge, scopes: readonly string[]): Promise<CachedToken> {
    const credentials = await this.loadCredentials();
    const { realm, service } = challenge.params;
    let url: URL;
    try {
      url = new URL(realm!);
    } catch {
      throw registryError(
        `The registry ${this.host} named a token realm that is not a URL.`,
        'MLOPS_IMAGE_E7410',
        'The registry is misconfigured (auth.token.realm); tell its operator.',
      );
    }
    const identityToken = credentials?.username === '<token>';
    let response: Dispatcher.ResponseData;
    try {
      if (identityToken) {
        const form = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: credentials.password,
          client_id: 'mlops',
          ...(service ? { service } : {}),
          scope: scopes.join(' '),
        });
        response = await this.send(url.toString(), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        });
      } else {
        if (service) url.searchParams.set('service', service);
        for (const scope of scopes) url.searchParams.append('scope', scope);
        response = await this.send(url.toString(), {
          method: 'GET',
          headers: credentials ? { authorization: basic(credentials) } : {},
        });
      }
    } catch (error) {
      throw registryError(
        `The token service of ${this.host} (${url.host}) cannot be reached.`,
        'MLOPS_IMAGE_E7402',
        'Check the network path to it (proxy, DNS, firewall); the registry sends clients there to log in.',
        error,
      );
    }
    const text = await response.body.text();
    if (response.statusCode === 401 || response.statusCode === 403) {
      if (credentials) throw this.refused(credentials, 'credentials');
      throw this.missing();
    }
    let answer: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      answer = {};
    }
    const value = typeof answer.token === 'string' ? answer.token : answer.access_token;
    if (response.statusCode !== 200 || typeof value !== 'string' || value === '') {
      const detail = registryErrorText(text);
      throw registryError(
        `The token service of ${this.host} (${url.host}) gave no token (${response.statusCode}${detail ? `: ${detail}` : ''}).`,
        'MLOPS_IMAGE_E7410',
        'Retry later; if it persists, the registry’s token service is failing.',
      );
    }
    const seconds =
      typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : DEFAULT_EXPIRES_S;
    return { value, expires: Date.now() + seconds * 1000 };
  }

  private refused(credentials: RegistryCredentials | undefined, what: 'credentials' | 'token') {
    if (!credentials) return this.missing();
    if (what === 'token') {
      return registryError(
        `The registry ${this.host} refused access with the credentials from ${credentials.source}.`,
        'MLOPS_IMAGE_E7404',
        'They are valid but lack this permission on the repository: grant pull and push to that user, or log in as one who has them.',
      );
    }
    return registryError(
      `The registry ${this.host} rejected the credentials from ${credentials.source} (401).`,
      'MLOPS_IMAGE_E7403',
      `Log in again (docker login ${this.host}), or set MLOPS_REGISTRY_USERNAME and MLOPS_REGISTRY_PASSWORD to valid ones.`,
    );
  }

  private missing() {
    return registryError(
      `The registry ${this.host} needs credentials and mlops found none for it.`,
      'MLOPS_IMAGE_E7405',
      `Log in (docker login ${this.host}), or set MLOPS_REGISTRY_USERNAME and MLOPS_REGISTRY_PASSWORD; for ghcr.io GHCR_TOKEN, for ECR AWS credentials.`,
    );
  }
}

const basic = (credentials: RegistryCredentials): string =>
  `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
