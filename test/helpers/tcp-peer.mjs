// Host end of the TAP guest test's TCP transfers, run inside the test's network namespace:
//   node tcp-peer.mjs receive HOST PORT        listen, take one connection, print md5 of it
//   node tcp-peer.mjs send HOST PORT BYTES     connect (retrying while refused), send random
//                                              bytes, print their md5
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';

const [mode, host, portText, bytesText] = process.argv.slice(2);
const port = Number(portText);
if (mode === 'receive') {
  const h = createHash('md5');
  const server = createServer((s) => {
    s.on('data', (d) => h.update(d));
    s.on('end', () => {
      console.log(h.digest('hex'));
      server.close();
    });
  });
  server.listen(port, host, () => console.error('listening'));
} else if (mode === 'send') {
  const data = randomBytes(Number(bytesText));
  const md5 = createHash('md5').update(data).digest('hex');
  const attempt = (left) => {
    const s = connect({ host, port });
    s.once('connect', () => s.end(data, () => console.log(md5)));
    s.once('error', (err) => {
      if (left > 0 && err.code === 'ECONNREFUSED') setTimeout(() => attempt(left - 1), 200);
      else {
        console.error(err.message);
        process.exit(1);
      }
    });
  };
  attempt(100);
} else {
  console.error('usage: tcp-peer.mjs receive|send HOST PORT [BYTES]');
  process.exit(2);
}
