/**
 * The yardstick: the thinnest reverse proxy Node allows. It collects the (small) request body, sends it on an
 * undici `Pool` of keep-alive connections to the upstream, and pipes the answer back untouched: no parsing, no
 * checks, no logging. Usage: bare-proxy <upstream port>; prints its own port.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const upstreamPort = Number(process.argv[2]);
const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 128, keepAliveTimeout: 60_000 });

/** Headers of one hop only, which undici refuses to send and Node sets on its own answer. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  }
  return kept;
}

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    pool
      .stream({ path: req.url!, method: req.method as 'POST', headers: endToEnd(req.headers), body: parts.length === 1 ? parts[0] : Buffer.concat(parts) }, ({ statusCode, headers }) => {
        res.writeHead(statusCode, endToEnd(headers));
        return res;
      })
      .catch(() => res.destroy());
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
