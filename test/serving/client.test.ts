import { writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PredictClient } from '../../src/serving/client.js';
import { rejectionOf } from '../support/error-code.js';
import { generateTls } from '../support/kube/tls.js';
import { runBin } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface FakeServer {
  readonly url: string;
  /** Connections the server accepted. */
  readonly connections: Socket[];
  close(): Promise<void>;
}

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** An HTTP(S) server on 127.0.0.1 that hands each request, with its whole body, to `handle`. */
async function fakeServer(handle: Handler, tls?: { cert: string; key: string }): Promise<FakeServer> {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handle(req, res, body));
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  const connections: Socket[] = [];
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => connections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake = {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(fake);
  return fake;
}

/** Answers each row of `instances` with a label, as the serving app's simple protocol does. */
const predictions: Handler = (_req, res, body) => {
  const { instances } = JSON.parse(body) as { instances: unknown[] };
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ model_version: 'v1', predictions: instances.map(() => ({ label: 'a' })) }));
};

describe('PredictClient over node:http', () => {
  it('sends every request over one kept-alive connection', async () => {
    const server = await fakeServer(predictions);
    const client = new PredictClient({ url: server.url });
    try {
      for (let i = 0; i < 5; i += 1) {
        expect((await client.predict([[i, 1]])).predictions).toEqual([{ label: 'a' }]);
      }
    } finally {
      await client.close();
    }
    expect(server.connections).toHaveLength(1);
  });

  it('a kept-alive connection the server dropped as it was reused: the request goes again on a new one', async () => {
    let requests = 0;
    const server = await fakeServer((req, res, body) => {
      requests += 1;
      // the second request on the first connection finds it closed, with no answer
      if (requests === 2) return req.socket.destroy();
      predictions(req, res, body);
    });
    const client = new PredictClient({ url: server.url });
    try {
      await client.predict([[1, 2]]);
      expect((await client.predict([[3, 4]])).model_version).toBe('v1');
    } finally {
      await client.close();
    }
    expect(requests).toBe(3);
    expect(server.connections).toHaveLength(2);
  });

  it('a server that answers nothing: E8001 saying how long it waited', async () => {
    const server = await fakeServer(() => undefined);
    const client = new PredictClient({ url: server.url, timeoutMs: 300 });
    try {
      const error = await rejectionOf(client.predict([[1]]));
      expect(error.code).toBe('MLOPS_SERVE_E8001');
      expect(error.message).toBe(`Cannot reach the server at ${server.url}: no answer within 0.3 s.`);
      expect(error.hint).toContain('--url');
    } finally {
      await client.close();
    }
  });

  it('5xx: E8003 with the server’s message; an answer that is not JSON: E8004', async () => {
    const server = await fakeServer((req, res) => {
      if (req.url === '/predict') {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'loading the model' }));
      } else {
        res.end('<html>a proxy</html>');
      }
    });
    const client = new PredictClient({ url: server.url });
    const other = new PredictClient({ url: `${server.url}/elsewhere` });
    try {
      const unavailable = await rejectionOf(client.predict([[1]]));
      expect(unavailable.code).toBe('MLOPS_SERVE_E8003');
      expect(unavailable.message).toBe(`POST ${server.url}/predict failed with 503: loading the model`);
      expect(unavailable.hint).toContain('GET /ready');
      const notJson = await rejectionOf(other.predict([[1]]));
      expect(notJson.code).toBe('MLOPS_SERVE_E8004');
      expect(notJson.message).toContain('<html>a proxy</html>');
    } finally {
      await Promise.all([client.close(), other.close()]);
    }
  });
});

describe('mlops predict to an https URL', () => {
  it('verifies the server’s certificate: trusted through NODE_EXTRA_CA_CERTS it predicts, else E8001', async () => {
    const tls = await generateTls();
    const server = await fakeServer(predictions, { cert: tls.certPem, key: tls.keyPem });
    const dir = tempDir();
    const ca = path.join(dir, 'ca.pem');
    writeFileSync(ca, tls.caPem);
    const args = ['predict', '--url', server.url, '--data', '[5.1, 3.5, 1.4, 0.2]', '--json'];

    const trusted = await runBin(args, { cwd: dir, env: { NODE_EXTRA_CA_CERTS: ca } });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.json<{ predictions: unknown[] }>().predictions).toEqual([{ label: 'a' }]);

    const untrusted = await runBin(args, { cwd: dir });
    expect(untrusted.code).toBe(1);
    const { error } = untrusted.json<{ error: { code: string; message: string } }>();
    expect(error.code).toBe('MLOPS_SERVE_E8001');
    expect(error.message).toContain(`Cannot reach the server at ${server.url}`);
    expect(error.message).toMatch(/certificate/);
  });
});
