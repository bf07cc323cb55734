// The official `openai` package lists and retrieves models, and sees a missing model as its typed NotFoundError.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import OpenAI from 'openai';

import { sharedDir, skipReason, startServer } from './harness.mjs';

const model = join(sharedDir, 'models', 'stories260K-chat.gguf');
const skip = skipReason(model) ?? false;
let server;
let client;

before(async () => {
  if (skip) return;
  server = await startServer(['--model', `stories=${model}`]);
  client = new OpenAI({ baseURL: server.baseURL, apiKey: server.apiKey, maxRetries: 0 });
});
after(async () => { if (server) await server.stop(); });

test('models.list returns the served model', { skip }, async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m);
  assert.equal(ids.length, 1);
  assert.equal(ids[0].id, 'stories');
  assert.equal(ids[0].object, 'model');
  assert.equal(ids[0].owned_by, 'sovra');
  assert.ok(ids[0].context_length > 0);
});

test('models.retrieve and a missing model', { skip }, async () => {
  const m = await client.models.retrieve('stories');
  assert.equal(m.id, 'stories');
  await assert.rejects(client.models.retrieve('gpt-9'), (err) => {
    assert.ok(err instanceof OpenAI.NotFoundError, `expected NotFoundError, got ${err}`);
    assert.equal(err.code, 'model_not_found');
    return true;
  });
});
