// fast_ilsd_h2: bench/fast_ilsd.c's answers over HTTP/2 on TLS (ALPN h2, as
// an https Koha behind a modern proxy offers it), for bench/sync.sh's HTTP/2
// run and tests/sync/test_http2.sh. Node's own http2 module, loopback only,
// the key and certificate given; HTTP/1.1 is answered too (ALPN http/1.1).
// Every POST /api/v1/patrons: 201 with a small patron object and a
// Location; every GET under /api/v1/patrons: [] (no one yet); GET /_stats:
// request counts, requests by HTTP version, and the most requests it held
// at once (max_open); any other GET: {}. No auth check; request bodies are
// read and dropped. DELAY_MS (default 0) holds every answer that long, so
// that requests sent together are seen together.
//
//   node bench/fast_ilsd_h2.js KEY CERT PORTFILE [DELAY_MS]
'use strict';
const http2 = require('http2');
const fs = require('fs');

const stats = { post: 0, get: 0, other: 0, h2: 0, h1: 0, max_open: 0 };
const delay = Number(process.argv[5] || 0);
let nextId = 1, open = 0;
const server = http2.createSecureServer({
	key: fs.readFileSync(process.argv[2]),
	cert: fs.readFileSync(process.argv[3]),
	allowHTTP1: true,
	settings: { maxConcurrentStreams: 128 },
});

server.on('request', (req, res) => {
	const path = req.url || '';
	if (path === '/_stats') {
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify(stats));
		return;
	}
	open++;
	if (open > stats.max_open)
		stats.max_open = open;
	if (req.httpVersionMajor === 2)
		stats.h2++;
	else
		stats.h1++;
	const answer = (status, body, extra) => {
		const send = () => {
			open--;
			res.writeHead(status, Object.assign({ 'content-type': 'application/json' }, extra || {}));
			res.end(body);
		};
		if (delay > 0)
			setTimeout(send, delay);
		else
			send();
	};
	req.on('data', () => {});
	req.on('error', () => {});
	req.on('end', () => {
		if (req.method === 'POST' && (path === '/api/v1/patrons' || path.startsWith('/api/v1/patrons?'))) {
			const id = nextId++;
			stats.post++;
			answer(201, `{"patron_id":${id},"surname":"x","library_id":"CPL","category_id":"ST"}`,
			       { location: `/api/v1/patrons/${id}` });
		} else if (req.method === 'GET' && path.startsWith('/api/v1/patrons')) {
			stats.get++;
			answer(200, '[]', { 'x-total-count': '0' });
		} else if (req.method === 'GET' || req.method === 'HEAD') {
			stats.other++;
			answer(200, '{}');
		} else {
			stats.other++;
			answer(404, '{"error":"Not found"}');
		}
	});
});
server.on('sessionError', () => {});
server.on('tlsClientError', () => {});
server.listen(0, '127.0.0.1', () => {
	const port = String(server.address().port) + '\n';
	if (process.argv[4])
		fs.writeFileSync(process.argv[4], port);
	else
		process.stdout.write(port);
});
