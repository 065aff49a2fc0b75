// A small ActivityPub peer built on Fedify, for fedi's federation tests (test-only, loopback).
//
// One actor (PEER_USERNAME, default "erin") with an RSA key (HTTP signatures) and an Ed25519
// key (Object Integrity Proofs), served by Fedify: actor document, WebFinger, inboxes (personal
// and shared), followers collection and the notes it wrote. Fedify verifies the signature of
// every activity POSTed to its inboxes; the listeners below record only what passed. The HTTP
// adapter also records every inbox request with the signature scheme it carried and the status
// Fedify answered, and a wrapper around fetch does the same for every POST the peer sends.
//
// Environment:
//   PEER_HOST      address to listen on (default 127.0.0.1; loopback only)
//   PEER_PORT      port (default 0: any free port)
//   PEER_USERNAME  the actor's name (default erin)
//   TLS_CERT, TLS_KEY  PEM files: serve https (Node trusts a test CA via NODE_EXTRA_CA_CERTS)
//   PEER_DEBUG     "1": Fedify's own log at debug level on stderr (default: warnings)
//
// On start it prints one JSON line on stdout: {"ready": true, "origin": ..., "actor": ...}.
//
// Test-only control endpoints (JSON in, JSON out):
//   POST /_test/follow  {"target": "acct:name@host:port" | actor URL}
//        -> Follow sent through Fedify (its double knock; first knock RFC 9421)
//   POST /_test/note    {"to": actor URL, "text": "...", "spec": "draft-cavage-http-signatures-12"
//                        | "rfc9421", "mention": false} -> a public Create(Note) (cc followers,
//        and the recipient when mentioned) POSTed to that actor's inbox, signed by Fedify's
//        signRequest with exactly that spec (no second knock); answers the inbox's status
//   GET  /_test/log     -> {"received": [verified activities], "unverified": [...],
//                           "requests": [inbox requests], "sent": [outgoing POSTs],
//                           "errors": [...], "followers": [...]}

import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { randomUUID } from "node:crypto";

import {
  createFederation,
  generateCryptoKeyPair,
  MemoryKvStore,
  signRequest,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Create,
  Endpoints,
  Follow,
  isActor,
  Mention,
  Note,
  Person,
  PUBLIC_COLLECTION,
} from "@fedify/vocab";
import { configure } from "@logtape/logtape";
import { Temporal } from "@js-temporal/polyfill";

const HOST = process.env.PEER_HOST ?? "127.0.0.1";
const PORT = Number(process.env.PEER_PORT ?? "0");
const USERNAME = process.env.PEER_USERNAME ?? "erin";
const TLS_CERT = process.env.TLS_CERT ?? "";
const TLS_KEY = process.env.TLS_KEY ?? "";
const SPECS = new Set(["draft-cavage-http-signatures-12", "rfc9421"]);
const AP_TYPE = "application/activity+json";
const MAX_BODY = 1024 * 1024;

if (!["127.0.0.1", "::1", "localhost"].includes(HOST)) {
  throw new Error(`the test peer listens on loopback only, not ${HOST}`);
}

// --- what the test reads back ----------------------------------------------------------------

const received = [];
const unverified = [];
const requests = [];
const sent = [];
const errors = [];
const followers = new Map(); // actor id -> { id, inboxId, sharedInboxId }
const notes = new Map(); // note id -> Note

function remember(list, entry) {
  list.push({ ...entry, at: new Date().toISOString() });
}

function iri(value) {
  return value == null ? null : value.href ?? String(value);
}

// Every POST the peer makes (Fedify's deliveries, with their double knock, and /_test/note) is
// recorded with the signature scheme it carried and the status it got: Fedify calls the global
// fetch at send time.
const originalFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const request = new Request(input, init);
  if (request.method !== "POST") return originalFetch(request);
  const activity = parseActivity(Buffer.from(await request.clone().arrayBuffer()));
  const entry = {
    url: request.url,
    scheme: signatureScheme(request.headers),
    keyId: keyIdOf(request.headers),
    id: activity.id ?? null,
    type: activity.type ?? null,
  };
  try {
    const response = await originalFetch(request);
    remember(sent, { ...entry, status: response.status });
    return response;
  } catch (error) {
    remember(sent, { ...entry, status: null, error: String(error) });
    throw error;
  }
};

// --- logging ---------------------------------------------------------------------------------

function stderrSink(record) {
  const text = record.message
    .map((part) => (typeof part === "string" ? part : JSON.stringify(part)))
    .join("");
  process.stderr.write(`peer ${record.level} ${record.category.join(".")}: ${text}\n`);
}

await configure({
  sinks: { stderr: stderrSink },
  loggers: [
    { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    {
      category: ["fedify"],
      sinks: ["stderr"],
      lowestLevel: process.env.PEER_DEBUG === "1" ? "debug" : "warning",
    },
  ],
});

// --- keys --------------------------------------------------------------------------------------

const rsaKeys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const ed25519Keys = await generateCryptoKeyPair("Ed25519");

// --- the server (listening first, so the origin carries the real port) -------------------------

let federation = null;
let origin = "";

async function readBody(incoming) {
  const chunks = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error("request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function toRequest(incoming, body) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
    else if (value !== undefined) headers.set(name, value);
  }
  const method = incoming.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD" && body.length > 0;
  return new Request(new URL(incoming.url ?? "/", origin), {
    method,
    headers,
    body: hasBody ? body : undefined,
  });
}

function signatureScheme(headers) {
  if (headers.has("signature-input")) return "rfc9421";
  if (headers.has("signature")) return "draft-cavage-http-signatures-12";
  return "none";
}

async function writeResponse(outgoing, response) {
  const headers = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  outgoing.writeHead(response.status, headers);
  outgoing.end(Buffer.from(await response.arrayBuffer()));
}

function json(data, status = 200) {
  return new Response(JSON.stringify(data), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

async function handle(incoming, outgoing) {
  try {
    const body = await readBody(incoming);
    const request = toRequest(incoming, body);
    const url = new URL(request.url);
    let response;
    if (url.pathname.startsWith("/_test/")) {
      response = await control(request, url);
    } else {
      response = await federation.fetch(request, { contextData: undefined });
      if (request.method === "POST" && url.pathname.endsWith("/inbox")) {
        const activity = parseActivity(body);
        remember(requests, {
          path: url.pathname,
          scheme: signatureScheme(request.headers),
          status: response.status,
          keyId: keyIdOf(request.headers),
          id: activity.id ?? null,
          type: activity.type ?? null,
        });
      }
    }
    await writeResponse(outgoing, response);
  } catch (error) {
    remember(errors, { where: "http", error: String(error?.stack ?? error) });
    if (!outgoing.headersSent) outgoing.writeHead(500, { "Content-Type": "text/plain" });
    outgoing.end("peer error\n");
  }
}

function parseActivity(body) {
  try {
    const parsed = JSON.parse(body.toString("utf8"));
    return parsed !== null && typeof parsed === "object" ? parsed : {};
  } catch {
    return {};
  }
}

function keyIdOf(headers) {
  const input = headers.get("signature-input") ?? headers.get("signature") ?? "";
  const found = /keyid="([^"]*)"/i.exec(input);
  return found ? found[1] : null;
}

const server = TLS_CERT
  ? createHttpsServer({ cert: readFileSync(TLS_CERT), key: readFileSync(TLS_KEY) }, handle)
  : createHttpServer(handle);

await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(PORT, HOST, resolve);
});
const address = server.address();
const hostPart = address.family === "IPv6" ? `[${address.address}]` : address.address;
origin = `${TLS_CERT ? "https" : "http"}://${hostPart}:${address.port}`;

// --- Fedify --------------------------------------------------------------------------------------

federation = createFederation({
  kv: new MemoryKvStore(),
  origin,
  // Interop: Fedify refuses loopback and private addresses unless told otherwise (test only).
  allowPrivateAddress: true,
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: `${identifier} (Fedify test peer)`,
      summary: "An independent ActivityPub peer for fedi's tests.",
      manuallyApprovesFollowers: false,
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((pair) => pair.multikey),
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) =>
    identifier === USERNAME ? [rsaKeys, ed25519Keys] : [],
  );

federation.setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) =>
  identifier === USERNAME ? { items: [] } : null,
);

federation.setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
  if (identifier !== USERNAME) return null;
  const items = [...followers.values()].map((f) => ({
    id: new URL(f.id),
    inboxId: new URL(f.inboxId),
    endpoints: f.sharedInboxId ? { sharedInbox: new URL(f.sharedInboxId) } : null,
  }));
  return { items };
});

federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) => {
  const uri = ctx.getObjectUri(Note, values);
  return notes.get(uri.href) ?? null;
});

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    const target = ctx.parseUri(follow.objectId);
    const follower = await follow.getActor(ctx);
    remember(received, {
      type: "Follow",
      id: iri(follow.id),
      actor: iri(follow.actorId),
      object: iri(follow.objectId),
      recipient: ctx.recipient,
    });
    if (target?.type !== "actor" || target.identifier !== USERNAME || !isActor(follower)) {
      return;
    }
    followers.set(follower.id.href, {
      id: follower.id.href,
      inboxId: iri(follower.inboxId),
      sharedInboxId: iri(follower.endpoints?.sharedInbox),
    });
    const accept = new Accept({
      id: new URL(`${ctx.getActorUri(USERNAME).href}#accepts/${randomUUID()}`),
      actor: ctx.getActorUri(USERNAME),
      object: follow,
    });
    try {
      await ctx.sendActivity({ identifier: USERNAME }, follower, accept);
    } catch (error) {
      remember(errors, { where: "send Accept", error: String(error) });
    }
  })
  .on(Accept, async (ctx, accept) => {
    remember(received, {
      type: "Accept",
      id: iri(accept.id),
      actor: iri(accept.actorId),
      object: iri(accept.objectId),
      recipient: ctx.recipient,
    });
  })
  .on(Create, async (ctx, create) => {
    const object = await create.getObject(ctx);
    remember(received, {
      type: "Create",
      id: iri(create.id),
      actor: iri(create.actorId),
      object: iri(create.objectId),
      objectType: object?.constructor?.name ?? null,
      attributedTo: iri(object?.attributionId),
      content: object?.content?.toString() ?? null,
      recipient: ctx.recipient,
    });
  })
  .on(Activity, async (ctx, activity) => {
    remember(received, {
      type: activity.constructor.name,
      id: iri(activity.id),
      actor: iri(activity.actorId),
      object: iri(activity.objectId),
      recipient: ctx.recipient,
    });
  })
  .onUnverifiedActivity((_ctx, activity, reason) => {
    remember(unverified, {
      type: activity.constructor.name,
      id: iri(activity.id),
      actor: iri(activity.actorId),
      reason: reason.type,
      keyId: iri(reason.keyId),
    });
  })
  .onError((_ctx, error) => {
    remember(errors, { where: "inbox", error: String(error?.stack ?? error) });
  });

// --- test-only control endpoints -----------------------------------------------------------------

async function jsonBody(request) {
  try {
    return await request.json();
  } catch {
    return {};
  }
}

async function control(request, url) {
  try {
    return await route(request, url);
  } catch (error) {
    remember(errors, { where: url.pathname, error: String(error?.stack ?? error) });
    return json({ error: String(error?.stack ?? error) }, 500);
  }
}

async function route(request, url) {
  const ctx = federation.createContext(new URL(origin), undefined);
  if (request.method === "GET" && url.pathname === "/_test/log") {
    return json({
      received,
      unverified,
      requests,
      sent,
      errors,
      followers: [...followers.keys()],
    });
  }
  if (request.method === "POST" && url.pathname === "/_test/follow") {
    return follow(ctx, await jsonBody(request));
  }
  if (request.method === "POST" && url.pathname === "/_test/note") {
    return post(ctx, await jsonBody(request));
  }
  return json({ error: "no such control endpoint" }, 404);
}

async function follow(ctx, { target }) {
  if (typeof target !== "string") return json({ error: "target is required" }, 400);
  const actor = await ctx.lookupObject(target);
  if (!isActor(actor)) return json({ error: `${target} is not an actor` }, 422);
  const activity = new Follow({
    id: new URL(`${ctx.getActorUri(USERNAME).href}#follows/${randomUUID()}`),
    actor: ctx.getActorUri(USERNAME),
    object: actor.id,
  });
  try {
    await ctx.sendActivity({ identifier: USERNAME }, actor, activity);
  } catch (error) {
    return json({ error: String(error), id: activity.id.href }, 502);
  }
  return json({ id: activity.id.href, actor: actor.id.href, inbox: iri(actor.inboxId) });
}

async function post(ctx, { to, text, spec, mention = false }) {
  if (typeof to !== "string" || typeof text !== "string") {
    return json({ error: "to and text are required" }, 400);
  }
  if (!SPECS.has(spec)) return json({ error: `spec must be one of ${[...SPECS]}` }, 400);
  const recipient = await ctx.lookupObject(to);
  if (!isActor(recipient) || recipient.inboxId == null) {
    return json({ error: `${to} is not an actor with an inbox` }, 422);
  }
  const me = ctx.getActorUri(USERNAME);
  const noteId = ctx.getObjectUri(Note, { identifier: USERNAME, id: randomUUID() });
  const published = Temporal.Now.instant();
  // Public, to the followers; with `mention`, the recipient is also mentioned and addressed.
  const ccs = mention
    ? [ctx.getFollowersUri(USERNAME), recipient.id]
    : [ctx.getFollowersUri(USERNAME)];
  const tags = mention
    ? [
        new Mention({
          href: recipient.id,
          name: `@${recipient.preferredUsername}@${recipient.id.host}`,
        }),
      ]
    : [];
  const note = new Note({
    id: noteId,
    attribution: me,
    content: text,
    published,
    url: noteId,
    to: PUBLIC_COLLECTION,
    ccs,
    tags,
  });
  notes.set(noteId.href, note);
  const create = new Create({
    id: new URL(`${noteId.href}#create`),
    actor: me,
    object: note,
    published,
    to: PUBLIC_COLLECTION,
    ccs,
  });
  const document = await create.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  const [rsa] = await ctx.getActorKeyPairs(USERNAME);
  const unsigned = new Request(recipient.inboxId, {
    method: "POST",
    headers: { "Content-Type": AP_TYPE, Accept: AP_TYPE },
    body: JSON.stringify(document),
  });
  const signed = await signRequest(unsigned, rsa.privateKey, rsa.keyId, { spec });
  const response = await fetch(signed);
  return json({
    status: response.status,
    body: (await response.text()).slice(0, 2000),
    spec,
    sentScheme: signatureScheme(signed.headers),
    note: noteId.href,
    create: create.id.href,
    inbox: recipient.inboxId.href,
  });
}

const shutdown = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

process.stdout.write(
  `${JSON.stringify({ ready: true, origin, actor: `${origin}/users/${USERNAME}` })}\n`,
);
