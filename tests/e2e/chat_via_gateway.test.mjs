// The chat suite of chat.test.mjs again, through `sovra gateway` → `sovra worker` (harness.mjs starts both): the
// relay must be invisible to the official `openai` SDK — the same assertions as against `sovra serve` directly.
process.env.SOVRA_TEST_VIA = 'gateway';
await import('./chat.test.mjs');
