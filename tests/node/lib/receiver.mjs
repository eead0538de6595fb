// A webhook endpoint on a free loopback port that keeps every delivery whole, for the simulator's --forward-to.
import http from 'node:http';

/** Resolves { url, deliveries, close() }; each delivery is { method, url, headers, raw } and is answered 200. */
export async function startReceiver(path = '/webhook') {
  const deliveries = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ method: req.method, url: req.url, headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"received":true}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}${path}`,
    deliveries,
    close: () => new Promise((r) => server.close(r)),
  };
}
