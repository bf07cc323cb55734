// The official `@anthropic-ai/sdk` package against the real binary, as a user switching from Anthropic would use
// it: messages (plain and streamed, with the stream helpers and the final message), a tool-use round trip, stop
// sequences, count_tokens, models, and errors surfacing as the SDK's typed error classes.
//
// /v1/messages needs the engine behind `sovra serve`; on a build where the route is not installed yet (it answers
// 404) the message tests are skipped with that reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';

import { sharedDir, skipReason, startServer } from './harness.mjs';

const model = join(sharedDir, 'models', 'stories260K-chat.gguf');
const skip = skipReason(model) ?? false;
let server;
let client;
let messagesMissing = null;  // why the /v1/messages tests cannot run, or null

before(async () => {
  if (skip) return;
  server = await startServer(['--model', `stories=${model}`]);
  // The SDK appends /v1/… itself.
  client = new Anthropic({ baseURL: server.baseURL.replace(/\/v1$/, ''), apiKey: server.apiKey, maxRetries: 0 });
  const probe = await fetch(`${server.baseURL}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey, 'anthropic-version': '2023-06-01' },
    body: '{}',
  });
  if (probe.status === 404) messagesMissing = 'POST /v1/messages answers 404: the Anthropic routes are not installed in this build';
});
after(async () => { if (server) await server.stop(); });

// Skips the test (with the reason) when /v1/messages is not served; true when it may run.
function messagesServed(t) {
  if (messagesMissing) { t.skip(messagesMissing); return false; }
  return true;
}

const ask = (text, extra = {}) => ({
  model: 'stories',
  max_tokens: 24,
  temperature: 0,
  messages: [{ role: 'user', content: text }],
  ...extra,
});

function textOf(message) {
  return message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
}

test('models.list and models.retrieve answer in Anthropic\'s shape', { skip }, async () => {
  const ids = [];
  for await (const m of client.models.list()) {
    assert.equal(m.type, 'model');
    assert.ok(!Number.isNaN(Date.parse(m.created_at)), `created_at ${m.created_at} is a date`);
    ids.push(m.id);
  }
  assert.deepEqual(ids, ['stories']);
  const one = await client.models.retrieve('stories');
  assert.equal(one.display_name, 'stories');
  await assert.rejects(client.models.retrieve('claude-9'), Anthropic.NotFoundError);
});

test('a wrong key is an AuthenticationError', { skip }, async () => {
  const bad = new Anthropic({ baseURL: server.baseURL.replace(/\/v1$/, ''), apiKey: 'sk-wrong', maxRetries: 0 });
  await assert.rejects(bad.models.list(), (err) => {
    assert.ok(err instanceof Anthropic.AuthenticationError, `expected AuthenticationError, got ${err}`);
    assert.equal(err.error?.error?.type, 'authentication_error');
    return true;
  });
});

test('messages.create returns a message', { skip }, async (t) => {
  if (!messagesServed(t)) return;
  const m = await client.messages.create(ask('Tell me a story.', { system: 'You tell stories.' }));
  assert.match(m.id, /^msg_/);
  assert.equal(m.type, 'message');
  assert.equal(m.role, 'assistant');
  assert.equal(m.model, 'stories');
  assert.ok(['end_turn', 'max_tokens'].includes(m.stop_reason), m.stop_reason);
  assert.ok(m.usage.input_tokens > 0);
  assert.ok(m.usage.output_tokens > 0 && m.usage.output_tokens <= 24);
  assert.ok(textOf(m).length > 0);
});

test('messages.stream gives the same text as create, event by event', { skip }, async (t) => {
  if (!messagesServed(t)) return;
  const plain = await client.messages.create(ask('Once upon a time'));
  const stream = client.messages.stream(ask('Once upon a time'));
  let streamed = '';
  const types = [];
  stream.on('text', (delta) => { streamed += delta; });
  stream.on('streamEvent', (e) => types.push(e.type));
  const final = await stream.finalMessage();
  assert.equal(types[0], 'message_start');
  assert.equal(types.at(-1), 'message_stop');
  assert.ok(types.includes('message_delta'));
  assert.equal(streamed, textOf(final));
  assert.equal(textOf(final), textOf(plain), 'temperature 0: stream and create agree');
  assert.equal(final.stop_reason, plain.stop_reason);
  assert.equal(final.usage.output_tokens, plain.usage.output_tokens);
});

test('stop sequences end the message with stop_reason stop_sequence', { skip }, async (t) => {
  if (!messagesServed(t)) return;
  const full = textOf(await client.messages.create(ask('Once upon a time', { max_tokens: 48 })));
  const words = full.split(/\s+/).filter((w) => w.length >= 3);
  if (words.length < 2) { t.skip(`the model's output has too few words to pick a stop sequence: ${JSON.stringify(full)}`); return; }
  const stop = words[1];
  const m = await client.messages.create(ask('Once upon a time', { max_tokens: 48, stop_sequences: [stop] }));
  assert.equal(m.stop_reason, 'stop_sequence');
  assert.equal(m.stop_sequence, stop);
  // Chat output of models with a tool-call/reasoning syntax is trimmed at its ends (the markup's whitespace).
  assert.equal(textOf(m).trimEnd(), full.slice(0, full.indexOf(stop)).trimEnd());
});

test('tool use round trip', { skip }, async (t) => {
  if (!messagesServed(t)) return;
  const tools = [{
    name: 'get_weather',
    description: 'The weather in a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  }];
  const first = await client.messages.create(ask('Weather in Oslo?', {
    max_tokens: 64, tools, tool_choice: { type: 'tool', name: 'get_weather' },
  }));
  for (const b of first.content.filter((c) => c.type === 'tool_use')) {
    assert.equal(b.name, 'get_weather');
    assert.match(b.id, /^[a-zA-Z0-9_-]+$/);
    assert.equal(typeof b.input, 'object');
  }
  if (first.stop_reason === 'tool_use') assert.ok(first.content.some((c) => c.type === 'tool_use'));
  // The client answers the call; the conversation goes on with the tool's result.
  const call = first.content.find((c) => c.type === 'tool_use') ?? { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } };
  const second = await client.messages.create(ask('', {
    tools,
    messages: [
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: [call] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '-3 C and snowing' }] },
    ],
  }));
  assert.equal(second.type, 'message');
  // Prompt size = uncached input + cache reads (the prefix cache serves the shared start of the conversation).
  const promptOf = (u) => u.input_tokens + (u.cache_read_input_tokens ?? 0);
  assert.ok(promptOf(second.usage) > promptOf(first.usage));
  // Streamed tool input arrives as input_json_delta pieces that the SDK assembles into the object.
  const streamed = await client.messages.stream(ask('Weather in Oslo?', {
    max_tokens: 64, tools, tool_choice: { type: 'tool', name: 'get_weather' },
  })).finalMessage();
  for (const b of streamed.content.filter((c) => c.type === 'tool_use')) assert.equal(typeof b.input, 'object');
});

test('count_tokens counts the prompt', { skip }, async (t) => {
  if (!messagesServed(t)) return;
  const short = await client.messages.countTokens({ model: 'stories', messages: [{ role: 'user', content: 'Hi' }] });
  const long = await client.messages.countTokens({
    model: 'stories',
    system: 'You are a storyteller who tells long stories.',
    messages: [{ role: 'user', content: 'Hi, tell me a long story about a cat and a dog.' }],
  });
  assert.ok(short.input_tokens > 0);
  assert.ok(long.input_tokens > short.input_tokens);
  const m = await client.messages.create(ask('Hi', { max_tokens: 1 }));
  assert.equal(m.usage.input_tokens + (m.usage.cache_read_input_tokens ?? 0), short.input_tokens);
});

test('errors are the SDK\'s typed errors', { skip }, async (t) => {
  if (!messagesServed(t)) return;
  await assert.rejects(client.messages.create(ask('x', { model: 'claude-9' })), Anthropic.NotFoundError);
  await assert.rejects(client.messages.create({ model: 'stories', messages: [{ role: 'user', content: 'x' }] }), (err) => {
    assert.ok(err instanceof Anthropic.BadRequestError, `expected BadRequestError, got ${err}`);
    assert.equal(err.error?.error?.type, 'invalid_request_error');
    assert.match(err.message, /max_tokens/);
    return true;
  });
  await assert.rejects(client.messages.create(ask('x', { temperature: 3 })), Anthropic.BadRequestError);
  await assert.rejects(client.messages.create(ask('x', {
    messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }],
  })), (err) => {
    assert.ok(err instanceof Anthropic.BadRequestError);
    assert.match(err.message, /image/);
    return true;
  });
});
