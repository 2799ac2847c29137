// @peculiar/x509 resolves its providers with tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
import * as x509 from '@peculiar/x509';

/** ECDSA P-256 with SHA-256: what every test certificate and signature here uses (JWS ES256 too). */
export const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface Issuer {
  readonly certificate: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

export interface Issued extends Issuer {
  /** The private key as PKCS#8 PEM. */
  readonly keyPem: string;
}

const crypto = webcrypto;
x509.cryptoProvider.set(crypto as Parameters<typeof x509.cryptoProvider.set>[1]);

/** Valid from a minute ago for a day: long enough for any test run, tolerant of a slightly skewed clock. */
const validity = () => ({
  notBefore: new Date(Date.now() - 60_000),
  notAfter: new Date(Date.now() + 24 * 3600_000),
});

const newKeys = () => crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);

function pem(label: string, der: ArrayBuffer): string {
  const body = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

/** A self-signed certificate authority (no openssl binary needed). */
export async function createRoot(name: string, usages: x509.KeyUsageFlags): Promise<Issuer> {
  const keys = await newKeys();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    ...validity(),
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(usages, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificate, keys };
}

/** A leaf certificate for `name` signed by `root`, with a fresh key and the given extensions. */
export async function issue(root: Issuer, name: string, extensions: x509.Extension[]): Promise<Issued> {
  const keys = await newKeys();
  const certificate = await x509.X509CertificateGenerator.create({
    subject: `CN=${name}`,
    issuer: root.certificate.subject,
    publicKey: keys.publicKey,
    signingKey: root.keys.privateKey,
    ...validity(),
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...extensions,
      await x509.AuthorityKeyIdentifierExtension.create(root.keys.publicKey),
    ],
  });
  const keyPem = pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certificate, keys, keyPem };
}

export { x509 };
