'use strict';
// The plumbing the Slack and Teams emulators share (tests/emulators/{slack,teams}/emulator.js):
// command-line flags derived from a table of defaults, JSON/text answers, bounded request
// bodies, and an HTTP(S) server that prints "listening <port>" once it accepts connections and
// exits when its parent's stdin pipe closes (so an emulator never outlives its test). Each
// emulator keeps its own wire protocol; only what is the same for both lives here. Plain
// CommonJS for Node 18, Node built-ins only.

const fs = require('fs');
const http = require('http');
const https = require('https');

// Every key of `defaults` is a flag (--ack-timeout-ms 1000 sets ack_timeout_ms); booleans take
// no value. A wrong command line prints the usage and exits 2, as the tests read that log.
function parseArgs(argv, defaults) {
    const usage = (problem) => {
        const flags = Object.keys(defaults).map((k) => `--${k.replace(/_/g, '-')}`).join(' ');
        process.stderr.write(`emulator.js: ${problem}\nusage: node emulator.js [${flags}]\n`);
        process.exit(2);
    };
    const opts = { ...defaults };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith('--')) usage(`unexpected argument "${arg}"`);
        const name = arg.slice(2).replace(/-/g, '_');
        if (!(name in defaults)) usage(`unknown option "${arg}"`);
        if (typeof defaults[name] === 'boolean') {
            opts[name] = true;
            continue;
        }
        const value = argv[++i];
        if (value === undefined) usage(`${arg} needs a value`);
        if (typeof defaults[name] === 'number') {
            const n = Number(value);
            if (!Number.isFinite(n) || n < 0) usage(`${arg} needs a number >= 0, not "${value}"`);
            opts[name] = n;
        } else {
            opts[name] = value;
        }
    }
    if (!opts.cert !== !opts.key) usage('--cert and --key go together');
    return opts;
}

// An HTTP answer thrown from deep inside a handler; the request wrapper sends it.
class Answer {
    constructor(status, body, headers = {}) {
        this.status = status;
        this.body = body;
        this.headers = headers;
    }
}

// A string goes as text/plain, anything else as JSON; no body (undefined/null) as an empty one.
function send(res, status, body, headers = {}) {
    if (body === undefined || body === null) {
        res.writeHead(status, { 'Content-Length': 0, ...headers });
        res.end();
        return;
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
}

// The whole request body as a Buffer; past `maxBytes` it rejects with a 413 carrying
// `tooLargeBody` (each platform words that error its own way) and drops the connection.
function readBody(req, maxBytes, tooLargeBody) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;
        req.on('data', (chunk) => {
            size += chunk.length;
            if (size > maxBytes) {
                reject(new Answer(413, tooLargeBody));
                req.destroy();
                return;
            }
            chunks.push(chunk);
        });
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
    });
}

// Wraps an async `handle(req, res)`: a thrown Answer is sent as is; anything else is a bug of
// the emulator, logged to stderr and answered 500 with `bugFields` plus error "emulator_bug".
function answering(handle, name, bugFields = {}) {
    return (req, res) => {
        handle(req, res).catch((err) => {
            if (err instanceof Answer) return send(res, err.status, err.body, err.headers);
            process.stderr.write(`${name} emulator bug: ${err && err.stack}\n`);
            if (!res.headersSent) {
                send(res, 500, { ...bugFields, error: 'emulator_bug', detail: String(err && err.message) });
            }
            return undefined;
        });
    };
}

// Serves `onRequest` on opts.host:opts.port (TLS when opts.cert is set) and returns the server,
// to which the caller may add listeners before it listens. `log` gets client errors;
// `beforeExit()` runs on SIGTERM/SIGINT (and when stdin closes, with opts.exit_with_stdin);
// `onListening(baseUrl)` runs right after the "listening <port>" line is written.
function serve(opts, onRequest, { log, beforeExit = () => {}, onListening = () => {} }) {
    const tls = !!opts.cert;
    const server = tls
        ? https.createServer({ cert: fs.readFileSync(opts.cert), key: fs.readFileSync(opts.key) }, onRequest)
        : http.createServer(onRequest);
    server.keepAliveTimeout = 30000;
    server.on('clientError', (err, socket) => {
        log('client error', err.message);
        socket.destroy();
    });

    const shutdown = () => {
        beforeExit();
        server.close();
        process.exit(0);
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
    if (opts.exit_with_stdin) {
        process.stdin.on('end', shutdown);
        process.stdin.on('close', shutdown);
        process.stdin.on('error', shutdown);
        process.stdin.resume();
    }

    server.listen(opts.port, opts.host, () => {
        const { port } = server.address();
        const baseUrl = `${tls ? 'https' : 'http'}://${opts.host}:${port}`;
        process.stdout.write(`listening ${port}\n`);
        onListening(baseUrl);
    });
    return server;
}

module.exports = { parseArgs, Answer, send, readBody, answering, serve };
