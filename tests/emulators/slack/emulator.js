'use strict';
// A local Slack for releasebot's tests. It speaks Slack's own wire protocol: the Web API at
// /api/<method> (JSON, form or multipart bodies, Bearer tokens, Slack's response shapes and
// errors, per-channel rate limits answered with HTTP 429 and Retry-After), apps.connections.open
// and the Socket Mode websocket at /link/ (hello at once, envelopes, acks, redelivery of envelopes
// not acknowledged in time, pings, disconnect frames). A control API at /_emulator/… lets tests
// play users (slash commands, mentions, button presses, modal submissions), read what the bot
// posted and acknowledged, and inject faults. It prints "listening <port>" on stdout once it
// accepts connections; logs (--verbose) go to stderr.
//
// bolt_check.js runs Slack's official Bolt against this file: when they disagree, this file is
// the one to fix. Plain CommonJS for Node 18; the only dependency is `ws`.

const crypto = require('crypto');
const querystring = require('querystring');
const { WebSocketServer, WebSocket } = require('ws');
const { parseArgs, Answer, send, readBody, answering, serve } = require('../common/server.js');

const TEAM_ID = 'T0EMULATOR';
const TEAM_DOMAIN = 'emulated';
const APP_ID = 'A0EMULATOR';
const BOT_USER_ID = 'U0BOT';
const BOT_ID = 'B0BOT';
const VERIFICATION_TOKEN = 'emulatorverificationtoken';
const MAX_BODY_BYTES = 20 * 1024 * 1024;

// Every option is also a command-line flag (--ack-timeout-ms 1000); the numeric ones after
// `bot_token` can be changed at run time with POST /_emulator/config.
const DEFAULTS = {
    host: '127.0.0.1',
    port: 0,
    cert: '',
    key: '',
    bot_token: 'xoxb-test-bot',
    app_token: 'xapp-test-app',
    ack_timeout_ms: 3000,
    max_redeliveries: 3,
    rate_per_second: 1,
    rate_burst: 3,
    ping_interval_ms: 10000,
    max_connections: 10,
    trigger_ttl_ms: 3000,
    drain_close_ms: 10000,
    verbose: false,
    exit_with_stdin: false,
};
const TUNABLE = [
    'ack_timeout_ms', 'max_redeliveries', 'rate_per_second', 'rate_burst', 'ping_interval_ms',
    'max_connections', 'trigger_ttl_ms', 'drain_close_ms',
];

const opts = parseArgs(process.argv.slice(2), DEFAULTS);
const cfg = {};
for (const k of TUNABLE) cfg[k] = opts[k];

function log(...parts) {
    if (opts.verbose) process.stderr.write(`[slack-emulator ${new Date().toISOString()}] ${parts.join(' ')}\n`);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const chars = (s) => [...s].length;  // Slack counts characters, not UTF-16 units
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function randomId(prefix, length = 10) {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const bytes = crypto.randomBytes(length);
    let out = prefix;
    for (const b of bytes) out += alphabet[b % alphabet.length];
    return out;
}

function stableId(prefix, text) {
    const digest = crypto.createHash('sha256').update(text).digest('hex').toUpperCase();
    return prefix + digest.slice(0, 10);
}

function parseMultipart(buffer, contentType) {
    const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
    if (!match) return null;
    const delimiter = Buffer.from(`--${match[1] || match[2]}`);
    const fields = {};
    const files = [];
    let pos = buffer.indexOf(delimiter);
    while (pos !== -1) {
        let start = pos + delimiter.length;
        if (buffer.slice(start, start + 2).toString() === '--') break;
        start += 2;  // the CRLF after the delimiter
        const next = buffer.indexOf(delimiter, start);
        if (next === -1) break;
        const part = buffer.slice(start, next - 2);
        const headerEnd = part.indexOf('\r\n\r\n');
        if (headerEnd === -1) return null;
        const headers = part.slice(0, headerEnd).toString('utf8');
        const content = part.slice(headerEnd + 4);
        const name = (/;\s*name="([^"]*)"/i.exec(headers) || [])[1];
        const filename = (/;\s*filename="([^"]*)"/i.exec(headers) || [])[1];
        if (filename !== undefined) files.push({ name, filename, content });
        else if (name !== undefined) fields[name] = content.toString('utf8');
        pos = next;
    }
    return { fields, files };
}

function tzInfo(tz, date = new Date()) {
    const parts = new Intl.DateTimeFormat('en-US', {
        timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'long',
    }).formatToParts(date);
    const get = (type) => (parts.find((p) => p.type === type) || {}).value;
    const asUtc = Date.UTC(Number(get('year')), Number(get('month')) - 1, Number(get('day')),
        Number(get('hour')), Number(get('minute')), Number(get('second')));
    const offset = Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 1000);
    return { offset, label: get('timeZoneName') || tz };
}

function validTimeZone(tz) {
    try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
    } catch (e) {
        return false;
    }
}

// ---------------------------------------------------------------------------------------------
// State (everything POST /_emulator/reset clears, except the open links)

let state;
let lastTsMicros = 0;
// Set by POST /_emulator/bench_link (bench/ only): apps.connections.open then hands out this
// websocket URL, so a load generator faster than Node can play the Socket Mode link while this
// emulator keeps serving the Web API. Empty (the default): the emulator's own /link/.
let benchLinkUrl = '';
let server;
let baseUrl = '';

function freshState(previous) {
    return {
        seq: 0,
        messages: [],           // every postMessage/update/ephemeral/delete/view/upload/respond
        history: new Map(),     // channel → Map(ts → message) as the channel shows it now
        ephemerals: new Map(),  // message_ts → ephemeral message
        calls: [],              // every Web API call with its answer
        acks: [],
        envelopes: new Map(),
        pending: [],  // envelopes waiting for a link
        badFrames: [],
        faults: new Map(),   // method → [{status, error, retry_after, delay_ms, remaining}]
        buckets: new Map(),  // channel → {tokens, at}
        users: new Map(),
        privateChannels: new Set(),  // private channels the app is not a member of
        openIms: new Set(),
        triggers: new Map(),
        views: new Map(),
        viewOrder: [],
        uploads: new Map(),
        responseUrls: new Map(),
        tickets: previous ? previous.tickets : new Map(),
        links: previous ? previous.links : new Map(),
        totalOpened: previous ? previous.totalOpened : 0,
        rr: 0,
    };
}
state = freshState(null);

function resetState() {
    for (const env of state.envelopes.values()) clearTimeout(env.timer);
    state = freshState(state);
}

function nextTs() {
    lastTsMicros = Math.max(Date.now() * 1000, lastTsMicros + 1);
    const seconds = Math.floor(lastTsMicros / 1e6);
    const micros = String(lastTsMicros % 1e6).padStart(6, '0');
    return `${seconds}.${micros}`;
}

function record(kind, fields) {
    const entry = { seq: ++state.seq, kind, at: Date.now(), ...fields };
    state.messages.push(entry);
    log('recorded', kind, fields.channel || '', fields.ts || '');
    return entry;
}

function channelHistory(channel) {
    let h = state.history.get(channel);
    if (!h) {
        h = new Map();
        state.history.set(channel, h);
    }
    return h;
}

function dmChannelFor(user) {
    return `D${user.replace(/^[UW]/, '')}`;
}

// A channel the app may post in (chat:write.public covers every public channel), as Slack's
// chat.* methods check it: a private channel the app is not in does not exist for it.
function postableChannel(channel) {
    const id = resolveChannel(channel);
    return id && !state.privateChannels.has(id) ? id : null;
}

// An encoded ID, a user ID (the app's DM with that user) or a channel name, as Slack accepts.
function resolveChannel(channel) {
    if (typeof channel !== 'string' || channel === '') return null;
    if (/^[CDG][A-Z0-9]+$/.test(channel)) return channel;
    if (/^[UW][A-Z0-9]+$/.test(channel)) return dmChannelFor(channel);
    const name = channel.replace(/^#/, '');
    if (/^[a-z0-9][a-z0-9_-]*$/.test(name)) return stableId('C', name);
    return null;
}

function channelType(channel) {
    if (channel.startsWith('D')) return 'im';
    if (channel.startsWith('G')) return 'group';
    return 'channel';
}

function userRecord(id) {
    const u = state.users.get(id) || {};
    const name = u.name || id.toLowerCase();
    const tz = u.tz || 'UTC';
    const info = tzInfo(tz);
    const realName = u.real_name || name;
    return {
        id, team_id: TEAM_ID, name, deleted: false, color: '9f69e7', real_name: realName, tz,
        tz_label: info.label, tz_offset: info.offset, is_admin: false, is_owner: false,
        is_bot: false, is_app_user: false, updated: Math.floor(Date.now() / 1000),
        profile: {
            real_name: realName, display_name: name, real_name_normalized: realName,
            display_name_normalized: name, team: TEAM_ID,
        },
    };
}

function createTrigger(user, channel) {
    const id = `${Math.floor(Math.random() * 1e10)}.${Math.floor(Math.random() * 1e10)}.` +
        crypto.randomBytes(16).toString('hex');
    state.triggers.set(id, { user, channel, created: Date.now(), used: false });
    return id;
}

function createResponseUrl(channel, user) {
    const id = crypto.randomBytes(12).toString('hex');
    state.responseUrls.set(id, { channel, user });
    return `${baseUrl}/_respond/${id}`;
}

// ---------------------------------------------------------------------------------------------
// Block Kit validation (the limits Slack enforces; errors in Slack's words and JSON pointers)

const PLAIN = { plain: true };
const BUTTON_STYLES = ['primary', 'danger'];

function validateBlocks(blocks, max, pointer) {
    const errors = [];
    const fail = (message, at) => errors.push(`${message} [json-pointer:${at}]`);

    function text(t, at, { plain = false, max: limit = 3000, required = true } = {}) {
        if (t === undefined || t === null) {
            if (required) fail('must provide an object', at);
            return;
        }
        if (!isObject(t) || (t.type !== 'plain_text' && t.type !== 'mrkdwn')) {
            fail('must be a text object of type plain_text or mrkdwn', at);
            return;
        }
        if (plain && t.type !== 'plain_text') fail('must be plain_text', `${at}/type`);
        if (typeof t.text !== 'string' || t.text.length === 0) fail('must be more than 0 characters', `${at}/text`);
        else if (chars(t.text) > limit) fail(`must be less than ${limit + 1} characters`, `${at}/text`);
    }

    function string(value, at, limit, required) {
        if (value === undefined || value === null) {
            if (required) fail('must provide a string', at);
        } else if (typeof value !== 'string') {
            fail('must be a string', at);
        } else if (chars(value) > limit) {
            fail(`must be less than ${limit + 1} characters`, at);
        }
    }

    function options(list, at, limit) {
        if (!Array.isArray(list)) return fail('must be an array', at);
        if (list.length > limit) fail(`must be less than ${limit + 1} items`, at);
        list.forEach((o, i) => {
            if (!isObject(o)) return fail('must be an object', `${at}/${i}`);
            text(o.text, `${at}/${i}/text`, { max: 75 });
            string(o.value, `${at}/${i}/value`, 150, true);
            return undefined;
        });
        return undefined;
    }

    function confirm(c, at) {
        if (!isObject(c)) return fail('must be an object', at);
        text(c.title, `${at}/title`, { ...PLAIN, max: 100 });
        text(c.text, `${at}/text`, { max: 300 });
        text(c.confirm, `${at}/confirm`, { ...PLAIN, max: 30 });
        text(c.deny, `${at}/deny`, { ...PLAIN, max: 30 });
        if (c.style !== undefined && !BUTTON_STYLES.includes(c.style)) fail('must be primary or danger', `${at}/style`);
        return undefined;
    }

    function element(e, at) {
        if (!isObject(e) || typeof e.type !== 'string') return fail('must provide an element with a type', at);
        string(e.action_id, `${at}/action_id`, 255, false);
        switch (e.type) {
            case 'button':
                text(e.text, `${at}/text`, { ...PLAIN, max: 75 });
                string(e.value, `${at}/value`, 2000, false);
                string(e.url, `${at}/url`, 3000, false);
                if (e.style !== undefined && !BUTTON_STYLES.includes(e.style)) fail('must be primary or danger', `${at}/style`);
                if (e.confirm !== undefined) confirm(e.confirm, `${at}/confirm`);
                break;
            case 'static_select':
            case 'multi_static_select':
                text(e.placeholder, `${at}/placeholder`, { ...PLAIN, max: 150, required: false });
                if (e.options === undefined && e.option_groups === undefined) fail('must provide options or option_groups', at);
                if (e.options !== undefined) options(e.options, `${at}/options`, 100);
                break;
            case 'radio_buttons':
            case 'checkboxes':
                options(e.options, `${at}/options`, 10);
                break;
            case 'overflow':
                options(e.options, `${at}/options`, 5);
                break;
            case 'plain_text_input':
                text(e.placeholder, `${at}/placeholder`, { ...PLAIN, max: 150, required: false });
                string(e.initial_value, `${at}/initial_value`, 3000, false);
                if (e.max_length !== undefined && !(Number.isInteger(e.max_length) && e.max_length <= 3000)) {
                    fail('must be an integer up to 3000', `${at}/max_length`);
                }
                break;
            case 'image':
                string(e.image_url, `${at}/image_url`, 3000, e.slack_file === undefined);
                string(e.alt_text, `${at}/alt_text`, 2000, true);
                break;
            case 'datepicker': case 'timepicker': case 'datetimepicker': case 'number_input':
            case 'email_text_input': case 'url_text_input': case 'rich_text_input':
            case 'external_select': case 'users_select': case 'conversations_select':
            case 'channels_select': case 'multi_external_select': case 'multi_users_select':
            case 'multi_conversations_select': case 'multi_channels_select':
            case 'file_input': case 'workflow_button':
                break;
            default:
                fail(`unsupported element type "${e.type}"`, `${at}/type`);
        }
        return undefined;
    }

    if (!Array.isArray(blocks)) {
        fail('must be an array', pointer);
        return errors;
    }
    if (blocks.length > max) fail(`must be less than ${max + 1} items`, pointer);
    const blockIds = new Set();
    blocks.forEach((block, i) => {
        const at = `${pointer}/${i}`;
        if (!isObject(block) || typeof block.type !== 'string') {
            fail('must provide an object with a type', at);
            return;
        }
        if (block.block_id !== undefined) {
            if (typeof block.block_id !== 'string' || block.block_id.length === 0 || chars(block.block_id) > 255) {
                fail('must be a string of 1 to 255 characters', `${at}/block_id`);
            } else if (blockIds.has(block.block_id)) {
                fail(`duplicate block_id "${block.block_id}"`, `${at}/block_id`);
            } else {
                blockIds.add(block.block_id);
            }
        }
        const actionIds = new Set();
        const uniqueAction = (e, where) => {
            if (!isObject(e) || typeof e.action_id !== 'string') return;
            if (actionIds.has(e.action_id)) fail(`duplicate action_id "${e.action_id}"`, `${where}/action_id`);
            actionIds.add(e.action_id);
        };
        switch (block.type) {
            case 'header':
                text(block.text, `${at}/text`, { ...PLAIN, max: 150 });
                break;
            case 'section':
                if (block.text === undefined && block.fields === undefined) fail('must provide either text or fields', at);
                if (block.text !== undefined) text(block.text, `${at}/text`, { max: 3000 });
                if (block.fields !== undefined) {
                    if (!Array.isArray(block.fields)) fail('must be an array', `${at}/fields`);
                    else {
                        if (block.fields.length > 10) fail('must be less than 11 items', `${at}/fields`);
                        block.fields.forEach((f, j) => text(f, `${at}/fields/${j}`, { max: 2000 }));
                    }
                }
                if (block.accessory !== undefined) element(block.accessory, `${at}/accessory`);
                break;
            case 'divider':
                break;
            case 'actions':
                if (!Array.isArray(block.elements) || block.elements.length === 0) {
                    fail('must provide a non-empty array', `${at}/elements`);
                    break;
                }
                if (block.elements.length > 25) fail('must be less than 26 items', `${at}/elements`);
                block.elements.forEach((e, j) => {
                    element(e, `${at}/elements/${j}`);
                    uniqueAction(e, `${at}/elements/${j}`);
                });
                break;
            case 'context':
                if (!Array.isArray(block.elements) || block.elements.length === 0) {
                    fail('must provide a non-empty array', `${at}/elements`);
                    break;
                }
                if (block.elements.length > 10) fail('must be less than 11 items', `${at}/elements`);
                block.elements.forEach((e, j) => {
                    if (isObject(e) && e.type === 'image') element(e, `${at}/elements/${j}`);
                    else text(e, `${at}/elements/${j}`, { max: 3000 });
                });
                break;
            case 'input':
                text(block.label, `${at}/label`, { ...PLAIN, max: 2000 });
                text(block.hint, `${at}/hint`, { ...PLAIN, max: 2000, required: false });
                if (block.element === undefined) fail('must provide an element', `${at}/element`);
                else element(block.element, `${at}/element`);
                break;
            case 'image':
                string(block.image_url, `${at}/image_url`, 3000, block.slack_file === undefined);
                string(block.alt_text, `${at}/alt_text`, 2000, true);
                break;
            case 'rich_text': case 'markdown': case 'file': case 'video': case 'table':
                break;
            default:
                fail(`unsupported block type "${block.type}"`, `${at}/type`);
        }
    });
    return errors;
}

function invalid(error, errors) {
    return {
        ok: false, error, errors,
        response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
    };
}

// Text, blocks and attachments of a message body: null when acceptable, else Slack's error.
function checkContent(args, { requireSome = true } = {}) {
    if (args.blocks !== undefined && args.blocks !== null) {
        if (!Array.isArray(args.blocks)) return { ok: false, error: 'invalid_blocks_format' };
        const errors = validateBlocks(args.blocks, 50, '/blocks');
        if (errors.length) return invalid('invalid_blocks', errors);
    }
    const text = args.text === undefined || args.text === null ? '' : String(args.text);
    if (chars(text) > 40000) return { ok: false, error: 'msg_too_long' };
    const hasBlocks = Array.isArray(args.blocks) && args.blocks.length > 0;
    const hasAttachments = Array.isArray(args.attachments) && args.attachments.length > 0;
    if (requireSome && text === '' && !hasBlocks && !hasAttachments) return { ok: false, error: 'no_text' };
    return null;
}

function validateView(view) {
    const errors = [];
    const fail = (message, at) => errors.push(`${message} [json-pointer:${at}]`);
    if (!isObject(view)) {
        fail('must provide an object', '/view');
        return errors;
    }
    if (view.type !== 'modal' && view.type !== 'home') fail('must be modal or home', '/view/type');
    const plain = (t, at, max, required) => {
        if (t === undefined || t === null) {
            if (required) fail('must provide an object', at);
        } else if (!isObject(t) || t.type !== 'plain_text') {
            fail('must be a plain_text object', at);
        } else if (typeof t.text !== 'string' || t.text.length === 0) {
            fail('must be more than 0 characters', `${at}/text`);
        } else if (chars(t.text) > max) {
            fail(`must be less than ${max + 1} characters`, `${at}/text`);
        }
    };
    if (view.type === 'modal') {
        plain(view.title, '/view/title', 24, true);
        const hasInputs = Array.isArray(view.blocks) && view.blocks.some((b) => isObject(b) && b.type === 'input');
        plain(view.submit, '/view/submit', 24, hasInputs);
        plain(view.close, '/view/close', 24, false);
    }
    if (view.private_metadata !== undefined && (typeof view.private_metadata !== 'string' || chars(view.private_metadata) > 3000)) {
        fail('must be a string of at most 3000 characters', '/view/private_metadata');
    }
    if (view.callback_id !== undefined && (typeof view.callback_id !== 'string' || chars(view.callback_id) > 255)) {
        fail('must be a string of at most 255 characters', '/view/callback_id');
    }
    errors.push(...validateBlocks(view.blocks, 100, '/view/blocks'));
    return errors;
}

// ---------------------------------------------------------------------------------------------
// Rate limits and faults

// Slack allows about one message a second per channel, with short bursts; a token bucket.
function rateLimitWait(channel) {
    if (cfg.rate_per_second <= 0) return 0;
    const burst = Math.max(1, cfg.rate_burst);
    const now = Date.now();
    let bucket = state.buckets.get(channel);
    if (!bucket) {
        bucket = { tokens: burst, at: now };
        state.buckets.set(channel, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * cfg.rate_per_second);
    bucket.at = now;
    if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / cfg.rate_per_second));
}

function rateLimited(seconds) {
    return new Answer(429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(seconds) });
}

function takeFault(method) {
    for (const key of [method, '*']) {
        const queue = state.faults.get(key);
        if (!queue || queue.length === 0) continue;
        const fault = queue[0];
        fault.remaining -= 1;
        if (fault.remaining <= 0) queue.shift();
        return fault;
    }
    return null;
}

function faultAnswer(fault) {
    if (fault.status === 429) {
        return rateLimited(fault.retry_after);
    }
    if (fault.status && fault.status !== 200) {
        const error = fault.status >= 502 ? 'service_unavailable' : 'fatal_error';
        return new Answer(fault.status, { ok: false, error });
    }
    if (fault.error) return new Answer(200, { ok: false, error: fault.error });
    return null;
}

// ---------------------------------------------------------------------------------------------
// Web API methods. Each takes the parsed arguments and returns Slack's answer object (or an
// Answer for a non-200 status).

function botMessage(channel, ts, args) {
    const message = {
        type: 'message', text: args.text === undefined ? '' : String(args.text), user: BOT_USER_ID,
        bot_id: BOT_ID, app_id: APP_ID, team: TEAM_ID, ts,
    };
    if (Array.isArray(args.blocks)) message.blocks = args.blocks;
    if (Array.isArray(args.attachments)) message.attachments = args.attachments;
    if (args.thread_ts) message.thread_ts = String(args.thread_ts);
    if (args.metadata) message.metadata = args.metadata;
    return message;
}


// One page of conversations.history / conversations.replies: at most `limit` (default 100, at
// most 999) of `all`, with `metadata` only when include_all_metadata is set, as in Slack.
function historyPage(all, args) {
    const withMeta = args.include_all_metadata === true || args.include_all_metadata === 'true'
        || args.include_all_metadata === '1' || args.include_all_metadata === 1;
    const limit = Math.min(Math.max(Number(args.limit) || 100, 1), 999);
    const messages = all.slice(0, limit).map((m) => {
        const copy = { ...m };
        if (!withMeta) delete copy.metadata;
        return copy;
    });
    return { ok: true, messages, has_more: all.length > limit };
}

const METHODS = {
    'api.test': {
        token: 'none',
        run: (args) => ({ok: true, args}),
    },
    'auth.test': {
        token: 'bot',
        run: () => ({
            ok: true,
            url: `https://${TEAM_DOMAIN}.slack.com/`,
            team: 'Emulated Team',
            user: 'releasebot',
            team_id: TEAM_ID,
            user_id: BOT_USER_ID,
            bot_id: BOT_ID,
            is_enterprise_install: false,
        }),
    },
    'apps.connections.open': {
        token: 'app',
        run: () => {
            const ticket = crypto.randomBytes(16).toString('hex');
            state.tickets.set(ticket, { created: Date.now(), used: false });
            if (benchLinkUrl)
                return {ok: true, url: `${benchLinkUrl}?ticket=${ticket}&app_id=${APP_ID}`};
            const scheme = baseUrl.startsWith('https:') ? 'wss' : 'ws';
            const host = baseUrl.replace(/^https?:\/\//, '');
            return { ok: true, url: `${scheme}://${host}/link/?ticket=${ticket}&app_id=${APP_ID}` };
        },
    },
    'chat.postMessage': {
        token: 'bot',
        run: (args) => {
            const channel = postableChannel(args.channel);
            if (!channel) return { ok: false, error: 'channel_not_found' };
            const wait = rateLimitWait(channel);
            if (wait) return rateLimited(wait);
            const problem = checkContent(args);
            if (problem) return problem;
            const ts = nextTs();
            const message = botMessage(channel, ts, args);
            channelHistory(channel).set(ts, message);
            record('postMessage', {
                channel, ts, thread_ts: message.thread_ts, text: message.text, blocks: message.blocks,
                attachments: message.attachments,
            });
            return { ok: true, channel, ts, message };
        },
    },
    'chat.update': {
        token: 'bot',
        run: (args) => {
            const channel = postableChannel(args.channel);
            if (!channel) return { ok: false, error: 'channel_not_found' };
            const ts = args.ts === undefined ? '' : String(args.ts);
            const message = channelHistory(channel).get(ts);
            if (!message) return { ok: false, error: 'message_not_found' };
            if (message.user !== BOT_USER_ID) return { ok: false, error: 'cant_update_message' };
            const problem = checkContent(args, { requireSome: false });
            if (problem) return problem;
            // Slack keeps the blocks when an update sends none; an empty array removes them.
            if (args.text !== undefined) message.text = String(args.text);
            if (Array.isArray(args.blocks)) message.blocks = args.blocks;
            if (Array.isArray(args.attachments)) message.attachments = args.attachments;
            if (!message.text && !(message.blocks && message.blocks.length))
                return {ok: false, error: 'no_text'};
            message.edited = { user: BOT_USER_ID, ts: nextTs() };
            record('update', { channel, ts, text: message.text, blocks: message.blocks, attachments: message.attachments });
            return { ok: true, channel, ts, text: message.text, message: { ...message } };
        },
    },
    'chat.postEphemeral': {
        token: 'bot',
        run: (args) => {
            const channel = postableChannel(args.channel);
            if (!channel) return { ok: false, error: 'channel_not_found' };
            if (typeof args.user !== 'string' || !/^[UW][A-Z0-9]+$/.test(args.user)) {
                return { ok: false, error: 'user_not_found' };
            }
            const problem = checkContent(args);
            if (problem) return problem;
            const ts = nextTs();
            const message = botMessage(channel, ts, args);
            state.ephemerals.set(ts, { ...message, channel, to: args.user });
            record('ephemeral', {
                channel, ts, user: args.user, thread_ts: message.thread_ts, text: message.text, blocks: message.blocks,
            });
            return { ok: true, message_ts: ts };
        },
    },
    'chat.delete': {
        token: 'bot',
        run: (args) => {
            const channel = resolveChannel(args.channel);
            if (!channel) return { ok: false, error: 'channel_not_found' };
            const ts = args.ts === undefined ? '' : String(args.ts);
            const history = channelHistory(channel);
            if (!history.has(ts)) return { ok: false, error: 'message_not_found' };
            history.delete(ts);
            record('delete', { channel, ts });
            return { ok: true, channel, ts };
        },
    },
    // The channel's messages newest first; `metadata` only with include_all_metadata, as in
    // Slack. `oldest`/`latest` bound the ts range; `limit` defaults to 100 (at most 999).
    'conversations.history': {
        token: 'bot',
        jsonBodyIgnored: true,
        run: (args) => {
            const channel = resolveChannel(args.channel);
            if (!channel) return { ok: false, error: 'channel_not_found' };
            const oldest = args.oldest === undefined ? 0 : Number(args.oldest);
            const latest = args.latest === undefined ? Infinity : Number(args.latest);
            // Thread replies are not in the channel's history (conversations.replies has them).
            const all = [...channelHistory(channel).values()]
                .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
                .filter((m) => Number(m.ts) > oldest && Number(m.ts) <= latest)
                .sort((a, b) => Number(b.ts) - Number(a.ts));
            return historyPage(all, args);
        },
    },
    // A thread: its parent and replies, oldest first, with the same options as history.
    'conversations.replies': {
        token: 'bot',
        jsonBodyIgnored: true,
        run: (args) => {
            const channel = resolveChannel(args.channel);
            if (!channel) return { ok: false, error: 'channel_not_found' };
            const ts = args.ts === undefined ? '' : String(args.ts);
            const history = channelHistory(channel);
            if (!history.has(ts)) return { ok: false, error: 'thread_not_found' };
            const oldest = args.oldest === undefined ? 0 : Number(args.oldest);
            const all = [...history.values()]
                .filter((m) => m.ts === ts || (m.thread_ts === ts && Number(m.ts) > oldest))
                .sort((a, b) => Number(a.ts) - Number(b.ts));
            return historyPage(all, args);
        },
    },
    'conversations.open': {
        token: 'bot',
        run: (args) => {
            if (typeof args.channel === 'string' && args.channel) {
                const channel = resolveChannel(args.channel);
                if (!channel) return { ok: false, error: 'channel_not_found' };
                return { ok: true, channel: { id: channel } };
            }
            const list = Array.isArray(args.users) ? args.users
                : typeof args.users === 'string' ? args.users.split(',').map((s) => s.trim()).filter(Boolean) : [];
            if (list.length === 0) return { ok: false, error: 'users_list_not_supplied' };
            if (list.length > 8) return { ok: false, error: 'too_many_users' };
            if (list.some((u) => !/^[UW][A-Z0-9]+$/.test(u)))
                return {ok: false, error: 'user_not_found'};
            const id = list.length === 1 ? dmChannelFor(list[0]) : stableId('G', [...list].sort().join(','));
            const already = state.openIms.has(id);
            state.openIms.add(id);
            const answer = { ok: true, channel: { id } };
            if (already) {
                answer.no_op = true;
                answer.already_open = true;
            }
            return answer;
        },
    },
    // A read method: Slack reads its arguments from the query string or a form body and ignores
    // a JSON body, so `user` sent as JSON is simply missing.
    'users.info': {
        token: 'bot',
        jsonBodyIgnored: true,
        run: (args) => {
            if (typeof args.user !== 'string' || !/^[UW][A-Z0-9]+$/.test(args.user)) {
                return { ok: false, error: 'user_not_found' };
            }
            return { ok: true, user: userRecord(args.user) };
        },
    },
    'views.open': {
        token: 'bot',
        run: (args) => {
            if (typeof args.trigger_id !== 'string' || !args.trigger_id)
                return {ok: false, error: 'invalid_arguments'};
            const trigger = state.triggers.get(args.trigger_id);
            if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
            if (trigger.used) return { ok: false, error: 'exchanged_trigger_id' };
            if (Date.now() - trigger.created > cfg.trigger_ttl_ms)
                return {ok: false, error: 'expired_trigger_id'};
            if (!isObject(args.view))
                return invalid(
                    'invalid_arguments', ['must provide an object [json-pointer:/view]']);
            const errors = validateView(args.view);
            if (errors.length) return invalid('invalid_arguments', errors);
            trigger.used = true;
            const id = randomId('V');
            const view = {
                id, team_id: TEAM_ID, type: args.view.type, blocks: args.view.blocks || [],
                private_metadata: args.view.private_metadata || '', callback_id: args.view.callback_id || '',
                state: { values: {} }, hash: `${Math.floor(Date.now() / 1000)}.${crypto.randomBytes(4).toString('hex')}`,
                title: args.view.title, clear_on_close: !!args.view.clear_on_close,
                notify_on_close: !!args.view.notify_on_close, close: args.view.close || null,
                submit: args.view.submit || null, previous_view_id: null, root_view_id: id, app_id: APP_ID,
                external_id: args.view.external_id || '', app_installed_team_id: TEAM_ID, bot_id: BOT_ID,
            };
            const entry = { view, user: trigger.user, channel: trigger.channel };
            state.views.set(id, entry);
            state.viewOrder.push(entry);
            record('view', {
                channel: trigger.channel, user: trigger.user, view_id: id, callback_id: view.callback_id,
                private_metadata: view.private_metadata, title: view.title ? view.title.text : '', blocks: view.blocks,
            });
            return { ok: true, view };
        },
    },
    'files.getUploadURLExternal': {
        token: 'bot',
        run: (args) => {
            const length = Number(args.length);
            if (typeof args.filename !== 'string' || !args.filename || !Number.isInteger(length) || length < 1) {
                return { ok: false, error: 'invalid_arguments' };
            }
            const id = randomId('F');
            state.uploads.set(id, { id, filename: args.filename, length, content: null });
            return { ok: true, upload_url: `${baseUrl}/_upload/${id}`, file_id: id };
        },
    },
    'files.completeUploadExternal': {
        token: 'bot',
        run: (args) => {
            if (!Array.isArray(args.files) || args.files.length === 0)
                return {ok: false, error: 'invalid_arguments'};
            const files = [];
            for (const f of args.files) {
                const upload = isObject(f) ? state.uploads.get(f.id) : undefined;
                if (!upload || upload.content === null) return { ok: false, error: 'file_not_found' };
                files.push({ upload, title: f.title || upload.filename });
            }
            const target = args.channel_id || args.channels;
            const channel = target ? resolveChannel(String(target).split(',')[0]) : null;
            if (target && !channel) return { ok: false, error: 'channel_not_found' };
            const ts = channel ? nextTs() : undefined;
            record('upload', {
                channel, ts, thread_ts: args.thread_ts, initial_comment: args.initial_comment,
                files: files.map(({ upload, title }) => ({
                    id: upload.id, title, filename: upload.filename, length: upload.content.length,
                    content: upload.content.toString('utf8'),
                })),
            });
            return { ok: true, files: files.map(({ upload, title }) => ({ id: upload.id, title, name: upload.filename })) };
        },
    },
    'files.upload': {
        token: 'bot',
        run: (args, files) => {
            const file = files.find((f) => f.name === 'file');
            let content;
            if (file)
                content = file.content;
            else if (typeof args.content === 'string')
                content = Buffer.from(args.content, 'utf8');
            else
                return {ok: false, error: 'no_file_data'};
            const channel = args.channels ? resolveChannel(String(args.channels).split(',')[0]) : null;
            if (args.channels && !channel) return { ok: false, error: 'channel_not_found' };
            const id = randomId('F');
            const filename = args.filename || (file && file.filename) || 'file';
            const title = args.title || filename;
            record('upload', {
                channel, ts: channel ? nextTs() : undefined, thread_ts: args.thread_ts,
                initial_comment: args.initial_comment,
                files: [{ id, title, filename, length: content.length, content: content.toString('utf8') }],
            });
            return { ok: true, file: { id, name: filename, title, size: content.length, filetype: args.filetype || 'text' } };
        },
    },
};

// Fields that Slack's clients send JSON-encoded inside form bodies.
const STRUCTURED = ['blocks', 'attachments', 'view', 'files', 'metadata'];

function parseApiArgs(req, body, url, jsonBodyIgnored) {
    const type = String(req.headers['content-type'] || '').toLowerCase();
    const args = Object.fromEntries(url.searchParams);
    let files = [];
    let bodyToken;
    let isJson = false;
    if (type.startsWith('application/json')) {
        isJson = true;
        if (body.length) {
            let parsed;
            try {
                parsed = JSON.parse(body.toString('utf8'));
            } catch (e) {
                return { error: 'invalid_json' };
            }
            if (!isObject(parsed)) return { error: 'invalid_json' };
            if (!jsonBodyIgnored) Object.assign(args, parsed);
            // Slack reads the token of a JSON post only from the Authorization header.
            delete args.token;
        }
    } else if (type.startsWith('multipart/form-data')) {
        const parts = parseMultipart(body, type);
        if (!parts) return { error: 'invalid_form_data' };
        Object.assign(args, parts.fields);
        files = parts.files;
        bodyToken = parts.fields.token;
    } else if (body.length) {
        Object.assign(args, querystring.parse(body.toString('utf8')));
        bodyToken = args.token;
    }
    for (const key of STRUCTURED) {
        if (typeof args[key] !== 'string') continue;
        try {
            args[key] = JSON.parse(args[key]);
        } catch (e) {
            return { error: key === 'blocks' ? 'invalid_blocks_format' : 'invalid_arguments' };
        }
    }
    const auth = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization || ''));
    const token = auth ? auth[1] : bodyToken || (!isJson ? url.searchParams.get('token') : null);
    const charsetMissing = isJson && !/charset=utf-8/i.test(type);
    return { args, files, token, charsetMissing };
}

function tokenKind(token) {
    if (!token) return null;
    if (token === opts.bot_token) return 'bot';
    if (token === opts.app_token) return 'app';
    return 'invalid';
}

async function handleApi(req, res, method, body, url) {
    const call = { seq: state.calls.length + 1, method, at: Date.now(), status: 200, error: '' };
    state.calls.push(call);
    const finish = (answer) => {
        const a = answer instanceof Answer ? answer : new Answer(200, answer);
        call.status = a.status;
        call.error = isObject(a.body) && a.body.ok === false ? a.body.error : '';
        if (call.error) log(`api ${method} → ${a.status} ${call.error}`);
        send(res, a.status, a.body, { 'X-Slack-Req-Id': crypto.randomBytes(8).toString('hex'), ...a.headers });
    };

    const fault = takeFault(method);
    if (fault && fault.delay_ms) await sleep(fault.delay_ms);
    if (fault) {
        const answer = faultAnswer(fault);
        if (answer) return finish(answer);
    }
    const spec = METHODS[method];
    if (!spec) return finish({ ok: false, error: 'unknown_method' });
    if (req.method !== 'POST' && req.method !== 'GET') return finish(new Answer(405, { ok: false, error: 'method_not_allowed' }));
    const parsed = parseApiArgs(req, body, url, spec.jsonBodyIgnored === true);
    if (parsed.error) return finish({ ok: false, error: parsed.error });
    if (spec.token !== 'none') {
        const kind = tokenKind(parsed.token);
        if (kind === null) return finish({ ok: false, error: 'not_authed' });
        if (kind === 'invalid') return finish({ ok: false, error: 'invalid_auth' });
        if (kind !== spec.token) return finish({ ok: false, error: 'not_allowed_token_type' });
    }
    const answer = spec.run(parsed.args, parsed.files);
    if (parsed.charsetMissing && !(answer instanceof Answer)) {
        answer.warning = answer.warning ? `${answer.warning},missing_charset` : 'missing_charset';
        const meta = answer.response_metadata || {};
        answer.response_metadata = { ...meta, warnings: [...(meta.warnings || []), 'missing_charset'] };
    }
    return finish(answer);
}

// ---------------------------------------------------------------------------------------------
// Socket Mode links and envelopes

function openLinks() {
    return [...state.links.values()].filter((l) => l.state !== 'closed');
}

function pickLink() {
    for (const wanted of ['open', 'warned']) {
        const candidates = openLinks().filter((l) => l.state === wanted && !l.frozen
            && l.ws.readyState === WebSocket.OPEN);
        if (candidates.length) return candidates[state.rr++ % candidates.length];
    }
    return null;
}

function envelope(type, payload, acceptsResponsePayload) {
    const env = {
        id: crypto.randomUUID(), type, payload, accepts_response_payload: acceptsResponsePayload,
        attempts: 0, acked: false, acked_at: null, ack_connection: null, failed: false,
        created_at: Date.now(), deliveries: [], timer: null,
    };
    state.envelopes.set(env.id, env);
    deliver(env);
    return env;
}

function deliver(env) {
    if (env.acked) return;
    const link = pickLink();
    if (!link) {
        if (!state.pending.includes(env)) state.pending.push(env);
        log('queued envelope', env.id, '(no open link)');
        return;
    }
    env.attempts += 1;
    const retryAttempt = env.attempts - 1;
    const frame = {
        envelope_id: env.id, payload: env.payload, type: env.type,
        accepts_response_payload: env.accepts_response_payload, retry_attempt: retryAttempt,
        retry_reason: retryAttempt > 0 ? 'timeout' : '',
    };
    link.ws.send(JSON.stringify(frame));
    link.envelopes_sent += 1;
    env.deliveries.push({ connection: link.id, at: Date.now(), retry_attempt: retryAttempt });
    log('sent envelope', env.id, env.type, 'attempt', env.attempts, 'on', link.id);
    clearTimeout(env.timer);
    env.timer = setTimeout(() => {
        env.timer = null;
        if (env.acked) return;
        if (env.attempts > cfg.max_redeliveries) {
            env.failed = true;
            log('gave up on envelope', env.id);
            return;
        }
        deliver(env);
    }, cfg.ack_timeout_ms);
}

function flushPending() {
    const queued = state.pending.splice(0);
    for (const env of queued) deliver(env);
}

function onFrame(link, data, isBinary) {
    const raw = data.toString('utf8');
    let msg;
    try {
        msg = isBinary ? undefined : JSON.parse(raw);
    } catch (e) {
        msg = undefined;
    }
    if (!isObject(msg) || typeof msg.envelope_id !== 'string') {
        state.badFrames.push({
            connection: link.id, at: Date.now(), text: raw.slice(0, 2000),
            error: isBinary ? 'binary frame' : msg === undefined ? 'not JSON' : 'no envelope_id',
        });
        log('bad frame on', link.id, raw.slice(0, 200));
        return;
    }
    const env = state.envelopes.get(msg.envelope_id);
    const ack = {
        envelope_id: msg.envelope_id, payload: msg.payload === undefined ? null : msg.payload,
        connection: link.id, at: Date.now(), type: env ? env.type : null, attempts: env ? env.attempts : 0,
        unknown: !env, duplicate: !!(env && env.acked),
    };
    if (isObject(msg.payload) && msg.payload.blocks !== undefined) {
        const errors = validateBlocks(msg.payload.blocks, 50, '/payload/blocks');
        if (errors.length) ack.errors = errors;
    }
    // A view_submission answered with errors keeps the modal open, an error under each input
    // named; Slack refuses errors for a block the view does not have as an input.
    if (isObject(msg.payload) && msg.payload.response_action === 'errors') {
        const view = env && isObject(env.payload) && env.payload.type === 'view_submission' ?
            env.payload.view :
            null;
        const inputs = new Set(
            ((view && view.blocks) || []).filter((b) => b.type === 'input').map((b) => b.block_id));
        const problems = [];
        if (!view) problems.push('response_action "errors" answers only a view_submission');
        if (!isObject(msg.payload.errors) || !Object.keys(msg.payload.errors).length) {
            problems.push('response_action "errors" needs a non-empty "errors" object');
        } else {
            for (const [block, text] of Object.entries(msg.payload.errors)) {
                if (view && !inputs.has(block))
                    problems.push(`no input block "${block}" in the view`);
                if (typeof text !== 'string' || !text)
                    problems.push(`the error for "${block}" must be a non-empty string`);
            }
        }
        if (problems.length) ack.errors = problems;
    }
    if (env && !env.acked) {
        env.acked = true;
        env.acked_at = ack.at;
        env.ack_connection = link.id;
        clearTimeout(env.timer);
        env.timer = null;
    }
    state.acks.push(ack);
    link.acks += 1;
    log('ack', msg.envelope_id, 'on', link.id);
}

function sendDisconnect(link, reason, closeAfterMs) {
    if (link.ws.readyState !== WebSocket.OPEN) return false;
    link.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: link.host } }));
    link.disconnect_reason = reason;
    if (reason === 'warning') {
        if (link.state === 'open') link.state = 'warned';
        return true;
    }
    link.state = 'draining';
    clearTimeout(link.drainTimer);
    // Slack closes a link it asked the app to leave if the app does not close it first.
    link.drainTimer = setTimeout(() => {
        if (link.ws.readyState === WebSocket.OPEN) link.ws.close(1001, reason);
    }, closeAfterMs === undefined ? cfg.drain_close_ms : closeAfterMs);
    return true;
}

function openLink(ws) {
    state.totalOpened += 1;
    const id = `L${state.totalOpened}`;
    const link = {
        id, ws, state: 'connecting', host: `applink-emulator-${state.totalOpened}`, opened_at: Date.now(),
        closed_at: null, close_code: null, dropped: false, disconnect_reason: null, envelopes_sent: 0,
        acks: 0, pings_received: 0, pongs_received: 0, pingTimer: null, drainTimer: null,
        frozen: false,
    };
    state.links.set(id, link);
    ws.on('message', (data, isBinary) => onFrame(link, data, isBinary));
    ws.on('ping', () => {
        link.pings_received += 1;  // ws answers with a pong by itself
    });
    ws.on('pong', () => {
        link.pongs_received += 1;
    });
    ws.on('error', (err) => log('link', id, 'error', err.message));
    ws.on('close', (code) => {
        link.state = 'closed';
        link.closed_at = Date.now();
        link.close_code = code;
        clearInterval(link.pingTimer);
        clearTimeout(link.drainTimer);
        log('link', id, 'closed', code);
    });
    log('link', id, 'opened');
    if (openLinks().length > cfg.max_connections) {
        sendDisconnect(link, 'too_many_websockets', 1000);
        return;
    }
    link.state = 'open';
    ws.send(JSON.stringify({
        type: 'hello', num_connections: openLinks().filter((l) => l.state !== 'draining').length,
        debug_info: { host: link.host, build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: APP_ID },
    }));
    if (cfg.ping_interval_ms > 0) {
        let n = 0;
        link.pingTimer = setInterval(() => {
            if (ws.readyState === WebSocket.OPEN) ws.ping(`emulator-ping-${++n}`);
        }, cfg.ping_interval_ms);
    }
    flushPending();
}

function linkSummary(link) {
    const { ws, pingTimer, drainTimer, ...rest } = link;
    return rest;
}

function envelopeSummary(env) {
    const { timer, payload, ...rest } = env;
    return { ...rest, envelope_id: env.id, pending: state.pending.includes(env), payload };
}

// ---------------------------------------------------------------------------------------------
// Control API (tests play users and read the record)

class ControlError extends Error {}
function need(cond, message) {
    if (!cond) throw new ControlError(message);
}
function needUser(body, field = 'user') {
    need(typeof body[field] === 'string' && /^[UW][A-Z0-9]+$/.test(body[field]),
        `"${field}" must be a Slack user id such as U1ALICE`);
    return body[field];
}
function needChannel(body, field = 'channel') {
    const channel = resolveChannel(body[field]);
    need(channel, `"${field}" must be a Slack channel id such as C1RELEASE`);
    return channel;
}
// What users type reaches an app as Slack writes it: &, < and > as &amp;, &lt; and &gt; (with
// should_escape, as the manifest asks), and < > only around Slack's own markup (<@U…|name>,
// <#C…|name>, <!here>, <https://…|label>). A test that hands the emulator text Slack could never
// send is told so, so that the bot is tested against what it will really get.
function needSlackText(text, what) {
    const stray = text.replace(/<(?:[@#!][^<>\s]+|(?:https?|mailto):[^<>\s]+)>/g, '')
                      .replace(/&(?:amp|lt|gt);/g, '');
    need(
        !/[<>&]/.test(stray),
        `${what} has a bare "&", "<" or ">": Slack sends what users type with ` +
            '&amp;, &lt; and &gt; (write the text as Slack delivers it)');
    return text;
}
function userName(id) {
    const u = state.users.get(id);
    return (u && u.name) || id.toLowerCase();
}
function channelName(channel, given) {
    if (given) return given;
    if (channel.startsWith('D')) return 'directmessage';
    return `channel-${channel.toLowerCase()}`;
}

function findMessage(channel, ts) {
    const posted = channelHistory(channel).get(ts);
    if (posted) return { message: posted, ephemeral: false };
    const eph = state.ephemerals.get(ts);
    if (eph && eph.channel === channel) return { message: eph, ephemeral: true };
    return null;
}

// The interactive element a user could press in `blocks`: action_id (and value) must match.
function findElement(blocks, actionId, value) {
    for (const block of blocks || []) {
        const elements = block.type === 'actions' ? block.elements || []
            : block.type === 'section' && block.accessory ? [block.accessory] : [];
        for (const e of elements) {
            if (!isObject(e) || e.action_id !== actionId) continue;
            if (value === undefined || e.value === value) return { block_id: block.block_id, element: e };
            const option = (e.options || []).find((o) => o.value === value);
            if (option) return { block_id: block.block_id, element: e, option };
        }
    }
    return null;
}

function shapeValue(element, raw, strict) {
    const type = element ? element.type : 'plain_text_input';
    const optionFor = (v) => {
        const options = (element && (element.options ||
            (element.option_groups || []).flatMap((g) => g.options || []))) || [];
        const found = options.find((o) => o.value === v);
        need(found || !strict, `option "${v}" is not offered by the "${element && element.action_id}" element`);
        return found ? { text: found.text, value: v } : { text: { type: 'plain_text', text: v, emoji: true }, value: v };
    };
    switch (type) {
        case 'static_select': case 'external_select': case 'radio_buttons':
            return { type, selected_option: raw === null ? null : optionFor(String(raw)) };
        case 'checkboxes': case 'multi_static_select': case 'multi_external_select': {
            const list = raw === null ? [] : Array.isArray(raw) ? raw : [raw];
            return { type, selected_options: list.map((v) => optionFor(String(v))) };
        }
        case 'datepicker': return { type, selected_date: raw };
        case 'timepicker': return { type, selected_time: raw };
        case 'users_select': return { type, selected_user: raw };
        case 'conversations_select': return { type, selected_conversation: raw };
        case 'channels_select': return { type, selected_channel: raw };
        default: return { type, value: raw === null ? null : String(raw) };
    }
}

// Slack's view.state.values for a submission: every input block of a known view appears, the
// ones the user left empty with null; unknown blocks or actions are a test mistake.
function buildStateValues(values, view, strict) {
    need(isObject(values), '"values" must be an object {block_id: {action_id: value}}');
    const inputs = new Map();
    for (const b of view.blocks || []) {
        if (isObject(b) && b.type === 'input' && isObject(b.element)) inputs.set(b.block_id, b);
    }
    const out = {};
    for (const [blockId, actions] of Object.entries(values)) {
        need(isObject(actions), `values.${blockId} must be an object {action_id: value}`);
        for (const [actionId, v] of Object.entries(actions)) {
            const block = inputs.get(blockId);
            need(!strict || (block && block.element.action_id === actionId),
                `the view has no input block "${blockId}" with action_id "${actionId}"`);
            out[blockId] = out[blockId] || {};
            out[blockId][actionId] = isObject(v) ? v : shapeValue(block && block.element, v, strict);
        }
    }
    if (strict) {
        for (const [blockId, block] of inputs) {
            const actionId = block.element.action_id;
            if (out[blockId] && out[blockId][actionId]) continue;
            need(block.optional === true, `input "${blockId}" is required; Slack would not let the user submit`);
            out[blockId] = { [actionId]: shapeValue(block.element, null, false) };
        }
    }
    return out;
}

const CONTROL = {
    'GET health': () => ({ok: true}),
    'POST slash': (body) => {
        const user = needUser(body);
        const channel = needChannel(body);
        const command = body.command || '/release';
        need(typeof command === 'string' && command.startsWith('/'), '"command" must start with "/"');
        const triggerId = createTrigger(user, channel);
        const payload = {
            token: VERIFICATION_TOKEN,
            team_id: TEAM_ID,
            team_domain: TEAM_DOMAIN,
            channel_id: channel,
            channel_name: channelName(channel, body.channel_name),
            user_id: user,
            user_name: body.user_name || userName(user),
            command,
            text:
                needSlackText(body.text === undefined ? '' : String(body.text), 'the command text'),
            api_app_id: APP_ID,
            is_enterprise_install: 'false',
            response_url: createResponseUrl(channel, user),
            trigger_id: triggerId,
        };
        const env = envelope('slash_commands', payload, true);
        return { ok: true, envelope_id: env.id, trigger_id: triggerId, queued: env.attempts === 0 };
    },
    'POST event': (body) => {
        const user = needUser(body);
        const channel = needChannel(body);
        const type = body.type || 'app_mention';
        need(type === 'app_mention' || type === 'message', '"type" must be app_mention or message');
        let text =
            needSlackText(body.text === undefined ? '' : String(body.text), 'the message text');
        const mention = `<@${BOT_USER_ID}>`;
        if (type === 'app_mention' && !text.includes(mention)) text = `${mention} ${text}`;
        const ts = nextTs();
        const event = {
            type, user, text, ts, channel, event_ts: ts, channel_type: body.channel_type || channelType(channel),
            client_msg_id: crypto.randomUUID(), team: TEAM_ID,
        };
        if (body.thread_ts) event.thread_ts = String(body.thread_ts);
        channelHistory(channel).set(ts, { type: 'message', user, text, ts, thread_ts: event.thread_ts });
        const eventId = randomId('Ev');
        const payload = {
            token: VERIFICATION_TOKEN, team_id: TEAM_ID, api_app_id: APP_ID, event, type: 'event_callback',
            event_id: eventId, event_time: Math.floor(Date.now() / 1000),
            authorizations: [{
                enterprise_id: null, team_id: TEAM_ID, user_id: BOT_USER_ID, is_bot: true, is_enterprise_install: false,
            }],
            is_ext_shared_channel: false, event_context: `4-${crypto.randomBytes(24).toString('base64url')}`,
        };
        const env = envelope('events_api', payload, false);
        return { ok: true, envelope_id: env.id, event_id: eventId, ts, queued: env.attempts === 0 };
    },
    'POST action': (body) => {
        const user = needUser(body);
        const channel = needChannel(body);
        need(typeof body.action_id === 'string' && body.action_id, '"action_id" is required');
        const messageTs = body.message_ts === undefined ? undefined : String(body.message_ts);
        const found = messageTs ? findMessage(channel, messageTs) : null;
        need(!messageTs || found || body.force, `no message ${messageTs} in ${channel} (pass "force": true to press anyway)`);
        const value = body.value === undefined ? undefined : String(body.value);
        const hit = found ? findElement(found.message.blocks, body.action_id, value) : null;
        need(!found || hit || body.force, `message ${messageTs} has no element with action_id "${body.action_id}"` +
            `${value === undefined ? '' : ` and value "${value}"`} (pass "force": true to press anyway)`);
        const element = hit ? hit.element : { type: 'button', text: { type: 'plain_text', text: body.action_id, emoji: true } };
        const action = {
            action_id: body.action_id, block_id: (hit && hit.block_id) || body.block_id || randomId('', 5),
            type: element.type, action_ts: nextTs(),
        };
        if (element.type === 'button') {
            action.text = element.text;
            action.value = value === undefined ? element.value : value;
            if (element.style) action.style = element.style;
        } else if (hit && hit.option) {
            action.selected_option = { text: hit.option.text, value: hit.option.value };
        } else if (value !== undefined) {
            action.value = value;
        }
        const triggerId = createTrigger(user, channel);
        const payload = {
            type: 'block_actions', user: { id: user, username: userName(user), name: userName(user), team_id: TEAM_ID },
            api_app_id: APP_ID, token: VERIFICATION_TOKEN,
            container: {
                type: 'message', message_ts: messageTs || nextTs(), channel_id: channel,
                is_ephemeral: !!(found && found.ephemeral),
            },
            trigger_id: triggerId, team: { id: TEAM_ID, domain: TEAM_DOMAIN }, enterprise: null,
            is_enterprise_install: false, channel: { id: channel, name: channelName(channel, body.channel_name) },
            state: { values: {} }, response_url: createResponseUrl(channel, user), actions: [action],
        };
        if (found && !found.ephemeral) {
            const { to, channel: _c, ...message } = found.message;
            payload.message = message;
        }
        const env = envelope('interactive', payload, false);
        return { ok: true, envelope_id: env.id, trigger_id: triggerId, queued: env.attempts === 0 };
    },
    'POST submit': (body) => {
        const user = needUser(body);
        let entry = null;
        if (body.view_id !== undefined) {
            entry = state.views.get(body.view_id);
            need(entry, `no view ${body.view_id} was opened`);
        } else if (body.callback_id === undefined && body.private_metadata === undefined) {
            entry = [...state.viewOrder].reverse().find((v) => v.user === user) || null;
            need(entry, `no view was opened for ${user}; pass view_id, or callback_id and private_metadata`);
        }
        const view = entry ? JSON.parse(JSON.stringify(entry.view)) : {
            id: randomId('V'), team_id: TEAM_ID, type: 'modal', blocks: [], private_metadata: '', callback_id: '',
            state: { values: {} }, hash: `${Math.floor(Date.now() / 1000)}.${crypto.randomBytes(4).toString('hex')}`,
            title: { type: 'plain_text', text: 'Modal' }, previous_view_id: null, app_id: APP_ID, bot_id: BOT_ID,
            app_installed_team_id: TEAM_ID, external_id: '',
        };
        if (!entry) view.root_view_id = view.id;
        if (body.private_metadata !== undefined)
            view.private_metadata = String(body.private_metadata);
        if (body.callback_id !== undefined) view.callback_id = String(body.callback_id);
        view.state = { values: buildStateValues(body.values || {}, view, !!entry) };
        const payload = {
            type: 'view_submission', team: { id: TEAM_ID, domain: TEAM_DOMAIN },
            user: { id: user, username: userName(user), name: userName(user), team_id: TEAM_ID },
            api_app_id: APP_ID, token: VERIFICATION_TOKEN, trigger_id: createTrigger(user, entry ? entry.channel : ''),
            view, response_urls: [], is_enterprise_install: false, enterprise: null,
        };
        const env = envelope('interactive', payload, true);
        return { ok: true, envelope_id: env.id, view_id: view.id, queued: env.attempts === 0 };
    },
    'GET acks': (body, url) => {
        const id = url.searchParams.get('envelope_id');
        return { ok: true, acks: id ? state.acks.filter((a) => a.envelope_id === id) : state.acks };
    },
    'GET messages': (body, url) => {
        const channel = url.searchParams.get('channel');
        const kind = url.searchParams.get('kind');
        return {
            ok: true,
            messages: state.messages.filter((m) => (!channel || m.channel === channel) && (!kind || m.kind === kind)),
        };
    },
    'GET history': (body, url) => {
        const channel = url.searchParams.get('channel');
        need(channel, '?channel= is required');
        const messages = [...channelHistory(channel).values()].sort((a, b) => Number(a.ts) - Number(b.ts));
        return { ok: true, messages };
    },
    'GET envelopes': () =>
        ({ok: true, envelopes: [...state.envelopes.values()].map(envelopeSummary)}),
    'GET connections': (body, url) => {
        const all = url.searchParams.get('all');
        const links = all ? [...state.links.values()] : openLinks();
        return {
            ok: true, total_opened: state.totalOpened, open: openLinks().length,
            connections: links.map(linkSummary),
        };
    },
    'GET calls': (body, url) => {
        const method = url.searchParams.get('method');
        return { ok: true, calls: method ? state.calls.filter((c) => c.method === method) : state.calls };
    },
    'GET bad_frames': () => ({ok: true, bad_frames: state.badFrames}),
    'GET config': () => ({ok: true, config: {...cfg}}),
    // A private channel: the app's chat.* calls there fail with channel_not_found, as Slack's
    // do, until it is invited (member: true).
    'POST private_channel': (body) => {
        const id = resolveChannel(body.channel);
        need(id && /^[CG]/.test(id), '"channel" must be a channel id');
        if (body.member)
            state.privateChannels.delete(id);
        else
            state.privateChannels.add(id);
        return {ok: true, channel: id, member: !!body.member};
    },
    'POST config': (body) => {
        for (const [key, value] of Object.entries(body)) {
            need(TUNABLE.includes(key), `unknown setting "${key}"; settable: ${TUNABLE.join(', ')}`);
            need(typeof value === 'number' && value >= 0, `"${key}" must be a number >= 0`);
            cfg[key] = value;
        }
        return { ok: true, config: { ...cfg } };
    },
    'POST disconnect': (body) => {
        const reason = body.reason || 'refresh_requested';
        need(['refresh_requested', 'warning', 'too_many_websockets', 'link_disabled'].includes(reason),
            '"reason" must be refresh_requested, warning, too_many_websockets or link_disabled');
        const targets = openLinks().filter((l) => (body.connection ? l.id === body.connection : l.state !== 'draining'));
        need(!body.connection || targets.length, `no open connection ${body.connection}`);
        const sent = targets.filter((l) => sendDisconnect(l, reason, body.close_after_ms)).map((l) => l.id);
        return { ok: true, sent: sent.length, connections: sent };
    },
    'POST drop': (body) => {
        const targets = openLinks().filter((l) => !body.connection || l.id === body.connection);
        need(!body.connection || targets.length, `no open connection ${body.connection}`);
        for (const link of targets) {
            link.dropped = true;
            link.ws.terminate();  // no close frame: the TCP connection just ends
        }
        return { ok: true, dropped: targets.length, connections: targets.map((l) => l.id) };
    },
    // Half-open links: the emulator stops pinging them and stops reading from them (so the
    // bot's pings get no pong and its frames vanish), and sends them nothing more, while the
    // TCP connection stays up — as when a peer or a middlebox dies silently. After `for_ms`
    // (default 60 s) the emulator gives up on them and ends the connection.
    'POST freeze': (body) => {
        const targets = openLinks().filter((l) => !body.connection || l.id === body.connection);
        need(!body.connection || targets.length, `no open connection ${body.connection}`);
        const forMs = body.for_ms === undefined ? 60000 : Number(body.for_ms);
        for (const link of targets) {
            link.frozen = true;
            clearInterval(link.pingTimer);
            link.ws._socket.pause();
            setTimeout(() => link.ws.terminate(), forMs).unref();
        }
        return { ok: true, frozen: targets.length, connections: targets.map((l) => l.id) };
    },
    'POST fault': (body) => {
        need(typeof body.method === 'string' && body.method, '"method" is required (a Web API method, "link" or "*")');
        const status = body.status === undefined ? 0 : Number(body.status);
        need(status === 0 || (Number.isInteger(status) && status >= 400 && status <= 599), '"status" must be 4xx or 5xx');
        const count = body.count === undefined ? 1 : Number(body.count);
        need(Number.isInteger(count) && count >= 1, '"count" must be a positive integer');
        const fault = {
            status, error: body.error ? String(body.error) : '', retry_after: Number(body.retry_after || 1),
            delay_ms: Number(body.delay_ms || 0), remaining: count,
        };
        need(fault.status || fault.error || fault.delay_ms, 'a fault needs a status, an error or a delay_ms');
        if (!state.faults.has(body.method)) state.faults.set(body.method, []);
        state.faults.get(body.method).push(fault);
        return { ok: true };
    },
    'POST reset': () => {
        resetState();
        return { ok: true };
    },
    // bench/ only: where apps.connections.open points from now on ("" = this emulator's /link/).
    // Survives POST reset, like the open links.
    'POST bench_link': (body) => {
        const url = body.url === undefined ? '' : body.url;
        need(url === '' || (typeof url === 'string' && /^wss?:\/\/[^/?#]+\/[^?#]*$/.test(url)),
            '"url" must be a ws:// or wss:// URL with a path and no query, or "" to reset');
        benchLinkUrl = url;
        return { ok: true, url };
    },
    'POST users': (body) => {
        for (const [id, info] of Object.entries(body)) {
            need(/^[UW][A-Z0-9]+$/.test(id), `"${id}" is not a Slack user id such as U1ALICE`);
            need(isObject(info), `users.${id} must be an object {name, tz, real_name}`);
            need(info.tz === undefined || validTimeZone(info.tz), `"${info.tz}" is not an IANA time zone`);
            state.users.set(id, { ...(state.users.get(id) || {}), ...info });
        }
        return { ok: true, users: state.users.size };
    },
};

async function handleControl(req, res, name, body, url) {
    const handler = CONTROL[`${req.method} ${name}`];
    if (!handler) return send(res, 404, { ok: false, error: `no control endpoint ${req.method} /_emulator/${name}` });
    let parsed = {};
    if (body.length) {
        try {
            parsed = JSON.parse(body.toString('utf8'));
        } catch (e) {
            return send(res, 400, { ok: false, error: 'the body is not JSON' });
        }
        if (!isObject(parsed)) return send(res, 400, { ok: false, error: 'the body must be a JSON object' });
    }
    try {
        return send(res, 200, handler(parsed, url));
    } catch (e) {
        if (e instanceof ControlError) return send(res, 400, { ok: false, error: e.message });
        throw e;
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP(S) server

async function handle(req, res) {
    const url = new URL(req.url, 'http://localhost');
    const body = await readBody(req, MAX_BODY_BYTES, { ok: false, error: 'request_too_large' });
    const path = url.pathname;
    if (path.startsWith('/api/')) return handleApi(req, res, path.slice(5), body, url);
    if (path.startsWith('/_emulator/')) return handleControl(req, res, path.slice(11), body, url);
    if (path.startsWith('/_upload/') && req.method === 'POST') {
        const upload = state.uploads.get(path.slice(9));
        if (!upload) return send(res, 404, 'file not found');
        const type = String(req.headers['content-type'] || '');
        let content = body;
        if (type.toLowerCase().startsWith('multipart/form-data')) {
            const parts = parseMultipart(body, type);
            if (!parts || parts.files.length === 0) return send(res, 400, 'no file part');
            content = parts.files[0].content;
        }
        upload.content = content;
        return send(res, 200, `OK - ${content.length}`);
    }
    if (path.startsWith('/_respond/') && req.method === 'POST') {
        const target = state.responseUrls.get(path.slice(10));
        if (!target) return send(res, 404, { ok: false, error: 'expired_url' });
        let args;
        try {
            args = JSON.parse(body.toString('utf8'));
        } catch (e) {
            return send(res, 400, { ok: false, error: 'invalid_json' });
        }
        // Deleting the original needs nothing else; any other response carries content.
        const problem = args && args.delete_original === true ? null : checkContent(args || {});
        if (problem) return send(res, 400, problem);
        record('respond', {
            channel: target.channel, user: target.user, text: args.text, blocks: args.blocks,
            response_type: args.response_type || 'ephemeral', replace_original: !!args.replace_original,
            delete_original: !!args.delete_original,
        });
        return send(res, 200, { ok: true });
    }
    return send(res, 404, { ok: false, error: 'not_found' });
}

function rejectUpgrade(socket, status, text) {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function onUpgrade(req, socket, head) {
    socket.on('error', (err) => log('upgrade socket error', err.message));
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname !== '/link/' && url.pathname !== '/link') return rejectUpgrade(socket, 404, 'Not Found');
    const proceed = () => {
        const ticket = state.tickets.get(url.searchParams.get('ticket') || '');
        if (!ticket || ticket.used) return rejectUpgrade(socket, 401, 'Unauthorized');
        ticket.used = true;
        return wss.handleUpgrade(req, socket, head, (ws) => openLink(ws));
    };
    const fault = takeFault('link');
    if (!fault) return proceed();
    return setTimeout(() => {
        if (fault.status) rejectUpgrade(socket, fault.status, 'Emulated Fault');
        else proceed();
    }, fault.delay_ms || 0);
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
server = serve(opts, answering(handle, 'slack', { ok: false }), {
    log,
    beforeExit: () => {
        for (const link of state.links.values()) {
            if (link.state !== 'closed') link.ws.terminate();
        }
    },
    onListening: (url) => {
        baseUrl = url;
        log(`serving ${baseUrl}/api/ (Socket Mode at /link/, control at /_emulator/)`);
    },
});
server.on('upgrade', onUpgrade);
