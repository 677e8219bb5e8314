// The bento component in Node.js through jco: a smoke flow against the emulator.
// Run by scripts/jco-smoke.sh, which transpiles the component into ./out and starts the
// emulator in another process (jco's wasi:http blocks the main thread while a call runs).
import assert from 'node:assert/strict';
import { api } from './out/bento.js';

const info = JSON.parse(process.env.BENTO_EMULATOR);
const { Client } = api;

function config(overrides = {}) {
  return {
    publishableKey: info.publishable_key,
    secretKey: info.secret_key,
    siteUuid: info.site_uuid,
    baseUrl: info.base_url,
    userAgent: undefined,
    timeoutMs: 5000n,
    connectTimeoutMs: undefined,
    maxResponseBytes: undefined,
    retry: {
      maxRetries: 0,
      baseDelayMs: 10n,
      maxDelayMs: 50n,
      maxRetryAfterMs: 1000n,
      retryServerErrors: true,
      retryTransportErrors: true,
    },
    ...overrides,
  };
}

async function state() {
  const response = await fetch(`${info.admin_url}/state`);
  assert.equal(response.status, 200);
  return response.json();
}

/** Runs `f`, which must throw a ComponentError; returns its payload's details (the
 * `bento-error` resource's `details()`: `{tag, val}`). */
function bentoError(f) {
  try {
    f();
  } catch (e) {
    assert.equal(e.constructor.name, 'ComponentError', `not a ComponentError: ${e}`);
    assert.equal(e.payload.constructor.name, 'BentoError', `not a bento-error: ${e.payload}`);
    return e.payload.details();
  }
  assert.fail('expected a bento-error');
}

const steps = [];
function step(name) {
  steps.push(name);
  console.log(`jco smoke: ${name}`);
}

const client = new Client(config());

step('track events');
const tracked = client.trackEvents([
  { eventType: '$pageView', email: 'node@example.com', fields: undefined, details: '{"url":"/"}', date: undefined },
  { eventType: 'signup', email: 'node2@example.com', fields: '{"plan":"pro"}', details: undefined, date: undefined },
]);
assert.deepEqual(tracked, { results: 2n, failed: 0n });

step('import subscribers');
const imported = client.importSubscribers([
  { email: 'jco@example.com', firstName: 'Jay', lastName: undefined, tags: 'node', removeTags: undefined, customFields: '{"runtime":"node"}' },
]);
assert.equal(imported.results, 1n);

step('find subscriber');
const found = client.findSubscriber('jco@example.com');
assert.equal(found.email, 'jco@example.com');
assert.equal(JSON.parse(found.fields).runtime, 'node');
assert.equal(client.findSubscriber('nobody@example.com'), undefined);

step('subscriber command');
const queued = client.subscriberCommand([
  { tag: 'add-tag', val: { email: 'jco@example.com', tag: 'from-node' } },
  { tag: 'add-field', val: { email: 'jco@example.com', key: 'score', value: '7' } },
]);
assert.equal(queued.results, 2n);

step('chunked import');
const rows = Array.from({ length: 12 }, (_, i) => ({
  email: `bulk${i}@example.com`, firstName: undefined, lastName: undefined,
  tags: undefined, removeTags: undefined, customFields: undefined,
}));
const report = client.importSubscribersChunked(rows, { chunkSize: 5 });
assert.equal(report.chunks, 3);
assert.equal(report.accepted, 12n);
assert.equal(report.failedChunks.length, 0);

step('emulator state');
const s = await state();
const jco = s.subscribers.find((x) => x.attributes.email === 'jco@example.com');
assert.ok(jco.attributes.tag_names.includes('from-node'), JSON.stringify(jco));
assert.equal(jco.attributes.fields.score, 7);
assert.equal(s.events.length, 2);

step('error: bad JSON is invalid-input');
const invalid = bentoError(() => client.track({
  eventType: 'signup', email: 'node@example.com', fields: undefined, details: '{oops', date: undefined,
}));
assert.equal(invalid.tag, 'invalid-input');
assert.equal(invalid.val.field, 'event.details');

step('error: wrong key is unauthorized');
const wrong = new Client(config({ secretKey: 'wrong' }));
assert.equal(bentoError(() => wrong.getTags()).tag, 'unauthorized');

step('error: bad config is invalid-input');
assert.equal(bentoError(() => new Client(config({ timeoutMs: 0n }))).tag, 'invalid-input');

step('error: unknown author');
const author = bentoError(() => client.sendEmails([{
  to: 'reader@example.com', from: 'stranger@example.com', subject: 's', htmlBody: '<p>b</p>',
  transactional: true, personalizations: undefined,
}]));
assert.equal(author.tag, 'author-not-authorized');

console.log(`jco smoke: ok (${steps.length} steps)`);
