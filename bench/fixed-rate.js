// A loopback HTTP client at a fixed offered rate (open loop: requests are
// sent on a 10 ms clock whatever the answers, at most 64 in flight, the rest
// counted as dropped). Shared by bench/leak-watch.js and bench/budget-load.js.
'use strict';
const http = require('node:http');

/**
 * Offers `rate` requests per second to 127.0.0.1:`port` for `seconds`, over
 * keep-alive connections, each to `pathFor(n)`; resolves when the last
 * answer is in: { sent, ok, dropped, rate } (rate: answered per second).
 */
function offer({ port, rate, seconds, pathFor }) {
  return new Promise((resolve) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    let sent = 0;
    let ok = 0;
    let dropped = 0;
    let inflight = 0;
    let closing = false;
    const started = Date.now();
    const perTick = rate / 100;
    let credit = 0;
    const finish = () => {
      if (!closing || inflight > 0) return;
      const elapsed = (Date.now() - started) / 1000;
      agent.destroy();
      resolve({ sent, ok, dropped, rate: ok / elapsed });
      closing = false;
    };
    const timer = setInterval(() => {
      credit += perTick;
      for (; credit >= 1; credit--) {
        if (inflight >= 64) {
          dropped++;
          continue;
        }
        inflight++;
        sent++;
        http
          .get({ host: '127.0.0.1', port, path: pathFor(sent), agent }, (res) => {
            res.resume();
            res.on('end', () => {
              inflight--;
              ok++;
              finish();
            });
          })
          .on('error', () => {
            inflight--;
            finish();
          });
      }
      if (Date.now() - started >= seconds * 1000) {
        clearInterval(timer);
        closing = true;
        finish();
      }
    }, 10);
  });
}

module.exports = { offer };
