import { describe, expect, it, vi } from 'vitest';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import { createServingApp } from '../../src/serving/app.js';
import { ServingMetrics } from '../../src/serving/metrics.js';
import { fakeSource, parseMetrics, type FakeSource } from './fixture.js';

const quiet = () => new ServingMetrics({ defaultMetrics: false });

describe('the serving app without a socket (inject)', () => {
  it('is live at once, and ready only once the model is loaded', async () => {
    const source = fakeSource();
    const app = createServingApp({ source, ref: 'production', metrics: quiet() });
    expect((await app.inject({ url: '/health' })).status).toBe(200);
    const ready = await app.inject({ url: '/ready' });
    expect(ready.status).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'loading', error: expect.any(String) });
    expect((await app.inject({ url: '/v2/health/ready' })).status).toBe(503);
    const early = await app.inject({ url: '/predict', body: { instances: [[1, 2]] } });
    expect(early.status).toBe(503);
    expect(early.json<{ error: string }>().error).toContain('loading');

    await app.start();
    expect((await app.inject({ url: '/ready' })).json()).toEqual({
      status: 'ready',
      model: 'toy',
      model_version: 'v1.0',
    });
    const res = await app.inject({ url: '/predict', body: { instances: [[2, 1], { a: 0, b: 1 }] } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      predictions: [
        { label: 'yes', probabilities: { no: expect.closeTo(0.1), yes: 0.9 } },
        { label: 'no', probabilities: { no: 0.9, yes: 0.1 } },
      ],
      model_version: 'v1.0',
    });
    await app.stop();
  });

  it('answers unknown routes 404 and wrong methods 405 with Allow, in JSON', async () => {
    const app = createServingApp({ source: fakeSource(), ref: 'v1.0', pinned: true, metrics: quiet() });
    await app.start();
    const missing = await app.inject({ url: '/nope' });
    expect(missing.status).toBe(404);
    expect(missing.json<{ error: string }>().error).toMatch(/no route GET \/nope; routes: .*\/predict/);
    const wrong = await app.inject({ method: 'GET', url: '/predict' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
    expect((await app.inject({ method: 'DELETE', url: '/v2/models/toy' })).status).toBe(405);
    expect((await app.inject({ url: '/v2/models/other' })).status).toBe(404);
    await app.stop();
  });

  it('swaps versions atomically: a request in flight finishes on the model it started with', async () => {
    const source = fakeSource();
    const io = new MemoryIoHost();
    const metrics = quiet();
    const app = createServingApp({
      source,
      ref: 'production',
      io,
      metrics,
      limits: { pollIntervalSeconds: 3600 },
    });
    await app.start();
    const v1 = source.loaded.get('v1.0');
    // The request acquires v1.0 and waits for its batch (next turn); the swap happens meanwhile.
    const inFlight = app.inject({ url: '/predict', body: { instances: [[1, 0]] } });
    source.alias = 'v1.1';
    const poll = app.poll();
    const answer = await inFlight;
    expect(await poll).toMatchObject({ result: 'reloaded', version: 'v1.1', previous: 'v1.0' });
    expect(answer.status).toBe(200);
    expect(answer.json<{ model_version: string }>().model_version).toBe('v1.0');
    expect(v1?.disposed).toBe(true); // freed once its last request was answered
    const next = await app.inject({ url: '/predict', body: { instances: [[1, 0]] } });
    expect(next.json<{ model_version: string }>().model_version).toBe('v1.1');
    expect(io.events.filter((e) => e.event === 'reloaded')).toHaveLength(1);
    const m = parseMetrics(await metrics.render());
    expect(m.get('ml_model_info{model="toy",version="v1.1"}')).toBe(1);
    expect(m.has('ml_model_info{model="toy",version="v1.0"}')).toBe(false);
    expect(m.get('ml_model_reloads_total{result="success"}')).toBe(1);
    await app.stop();
  });

  it('a version that fails to load keeps the old model, counts an error and reports it once', async () => {
    const source = fakeSource();
    const io = new MemoryIoHost();
    const metrics = quiet();
    const app = createServingApp({
      source,
      ref: 'production',
      io,
      metrics,
      limits: { pollIntervalSeconds: 3600 },
    });
    await app.start();
    source.alias = 'v1.1';
    source.broken.add('v1.1');
    expect(await app.poll()).toMatchObject({ result: 'failed', version: 'v1.1' });
    expect(await app.poll()).toMatchObject({ result: 'failed', version: 'v1.1' });
    expect((await app.inject({ url: '/ready' })).status).toBe(200);
    const res = await app.inject({ url: '/predict', body: { instances: [[1, 0]] } });
    expect(res.json<{ model_version: string }>().model_version).toBe('v1.0');
    const m = parseMetrics(await metrics.render());
    expect(m.get('ml_model_reloads_total{result="error"}')).toBe(2);
    const failures = io.events.filter((e) => e.event === 'reload-failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      level: 'warn',
      message: expect.stringContaining('still serving v1.0'),
    });
    // Fixed (a new version promoted): the next poll succeeds.
    source.alias = 'v1.2';
    expect(await app.poll()).toMatchObject({ result: 'reloaded', version: 'v1.2' });
    await app.stop();
  });

  it('follows the alias on its own timer, and a pinned version never moves', async () => {
    // The poll timer runs on a fake clock that the test moves; everything else is real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const polls = { following: 0, pinned: 0 };
      const counted = (name: keyof typeof polls): FakeSource => {
        const source = fakeSource();
        const resolve = source.resolve.bind(source);
        source.resolve = (ref) => ((polls[name] += 1), resolve(ref));
        return source;
      };
      const source = counted('following');
      const pinnedSource = counted('pinned');
      const following = createServingApp({
        source,
        ref: 'production',
        metrics: quiet(),
        limits: { pollIntervalSeconds: 0.1 },
      });
      const pinned = createServingApp({
        source: pinnedSource,
        ref: 'v1.0',
        pinned: true,
        metrics: quiet(),
        limits: { pollIntervalSeconds: 0.1 },
      });
      await following.start();
      await pinned.start();
      expect(polls).toEqual({ following: 1, pinned: 1 }); // the resolve of the start
      source.alias = 'v1.3';
      pinnedSource.alias = 'v1.3';

      vi.advanceTimersByTime(99);
      expect(polls.following).toBe(1); // not before the interval is up
      vi.advanceTimersByTime(1);
      expect(polls.following).toBe(2); // the timer's poll has begun …
      expect(await following.poll()).toMatchObject({ result: 'reloaded', version: 'v1.3' }); // … joined
      expect(following.status().version).toBe('v1.3');

      // Ten more intervals: the follower polls at each (the next once the previous is done); the
      // pinned app never resolves its ref again.
      for (let i = 0; i < 10; i += 1) {
        vi.advanceTimersByTime(100);
        expect(polls.following).toBe(3 + i);
        expect(await following.poll()).toEqual({ result: 'unchanged', version: 'v1.3' });
      }
      expect(polls.pinned).toBe(1);
      expect(pinned.status().version).toBe('v1.0');
      await following.stop();
      await pinned.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('coalesces concurrent requests into few model calls and observes ml_batch_size', async () => {
    const source = fakeSource();
    const metrics = quiet();
    const app = createServingApp({
      source,
      ref: 'production',
      metrics,
      limits: { maxBatchSize: 64, maxBatchWaitMs: 5 },
    });
    await app.start();
    const predictor = source.loaded.get('v1.0');
    const warmCalls = predictor?.calls.length ?? 0;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => app.inject({ url: '/predict', body: { instances: [[i, 20]] } })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const calls = predictor?.calls.slice(warmCalls) ?? [];
    expect(calls.reduce((a, b) => a + b, 0)).toBe(40);
    expect(calls.length).toBeLessThan(5);
    const m = parseMetrics(await metrics.render());
    expect(m.get('ml_batch_size_sum')).toBe(40);
    expect(m.get('ml_predictions_total{class="yes"}')).toBe(19);
    expect(m.get('ml_predictions_total{class="no"}')).toBe(21);
    expect(m.get('ml_requests_total{endpoint="/predict",status="200"}')).toBe(40);
    await app.stop();
  });

  it('draining: readiness 503, liveness still 200', async () => {
    const app = createServingApp({ source: fakeSource(), ref: 'production', metrics: quiet() });
    await app.start();
    app.beginDrain();
    const ready = await app.inject({ url: '/ready' });
    expect(ready.status).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'draining' });
    expect((await app.inject({ url: '/v2/models/toy/ready' })).json()).toEqual({ name: 'toy', ready: false });
    expect((await app.inject({ url: '/health' })).status).toBe(200);
    await app.stop();
  });

  it('applies the body limit without a socket too', async () => {
    const app = createServingApp({
      source: fakeSource(),
      ref: 'production',
      metrics: quiet(),
      limits: { maxBodyBytes: 1024 },
    });
    await app.start();
    const res = await app.inject({
      url: '/predict',
      body: { instances: Array.from({ length: 200 }, () => [1, 2]) },
    });
    expect(res.status).toBe(413);
    expect(res.json<{ error: string }>().error).toContain('1024 bytes');
    await app.stop();
  });
});
