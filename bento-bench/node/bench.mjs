// The official Node SDK (@bentonow/bento-node-sdk 2.0.0) doing the same work as bench-client:
// `node bench.mjs import <base_url> [N]` imports N subscribers in chunks of 1000 with 4 requests
// in flight (the SDK does not chunk itself); `node bench.mjs small <base_url> [N]` tracks one
// event N times sequentially. Prints one JSON line like bench-client.
import { Analytics } from '@bentonow/bento-node-sdk';

const [workload, baseUrl, nArg] = process.argv.slice(2);
const CHUNK = 1000;
const CONCURRENCY = 4;
const bento = new Analytics({
  authentication: { publishableKey: 'pk_bench', secretKey: 'sk_bench' },
  siteUuid: 'bench-site',
  clientOptions: { baseUrl },
});

function subscriber(i) {
  const n = String(i).padStart(7, '0');
  return {
    email: `user${n}@example.com`,
    first_name: `First${i}`,
    last_name: `Last${i}`,
    tags: 'imported,newsletter',
    plan: ['free', 'pro', 'team'][i % 3],
    company: `Company ${i % 997}`,
    signup_date: `2026-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
    score: i % 100,
    vip: i % 10 === 0,
  };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function report(loopCpu, loopWallMs, extra) {
  const peak = process.resourceUsage().maxRSS; // KiB
  console.log(JSON.stringify({ loop_cpu_ms: loopCpu, loop_wall_ms: loopWallMs, peak_rss_kib: peak, ...extra }));
}

if (workload === 'import') {
  const n = Number(nArg ?? 100000);
  const records = Array.from({ length: n }, (_, i) => subscriber(i));
  const cpu0 = cpuMs();
  const t0 = process.hrtime.bigint();
  let next = 0;
  let accepted = 0;
  async function worker() {
    while (next < records.length) {
      const chunk = records.slice(next, next + CHUNK);
      next += CHUNK;
      const results = await bento.V1.Batch.importSubscribers({ subscribers: chunk });
      accepted += results; // not `accepted += await ..`: that reads `accepted` before awaiting
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  report(cpuMs() - cpu0, Number(process.hrtime.bigint() - t0) / 1e6, { accepted });
} else if (workload === 'small') {
  const n = Number(nArg ?? 10000);
  const lat = [];
  const cpu0 = cpuMs();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await bento.V1.Batch.importEvents({
      events: [{ type: '$pageView', email: subscriber(i).email, details: { url: '/pricing' } }],
    });
    lat.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  const loopCpu = cpuMs() - cpu0;
  lat.sort((a, b) => a - b);
  const at = (q) => lat[Math.round((lat.length - 1) * q)];
  report(loopCpu, Number(process.hrtime.bigint() - t0) / 1e6, {
    p50_us: at(0.5), p99_us: at(0.99), cpu_us_per_call: (loopCpu * 1000) / n,
  });
} else {
  console.error('usage: node bench.mjs <import|small> <base_url> [N]');
  process.exit(2);
}
