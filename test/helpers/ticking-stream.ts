import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * An upstream handler for TIME_OUT tests: an event stream of 8 chunks 100 ms apart, or, when the path
 * contains `silent`, one chunk and then silence.
 */
export function tickingStream(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  const silent = request.url!.includes('silent');
  let sent = 0;
  const tick = setInterval(() => {
    response.write(`data: ${sent}\n\n`);
    sent += 1;
    if (silent && sent === 1) clearInterval(tick);
    if (sent === 8) {
      clearInterval(tick);
      response.end();
    }
  }, 100);
  response.on('close', () => clearInterval(tick));
}
