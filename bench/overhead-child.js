// One timed run of one workload under one tracing setting, in a fresh
// process. Prints JSON: { ms, rssDeltaMB }.
'use strict';
const path = require('node:path');
const workloads = require('./workloads');

const [name, mode, framesArg, nArg] = process.argv.slice(2);
const n = Number(nArg);
const frames = Number(framesArg);
const tm = require(path.join(__dirname, '..'));

workloads[name](Math.min(n, 20000)); // warm up the code before tracing
const rssBefore = process.memoryUsage().rss;
if (mode !== 'off') tm.start(frames, { interval: Number(mode) });
const t0 = process.hrtime.bigint();
const result = workloads[name](n);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const rssDeltaMB = (process.memoryUsage().rss - rssBefore) / 1048576;
if (mode !== 'off') tm.stop();
console.log(JSON.stringify({ ms, rssDeltaMB, result }));
