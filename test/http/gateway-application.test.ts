import test from 'ava';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayApplication } from '../../src/http/gateway-application.js';

/** on-finished's mark on a response it watches: set by Koa's handleRequest, which a self-written answer skips. */
const watched = (response: ServerResponse) => (response as ServerResponse & { __onFinished?: unknown }).__onFinished !== undefined;

async function serve(app: GatewayApplication) {
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('an answer written by the middleware itself is left alone; every other answer is Koa’s, with the status the middleware gave it', async (t) => {
  const app = new GatewayApplication();
  app.silent = true;
  const responses = new Map<string, ServerResponse>();
  const errors: Error[] = [];
  app.on('error', (error: Error) => errors.push(error));
  app.use(async (ctx) => {
    responses.set(ctx.path, ctx.res);
    switch (ctx.path) {
      case '/self':
        ctx.respond = false;
        ctx.res.writeHead(201, ['Content-Type', 'text/plain', 'Content-Length', '4']);
        ctx.res.end('self');
        return;
      case '/teapot':
        ctx.status = 418;
        ctx.body = { error: 'short and stout' };
        return;
      case '/text':
        ctx.body = 'koa';
        return;
      case '/throws':
        throw new Error('broken');
      default:
        // Nothing answered: Koa's 404.
        return;
    }
  });
  const server = await serve(app);
  t.teardown(server.close);

  const self = await fetch(`${server.url}/self`);
  t.is(self.status, 201);
  t.is(await self.text(), 'self');
  t.false(watched(responses.get('/self')!), 'no response watcher for an answer written by the middleware');

  const teapot = await fetch(`${server.url}/teapot`);
  t.is(teapot.status, 418);
  t.deepEqual(await teapot.json(), { error: 'short and stout' });
  t.true(watched(responses.get('/teapot')!));

  const text = await fetch(`${server.url}/text`);
  t.is(text.status, 200);
  t.is(await text.text(), 'koa');

  const missing = await fetch(`${server.url}/missing`);
  t.is(missing.status, 404);
  t.is(await missing.text(), 'Not Found');

  const thrown = await fetch(`${server.url}/throws`);
  t.is(thrown.status, 500);
  await thrown.text();
  t.is(errors.length, 1, 'what the middleware throws reaches app.onerror, as in Koa');
  t.is(errors[0]!.message, 'broken');
});
