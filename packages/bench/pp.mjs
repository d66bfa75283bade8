import { troupePingPong } from './dist/peers/troupe.js';

const c = troupePingPong(2_000_000);
await c.open();
for (let r = 0; r < 8; r++) {
  const f = await c.setup();
  const t0 = performance.now();
  await f.run();
  const ms = performance.now() - t0;
  await f.teardown?.();
  if (r >= 2) console.log((((2e6 / ms) * 1000) / 1e6).toFixed(2), 'M msg/s');
}
await c.close();
