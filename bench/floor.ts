import express from 'express';

/**
 * The floor every HTTP figure is divided by: express 5 answering a constant JSON body, nothing
 * else (no logging, no auth, no database). Run as a child process by bench/run.ts.
 */
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
const body = { success: true, message: 'floor', items: [1, 2, 3] };
app.get('/floor', (_req, res) => {
  res.json(body);
});

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(port, host);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
