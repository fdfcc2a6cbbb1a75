// fast_ilsd_h2: bench/fast_ilsd.c's answers over HTTP/2 on TLS (ALPN h2, as
// an https Koha behind a modern proxy offers it), for bench/sync.sh's HTTP/2
// run. Node's own http2 module, loopback only, the key and certificate given. Every POST /api/v1/patrons: 201 with a small patron object
// and a Location; every GET under /api/v1/patrons: [] (no one yet); GET
// /_stats: request counts; any other GET: {}. No auth check; request bodies
// are read and dropped.
//
//   node bench/fast_ilsd_h2.js KEY CERT PORTFILE   (writes the chosen port there, then serves)
'use strict';
const http2 = require('http2');
const fs = require('fs');

const stats = { post: 0, get: 0, other: 0 };
let nextId = 1;
const server = http2.createSecureServer({
	key: fs.readFileSync(process.argv[2]),
	cert: fs.readFileSync(process.argv[3]),
	settings: { maxConcurrentStreams: 128 },
});

server.on('stream', (stream, headers) => {
	const method = headers[':method'];
	const path = headers[':path'] || '';
	const answer = (status, body, extra) => {
		stream.respond(Object.assign({ ':status': status, 'content-type': 'application/json' }, extra || {}));
		stream.end(body);
	};
	stream.on('data', () => {});
	stream.on('error', () => {});
	stream.on('end', () => {
		if (method === 'POST' && (path === '/api/v1/patrons' || path.startsWith('/api/v1/patrons?'))) {
			const id = nextId++;
			stats.post++;
			answer(201, `{"patron_id":${id},"surname":"x","library_id":"CPL","category_id":"ST"}`,
			       { location: `/api/v1/patrons/${id}` });
		} else if (method === 'GET' && path.startsWith('/api/v1/patrons')) {
			stats.get++;
			answer(200, '[]', { 'x-total-count': '0' });
		} else if (method === 'GET' && path === '/_stats') {
			answer(200, JSON.stringify(stats));
		} else if (method === 'GET' || method === 'HEAD') {
			stats.other++;
			answer(200, '{}');
		} else {
			stats.other++;
			answer(404, '{"error":"Not found"}');
		}
	});
});
server.on('sessionError', () => {});
server.listen(0, '127.0.0.1', () => {
	const port = String(server.address().port) + '\n';
	if (process.argv[4])
		fs.writeFileSync(process.argv[4], port);
	else
		process.stdout.write(port);
});
