'use strict';
// A local Microsoft Teams channel (the Bot Framework side of Teams) for releasebot's tests.
//
// It plays the three services a Teams bot talks to:
// - the channel's token signer: an OpenID metadata document and a JWKS with its own RSA keys
//   (endorsed for "msteams"), from which bots validate the JWT on every inbound activity;
// - the Azure AD token endpoint: OAuth2 client credentials (client_id, client_secret, scope
//   https://api.botframework.com/.default) answering bearer tokens for the Connector;
// - the Bot Connector REST API under the service URL (/amer/v3/conversations/…), which records
//   every activity the bot sends, replies, updates, and every conversation it creates.
// It also plays Teams users: a control API at /_emulator/… builds activities as Teams sends
// them (message with an <at> mention, Action.Submit, Action.Execute invoke, conversationUpdate),
// signs a JWT for them (or a deliberately broken one) and POSTs them to the bot. It prints
// "listening <port>" on stdout once it accepts connections; logs (--verbose) go to stderr.
//
// botbuilder_check.js runs Microsoft's official botbuilder against this file: when they
// disagree, this file is the one to fix. Plain CommonJS for Node 18, Node built-ins only.

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');
const querystring = require('querystring');
const { parseArgs, Answer, send, readBody, answering, serve } = require('../common/server.js');

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com/.default';

const DEFAULTS = {
    host: '127.0.0.1',
    port: 0,
    cert: '',
    key: '',
    app_id: '00000000-0000-4000-8000-00000000b07a',
    app_password: 'test-app-password',
    bot_name: 'releasebot',
    tenant: 'tenant-emulator',
    issuer: 'https://api.botframework.com',
    region: 'amer',
    token_lifetime_s: 3600,          // access tokens from the token endpoint
    channel_token_lifetime_s: 3600,  // JWTs on activities sent to the bot
    rate_per_second: 0,              // sends per conversation and second; 0 = unlimited
    rate_burst: 7,
    key_bits: 2048,
    key_cache: '',  // a directory to keep the RSA keys in between runs
    verbose: false,
    exit_with_stdin: false,
    // A channel with no app registration, as Microsoft 365 Agents Playground is: activities go
    // to the bot without a JWT, and the Connector takes calls without a bearer token.
    anonymous: false,
};

const opts = parseArgs(process.argv.slice(2), DEFAULTS);
let baseUrl = '';  // set once listening

function log(...parts) {
    if (opts.verbose) process.stderr.write(`[teams-emulator ${new Date().toISOString()}] ${parts.join(' ')}\n`);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const b64url = (buffer) => Buffer.from(buffer).toString('base64url');

function parseJson(buffer, what) {
    try {
        return JSON.parse(buffer.toString('utf8'));
    } catch (e) {
        throw new Answer(400, { error: `${what} is not JSON: ${e.message}` });
    }
}

// The Connector's error shape ({"error":{"code","message"}}).
function connectorError(code, message) {
    return { error: { code, message } };
}

function stableUuid(text) {
    const h = crypto.createHash('sha256').update(text).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------
// Signing keys. The channel publishes its keys in the JWKS with endorsements (the channels a key
// may sign for). One key's n/e are published in standard base64 with padding instead of
// base64url, as some Microsoft key sets have been: a validator must accept both.

// RSA key generation is the slow part of starting (about 0.2-0.6 s a key); with --key-cache the
// keys are kept as PEM files in that directory and reused by the next emulator of the same test
// run. A key's kid is derived from the key, so a reused key keeps its kid.
function loadOrMakePrivateKey(name) {
    const file = opts.key_cache ? `${opts.key_cache}/${name}.pem` : '';
    if (file && fs.existsSync(file)) return crypto.createPrivateKey(fs.readFileSync(file));
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: opts.key_bits });
    if (file) {
        const temp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(temp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
        fs.renameSync(temp, file);  // atomic: emulators started in parallel never read half a key
    }
    return privateKey;
}

function makeKey(name, endorsements, encoding) {
    const privateKey = loadOrMakePrivateKey(name);
    const publicKey = crypto.createPublicKey(privateKey);
    const der = publicKey.export({ type: 'spki', format: 'der' });
    const kid = b64url(crypto.createHash('sha256').update(der).digest()).slice(0, 27);
    const jwk = publicKey.export({ format: 'jwk' });
    const n = encoding === 'base64' ? Buffer.from(jwk.n, 'base64url').toString('base64') : jwk.n;
    const e = encoding === 'base64' ? Buffer.from(jwk.e, 'base64url').toString('base64') : jwk.e;
    return {
        kid, privateKey, publicKey, encoding,
        publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
        published: { kty: 'RSA', use: 'sig', kid, x5t: kid, n, e, endorsements },
    };
}

const newKid = () => b64url(crypto.randomBytes(20));
const ENDORSED = ['msteams', 'webchat', 'directline', 'emulator'];

const keys = {
    // Published (JWKS order): every signing key so far, then the unendorsed one.
    signing: [makeKey('signing-0', ENDORSED, 'base64')],
    unendorsed: makeKey('unendorsed', ['webchat', 'directline'], 'base64url'),
    // Never published: forged tokens and unknown kids are signed with it.
    outsider: makeKey('outsider', ENDORSED, 'base64url'),
};
const currentKey = () => keys.signing[keys.signing.length - 1];

function rotateKey() {
    const key = makeKey(`signing-${keys.signing.length}`, ENDORSED, 'base64url');
    keys.signing.push(key);
    log('rotated signing key, new kid', key.kid);
    return key.kid;
}

function jwks() {
    return { keys: [...keys.signing.map((k) => k.published), keys.unendorsed.published] };
}

// ---------------------------------------------------------------------------------------------
// Channel JWTs (what Teams attaches to every activity it POSTs to the bot)

const RSA_HASH = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' };

function encodeJwt(header, claims, signer) {
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${signer ? b64url(signer(Buffer.from(input))) : ''}`;
}

function rsaSigner(key, alg) {
    return (data) => crypto.sign(RSA_HASH[alg], data, key.privateKey);
}

const TOKEN_KINDS = [
    'valid', 'none', 'expired', 'no_exp', 'not_yet_valid', 'wrong_audience', 'wrong_issuer',
    'wrong_service_url', 'forged', 'unknown_kid', 'alg_none', 'hs256_public_key', 'not_endorsed',
];

// Returns the JWT of `kind` for an activity from `serviceUrl`, or '' for kind "none".
function channelToken(kind, serviceUrl, alg = 'RS256') {
    if (!TOKEN_KINDS.includes(kind)) throw new Answer(400, { error: `unknown token kind "${kind}"; one of ${TOKEN_KINDS.join(', ')}` });
    if (!RSA_HASH[alg]) throw new Answer(400, { error: `alg must be RS256, RS384 or RS512, not "${alg}"` });
    if (kind === 'none') return '';
    const now = nowSeconds();
    const claims = {
        serviceurl: serviceUrl || serviceUrlOf(),
        nbf: now - 5,
        exp: now + opts.channel_token_lifetime_s,
        iat: now - 5,
        iss: opts.issuer,
        aud: opts.app_id,
    };
    let key = currentKey();
    const header = { alg, kid: key.kid, typ: 'JWT', x5t: key.kid };
    let signer = rsaSigner(key, alg);
    switch (kind) {
    case 'expired': claims.nbf = now - 7200; claims.iat = now - 7200; claims.exp = now - 3600; break;
    case 'no_exp': delete claims.exp; break;
    case 'not_yet_valid': claims.nbf = now + 3600; claims.exp = now + 7200; break;
    case 'wrong_audience': claims.aud = '11111111-2222-4333-8444-555555555555'; break;
    // Another issuer that is neither the channel nor one of the Emulator's Azure AD tenants.
    case 'wrong_issuer': claims.iss = 'https://api.botframework.example'; break;
    case 'wrong_service_url': claims.serviceurl = 'https://smba.trafficmanager.net/emea/'; break;
    case 'forged': signer = rsaSigner(keys.outsider, alg); break;  // a known kid, the wrong key
    case 'unknown_kid':
        key = keys.outsider;
        header.kid = newKid();
        header.x5t = header.kid;
        signer = rsaSigner(key, alg);
        break;
    case 'alg_none': header.alg = 'none'; signer = null; break;
    case 'hs256_public_key':
        header.alg = 'HS256';
        signer = (data) => crypto.createHmac('sha256', key.publicPem).update(data).digest();
        break;
    case 'not_endorsed':
        header.kid = keys.unendorsed.kid;
        header.x5t = header.kid;
        signer = rsaSigner(keys.unendorsed, alg);
        break;
    default: break;
    }
    return encodeJwt(header, claims, signer);
}

// ---------------------------------------------------------------------------------------------
// State (POST /_emulator/reset clears all but the keys, issued tokens and fetch counters)

const state = {
    fetches: { metadata: 0, jwks: 0, token: 0, connector: 0, discovery: 0 },
    issued: new Map(),        // access token → expiry (ms)
    faults: new Map(),        // what → [{status, retry_after, delay_ms, remaining}]
    sent: [],                 // everything the bot sent through the Connector
    conversations: [],        // conversations the bot created
    lastActivityId: 0,
    buckets: new Map(),
    rejected: [],             // Connector calls refused (401/400), for diagnosis
};

// Access tokens stay valid across a reset, as they would at Azure AD.
function reset() {
    state.faults.clear();
    state.sent = [];
    state.conversations = [];
    state.buckets.clear();
    state.rejected = [];
}

function nextActivityId() {
    state.lastActivityId = Math.max(Date.now(), state.lastActivityId + 1);
    return String(state.lastActivityId);
}

function serviceUrlOf() {
    return `${baseUrl}/${opts.region}/`;
}

function takeFault(what) {
    const queue = state.faults.get(what);
    if (!queue || queue.length === 0) return null;
    const fault = queue[0];
    fault.remaining -= 1;
    if (fault.remaining <= 0) queue.shift();
    return fault;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Applies a queued fault for `what`: waits its delay, then throws its answer (if it has a
// status). `shape` builds the error body the real service would send.
async function applyFault(what, shape) {
    const fault = takeFault(what);
    if (!fault) return;
    if (fault.delay_ms) await sleep(fault.delay_ms);
    if (!fault.status || fault.status === 200) return;
    const headers = fault.status === 429 ? { 'Retry-After': String(fault.retry_after) } : {};
    throw new Answer(fault.status, shape(fault.status), headers);
}

// ---------------------------------------------------------------------------------------------
// OpenID metadata and keys (login.botframework.com)

function openIdMetadata() {
    return {
        issuer: opts.issuer,
        authorization_endpoint: 'https://invalid.botframework.com',
        jwks_uri: `${baseUrl}/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
    };
}

// ---------------------------------------------------------------------------------------------
// Azure AD: tenant discovery (MSAL asks for it) and the client-credentials token endpoint

function tenantMetadata(tenant) {
    const root = `${baseUrl}/${tenant}`;
    return {
        token_endpoint: `${root}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${root}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${root}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${root}/oidc/userinfo`,
        authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${root}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid'],
        tenant_region_scope: null,
        cloud_instance_name: 'emulator',
    };
}

function oauthError(error, description, status = 400) {
    return new Answer(status, {
        error,
        error_description: description,
        error_codes: [status === 401 ? 7000215 : 900144],
        timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z',
        trace_id: crypto.randomUUID(),
        correlation_id: crypto.randomUUID(),
    });
}

async function tokenEndpoint(req, res, tenant, body) {
    state.fetches.token += 1;
    await applyFault('token', (status) => ({
        error: status === 429 ? 'temporarily_unavailable' : 'server_error',
        error_description: `AADSTS90033: emulated ${status} from the token endpoint.`,
    }));
    const type = String(req.headers['content-type'] || '').toLowerCase();
    if (!type.startsWith('application/x-www-form-urlencoded')) {
        throw oauthError('invalid_request', 'AADSTS900144: the request body must be application/x-www-form-urlencoded.');
    }
    const form = querystring.parse(body.toString('utf8'));
    let clientId = form.client_id;
    let secret = form.client_secret;
    const basic = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization || ''));
    if (basic) {
        const [id, ...rest] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
        clientId = clientId || decodeURIComponent(id);
        secret = secret || decodeURIComponent(rest.join(':'));
    }
    if (form.grant_type !== 'client_credentials') {
        throw oauthError('unsupported_grant_type', `AADSTS70003: grant_type must be client_credentials, not "${form.grant_type || ''}".`);
    }
    if (!clientId) throw oauthError('invalid_request', "AADSTS900144: The request body must contain the following parameter: 'client_id'.");
    if (clientId !== opts.app_id) {
        throw oauthError('unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
    }
    if (!secret) throw oauthError('invalid_request', "AADSTS7000216: 'client_assertion' or 'client_secret' is required.");
    if (secret !== opts.app_password) {
        throw oauthError('invalid_client', 'AADSTS7000215: Invalid client secret provided.', 401);
    }
    const scopes = String(form.scope || '').split(/\s+/).filter(Boolean);
    if (!scopes.includes(BOT_FRAMEWORK_SCOPE)) {
        throw oauthError('invalid_scope', `AADSTS70011: The provided value for the input parameter 'scope' is not valid; expected ${BOT_FRAMEWORK_SCOPE}.`);
    }
    const accessToken = issueAccessToken(tenant);
    log('token issued to', clientId);
    return send(res, 200, {
        token_type: 'Bearer',
        expires_in: opts.token_lifetime_s,
        ext_expires_in: opts.token_lifetime_s,
        access_token: accessToken,
    });
}

// Access tokens look like Azure AD's (a signed JWT) but the Connector only checks that it
// issued them and that they have not expired.
function issueAccessToken(tenant) {
    const now = nowSeconds();
    const claims = {
        aud: 'https://api.botframework.com', iss: `${baseUrl}/${tenant}/v2.0`, iat: now, nbf: now,
        exp: now + opts.token_lifetime_s, appid: opts.app_id, tid: tenant, jti: crypto.randomUUID(),
    };
    const key = currentKey();
    const token = encodeJwt({ alg: 'RS256', typ: 'JWT', kid: key.kid }, claims, rsaSigner(key, 'RS256'));
    state.issued.set(token, Date.now() + opts.token_lifetime_s * 1000);
    return token;
}

// ---------------------------------------------------------------------------------------------
// The Bot Connector REST API

function rateLimitWait(conversation) {
    if (opts.rate_per_second <= 0) return 0;
    const burst = Math.max(1, opts.rate_burst);
    const now = Date.now();
    let bucket = state.buckets.get(conversation);
    if (!bucket) {
        bucket = { tokens: burst, at: now };
        state.buckets.set(conversation, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * opts.rate_per_second);
    bucket.at = now;
    if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / opts.rate_per_second));
}

function checkBearer(req, path) {
    if (opts.anonymous) {
        // A local channel issues no tokens, so a bot that still sends one got it elsewhere.
        if (req.headers.authorization === undefined) return;
        state.rejected.push(
            {method: req.method, path, status: 401, why: 'a token on a local channel'});
        throw new Answer(
            401, {message: 'This local channel issues no tokens; call it without Authorization.'});
    }
    const match = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization || ''));
    const expiry = match ? state.issued.get(match[1]) : undefined;
    if (expiry !== undefined && expiry > Date.now()) return;
    const why = !match ? 'no bearer token' : expiry === undefined ? 'a token this emulator did not issue' : 'an expired token';
    state.rejected.push({ method: req.method, path, status: 401, why });
    log('connector 401:', why, req.method, path);
    throw new Answer(401, { message: 'Authorization has been denied for this request.' });
}

function record(entry) {
    const row = { seq: state.sent.length + 1, time: new Date().toISOString(), ...entry };
    state.sent.push(row);
    log('recorded', row.method, row.kind, row.conversation, row.id);
    return row;
}

function checkActivity(activity) {
    if (!isObject(activity)) throw new Answer(400, connectorError('BadArgument', 'The body must be an activity object.'));
    if (typeof activity.type !== 'string' || !activity.type) {
        throw new Answer(400, connectorError('BadArgument', 'Activity type is required.'));
    }
}

function createConversation(params) {
    if (!isObject(params)) throw new Answer(400, connectorError('BadArgument', 'The body must be ConversationParameters.'));
    const tenant = params.tenantId || (isObject(params.channelData) && isObject(params.channelData.tenant) && params.channelData.tenant.id);
    if (!tenant) throw new Answer(400, connectorError('BadArgument', 'A tenant id is required (tenantId or channelData.tenant.id).'));
    const channel = isObject(params.channelData) && isObject(params.channelData.channel) ? params.channelData.channel.id : '';
    const members = Array.isArray(params.members) ? params.members : [];
    let id;
    let activityId;
    if (channel) {
        // A new thread in a channel: Teams answers the thread's conversation id.
        if (!isObject(params.activity)) throw new Answer(400, connectorError('BadArgument', 'Creating a channel conversation needs an activity.'));
        activityId = nextActivityId();
        id = `${channel};messageid=${activityId}`;
    } else {
        if (members.length !== 1 || !isObject(members[0]) || !members[0].id) {
            throw new Answer(400, connectorError('BadArgument', 'A 1:1 conversation needs exactly one member with an id.'));
        }
        // Teams answers the same 1:1 chat every time for the same user.
        id = `a:1${crypto.createHash('sha256').update(`${tenant}|${members[0].id}`).digest('base64url').slice(0, 40)}`;
    }
    const conversation = {
        id, tenantId: tenant, isGroup: !!params.isGroup, members, channel: channel || undefined,
        bot: params.bot, topicName: params.topicName, params,
    };
    state.conversations.push(conversation);
    if (isObject(params.activity)) {
        checkActivity(params.activity);
        activityId = activityId || nextActivityId();
        record({ method: 'POST', kind: 'create', conversation: id, id: activityId, replyToId: null, activity: params.activity });
    }
    const answer = { id, serviceUrl: serviceUrlOf() };
    if (activityId) answer.activityId = activityId;
    return answer;
}

async function handleConnector(req, res, rest, body) {
    // rest is what follows /<region>/v3/: "conversations", "conversations/<id>/activities[/<id>]"
    state.fetches.connector += 1;
    const path = `/${opts.region}/v3/${rest}`;
    checkBearer(req, path);
    await applyFault('connector', (status) => connectorError(
        status === 429 ? 'TooManyRequests' : status === 412 ? 'PreconditionFailed' : 'ServiceError',
        `Emulated ${status} from the Connector.`));
    const parts = rest.split('/');
    if (parts[0] !== 'conversations') throw new Answer(404, connectorError('NotFound', `No Connector resource ${path}.`));
    if (parts.length === 1) {
        if (req.method !== 'POST') throw new Answer(405, connectorError('MethodNotAllowed', `${req.method} ${path} is not supported.`));
        const params = parseJson(body, 'the conversation parameters');
        return send(res, 201, createConversation(params));
    }
    let conversation;
    try {
        conversation = decodeURIComponent(parts[1]);
    } catch (e) {
        throw new Answer(400, connectorError('BadArgument', 'The conversation id is not percent-encoded correctly.'));
    }
    if (parts[2] !== 'activities' || parts.length > 4) {
        if (parts[2] === 'members' && req.method === 'GET') return send(res, 200, []);
        throw new Answer(404, connectorError('NotFound', `No Connector resource ${path}.`));
    }
    const activityId = parts.length === 4 ? decodeURIComponent(parts[3]) : null;
    if (req.method === 'DELETE' && activityId) {
        record({ method: 'DELETE', kind: 'delete', conversation, id: activityId, replyToId: null, activity: null });
        return send(res, 200, undefined);
    }
    if (!(req.method === 'POST' || (req.method === 'PUT' && activityId))) {
        throw new Answer(405, connectorError('MethodNotAllowed', `${req.method} ${path} is not supported.`));
    }
    const activity = parseJson(body, 'the activity');
    checkActivity(activity);
    const wait = req.method === 'POST' ? rateLimitWait(conversation) : 0;
    if (wait > 0) {
        throw new Answer(429, connectorError('TooManyRequests', 'Too many requests to this conversation.'), { 'Retry-After': String(wait) });
    }
    if (req.method === 'PUT') {
        record({ method: 'PUT', kind: 'update', conversation, id: activityId, replyToId: activity.replyToId || null, activity });
        return send(res, 200, { id: activityId });
    }
    const id = nextActivityId();
    record({
        method: 'POST', kind: activityId ? 'reply' : 'send', conversation, id,
        replyToId: activityId || activity.replyToId || null, activity,
    });
    return send(res, activityId ? 200 : 201, { id });
}

// ---------------------------------------------------------------------------------------------
// Teams users: activities as Teams sends them

function user(from, what) {
    if (!isObject(from) || !from.id) throw new Answer(400, { error: `${what} needs an id ("29:alice")` });
    return {
        id: String(from.id),
        name: from.name ? String(from.name) : String(from.id).replace(/^\d+:/, ''),
        aadObjectId: from.aad ? String(from.aad) : stableUuid(`aad|${from.id}`),
    };
}

const botAccount = () => ({ id: `28:${opts.app_id}`, name: opts.bot_name });
const CONVERSATION_TYPES = ['personal', 'groupChat', 'channel'];

// The parts every activity shares: ids, service URL, conversation, channel data.
function envelope(body, type) {
    const conversationType = body.type || 'channel';
    if (!CONVERSATION_TYPES.includes(conversationType)) {
        throw new Answer(400, { error: `type must be one of ${CONVERSATION_TYPES.join(', ')}, not "${conversationType}"` });
    }
    if (!body.conversation) throw new Answer(400, { error: 'conversation is required' });
    const conversationId = String(body.conversation);
    const conversation = { conversationType, tenantId: opts.tenant, id: conversationId };
    if (conversationType !== 'personal') conversation.isGroup = true;
    const channelData = { tenant: { id: opts.tenant } };
    if (conversationType === 'channel') {
        const channelId = conversationId.split(';')[0];
        const teamId = body.team || '19:team-emulator@thread.tacv2';
        conversation.name = body.channel_name || undefined;
        channelData.teamsChannelId = channelId;
        channelData.teamsTeamId = teamId;
        channelData.channel = { id: channelId };
        channelData.team = { id: teamId };
    }
    const now = new Date();
    const activity = {
        type,
        id: nextActivityId(),
        timestamp: now.toISOString(),
        localTimestamp: now.toISOString().replace('Z', '+00:00'),
        localTimezone: 'Etc/UTC',
        serviceUrl: serviceUrlOf(),
        channelId: 'msteams',
        from: null,
        conversation,
        recipient: botAccount(),
        entities: [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Etc/UTC' }],
        channelData,
        locale: 'en-US',
    };
    return activity;
}

// The bot's last activity in a conversation: the card a Submit or Execute comes from.
function lastBotActivity(conversation) {
    for (let i = state.sent.length - 1; i >= 0; i--) {
        if (state.sent[i].conversation === conversation && state.sent[i].kind !== 'delete') return state.sent[i].id;
    }
    return null;
}

function buildActivity(kind, body) {
    if (!isObject(body)) throw new Answer(400, { error: 'the body must be a JSON object' });
    switch (kind) {
    case 'message': {
        const activity = envelope(body, 'message');
        activity.from = user(body.from, 'from');
        const text = String(body.text === undefined ? '' : body.text);
        const mention = body.mention_bot === undefined ? true : !!body.mention_bot;
        activity.textFormat = 'plain';
        if (mention) {
            const tag = `<at>${opts.bot_name}</at>`;
            activity.text = `${tag} ${text}`;
            activity.entities.unshift({ type: 'mention', mentioned: botAccount(), text: tag });
        } else {
            activity.text = text;
        }
        return activity;
    }
    case 'submit': {
        // Action.Submit: a message with `value` and no text, a reply to the card's activity.
        const activity = envelope(body, 'message');
        activity.from = user(body.from, 'from');
        if (!isObject(body.value)) throw new Answer(400, { error: 'value must be a JSON object (the card inputs and the action data)' });
        activity.value = body.value;
        activity.channelData.source = { name: 'message' };
        const replyTo = body.reply_to || lastBotActivity(activity.conversation.id);
        if (replyTo) activity.replyToId = replyTo;
        return activity;
    }
    case 'execute': {
        // Action.Execute: an invoke the bot answers in the HTTP response.
        const activity = envelope(body, 'invoke');
        activity.from = user(body.from, 'from');
        if (!body.verb) throw new Answer(400, { error: 'verb is required' });
        activity.name = 'adaptiveCard/action';
        activity.value = {
            action: { type: 'Action.Execute', title: body.title || body.verb, verb: String(body.verb), data: isObject(body.data) ? body.data : {} },
            trigger: 'manual',
        };
        activity.channelData.source = { name: 'message' };
        const replyTo = body.reply_to || lastBotActivity(activity.conversation.id);
        if (replyTo) activity.replyToId = replyTo;
        return activity;
    }
    case 'installed': {
        // conversationUpdate: `added` joined the conversation; `from` did it (the installer).
        const activity = envelope(body, 'conversationUpdate');
        const added = user(body.added || body.from, 'added');
        const bot = added.id === botAccount().id;
        activity.from = body.installer ? user(body.installer, 'installer') : (bot ? user({ id: '29:installer', name: 'Installer' }, 'installer') : added);
        activity.membersAdded = [bot ? botAccount() : added];
        delete activity.locale;
        if (activity.conversation.conversationType === 'channel') activity.channelData.eventType = 'teamMemberAdded';
        return activity;
    }
    default:
        throw new Answer(404, { error: `no activity kind "${kind}"; one of message, submit, execute, installed` });
    }
}

// POSTs `activity` to the bot with a JWT of `kind`; answers what the bot answered.
function postToBot(botUrl, activity, kind, extraHeaders = {}) {
    let url;
    try {
        url = new URL(botUrl);
    } catch (e) {
        throw new Answer(400, { error: `bot_url "${botUrl}" is not a URL` });
    }
    const text = typeof activity === 'string' ? activity : JSON.stringify(activity);
    let serviceUrl = serviceUrlOf();
    try {
        const parsed = JSON.parse(text);
        if (isObject(parsed) && typeof parsed.serviceUrl === 'string') serviceUrl = parsed.serviceUrl;
    } catch (e) {
        // A body that is not JSON is a test of the bot's 400; sign it for the default URL.
    }
    const token = opts.anonymous ? '' : channelToken(kind, serviceUrl);
    const headers = {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
        'User-Agent': 'Microsoft-SkypeBotApi (Microsoft-BotFramework-Emulator)',
        ...extraHeaders,
    };
    if (token) headers.Authorization = `Bearer ${token}`;
    const client = url.protocol === 'https:' ? https : http;
    // A bot under test on HTTPS has a test certificate; checking it is not what this tests.
    return new Promise((resolve) => {
        const req = client.request(url, { method: 'POST', headers, rejectUnauthorized: false, timeout: 15000 }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
            res.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
        });
        req.on('timeout', () => req.destroy(new Error('the bot did not answer within 15 s (Teams gives up then)')));
        req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
        req.end(text);
    });
}

// ---------------------------------------------------------------------------------------------
// Control API

const FAULT_TARGETS = ['token', 'connector', 'metadata', 'jwks'];

async function handleControl(req, res, name, body, url) {
    const method = req.method;
    const json = () => (body.length ? parseJson(body, 'the control request') : {});
    if (method === 'GET' && name === 'info') {
        return send(res, 200, {
            app_id: opts.app_id, tenant: opts.tenant, issuer: opts.issuer, bot_name: opts.bot_name,
            service_url: serviceUrlOf(), metadata_url: `${baseUrl}/v1/.well-known/openidconfiguration`,
            jwks_url: `${baseUrl}/v1/.well-known/keys`, token_url: `${baseUrl}/botframework.com/oauth2/v2.0/token`,
            signing_kid: currentKey().kid, kids: jwks().keys.map((k) => k.kid), unendorsed_kid: keys.unendorsed.kid,
        });
    }
    if (method === 'POST' && name === 'token') {
        const b = json();
        return send(res, 200, { token: channelToken(b.kind || 'valid', b.service_url || '', b.alg || 'RS256') });
    }
    if (method === 'POST' && name.startsWith('activity/')) {
        return send(res, 200, buildActivity(name.slice(9), json()));
    }
    if (method === 'POST' && name === 'send') {
        const b = json();
        if (!b.bot_url) throw new Answer(400, { error: 'bot_url is required' });
        if (b.activity === undefined) throw new Answer(400, { error: 'activity is required (an object, or a string sent as is)' });
        return send(res, 200, await postToBot(String(b.bot_url), b.activity, b.token || 'valid'));
    }
    if (method === 'GET' && name === 'sent') {
        const conversation = url.searchParams.get('conversation');
        const rows = conversation ? state.sent.filter((r) => r.conversation === conversation) : state.sent;
        return send(res, 200, { activities: rows });
    }
    if (method === 'GET' && name === 'conversations') return send(res, 200, state.conversations);
    if (method === 'GET' && name === 'rejected') return send(res, 200, state.rejected);
    if (method === 'GET' && name === 'fetches') return send(res, 200, state.fetches);
    if (method === 'GET' && name === 'jwks') return send(res, 200, jwks());
    if (method === 'POST' && name === 'rotate') return send(res, 200, { kid: rotateKey() });
    if (method === 'POST' && name === 'fault') {
        const b = json();
        if (!FAULT_TARGETS.includes(b.what)) throw new Answer(400, { error: `what must be one of ${FAULT_TARGETS.join(', ')}` });
        const fault = {
            status: Number(b.status || 0), retry_after: Number(b.retry_after === undefined ? 1 : b.retry_after),
            delay_ms: Number(b.delay_ms || 0), remaining: Number(b.count === undefined ? 1 : b.count),
        };
        if (!state.faults.has(b.what)) state.faults.set(b.what, []);
        state.faults.get(b.what).push(fault);
        return send(res, 200, { ok: true });
    }
    if (method === 'POST' && name === 'reset') {
        reset();
        return send(res, 200, { ok: true });
    }
    if (method === 'POST' && name === 'config') {
        const b = json();
        for (const k of ['rate_per_second', 'rate_burst', 'token_lifetime_s', 'channel_token_lifetime_s']) {
            if (b[k] !== undefined) opts[k] = Number(b[k]);
        }
        return send(res, 200, { ok: true });
    }
    throw new Answer(404, { error: `no control endpoint ${method} /_emulator/${name}` });
}

// ---------------------------------------------------------------------------------------------
// Routing

async function handle(req, res) {
    const url = new URL(req.url, 'http://localhost');
    const body = await readBody(
        req, MAX_BODY_BYTES, connectorError('MessageSizeTooBig', 'The request body is too large.'));
    const path = url.pathname;
    log(req.method, path);
    if (path.startsWith('/_emulator/')) return handleControl(req, res, path.slice(11), body, url);
    if (req.method === 'GET' && path === '/v1/.well-known/openidconfiguration') {
        state.fetches.metadata += 1;
        await applyFault('metadata', (status) => `emulated ${status}`);
        return send(res, 200, openIdMetadata());
    }
    if (req.method === 'GET' && path === '/v1/.well-known/keys') {
        state.fetches.jwks += 1;
        await applyFault('jwks', (status) => `emulated ${status}`);
        return send(res, 200, jwks());
    }
    let m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (m) {
        if (req.method !== 'POST') throw new Answer(405, { error: 'invalid_request', error_description: 'POST the form.' });
        return tokenEndpoint(req, res, decodeURIComponent(m[1]), body);
    }
    m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
    if (m && req.method === 'GET') {
        state.fetches.discovery += 1;
        return send(res, 200, tenantMetadata(decodeURIComponent(m[1])));
    }
    m = /^\/([^/]+)\/v3\/(.+)$/.exec(path);
    if (m && m[1] === opts.region) return handleConnector(req, res, m[2], body);
    return send(res, 404, { error: `not found: ${req.method} ${path}` });
}

serve(opts, answering(handle, 'teams'), {
    log,
    onListening: (url) => {
        baseUrl = url;
        log(`serving ${baseUrl} (service URL ${serviceUrlOf()}, control at /_emulator/)`);
    },
});
