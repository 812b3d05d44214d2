'use strict';
// Checks the Slack emulator with Slack's own client: a tiny @slack/bolt app (Socket Mode) runs
// against emulator.js over TLS, with the emulator's self-signed certificate trusted through
// NODE_EXTRA_CA_CERTS, as any user of Bolt would point it at another server. Through the
// emulator's control API this script plays users and asserts what Bolt did: acks by envelope id
// (with response payloads), chat.postMessage / chat.update / views.open landing, a view
// submission and a mention reaching their handlers, redelivery of an envelope left unacked, and
// a reconnect after a refresh_requested disconnect. If Bolt disagrees with the emulator, the
// emulator is wrong.
//
// Usage: node bolt_check.js [--plain]   (--plain: HTTP and ws:// instead of TLS)
// Exit status 0 when every check passed; the last line reads "bolt_check: N passed, M failed".
// Internally the same file is started a second time with --app <api url> to run the Bolt app.

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const https = require('https');
const os = require('os');
const path = require('path');

const BOT_TOKEN = 'xoxb-test-bot';
const APP_TOKEN = 'xapp-test-app';
const CHANNEL = 'C1RELEASE';
const ALICE = 'U1ALICE';
const BOB = 'U2BOB';

if (process.argv[2] === '--app') {
    runBoltApp(process.argv[3]).catch((err) => {
        process.stderr.write(`bolt app failed to start: ${err && err.stack}\n`);
        process.exit(1);
    });
} else {
    main().catch((err) => {
        process.stderr.write(`bolt_check: ${err && err.stack}\n`);
        process.stdout.write('bolt_check: 0 passed, 1 failed\n');
        process.exit(1);
    });
}

// ---------------------------------------------------------------------------------------------
// The Bolt app (child process)

async function runBoltApp(apiUrl) {
    const { App, LogLevel } = require('@slack/bolt');
    const app = new App({
        token: BOT_TOKEN,
        appToken: APP_TOKEN,
        socketMode: true,
        logLevel: LogLevel.WARN,
        clientOptions: { slackApiUrl: apiUrl },
    });
    const ignoredOnce = new Set();

    app.command('/release', async ({ command, ack, client }) => {
        if (command.text === 'ignore-once' && !ignoredOnce.has(command.trigger_id)) {
            ignoredOnce.add(command.trigger_id);  // no ack: the emulator must redeliver
            return;
        }
        await ack({ response_type: 'ephemeral', text: `Working on: ${command.text}` });
        await client.chat.postMessage({
            channel: command.channel_id,
            text: `release ${command.text} by <@${command.user_id}>`,
            blocks: [
                { type: 'header', text: { type: 'plain_text', text: `Release ${command.text}` } },
                { type: 'section', block_id: 'task-1', text: { type: 'mrkdwn', text: '*Smoke tests* on staging' } },
                {
                    type: 'actions', block_id: 'buttons',
                    elements: [{
                        type: 'button', action_id: 'tick', value: 'task-1', style: 'primary',
                        text: { type: 'plain_text', text: 'Done' },
                    }],
                },
            ],
        });
    });

    app.action('tick', async ({ ack, body, client }) => {
        await ack();
        await client.chat.update({
            channel: body.channel.id,
            ts: body.message.ts,
            text: `ticked ${body.actions[0].value} by <@${body.user.id}>`,
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:white_check_mark: ${body.actions[0].value}` } }],
        });
        await client.views.open({
            trigger_id: body.trigger_id,
            view: {
                type: 'modal',
                callback_id: 'survey',
                private_metadata: 'release-7',
                title: { type: 'plain_text', text: 'Retro survey' },
                submit: { type: 'plain_text', text: 'Send' },
                blocks: [{
                    type: 'input', block_id: 'q1', label: { type: 'plain_text', text: 'How did it go?' },
                    element: { type: 'plain_text_input', action_id: 'answer' },
                }],
            },
        });
    });

    app.view('survey', async ({ ack, view, body, client }) => {
        await ack();
        await client.chat.postMessage({
            channel: CHANNEL,
            text: `survey ${view.private_metadata} from <@${body.user.id}>: ${view.state.values.q1.answer.value}`,
        });
    });

    app.event('app_mention', async ({ event, say }) => {
        await say(`mentioned: ${event.text}`);
    });

    app.error(async (error) => {
        process.stderr.write(`bolt error: ${error && error.stack}\n`);
    });

    await app.start();
    process.stdout.write('bolt app connected\n');
}

// ---------------------------------------------------------------------------------------------
// The checker (parent process)

function makeCertificate(dir) {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { cert, key };
}

function startEmulator(args, output) {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(__dirname, 'emulator.js'), ...args],
            { stdio: ['ignore', 'pipe', 'pipe'] });
        let buffered = '';
        const timer = setTimeout(() => reject(new Error(`the emulator did not start:\n${output.join('')}`)), 10000);
        child.stderr.on('data', (d) => output.push(d.toString()));
        child.stdout.on('data', (d) => {
            buffered += d.toString();
            const match = /listening (\d+)\n/.exec(buffered);
            if (match) {
                clearTimeout(timer);
                resolve({ child, port: Number(match[1]) });
            }
        });
        child.on('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`the emulator exited (${code}):\n${output.join('')}`));
        });
    });
}

function controlClient(base, ca) {
    const agent = ca ? new https.Agent({ ca, keepAlive: true }) : new http.Agent({ keepAlive: true });
    return (method, route, body) => new Promise((resolve, reject) => {
        const data = body === undefined ? '' : JSON.stringify(body);
        const url = new URL(`/_emulator/${route}`, base);
        const request = (ca ? https : http).request(url, {
            method, agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) },
        }, (res) => {
            let text = '';
            res.on('data', (d) => {
                text += d;
            });
            res.on('end', () => {
                let json;
                try {
                    json = JSON.parse(text);
                } catch (e) {
                    reject(new Error(`${method} ${route}: not JSON: ${text}`));
                    return;
                }
                if (res.statusCode !== 200 || !json.ok) reject(new Error(`${method} ${route}: ${res.statusCode} ${text}`));
                else resolve(json);
            });
        });
        request.on('error', reject);
        request.end(data);
    });
}

async function waitFor(what, probe, timeoutMs = 8000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

function expect(cond, message) {
    if (!cond) throw new Error(message);
}

async function main() {
    const plain = process.argv.includes('--plain');
    try {
        require.resolve('@slack/bolt');
    } catch (e) {
        throw new Error(`@slack/bolt is not installed: run "npm ci" in ${__dirname}`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-check-'));
    const emulatorLog = [];
    const appLog = [];
    const children = [];
    const cleanup = () => {
        for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
        fs.rmSync(dir, { recursive: true, force: true });
    };
    process.on('exit', cleanup);

    const args = ['--verbose', '--ack-timeout-ms', '1000', '--ping-interval-ms', '1000'];
    let ca = null;
    if (!plain) {
        const { cert, key } = makeCertificate(dir);
        args.push('--cert', cert, '--key', key);
        ca = fs.readFileSync(cert);
    }
    const emulator = await startEmulator(args, emulatorLog);
    children.push(emulator.child);
    const base = `${plain ? 'http' : 'https'}://127.0.0.1:${emulator.port}`;
    const control = controlClient(base, ca);

    const env = { ...process.env };
    if (!plain) env.NODE_EXTRA_CA_CERTS = path.join(dir, 'cert.pem');
    const bolt = spawn(process.execPath, [__filename, '--app', `${base}/api/`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(bolt);
    bolt.stdout.on('data', (d) => appLog.push(d.toString()));
    bolt.stderr.on('data', (d) => appLog.push(d.toString()));

    const ackOf = async (id) => (await control('GET', `acks?envelope_id=${id}`)).acks[0];
    const messages = async (kind) => (await control('GET', `messages?kind=${kind}`)).messages;
    const connections = async () => control('GET', 'connections');
    const ctx = {};
    const checks = [
        ['Bolt connects: auth.test, apps.connections.open, websocket with hello', async () => {
            const conns = await waitFor('an open Socket Mode link', async () => {
                const c = await connections();
                return c.open >= 1 && c;
            }, 15000);
            ctx.firstLink = conns.connections[0].id;
            await waitFor('Bolt to report it is connected', async () => appLog.join('').includes('bolt app connected'));
            const calls = (await control('GET', 'calls')).calls;
            expect(calls.some((c) => c.method === 'auth.test' && c.status === 200 && !c.error), 'Bolt never called auth.test successfully');
            expect(calls.some((c) => c.method === 'apps.connections.open' && !c.error), 'no successful apps.connections.open');
        }],
        ['a slash command is acked by envelope id, with the response payload', async () => {
            const sent = await control('POST', 'slash', { user: ALICE, channel: CHANNEL, text: 'plan 2.4' });
            ctx.slashEnvelope = sent.envelope_id;
            const ack = await waitFor(`the ack of ${sent.envelope_id}`, () => ackOf(sent.envelope_id));
            expect(ack.payload && ack.payload.text === 'Working on: plan 2.4', `ack payload was ${JSON.stringify(ack.payload)}`);
            expect(ack.type === 'slash_commands' && !ack.duplicate, `unexpected ack ${JSON.stringify(ack)}`);
        }],
        ['chat.postMessage from the command handler lands, Block Kit accepted', async () => {
            const posted = await waitFor('the posted message', async () =>
                (await messages('postMessage')).find((m) => m.text === `release plan 2.4 by <@${ALICE}>`));
            expect(posted.channel === CHANNEL && Array.isArray(posted.blocks) && posted.blocks.length === 3,
                `posted ${JSON.stringify(posted)}`);
            ctx.postedTs = posted.ts;
        }],
        ['a button press is acked and chat.update edits the message', async () => {
            expect(ctx.postedTs, 'no message to press a button on');
            const sent = await control('POST', 'action', {
                user: BOB, channel: CHANNEL, message_ts: ctx.postedTs, action_id: 'tick', value: 'task-1',
            });
            await waitFor('the ack of the button press', () => ackOf(sent.envelope_id));
            const updated = await waitFor('chat.update', async () =>
                (await messages('update')).find((m) => m.ts === ctx.postedTs));
            expect(updated.text === `ticked task-1 by <@${BOB}>`, `update text was ${updated.text}`);
            const history = (await control('GET', `history?channel=${CHANNEL}`)).messages;
            const shown = history.find((m) => m.ts === ctx.postedTs);
            expect(shown && shown.text === updated.text && shown.edited, 'the channel does not show the edit');
        }],
        ['views.open with the press trigger opens a modal whose submission reaches app.view', async () => {
            const view = await waitFor('views.open', async () => (await messages('view'))[0]);
            expect(view.callback_id === 'survey' && view.user === BOB, `view record ${JSON.stringify(view)}`);
            const sent = await control('POST', 'submit', { user: BOB, view_id: view.view_id, values: { q1: { answer: 'went fine' } } });
            const ack = await waitFor('the ack of the submission', () => ackOf(sent.envelope_id));
            expect(ack.type === 'interactive', `ack ${JSON.stringify(ack)}`);
            await waitFor('the survey answer message', async () =>
                (await messages('postMessage')).find((m) => m.text === `survey release-7 from <@${BOB}>: went fine`));
        }],
        ['an app_mention event is acked and answered with say()', async () => {
            const sent = await control('POST', 'event', { user: ALICE, channel: CHANNEL, text: 'status' });
            await waitFor('the ack of the event', () => ackOf(sent.envelope_id));
            await waitFor('the reply to the mention', async () =>
                (await messages('postMessage')).find((m) => m.text === 'mentioned: <@U0BOT> status'));
        }],
        ['an envelope left unacked is redelivered with retry_attempt 1, then acked once', async () => {
            const sent = await control('POST', 'slash', { user: ALICE, channel: CHANNEL, text: 'ignore-once' });
            const ack = await waitFor('the ack of the redelivered envelope', () => ackOf(sent.envelope_id), 6000);
            const envs = (await control('GET', 'envelopes')).envelopes;
            const env = envs.find((e) => e.envelope_id === sent.envelope_id);
            expect(env.attempts === 2 && env.deliveries[1].retry_attempt === 1, `deliveries ${JSON.stringify(env.deliveries)}`);
            expect(ack.attempts === 2, `ack ${JSON.stringify(ack)}`);
            const acks = (await control('GET', `acks?envelope_id=${sent.envelope_id}`)).acks;
            expect(acks.length === 1, `${acks.length} acks for one envelope`);
        }],
        ['refresh_requested: Bolt reconnects and the next slash command is acked on the new link', async () => {
            const sent = await control('POST', 'disconnect', { reason: 'refresh_requested' });
            expect(sent.sent === 1, `disconnect reached ${sent.sent} links`);
            const conns = await waitFor('a second link', async () => {
                const c = await connections();
                return c.total_opened >= 2 && c.connections.some((l) => l.id !== ctx.firstLink && l.state === 'open') && c;
            }, 20000);
            const first = (await control('GET', 'connections?all=1')).connections.find((l) => l.id === ctx.firstLink);
            expect(first.state === 'closed' && !first.dropped, `the first link is ${first.state}`);
            const newLink = conns.connections.find((l) => l.id !== ctx.firstLink).id;
            const slash = await control('POST', 'slash', { user: ALICE, channel: CHANNEL, text: 'after refresh' });
            const ack = await waitFor('the ack after the reconnect', () => ackOf(slash.envelope_id));
            expect(ack.connection === newLink, `acked on ${ack.connection}, expected ${newLink}`);
            expect(ack.payload && ack.payload.text === 'Working on: after refresh', `ack payload ${JSON.stringify(ack.payload)}`);
        }],
        ['pings are answered both ways', async () => {
            // Bolt pings every 5/3 s and drops a link whose pongs stop; the emulator pings each second.
            await waitFor('pings and pongs on the open link', async () => {
                const c = await connections();
                return c.connections.some((l) => l.pings_received > 0 && l.pongs_received > 0);
            }, 5000);
        }],
    ];

    let passed = 0;
    let failed = 0;
    for (const [name, run] of checks) {
        try {
            await run();
            passed += 1;
            process.stdout.write(`ok - ${name}\n`);
        } catch (err) {
            failed += 1;
            process.stdout.write(`FAIL - ${name}: ${err.message}\n`);
        }
    }
    const bad = (await control('GET', 'bad_frames')).bad_frames;
    if (bad.length) {
        failed += 1;
        process.stdout.write(`FAIL - Bolt sent frames the emulator could not read: ${JSON.stringify(bad)}\n`);
    }
    if (failed) {
        process.stdout.write(`--- Bolt app output ---\n${appLog.join('')}--- emulator log ---\n${emulatorLog.join('')}\n`);
    }
    process.stdout.write(`bolt_check: ${passed} passed, ${failed} failed\n`);
    cleanup();
    process.exit(failed ? 1 : 0);
}
