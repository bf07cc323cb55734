// The official `openai` package's embeddings.create against a generated random encoder (sovra gguf random --arch
// bert): float and base64 (the SDK's default, decoded by the SDK) give the same vectors; dimensions (Matryoshka)
// truncates and re-normalizes; arrays of token ids; a too-long input is a 400 naming the limit; rerank by fetch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';

import { binary, skipReason, startServer } from './harness.mjs';

const skip = skipReason() ?? false;
let dir;
let server;
let client;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'sovra-e2e-enc-'));
  const emb = join(dir, 'emb.gguf');
  const rr = join(dir, 'rr.gguf');
  execFileSync(binary, ['gguf', 'random', '--arch', 'bert', '--shape', 'tiny', '--matryoshka', '--type', 'f16', '-o', emb]);
  execFileSync(binary, ['gguf', 'random', '--arch', 'bert', '--shape', 'tiny', '--pooling', 'rank', '-o', rr]);
  server = await startServer(['--model', `emb=${emb}`, '--model', `rr=${rr}`]);
  client = new OpenAI({ baseURL: server.baseURL, apiKey: server.apiKey, maxRetries: 0 });
});
after(async () => {
  if (server) await server.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

test('float and base64 decode to the same unit vectors', { skip }, async () => {
  const input = ['hello world', 'the quick brown fox jumps over the lazy dog.'];
  const f = await client.embeddings.create({ model: 'emb', input, encoding_format: 'float' });
  const b = await client.embeddings.create({ model: 'emb', input }); // the SDK asks for base64 and decodes it
  assert.equal(f.object, 'list');
  assert.equal(f.model, 'emb');
  assert.equal(f.data.length, 2);
  assert.ok(f.usage.prompt_tokens > 0);
  assert.equal(f.usage.total_tokens, f.usage.prompt_tokens);
  for (let i = 0; i < 2; i++) {
    assert.equal(f.data[i].index, i);
    assert.equal(f.data[i].embedding.length, 64);
    assert.equal(b.data[i].embedding.length, 64);
    assert.ok(Math.abs(norm(f.data[i].embedding) - 1) < 1e-5);
    for (let d = 0; d < 64; d++) assert.equal(Math.fround(f.data[i].embedding[d]), b.data[i].embedding[d]);
  }
});

test('dimensions truncates and re-normalizes', { skip }, async () => {
  const full = await client.embeddings.create({ model: 'emb', input: 'hello', encoding_format: 'float' });
  const small = await client.embeddings.create({ model: 'emb', input: 'hello', dimensions: 16 });
  const v = small.data[0].embedding;
  assert.equal(v.length, 16);
  assert.ok(Math.abs(norm(v) - 1) < 1e-5);
  const scale = v[0] / full.data[0].embedding[0];
  for (let d = 0; d < 16; d++) assert.ok(Math.abs(v[d] - full.data[0].embedding[d] * scale) < 1e-5);
});

test('arrays of token ids', { skip }, async () => {
  const one = await client.embeddings.create({ model: 'emb', input: [2, 12, 3], encoding_format: 'float' });
  assert.equal(one.data.length, 1);
  assert.equal(one.usage.prompt_tokens, 3);
  const many = await client.embeddings.create({ model: 'emb', input: [[2, 12, 3], [2, 13, 14, 3]] });
  assert.equal(many.data.length, 2);
  assert.equal(many.usage.prompt_tokens, 7);
  for (let d = 0; d < 64; d++) assert.ok(Math.abs(many.data[0].embedding[d] - one.data[0].embedding[d]) < 1e-6);
});

test('too long is a 400 naming the limit; truncate cuts', { skip }, async () => {
  const long = 'hello '.repeat(200);
  await assert.rejects(client.embeddings.create({ model: 'emb', input: long }), (err) => {
    assert.ok(err instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${err}`);
    assert.match(err.message, /128 tokens/);
    assert.equal(err.param, 'input');
    return true;
  });
  const cut = await client.embeddings.create({ model: 'emb', input: long, truncate: true });
  assert.equal(cut.usage.prompt_tokens, 128);
});

test('rerank orders documents by score', { skip }, async () => {
  const res = await fetch(server.baseURL + '/rerank', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` },
    body: JSON.stringify({ model: 'rr', query: 'fox', documents: ['the quick brown fox', { text: 'lazy dog' }, 'hello'], return_documents: true }),
  });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.results.length, 3);
  for (let i = 1; i < 3; i++) assert.ok(body.results[i - 1].relevance_score >= body.results[i].relevance_score);
  assert.deepEqual(body.results.map((r) => r.index).sort(), [0, 1, 2]);
  assert.equal(typeof body.results[0].document.text, 'string');
  assert.ok(body.usage.prompt_tokens > 0);
});
