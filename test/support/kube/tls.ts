import { createRoot, issue, x509 } from '../x509.js';

export interface ServerTls {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** A fresh CA and a server certificate for 127.0.0.1 and localhost signed by it (no openssl binary). */
export async function generateTls(): Promise<ServerTls> {
  const ca = await createRoot('mlops-test-ca', x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
  const server = await issue(ca, 'kube-apiserver', [
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([
      { type: 'ip', value: '127.0.0.1' },
      { type: 'dns', value: 'localhost' },
    ]),
  ]);
  return {
    caPem: ca.certificate.toString('pem') + '\n',
    certPem: server.certificate.toString('pem') + '\n',
    keyPem: server.keyPem,
  };
}
