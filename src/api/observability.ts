import type { RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandObserver } from '../commands/commandRunner.js';

/** Paths that may carry secrets or personal data never reach a log line in clear. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'req.query.q',
  'req.query.query',
  '*.password',
  '*.secret',
  '*.token',
  '*.email',
  '*.phone',
  '*.phone_number',
];

/**
 * `buffered`: the server's logger. A synchronous write per line cost a system call per request
 * (an eighth of a read's CPU under load); lines are gathered up to 4 KiB instead, written at
 * least every second, and flushed when the process exits. The CLI keeps synchronous writes so
 * its warnings stay in order with what it prints.
 */
export function createLogger(level: string, buffered = false): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (!buffered) return pino(options);
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Not ready yet (the file descriptor opens asynchronously) or already closed: the next tick writes.
    }
  }, 1000).unref();
  return pino(options, destination);
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id: the caller's `x-request-id` when it is well formed, else a new UUID. */
    id: string;
    /** The service logger, for the error middleware; request lines carry `req.id`. */
    log: Logger;
  }
}

const REQUEST_ID = /^[\w.-]{1,128}$/;

/**
 * One line per request: id, method, path (never the query, which can hold an email), status
 * and duration. Written by hand rather than with pino-http: that logged the same fields through
 * a child logger and serializers per request and cost about a tenth of a read request's CPU.
 * The line goes through a child without redaction because it holds no headers, body or query.
 * The request's latency is recorded for metrics from the same `finish` listener.
 */
export function requestLogging(logger: Logger, metrics: Metrics): RequestHandler {
  const lines = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    req.id = id;
    req.log = logger;
    res.setHeader('x-request-id', id);
    res.once('finish', () => {
      const status = res.statusCode;
      const ms = performance.now() - started;
      metrics.observeRequest(req.method, req.routePattern, status, ms);
      // 501 is a call this service does not offer (a client's choice), not a fault of the service.
      const level = status >= 500 && status !== 501 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!lines.isLevelEnabled(level)) return;
      const path = req.originalUrl;
      const q = path.indexOf('?');
      lines[level](
        { req: { id, method: req.method, path: q === -1 ? path : path.slice(0, q) }, res: { statusCode: status }, responseTime: Math.round(ms) },
        'request completed',
      );
    });
    next();
  };
}

export class Metrics implements CommandObserver {
  readonly registry = new Registry();
  private readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly conflicts = new Counter({
    name: 'command_conflicts_total',
    help: 'Appends rejected because the stream had moved on',
    labelNames: ['command'],
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'command_retries_total',
    help: 'Commands retried after a conflict',
    labelNames: ['command'],
    registers: [this.registry],
  });
  readonly projectionLag = new Gauge({
    name: 'projection_lag_events',
    help: 'Events in the log not yet applied by a projection',
    labelNames: ['projection'],
    registers: [this.registry],
  });
  private readonly jobQueues = new Map<string, () => Promise<number>>();
  readonly jobQueueDepth = new Gauge({
    name: 'job_queue_depth',
    help: 'Jobs waiting to run, by queue',
    labelNames: ['queue'],
    registers: [this.registry],
    // Read at each scrape; a queue that cannot answer keeps its last figure rather than failing the scrape.
    collect: async () => {
      for (const [queue, depth] of this.jobQueues) {
        const n = await depth().catch(() => undefined);
        if (n !== undefined) this.jobQueueDepth.set({ queue }, n);
      }
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  conflict(command: string): void {
    this.conflicts.inc({ command });
  }

  observeJobQueue(queue: string, depth: () => Promise<number>): void {
    this.jobQueues.set(queue, depth);
  }

  retried(command: string): void {
    this.retries.inc({ command });
  }

  /** Labelled by the matched route's pattern, not the raw URL, so ids do not explode cardinality. */
  observeRequest(method: string, route: string | undefined, status: number, ms: number): void {
    const key = `${method} ${status} ${route ?? ''}`;
    let series = this.latencySeries.get(key);
    if (series === undefined) {
      series = this.latency.labels({ method, route: route ?? 'unmatched', status: String(status) });
      this.latencySeries.set(key, series);
    }
    series.observe(ms / 1000);
  }

  /**
   * A labelled series per (method, status, route), found by one string key: prom-client otherwise
   * sorts and joins the label set on every observation. Bounded, because routes are patterns and
   * statuses few.
   */
  private readonly latencySeries = new Map<string, { observe(seconds: number): void }>();
}
