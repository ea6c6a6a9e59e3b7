// An OTLP/HTTP endpoint that accepts every export and keeps nothing: what the traced apps of
// `npm run bench` export to, so the flow is measured with the SDK's whole export path, off the box's
// network. Counts the spans' export requests for the report (GET /count).
import { createServer } from 'node:http';

let exports = 0;
const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/count') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ exports }));
    return;
  }
  request.resume();
  request.on('end', () => {
    exports++;
    const json = String(request.headers['content-type']).startsWith('application/json');
    response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : undefined);
  });
});
server.listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
