import http from 'node:http';

/**
 * Where each running pod's container ports really listen: pods here share the host's network, so a
 * container port (8080) maps to a free port on 127.0.0.1. The kubelet fills it, the API server's pod
 * proxy reads it.
 */
export class PodPorts {
  private readonly ports = new Map<string, Map<number, number>>();

  set(namespace: string, pod: string, containerPort: number, localPort: number): void {
    const key = `${namespace}/${pod}`;
    const mapped = this.ports.get(key) ?? new Map<number, number>();
    mapped.set(containerPort, localPort);
    this.ports.set(key, mapped);
  }

  get(namespace: string, pod: string, containerPort: number): number | undefined {
    return this.ports.get(`${namespace}/${pod}`)?.get(containerPort);
  }

  forget(namespace: string, pod: string): void {
    this.ports.delete(`${namespace}/${pod}`);
  }
}

export interface ProbeAnswer {
  readonly ok: boolean;
  /** The kubelet's words for a failure (`HTTP probe failed with statuscode: 503`). */
  readonly message: string;
}

/** One HTTP GET probe as the kubelet runs it: 200–399 passes; anything else fails with its reason. */
export function httpProbe(port: number, path: string, timeoutMs: number): Promise<ProbeAnswer> {
  const url = `http://127.0.0.1:${port}${path}`;
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(
        code >= 200 && code < 400
          ? { ok: true, message: '' }
          : { ok: false, message: `HTTP probe failed with statuscode: ${code}` },
      );
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'ECONNREFUSED'
          ? `dial tcp 127.0.0.1:${port}: connect: connection refused`
          : error.message === 'timeout'
            ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
            : error.message;
      resolve({ ok: false, message: `Get "${url}": ${why}` });
    });
  });
}
