'use strict';
// Checks the Teams emulator with Microsoft's own Bot Framework SDK: a tiny botbuilder bot
// (CloudAdapter with ConfigurationBotFrameworkAuthentication: app id and password, the
// emulator's OpenID metadata URL as ToBotFromChannelOpenIdMetadataUrl, its issuer as
// ToBotFromChannelTokenIssuer, its token endpoint as ToChannelFromBotLoginUrl) runs against
// emulator.js over TLS, with the emulator's self-signed certificate trusted through
// NODE_EXTRA_CA_CERTS, as any botbuilder user would point it at another cloud. Through the
// emulator's control API this script plays Teams users and asserts what botbuilder did:
// - it accepts the emulator's valid tokens (RS256 and RS512, a key published in base64 and a
//   rotated one in base64url), and its replies land in the emulator as replies to the activity;
// - it rejects every broken token for the reason the token was broken for (expired, wrong
//   audience, forged, alg none, …), and runs no bot logic for them;
// - a token without exp is accepted, as botbuilder documents (releasebot is stricter there);
// - Action.Submit, Action.Execute invokes and conversationUpdate reach the bot as Teams sends
//   them; proactive messages, updates and created conversations land in the Connector; the
//   OAuth token came from the emulator's token endpoint; a Connector 429 reaches botbuilder with
//   its status and Retry-After.
// If botbuilder disagrees with the emulator, the emulator is wrong.
//
// Usage: node botbuilder_check.js
// Exit status 0 when every check passed; the last line reads "botbuilder_check: N passed, M failed".
// The script starts itself a second time with NODE_EXTRA_CA_CERTS set (Node reads it only at
// start).

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const APP_ID = '00000000-0000-4000-8000-00000000b07a';
const APP_PASSWORD = 'test-app-password';
const TENANT = 'tenant-emulator';
const ISSUER = 'https://api.botframework.com';
const CHANNEL = '19:releases@thread.tacv2';
const ALICE = { id: '29:alice', name: 'Alice', aad: 'aad-alice' };

if (!process.env.RELEASEBOT_TEAMS_CHECK_DIR) {
    relaunch();
} else {
    main().catch((err) => {
        process.stderr.write(`botbuilder_check: ${err && err.stack}\n`);
        process.stdout.write('botbuilder_check: 0 passed, 1 failed\n');
        process.exit(1);
    });
}

// Makes the certificate, then runs this file again with the certificate trusted.
function relaunch() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'releasebot-teams-check-'));
    const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
    try {
        execFileSync('openssl', [
            'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
            '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
            '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
        ], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
        cleanup();
        process.stderr.write(`botbuilder_check: openssl could not make a certificate: ${err.stderr || err.message}\n`);
        process.stdout.write('botbuilder_check: 0 passed, 1 failed\n');
        process.exit(1);
    }
    const child = spawn(process.execPath, [__filename], {
        stdio: 'inherit',
        env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem'), RELEASEBOT_TEAMS_CHECK_DIR: dir },
    });
    child.on('exit', (code, signal) => {
        cleanup();
        process.exit(code === null ? (signal ? 1 : 0) : code);
    });
}

// ---------------------------------------------------------------------------------------------
// The emulator (child process) and its control API

function startEmulator(dir) {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [
            path.join(__dirname, 'emulator.js'), '--exit-with-stdin',
            '--cert', path.join(dir, 'cert.pem'), '--key', path.join(dir, 'key.pem'),
            '--app-id', APP_ID, '--app-password', APP_PASSWORD, '--tenant', TENANT, '--issuer', ISSUER,
            '--key-cache', dir,
        ], { stdio: ['pipe', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (chunk) => {
            out += chunk;
            const m = /^listening (\d+)\n/.exec(out);
            if (m) resolve({ child, base: `https://127.0.0.1:${m[1]}` });
        });
        child.on('exit', (code) => reject(new Error(`the emulator exited (${code}) before listening: ${out}`)));
    });
}

async function control(base, method, name, body) {
    const res = await fetch(`${base}/_emulator/${name}`, {
        method,
        headers: { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`emulator ${method} ${name}: ${res.status} ${text}`);
    return JSON.parse(text);
}

// ---------------------------------------------------------------------------------------------
// The botbuilder bot

function startBot(emulatorBase, appPassword = APP_PASSWORD, metadataQuery = '') {
    const {
        CloudAdapter, ConfigurationBotFrameworkAuthentication, TurnContext, ActivityTypes,
    } = require('botbuilder');
    const { MsalServiceClientCredentialsFactory } = require('botframework-connector');
    const { ConfidentialClientApplication } = require('@azure/msal-node');
    // MSAL trusts an authority outside Microsoft's clouds only when told so (knownAuthorities);
    // otherwise it asks login.microsoftonline.com about it. botbuilder's own password factory
    // cannot pass that option, so the bot hands botbuilder an MSAL client configured for the
    // emulator, as botbuilder documents for custom clouds.
    const msal = new ConfidentialClientApplication({
        auth: {
            clientId: APP_ID,
            clientSecret: appPassword,
            authority: `${emulatorBase}/botframework.com`,
            knownAuthorities: [new URL(emulatorBase).host],
        },
    });
    const auth = new ConfigurationBotFrameworkAuthentication({
        MicrosoftAppId: APP_ID,
        MicrosoftAppPassword: appPassword,
        MicrosoftAppType: 'MultiTenant',
        ToBotFromChannelOpenIdMetadataUrl: `${emulatorBase}/v1/.well-known/openidconfiguration${metadataQuery}`,
        ToBotFromChannelTokenIssuer: ISSUER,
        ToBotFromEmulatorOpenIdMetadataUrl: `${emulatorBase}/v1/.well-known/openidconfiguration`,
        ToChannelFromBotLoginUrl: `${emulatorBase}/botframework.com`,
        ToChannelFromBotOAuthScope: 'https://api.botframework.com',
        OAuthUrl: emulatorBase,
        CallerId: 'urn:botframework:azure',
        ValidateAuthority: false,
    }, new MsalServiceClientCredentialsFactory(APP_ID, msal));
    const adapter = new CloudAdapter(auth);
    const seen = [];          // activities the bot logic ran for
    const errors = [];        // what botbuilder logged on rejections
    adapter.onTurnError = async (context, error) => {
        errors.push(`turn error: ${error && error.message}`);
    };
    const logic = async (context) => {
        const a = context.activity;
        seen.push(a);
        if (a.type === ActivityTypes.Message && a.value) {
            await context.sendActivity(`submitted ${JSON.stringify(a.value)}`);
        } else if (a.type === ActivityTypes.Message) {
            const text = TurnContext.removeRecipientMention(a) || a.text;
            await context.sendActivity(`echo: ${text.trim()}`);
        } else if (a.type === ActivityTypes.Invoke && a.name === 'adaptiveCard/action') {
            await context.sendActivity({
                type: ActivityTypes.InvokeResponse,
                value: {
                    status: 200,
                    body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: `did ${a.value.action.verb}` },
                },
            });
        } else if (a.type === ActivityTypes.ConversationUpdate) {
            for (const member of a.membersAdded || []) {
                if (member.id === a.recipient.id) await context.sendActivity('Hello, I am releasebot.');
            }
        }
    };
    const server = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
            let body;
            try {
                body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch (e) {
                body = undefined;
            }
            // The shape botbuilder expects from express/restify, over Node's own http.
            const request = { method: req.method, headers: req.headers, body };
            let status = 200;
            let sent = '';
            const response = {
                socket: req.socket,
                status(code) { status = code; },
                header(name, value) { res.setHeader(name, value); },
                send(data) { sent = typeof data === 'string' ? data : JSON.stringify(data); },
                end() {
                    res.writeHead(status, { 'Content-Type': 'application/json' });
                    res.end(sent);
                },
            };
            adapter.process(request, response, logic).catch((err) => {
                res.writeHead(500);
                res.end(String(err && err.message));
            });
        });
    });
    return new Promise((resolve) => {
        server.listen(0, '127.0.0.1', () => {
            resolve({ adapter, server, seen, errors, url: `http://127.0.0.1:${server.address().port}/api/messages` });
        });
    });
}

// ---------------------------------------------------------------------------------------------
// The checks

let passed = 0;
let failed = 0;

function check(name, ok, detail = '') {
    if (ok) {
        passed += 1;
        process.stdout.write(`ok   ${name}\n`);
    } else {
        failed += 1;
        process.stdout.write(`FAIL ${name}${detail ? `: ${detail}` : ''}\n`);
    }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await predicate();
        if (value) return value;
        if (Date.now() > deadline) return null;
        await sleep(20);
    }
}

async function sentTo(base, conversation) {
    return (await control(base, 'GET', `sent?conversation=${encodeURIComponent(conversation)}`)).activities;
}

async function main() {
    const dir = process.env.RELEASEBOT_TEAMS_CHECK_DIR;
    const started = Date.now();
    const { child, base } = await startEmulator(dir);
    // botbuilder logs every rejected token with console.error; keep the output to the checks.
    const logged = [];
    console.error = (...args) => logged.push(args.map(String).join(' '));
    const bot = await startBot(base);
    try {
        await runChecks(base, bot);
    } finally {
        bot.server.close();
        child.stdin.end();
    }
    process.stdout.write(`(${Date.now() - started} ms)\n`);
    process.stdout.write(`botbuilder_check: ${passed} passed, ${failed} failed\n`);
    process.exit(failed === 0 ? 0 : 1);
}

async function send(base, bot, activity, token = 'valid') {
    return control(base, 'POST', 'send', { bot_url: bot.url, activity, token });
}

async function runChecks(base, bot) {
    // A token made with the first key (published with base64 n/e), kept for after the rotation.
    const info = await control(base, 'GET', 'info');
    const firstKeyToken = (await control(base, 'POST', 'token', { kind: 'valid' })).token;

    // 1. A mention in a channel, with a valid token: botbuilder accepts it and replies.
    const message = await control(base, 'POST', 'activity/message', { from: ALICE, conversation: CHANNEL, text: 'release list' });
    let answer = await send(base, bot, message);
    check('a valid token (key published in base64) is accepted', answer.status === 200, `${answer.status} ${answer.body}`);
    const reply = await waitFor(async () => (await sentTo(base, CHANNEL)).find((r) => r.replyToId === message.id));
    check('the reply lands in the emulator as a reply to the activity', !!reply && reply.kind === 'reply'
        && reply.activity.text === 'echo: release list', JSON.stringify(reply));
    check('the reply is addressed as botbuilder addresses it', !!reply && reply.activity.from.id === `28:${APP_ID}`
        && reply.activity.recipient.id === ALICE.id && reply.activity.conversation.id === CHANNEL
        && reply.activity.serviceUrl === info.service_url, JSON.stringify(reply && reply.activity));
    const fetches = await control(base, 'GET', 'fetches');
    check('botbuilder took its Connector token from the emulator\'s token endpoint', fetches.token >= 1 && fetches.connector >= 1, JSON.stringify(fetches));
    check('botbuilder read the metadata and the keys once', fetches.metadata === 1 && fetches.jwks === 1, JSON.stringify(fetches));
    check('the Connector refused nothing botbuilder sent', (await control(base, 'GET', 'rejected')).length === 0);

    // 2. Every broken token is rejected, for the reason it was broken for.
    const reasons = {
        none: /Unauthorized Access\. Request is not authorized/,
        expired: /token has expired/,
        not_yet_valid: /jwt not active/,
        wrong_audience: /Invalid AppId passed on token/,
        wrong_issuer: /No valid identity/,
        wrong_service_url: /ServiceUrl claim do not match/,
        forged: /invalid signature/,
        unknown_kid: /Signing Key could not be retrieved/,
        alg_none: /jwt signature is required/,
        hs256_public_key: /invalid algorithm/,
        not_endorsed: /Could not validate endorsement/,
    };
    for (const [kind, reason] of Object.entries(reasons)) {
        const before = bot.seen.length;
        const activity = await control(base, 'POST', 'activity/message', { from: ALICE, conversation: CHANNEL, text: `with ${kind}` });
        answer = await send(base, bot, activity, kind);
        const rejected = answer.status === 401 || answer.status === 500;
        check(`a token "${kind}" is rejected (${answer.status}) because: ${reason.source}`,
            rejected && reason.test(answer.body) && bot.seen.length === before, `${answer.status} ${answer.body}`);
    }
    const noExp = await control(base, 'POST', 'activity/message', { from: ALICE, conversation: CHANNEL, text: 'no exp' });
    answer = await send(base, bot, noExp, 'no_exp');
    check('a token without exp is accepted by botbuilder (releasebot refuses it)', answer.status === 200, `${answer.status} ${answer.body}`);

    // 3. The other activity kinds Teams sends.
    const submit = await control(base, 'POST', 'activity/submit', { from: ALICE, conversation: CHANNEL, value: { action: 'tick', control: 'c1' } });
    answer = await send(base, bot, submit);
    const submitted = await waitFor(async () => (await sentTo(base, CHANNEL)).find((r) => r.replyToId === submit.id));
    check('an Action.Submit reaches the bot with its value', answer.status === 200 && !!submitted
        && submitted.activity.text === 'submitted {"action":"tick","control":"c1"}', `${answer.status} ${JSON.stringify(submitted)}`);
    const execute = await control(base, 'POST', 'activity/execute', { from: ALICE, conversation: CHANNEL, verb: 'tick', data: { control: 'c1' } });
    answer = await send(base, bot, execute);
    let invokeBody = {};
    try {
        invokeBody = JSON.parse(answer.body);
    } catch (e) {
        // checked below
    }
    check('an Action.Execute invoke is answered in the HTTP response', answer.status === 200 && invokeBody.statusCode === 200
        && invokeBody.value === 'did tick', `${answer.status} ${answer.body}`);
    const personal = 'a:1alice-personal';
    const installed = await control(base, 'POST', 'activity/installed', {
        added: { id: `28:${APP_ID}` }, installer: ALICE, conversation: personal, type: 'personal',
    });
    answer = await send(base, bot, installed);
    const hello = await waitFor(async () => (await sentTo(base, personal))[0]);
    check('installing the bot (conversationUpdate) reaches it and its hello lands', answer.status === 200 && !!hello
        && hello.activity.text === 'Hello, I am releasebot.', `${answer.status} ${JSON.stringify(hello)}`);

    // 4. Proactive: continue a stored conversation, update an activity, create a 1:1 chat.
    const { TurnContext } = require('botbuilder');
    const reference = TurnContext.getConversationReference(message);
    let updatedId = '';
    await bot.adapter.continueConversationAsync(APP_ID, reference, async (context) => {
        const sent = await context.sendActivity('proactive status');
        updatedId = sent.id;
        await context.updateActivity({ id: sent.id, type: 'message', text: 'proactive status v2' });
    });
    const rows = await sentTo(base, CHANNEL);
    // botbuilder posts it as a reply to the id of its own synthetic continue event, an id Teams
    // never saw; Teams (and so the emulator) posts it in the conversation all the same.
    const proactive = rows.find((r) => r.id === updatedId && r.method === 'POST');
    const update = rows.find((r) => r.id === updatedId && r.kind === 'update');
    check('a proactive message (continueConversationAsync) lands in the conversation', !!proactive
        && proactive.activity.text === 'proactive status', JSON.stringify(rows.slice(-3)));
    check('updateActivity lands as a PUT of the same id', !!update && update.method === 'PUT'
        && update.activity.text === 'proactive status v2', JSON.stringify(update));
    let created = '';
    await bot.adapter.createConversationAsync(APP_ID, 'msteams', info.service_url, 'https://api.botframework.com', {
        isGroup: false, bot: { id: `28:${APP_ID}` }, members: [{ id: '29:bob' }], tenantId: TENANT,
        channelData: { tenant: { id: TENANT } },
    }, async (context) => {
        created = context.activity.conversation.id;
        await context.sendActivity('a reminder for Bob');
    });
    const conversations = await control(base, 'GET', 'conversations');
    const toBob = created ? await sentTo(base, created) : [];
    check('createConversation makes a 1:1 chat and the first message lands in it', conversations.length === 1
        && conversations[0].id === created && toBob.length === 1 && toBob[0].activity.text === 'a reminder for Bob',
    `${created} ${JSON.stringify(conversations)} ${JSON.stringify(toBob)}`);

    // A 429 with Retry-After from the Connector: botbuilder does not retry it; it surfaces the
    // status and the header to the caller (releasebot's outbox retries after Retry-After).
    await control(base, 'POST', 'fault', { what: 'connector', status: 429, count: 1, retry_after: 3 });
    let throttled = null;
    await bot.adapter.continueConversationAsync(APP_ID, reference, async (context) => {
        try {
            await context.sendActivity('during a 429');
        } catch (err) {
            throttled = err;
        }
        await context.sendActivity('after the 429');
    });
    const retryAfter = throttled && throttled.response && throttled.response.headers
        && (typeof throttled.response.headers.get === 'function'
            ? throttled.response.headers.get('retry-after') : throttled.response.headers['retry-after']);
    const texts = (await sentTo(base, CHANNEL)).map((r) => r.activity && r.activity.text);
    check('a Connector 429 reaches botbuilder as status 429 with Retry-After, and nothing lands',
        !!throttled && throttled.statusCode === 429 && String(retryAfter) === '3'
        && !texts.includes('during a 429') && texts.includes('after the 429'),
        `${throttled && throttled.statusCode} retry-after=${retryAfter} ${throttled && throttled.message}`);

    // 5. Keys: a rotated key (published in base64url) is accepted once botbuilder refetches,
    // and the first key (base64) keeps working while it stays published; RS512 too.
    await control(base, 'POST', 'rotate');
    // botbuilder refetches keys on an unknown kid at most once an hour and caches them per
    // metadata URL for the whole process; a second bot with its own spelling of the URL starts
    // cold, as a restarted bot would.
    const restarted = await startBot(base, APP_PASSWORD, '?restarted=1');
    try {
        const rotated = await control(base, 'POST', 'activity/message', { from: ALICE, conversation: CHANNEL, text: 'after rotation' });
        answer = await send(base, restarted, rotated);
        check('a token from a rotated key (published in base64url) is accepted', answer.status === 200, `${answer.status} ${answer.body}`);
        answer = await postWithToken(restarted.url, message, firstKeyToken);
        check('a token from the first key is still accepted while the key is published', answer.status === 200, `${answer.status} ${answer.body}`);
        const rs512 = (await control(base, 'POST', 'token', { kind: 'valid', alg: 'RS512' })).token;
        answer = await postWithToken(restarted.url, message, rs512);
        check('an RS512 token is accepted', answer.status === 200, `${answer.status} ${answer.body}`);
    } finally {
        restarted.server.close();
    }
}

function postWithToken(url, activity, token) {
    return fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(activity),
    }).then(async (res) => ({ status: res.status, body: await res.text() }));
}
